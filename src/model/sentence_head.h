// From last hidden states to one sentence embedding: pooling (mean over non-padding tokens,
// or the first token), the optional projection head of the paper's 2025 model
// (LayerNorm -> Linear -> tanh -> Linear, parameters "head.*"), optional L2 normalisation.
// Each step maps onto one sentence-transformers module, so exports reproduce it exactly.
#pragma once

#include <torch/torch.h>

#include "model/bert_config.h"
#include "model/encoder_layout.h"

namespace moe::model {

// torch.nn.LayerNorm's default eps, which sentence-transformers' LayerNorm module uses: the
// head must use the same for an export to compute the same.
inline constexpr double kHeadLayerNormEps = 1e-5;

class ProjectionHeadImpl : public torch::nn::Module {
 public:
  ProjectionHeadImpl(int64_t hidden_size, int64_t output_size);
  torch::Tensor forward(const torch::Tensor& pooled);

  torch::nn::LayerNorm layer_norm{nullptr};  // "LayerNorm"
  torch::nn::Linear dense{nullptr};          // "dense", followed by tanh
  torch::nn::Linear out{nullptr};            // "out"
};
TORCH_MODULE(ProjectionHead);

// Pools `hidden` [batch, length, hidden] as the layout says, applies `head` when it is not
// empty, then L2-normalises when asked: [batch, sentence size].
torch::Tensor sentence_embedding(const torch::Tensor& hidden, const torch::Tensor& attention_mask,
                                 const EncoderLayout& layout, ProjectionHead& head);

// Mean over positions where attention_mask is 1.
torch::Tensor mean_pool(const torch::Tensor& hidden, const torch::Tensor& attention_mask);

}  // namespace moe::model
