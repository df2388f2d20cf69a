// Implementation of choose_device (see device_choice.h).
#include "dist/device_choice.h"

#include "common/error.h"

#ifdef MOE_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace moe::dist {
namespace {

constexpr bool kBuiltWithCuda =
#ifdef MOE_WITH_CUDA
    true;
#else
    false;
#endif

}  // namespace

torch::Device choose_device(const std::string& setting, int local_rank,
                            const std::string& setting_name) {
  MOE_REQUIRE(setting == "auto" || setting == "cpu" || setting == "cuda", setting_name,
              ": must be one of auto, cpu, cuda; got ", setting);
  if (setting == "cpu") return torch::kCPU;
  const bool gpu_visible = kBuiltWithCuda && torch::cuda::is_available();
  if (setting == "auto" && !gpu_visible) return torch::kCPU;
  MOE_REQUIRE(kBuiltWithCuda, setting_name,
              ": cuda, but this build has no CUDA support (configure with "
              "-DMOE_WITH_CUDA=ON against a CUDA-enabled LibTorch)");
  MOE_REQUIRE(gpu_visible, setting_name,
              ": cuda, but no GPU is visible to this process (check "
              "CUDA_VISIBLE_DEVICES and the scheduler's GPU request)");
  const int count = static_cast<int>(torch::cuda::device_count());
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank % count));
}

std::string describe_device(const torch::Device& device) {
  if (!device.is_cuda()) return device.str();
#ifdef MOE_WITH_CUDA
  cudaDeviceProp properties{};
  if (cudaGetDeviceProperties(&properties, device.index()) == cudaSuccess)
    return cat(device.str(), " (", properties.name, ")");
#endif
  return device.str();
}

}  // namespace moe::dist
