// Blocking against non-blocking MPI collectives, the choice behind dist/collective_watch.h:
// mean microseconds of MPI_Allreduce vs MPI_Iallreduce + MPI_Test polling, and of
// MPI_Alltoallv vs MPI_Ialltoallv, for float buffers from 1 to 4M elements.
//   launch/run_local.sh 2 build/bin/mpi_wait_modes [--repeats 2]
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void wait_polling(MPI_Request& request) {
  int done = 0;
  while (!done) MPI_Test(&request, &done, MPI_STATUS_IGNORE);
}

double all_reduce_us(std::vector<float>& buffer, int count, bool blocking, int iterations) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  for (int i = 0; i < iterations; ++i) {
    if (blocking) {
      MPI_Allreduce(MPI_IN_PLACE, buffer.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    } else {
      MPI_Request request;
      MPI_Iallreduce(MPI_IN_PLACE, buffer.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                     &request);
      wait_polling(request);
    }
  }
  return (MPI_Wtime() - start) / iterations * 1e6;
}

double all_to_all_us(const std::vector<float>& send, std::vector<float>& receive, int count,
                     bool blocking, int iterations, int ranks) {
  std::vector<int> counts(ranks, count / ranks), offsets(ranks);
  for (int p = 0; p < ranks; ++p) offsets[p] = p * (count / ranks);
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  for (int i = 0; i < iterations; ++i) {
    if (blocking) {
      MPI_Alltoallv(send.data(), counts.data(), offsets.data(), MPI_FLOAT, receive.data(),
                    counts.data(), offsets.data(), MPI_FLOAT, MPI_COMM_WORLD);
    } else {
      MPI_Request request;
      MPI_Ialltoallv(send.data(), counts.data(), offsets.data(), MPI_FLOAT, receive.data(),
                     counts.data(), offsets.data(), MPI_FLOAT, MPI_COMM_WORLD, &request);
      wait_polling(request);
    }
  }
  return (MPI_Wtime() - start) / iterations * 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const int repeats = argc == 3 && std::strcmp(argv[1], "--repeats") == 0 ? std::atoi(argv[2]) : 2;
  constexpr int kLargest = 4 << 20;
  std::vector<float> a(kLargest, 1.0f), b(kLargest);
  if (rank == 0)
    std::printf("%10s  %12s %12s  %12s %12s   (us per call, %d ranks)\n", "floats", "allreduce",
                "iallreduce", "alltoallv", "ialltoallv", ranks);
  for (const int count : {1, 1024, 256 << 10, kLargest}) {
    const int iterations = count > 100000 ? 30 : 2000;
    for (int r = 0; r < repeats; ++r) {
      const double blocking = all_reduce_us(a, count, true, iterations);
      const double polled = all_reduce_us(a, count, false, iterations);
      const double exchange = all_to_all_us(a, b, count, true, iterations, ranks);
      const double exchange_polled = all_to_all_us(a, b, count, false, iterations, ranks);
      if (rank == 0)
        std::printf("%10d  %12.1f %12.1f  %12.1f %12.1f\n", count, blocking, polled, exchange,
                    exchange_polled);
    }
  }
  MPI_Finalize();
  return 0;
}
