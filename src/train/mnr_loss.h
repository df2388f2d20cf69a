// Multiple Negatives Ranking loss across ranks: each local anchor a_i is scored against
// every rank's positives b_j (scale x cosine similarity); cross-entropy with the target
// being its own positive. Other pairs of the global batch are the negatives.
#pragma once

#include <torch/torch.h>

namespace moe::train {

// anchors [n, H] (this rank's), candidates [N, H] (all ranks', gathered), targets [n]
// int64 (row of each anchor's positive in candidates). Returns the SUM of the per-anchor
// losses: callers divide by the global batch size so that gradients summed over ranks
// equal those of the mean loss over the global batch.
// anchor_domains [n] and candidate_domains [N] (int64, both defined or both undefined):
// when given, only candidates of the anchor's own domain count (same-domain negatives).
torch::Tensor mnr_loss_sum(const torch::Tensor& anchors, const torch::Tensor& candidates,
                           const torch::Tensor& targets, double scale,
                           const torch::Tensor& anchor_domains = {},
                           const torch::Tensor& candidate_domains = {});

// Row-wise cosine similarity of two [n, H] tensors.
torch::Tensor pairwise_cosine(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace moe::train
