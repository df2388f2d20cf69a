// Implementation of the contrastive losses (see contrastive_loss.h).
#include "train/contrastive_loss.h"

#include <cmath>
#include <limits>

#include "common/error.h"

namespace moe::train {
namespace {

// Same epsilon as sentence-transformers' cos_sim (normalize with eps 1e-12 via clamp).
torch::Tensor unit_rows(const torch::Tensor& x) { return x / x.norm(2, -1, true).clamp_min(1e-12); }

// Other domains' columns drop out of the softmax (-inf logit: zero weight and zero
// gradient); a row's target always shares its domain.
torch::Tensor mask_other_domains(const torch::Tensor& logits, const torch::Tensor& row_domains,
                                 const torch::Tensor& column_domains) {
  if (!row_domains.defined()) return logits;
  const torch::Tensor other = row_domains.unsqueeze(1) != column_domains.unsqueeze(0);
  return logits.masked_fill(other, -std::numeric_limits<float>::infinity());
}

// One direction: cross-entropy of queries [n, H] over keys [N, H], summed over the queries.
torch::Tensor direction_sum(const torch::Tensor& queries, const torch::Tensor& keys,
                            const torch::Tensor& targets, const LossOptions& options,
                            const torch::Tensor& row_domains, const torch::Tensor& column_domains) {
  torch::Tensor logits = torch::matmul(queries, keys.t());
  if (options.log_scale.defined())
    logits = logits * logit_scale(options);
  else if (options.kind != LossKind::kMnrPlus)
    logits = logits * options.scale;  // a float32 product, as sentence-transformers computes it
  return torch::nn::functional::cross_entropy(
      mask_other_domains(logits, row_domains, column_domains), targets,
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
}

}  // namespace

std::string loss_kind_name(LossKind kind) {
  switch (kind) {
    case LossKind::kMnr:
      return "mnr";
    case LossKind::kMnrSymmetric:
      return "mnr_symmetric";
    case LossKind::kMnrPlus:
      return "mnr_plus";
  }
  return "?";
}

LossKind parse_loss_kind(const std::string& name) {
  for (LossKind kind : {LossKind::kMnr, LossKind::kMnrSymmetric, LossKind::kMnrPlus})
    if (loss_kind_name(kind) == name) return kind;
  throw Error(cat("unknown loss '", name, "' (expected mnr, mnr_symmetric or mnr_plus)"));
}

bool needs_all_anchors(LossKind kind) { return kind != LossKind::kMnr; }

LossParameters LossParameters::learned_scale(double initial_scale, const torch::Device& device) {
  MOE_REQUIRE(initial_scale > 0.0 && initial_scale <= kMaxLearnedScale,
              "learned loss scale: the initial scale must be in (0, ", kMaxLearnedScale, "], got ",
              initial_scale);
  LossParameters parameters;
  parameters.log_scale =
      torch::full({}, std::log(initial_scale), torch::TensorOptions(torch::kFloat32).device(device))
          .requires_grad_(true);
  return parameters;
}

std::vector<torch::Tensor> LossParameters::parameters() const {
  if (!log_scale.defined()) return {};
  return {log_scale};
}

double initial_learned_scale(LossKind kind, double cosine_scale) {
  return kind == LossKind::kMnrPlus ? 1.0 / 0.7 : cosine_scale;
}

torch::Tensor logit_scale(const LossOptions& options) {
  if (options.log_scale.defined())
    return options.log_scale.clamp_max(std::log(kMaxLearnedScale)).exp();
  return torch::scalar_tensor(options.kind == LossKind::kMnrPlus ? 1.0 : options.scale,
                              torch::kFloat64);
}

torch::Tensor mnr_plus_targets(const PairEmbeddings& pairs) {
  torch::NoGradGuard no_grad;
  const torch::Tensor similarity = (torch::matmul(pairs.anchors, pairs.all_anchors.t()) +
                                    torch::matmul(pairs.positives, pairs.all_positives.t())) /
                                   2.0;
  // softmax is monotonic in each row: its argmax is the similarity's.
  return mask_other_domains(similarity, pairs.domains, pairs.all_domains).argmax(1);
}

torch::Tensor contrastive_loss_sum(const PairEmbeddings& pairs, const LossOptions& options) {
  const int64_t n = pairs.anchors.size(0);
  MOE_REQUIRE(pairs.positives.size(0) == n && pairs.all_positives.defined(),
              "contrastive loss: need n anchors, n positives and every rank's positives");
  MOE_REQUIRE(!needs_all_anchors(options.kind) || pairs.all_anchors.defined(),
              "contrastive loss: ", loss_kind_name(options.kind), " needs every rank's anchors");
  MOE_REQUIRE(pairs.domains.defined() == pairs.all_domains.defined(),
              "contrastive loss: give both domains and all_domains, or neither");
  const bool cosine = options.kind != LossKind::kMnrPlus;
  const auto prepared = [cosine](const torch::Tensor& x) { return cosine ? unit_rows(x) : x; };
  const torch::Tensor targets =
      cosine ? torch::arange(pairs.offset, pairs.offset + n,
                             torch::TensorOptions(torch::kInt64).device(pairs.anchors.device()))
             : mnr_plus_targets(pairs);
  const torch::Tensor a_to_b = direction_sum(prepared(pairs.anchors), prepared(pairs.all_positives),
                                             targets, options, pairs.domains, pairs.all_domains);
  if (options.kind == LossKind::kMnr) return a_to_b;
  const torch::Tensor b_to_a = direction_sum(prepared(pairs.positives), prepared(pairs.all_anchors),
                                             targets, options, pairs.domains, pairs.all_domains);
  return (a_to_b + b_to_a) / 2.0;
}

torch::Tensor pairwise_cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return (unit_rows(a) * unit_rows(b)).sum(-1);
}

}  // namespace moe::train
