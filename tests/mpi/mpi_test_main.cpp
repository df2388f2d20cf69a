// gtest main for multi-rank tests: initialises MPI, lets every rank run every test, prints
// the usual report on rank 0 and failures from any rank, and makes every rank exit with
// the combined verdict so one rank's failure fails the test under mpiexec.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>

#include "common/log.h"
#include "dist/mpi_environment.h"

namespace {

// On ranks other than 0, reports only failures, tagged with the rank.
class FailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.summary());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  moe::dist::MpiEnvironment mpi(&argc, &argv);
  if (mpi.rank() != 0) {
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailurePrinter(mpi.rank()));
  }
  const int local_failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int any_failed = 0;
  MPI_Allreduce(&local_failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (mpi.rank() == 0 && any_failed && !local_failed)
    std::fprintf(stderr, "another rank failed (see its [rank N] lines above)\n");
  return any_failed;
}
