// Inverted dropout whose mask every intra-op thread draws. LibTorch's CPU bernoulli_ (built
// without MKL, as Debian's is) runs mt19937 on one thread: 12% of an eager BERT training
// step on 2 cores (docs/BENCHMARKS.md). Here each element's keep/drop bit is a hash of
// (seed, element index), so threads split the elements freely and the mask does not depend
// on the thread count. The seed is drawn from LibTorch's default CPU generator, so
// torch::manual_seed and saved random states (GradCache's replay, resume) reproduce masks
// exactly. Tensors on other devices use torch::dropout (CUDA's kernel is already fused).
#pragma once

#include <torch/torch.h>

namespace moe::model {

// input scaled by 1 / (1 - probability) where kept, zero where dropped; input itself when
// not training or probability is 0. probability in [0, 1).
torch::Tensor parallel_dropout(const torch::Tensor& input, double probability, bool training);

// A drop-in for torch::nn::Dropout (no parameters, so checkpoints are unchanged).
class ParallelDropoutImpl : public torch::nn::Cloneable<ParallelDropoutImpl> {
 public:
  explicit ParallelDropoutImpl(double probability = 0.5);
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& input);

 private:
  double probability_;
};
TORCH_MODULE(ParallelDropout);

}  // namespace moe::model
