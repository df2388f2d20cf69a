// AdamW with LibTorch's update rule (decoupled weight decay, bias correction, eps outside
// the square root) computed in one pass over each parameter. LibTorch's C++ AdamW runs one
// operator per term of the update, each reading and writing whole tensors: 2% of a dense
// training step on 2 CPU cores and 5-7% of a 4-expert one, whose experts multiply the
// feed-forward parameters (docs/BENCHMARKS.md). The state stays in AdamW's
// AdamWParamState, so checkpoints (training_state.h) are unchanged. Parameters that are not
// contiguous float32 on the CPU, sparse gradients and amsgrad take AdamW's own step.
#pragma once

#include <torch/torch.h>

namespace moe::train {

class FusedAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;

 private:
  bool every_parameter_fuses() const;
};

}  // namespace moe::train
