// Checks that an index folder appears only complete: the build writes under <out>.partial,
// commit renames it, a build that fails removes it, and --overwrite swaps an old index for a
// new one only when the new one is complete.
#include "index/staging_folder.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

using moe::index::StagingFolder;
using moe::testing_support::error_of;
namespace fs = std::filesystem;

namespace {

TEST(StagingFolder, CommitRenamesAndFailureRemoves) {
  moe::testing_support::ScopedTempDir temp("moe_staging_test");
  const std::string out = temp.path("index");
  {
    StagingFolder staging(out + "/", false);  // a trailing slash names the same folder
    EXPECT_EQ(staging.path(), out + ".partial");
    EXPECT_EQ(moe::index::staging_path(out + "//"), out + ".partial");
    temp.write_file("index.partial/a.faiss", "x");
    EXPECT_FALSE(fs::exists(out));
  }  // destroyed without commit: a failed build
  EXPECT_FALSE(fs::exists(out + ".partial"));
  EXPECT_FALSE(fs::exists(out));

  StagingFolder staging(out, false);
  temp.write_file("index.partial/a.faiss", "new");
  staging.commit();
  EXPECT_TRUE(fs::exists(out + "/a.faiss"));
  EXPECT_FALSE(fs::exists(out + ".partial"));
}

TEST(StagingFolder, OverwriteReplacesOnlyAtCommitAndStaleBuildsAreCleared) {
  moe::testing_support::ScopedTempDir temp("moe_staging_test");
  const std::string out = temp.path("index");
  fs::create_directory(out);
  temp.write_file("index/old.faiss", "old");
  EXPECT_MENTIONS(error_of([&] { StagingFolder again(out, false); }),
                  "--out " + out + " exists; pass --overwrite to replace it");
  fs::create_directory(out + ".partial");
  temp.write_file("index.partial/stale.faiss", "killed build");
  {
    StagingFolder staging(out, true);
    EXPECT_FALSE(fs::exists(out + ".partial/stale.faiss"));
    temp.write_file("index.partial/new.faiss", "new");
    EXPECT_TRUE(fs::exists(out + "/old.faiss"));  // the old index serves until commit
    staging.commit();
  }
  EXPECT_TRUE(fs::exists(out + "/new.faiss"));
  EXPECT_FALSE(fs::exists(out + "/old.faiss"));
  EXPECT_FALSE(fs::exists(out + ".old"));
  EXPECT_MENTIONS(error_of([&] { StagingFolder bad(temp.path("missing/index"), false); }),
                  "does not exist");
  temp.write_file("file", "x");
  EXPECT_MENTIONS(error_of([&] { StagingFolder bad(temp.path("file"), true); }),
                  "is a file; an index is a folder");
}

}  // namespace
