// Implementation of the MNR loss (see mnr_loss.h).
#include "train/mnr_loss.h"

namespace moe::train {
namespace {

// Same epsilon as sentence-transformers' cos_sim (normalize with eps 1e-12 via clamp).
torch::Tensor unit_rows(const torch::Tensor& x) { return x / x.norm(2, -1, true).clamp_min(1e-12); }

}  // namespace

torch::Tensor mnr_loss_sum(const torch::Tensor& anchors, const torch::Tensor& candidates,
                           const torch::Tensor& targets, double scale) {
  torch::Tensor logits = torch::matmul(unit_rows(anchors), unit_rows(candidates).t()) * scale;
  return torch::nn::functional::cross_entropy(
      logits, targets, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
}

torch::Tensor pairwise_cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return (unit_rows(a) * unit_rows(b)).sum(-1);
}

}  // namespace moe::train
