// For the GPU tests: a rank's place on its node (its GPU) and whether every rank has one.
#pragma once

#include <mpi.h>
#include <torch/cuda.h>

namespace moe::testing_support {

// This rank's index among the ranks on its node.
inline int node_local_rank() {
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int rank = 0;
  MPI_Comm_rank(node, &rank);
  MPI_Comm_free(&node);
  return rank;
}

// The same answer on every rank: each has a GPU of its own (GPU index = node-local rank).
inline bool every_rank_has_a_gpu() {
  const int mine = torch::cuda::is_available() &&
                           node_local_rank() < static_cast<int>(torch::cuda::device_count())
                       ? 1
                       : 0;
  int all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return all == 1;
}

}  // namespace moe::testing_support
