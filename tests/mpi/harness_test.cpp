// A test of the multi-rank test harness itself (mpi_test_main.cpp): when asked through
// MOE_TEST_FAIL_ON_RANK, this test fails on that rank only, and tests/e2e/mpi_harness.sh
// checks that the whole job then fails. Without the variable it passes everywhere.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdlib>

TEST(MpiTestHarness, FailsOnTheRankNamedByTheEnvironment) {
  const char* fail_on = std::getenv("MOE_TEST_FAIL_ON_RANK");
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (fail_on != nullptr && std::atoi(fail_on) == rank) FAIL() << "failing on request";
}
