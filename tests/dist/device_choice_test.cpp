// runtime.device resolution: cpu always works, auto falls back to the CPU, cuda refuses
// clearly where it cannot be had.
#include "dist/device_choice.h"

#include <gtest/gtest.h>

#include "support/expect_error.h"

namespace moe::dist {
namespace {

using testing_support::error_of;

bool gpu_usable() {
#ifdef MOE_WITH_CUDA
  return torch::cuda::is_available();
#else
  return false;
#endif
}

TEST(DeviceChoice, CpuIsAlwaysTheCpu) {
  EXPECT_TRUE(choose_device("cpu", 0).is_cpu());
  EXPECT_TRUE(choose_device("cpu", 5).is_cpu());
  EXPECT_EQ(describe_device(torch::kCPU), "cpu");
}

TEST(DeviceChoice, AutoTakesTheGpuOfTheLocalRankOrTheCpu) {
  const torch::Device device = choose_device("auto", 1);
  if (!gpu_usable()) {
    EXPECT_TRUE(device.is_cpu());
    return;
  }
  ASSERT_TRUE(device.is_cuda());
  EXPECT_EQ(device.index(), 1 % torch::cuda::device_count());
}

TEST(DeviceChoice, CudaWithoutAGpuNamesTheReason) {
  if (gpu_usable()) GTEST_SKIP() << "a GPU is usable here";
  const std::string message = error_of([] { choose_device("cuda", 0); });
  EXPECT_MENTIONS(message, "runtime.device: cuda");
#ifndef MOE_WITH_CUDA
  EXPECT_MENTIONS(message, "-DMOE_WITH_CUDA=ON");
#endif
}

TEST(DeviceChoice, RejectsAnUnknownSetting) {
  EXPECT_MENTIONS(error_of([] { choose_device("tpu", 0); }), "one of auto, cpu, cuda; got tpu");
}

}  // namespace
}  // namespace moe::dist
