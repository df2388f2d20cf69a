// One check macro for MPI calls: a failure becomes moe::Error naming the call, the rank,
// the host and MPI's own message.
#pragma once

#include <mpi.h>

#include <string>

namespace moe::dist {

// Formats "MPI_Allreduce failed on rank 3 (host node07): <MPI error string>".
std::string describe_mpi_failure(const char* call, int code);

}  // namespace moe::dist

#define MOE_MPI_CHECK(call)                                                       \
  do {                                                                            \
    const int moe_mpi_code = (call);                                              \
    if (moe_mpi_code != MPI_SUCCESS)                                              \
      throw ::moe::Error(::moe::dist::describe_mpi_failure(#call, moe_mpi_code)); \
  } while (0)
