// Implementation of the MNR loss (see mnr_loss.h).
#include "train/mnr_loss.h"

#include <limits>

namespace moe::train {
namespace {

// Same epsilon as sentence-transformers' cos_sim (normalize with eps 1e-12 via clamp).
torch::Tensor unit_rows(const torch::Tensor& x) { return x / x.norm(2, -1, true).clamp_min(1e-12); }

}  // namespace

torch::Tensor mnr_loss_sum(const torch::Tensor& anchors, const torch::Tensor& candidates,
                           const torch::Tensor& targets, double scale,
                           const torch::Tensor& anchor_domains,
                           const torch::Tensor& candidate_domains) {
  torch::Tensor logits = torch::matmul(unit_rows(anchors), unit_rows(candidates).t()) * scale;
  if (anchor_domains.defined()) {
    // Other domains' candidates drop out of the softmax (-inf logit: zero weight and zero
    // gradient); the target always shares its anchor's domain.
    const torch::Tensor other = anchor_domains.unsqueeze(1) != candidate_domains.unsqueeze(0);
    logits = logits.masked_fill(other, -std::numeric_limits<float>::infinity());
  }
  return torch::nn::functional::cross_entropy(
      logits, targets, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
}

torch::Tensor pairwise_cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return (unit_rows(a) * unit_rows(b)).sum(-1);
}

}  // namespace moe::train
