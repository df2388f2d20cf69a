// Messages for MOE_NCCL_CHECK and MOE_CUDA_CHECK (see nccl_check.h).
#include "dist/cuda/nccl_check.h"

#include "common/log.h"
#include "dist/mpi_environment.h"

namespace moe::dist {

std::string describe_nccl_failure(const char* call, ncclResult_t result) {
  std::string message = cat(call, " failed on rank ", log::rank(), " (host ", host_name(),
                            "): ", ncclGetErrorString(result));
#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 13, 0)
  // NCCL's own account (which peer, which socket) is often the only actionable part.
  const char* detail = ncclGetLastError(nullptr);
  if (detail != nullptr && *detail != '\0') message += cat(" (last NCCL error: ", detail, ")");
#endif
  return message;
}

std::string describe_cuda_failure(const char* call, cudaError_t error) {
  return cat(call, " failed on rank ", log::rank(), " (host ", host_name(),
             "): ", cudaGetErrorName(error), ": ", cudaGetErrorString(error));
}

}  // namespace moe::dist
