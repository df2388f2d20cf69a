// The state of the random generators a forward pass draws its dropout masks from, captured
// and restored so that GradCache (contrastive_step.h) can run a chunk's forward twice with
// the same masks: once without graph, once with it.
#pragma once

#include <torch/torch.h>

namespace moe::train {

class RandomState {
 public:
  // Captures the CPU generator and, for a CUDA device, that device's generator.
  static RandomState capture(const torch::Device& device);
  // Puts the captured states back, so the next draws repeat those after capture().
  void restore() const;

 private:
  RandomState(const torch::Device& device, torch::Tensor cpu, torch::Tensor accelerator)
      : device_(device), cpu_(std::move(cpu)), accelerator_(std::move(accelerator)) {}

  torch::Device device_;
  torch::Tensor cpu_;
  torch::Tensor accelerator_;  // undefined on the CPU
};

}  // namespace moe::train
