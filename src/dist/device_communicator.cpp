// Implementation of make_device_communicator (see device_communicator.h).
#include "dist/device_communicator.h"

#include "common/error.h"

#ifdef MOE_WITH_CUDA
#include "dist/cuda/nccl_communicator.h"
#endif

namespace moe::dist {

bool built_with_cuda() {
#ifdef MOE_WITH_CUDA
  return true;
#else
  return false;
#endif
}

std::unique_ptr<Communicator> make_device_communicator(MpiCommunicator& world,
                                                       const torch::Device& device,
                                                       double timeout_seconds) {
  if (device.is_cpu()) return world.duplicate();
  MOE_REQUIRE(device.is_cuda(), "no communicator for device ", device.str(),
              " (supported: cpu, cuda)");
#ifdef MOE_WITH_CUDA
  return std::make_unique<NcclCommunicator>(world.duplicate(), device, timeout_seconds);
#else
  (void)timeout_seconds;
  throw Error(cat("device ", device.str(),
                  ": this build has no CUDA support; configure with -DMOE_WITH_CUDA=ON and a "
                  "CUDA-enabled LibTorch"));
#endif
}

}  // namespace moe::dist
