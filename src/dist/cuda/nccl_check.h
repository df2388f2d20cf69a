// One check macro each for NCCL and CUDA runtime calls: a failure becomes moe::Error naming
// the call, the rank, the host and the library's own message.
#pragma once

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <string>

#include "common/error.h"

namespace moe::dist {

// "ncclAllReduce(...) failed on rank 3 (host node07): unhandled system error (last NCCL
// error: ...)". The rank is the world rank; no MPI call, so any thread may use these.
std::string describe_nccl_failure(const char* call, ncclResult_t result);
// "cudaEventRecord(...) failed on rank 3 (host node07): cudaErrorIllegalAddress: an illegal
// memory access was encountered".
std::string describe_cuda_failure(const char* call, cudaError_t error);

}  // namespace moe::dist

#define MOE_NCCL_CHECK(call)                                                          \
  do {                                                                                \
    const ncclResult_t moe_nccl_result = (call);                                      \
    if (moe_nccl_result != ncclSuccess)                                               \
      throw ::moe::Error(::moe::dist::describe_nccl_failure(#call, moe_nccl_result)); \
  } while (0)

#define MOE_CUDA_CHECK(call)                                                         \
  do {                                                                               \
    const cudaError_t moe_cuda_error = (call);                                       \
    if (moe_cuda_error != cudaSuccess)                                               \
      throw ::moe::Error(::moe::dist::describe_cuda_failure(#call, moe_cuda_error)); \
  } while (0)
