// The contrastive losses of a training step, exact across ranks: each rank scores its own
// pairs against the candidates of every rank and returns the SUM of its pairs' losses.
// Callers divide by the global batch size, so that the gradients summed over ranks are those
// of the mean loss over the global batch. Kinds (PAPER.md, "Training"):
//   kMnr           Multiple Negatives Ranking: cos(a_i, b_j) x scale, cross-entropy a_i -> b_i.
//   kMnrSymmetric  the mean of the a -> b and b -> a directions of kMnr.
//   kMnrPlus       the 2025 default: raw dot products A.B^T, targets argmax_j of
//                  softmax((A.A^T + B.B^T) / 2) row i (i unless duplicates), the mean of both
//                  directions (CLIP-style).
// A learned scale (the 2024 variant's temperature) may replace the fixed one.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace moe::train {

enum class LossKind { kMnr, kMnrSymmetric, kMnrPlus };

// "mnr", "mnr_symmetric", "mnr_plus"; parse_loss_kind throws moe::Error on other names.
std::string loss_kind_name(LossKind kind);
LossKind parse_loss_kind(const std::string& name);
// kMnrSymmetric and kMnrPlus score positives against every rank's anchors too.
bool needs_all_anchors(LossKind kind);

// The largest learned scale (CLIP's clamp): exp(log_scale) is capped here, where the
// gradient of log_scale becomes zero.
inline constexpr double kMaxLearnedScale = 100.0;

// The learned scale of the 2024 variant: logits are multiplied by min(exp(log_scale), 100).
// Owned by the caller, who must
//   - create it identically on every rank (learned_scale() is deterministic),
//   - add parameters() to the optimizer as a group without weight decay,
//   - zero its gradient with the model's (the step sums it over the world, like the shared
//     parameters' gradients; ExpertParallelModel::clip_gradients does not see it),
//   - save and restore log_scale with the checkpoint (training resumes from its value).
struct LossParameters {
  torch::Tensor log_scale;  // float32 scalar leaf requiring grad; undefined: the fixed scale

  // log_scale = log(initial_scale) on `device`.
  static LossParameters learned_scale(double initial_scale,
                                      const torch::Device& device = torch::kCPU);
  // {log_scale} when learned, else empty.
  std::vector<torch::Tensor> parameters() const;
};

// The initial learned scale the paper's code used: 1 / 0.7 (temperature 0.7) for kMnrPlus;
// the configured cosine scale for the cosine losses.
double initial_learned_scale(LossKind kind, double cosine_scale);

struct LossOptions {
  LossKind kind = LossKind::kMnr;
  // Multiplier of the cosine losses' similarities; kMnrPlus uses raw dot products (scale 1).
  double scale = 20.0;
  // Defined: min(exp(log_scale), kMaxLearnedScale) multiplies the logits of every kind,
  // instead of `scale` (LossParameters::log_scale).
  torch::Tensor log_scale;
};

// This rank's pairs and every rank's (rank order), as gathered for the loss. all_* must be
// gathered with dist::all_gather_rows_with_grad so that gradients reach their owners.
struct PairEmbeddings {
  torch::Tensor anchors;        // [n, H] this rank's a_i
  torch::Tensor positives;      // [n, H] this rank's b_i
  torch::Tensor all_anchors;    // [N, H] every rank's a (needs_all_anchors(kind), else unused)
  torch::Tensor all_positives;  // [N, H] every rank's b
  int64_t offset = 0;           // row of this rank's first pair in all_*
  // [n] and [N] int64, both defined or both undefined: when given, only candidates of a
  // row's own domain count (same-domain negatives).
  torch::Tensor domains;
  torch::Tensor all_domains;
};

// The sum over this rank's n pairs of their losses (each the mean over its directions).
torch::Tensor contrastive_loss_sum(const PairEmbeddings& pairs, const LossOptions& options);

// kMnrPlus's targets for this rank's pairs: [n] int64 rows of all_*, argmax over j of
// (a_i.a_j + b_i.b_j) / 2 (among the row's domain with same-domain negatives). No gradient.
torch::Tensor mnr_plus_targets(const PairEmbeddings& pairs);

// The scale the logits of `options` are multiplied by (a scalar tensor; with a learned
// scale it carries log_scale's gradient).
torch::Tensor logit_scale(const LossOptions& options);

// Row-wise cosine similarity of two [n, H] tensors.
torch::Tensor pairwise_cosine(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace moe::train
