// Domain names end up in file names and HDF5 group paths: only safe names pass.
#include <gtest/gtest.h>

#include "data/manifest.h"

using moe::data::domain_name_problem;

TEST(DomainName, AcceptsSafeNames) {
  for (const char* name : {"cardio", "skin_cancer", "COPD", "auto-immune", "v1.2"})
    EXPECT_EQ(domain_name_problem(name), "") << name;
}

TEST(DomainName, RejectsNamesThatWouldEscapeTheirFolderOrGroup) {
  for (const char* name : {"", "a/b", "../x", ".hidden", "with space", "tab\tname", "é"})
    EXPECT_NE(domain_name_problem(name), "") << name;
  EXPECT_NE(domain_name_problem(std::string(65, 'a')), "");
  EXPECT_EQ(domain_name_problem(std::string(64, 'a')), "");
}
