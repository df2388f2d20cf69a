// The contrastive losses against closed forms: every kind against an independent reference
// written as loops in double, the symmetric loss against MNR where both directions agree,
// mnr_plus's targets with a duplicated pair, the learned scale's gradient and clamp,
// same-domain negatives, and rank slices of a batch summing to the whole batch's loss.
#include "train/contrastive_loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common/error.h"

namespace moe::train {
namespace {

using Rows = std::vector<std::vector<double>>;

Rows rows_of(const torch::Tensor& t) {
  const torch::Tensor d = t.detach().to(torch::kFloat64).contiguous();
  Rows rows(d.size(0), std::vector<double>(d.size(1)));
  for (int64_t i = 0; i < d.size(0); ++i)
    for (int64_t j = 0; j < d.size(1); ++j) rows[i][j] = d[i][j].item<double>();
  return rows;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (size_t k = 0; k < a.size(); ++k) sum += a[k] * b[k];
  return sum;
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  return dot(a, b) / (std::sqrt(dot(a, a)) * std::sqrt(dot(b, b)));
}

// The loss definitions of PAPER.md ("Training"), one query at a time. domains empty: every
// key is a candidate.
struct Reference {
  Rows a, b;
  std::vector<int64_t> domains;

  bool candidate(size_t i, size_t j) const { return domains.empty() || domains[i] == domains[j]; }

  std::vector<int64_t> plus_targets() const {
    std::vector<int64_t> targets;
    for (size_t i = 0; i < a.size(); ++i) {
      int64_t best = -1;
      double best_value = -std::numeric_limits<double>::infinity();
      for (size_t j = 0; j < a.size(); ++j) {
        const double value = (dot(a[i], a[j]) + dot(b[i], b[j])) / 2.0;
        if (candidate(i, j) && value > best_value) {  // the first of equal maxima
          best = static_cast<int64_t>(j);
          best_value = value;
        }
      }
      targets.push_back(best);
    }
    return targets;
  }

  // Sum over i of -log softmax_j(scale * s(q_i, k_j))[target_i].
  double direction(const Rows& q, const Rows& k, const std::vector<int64_t>& targets, double scale,
                   bool use_cosine) const {
    double total = 0.0;
    for (size_t i = 0; i < q.size(); ++i) {
      double normaliser = 0.0;
      for (size_t j = 0; j < k.size(); ++j)
        if (candidate(i, j))
          normaliser += std::exp(scale * (use_cosine ? cosine(q[i], k[j]) : dot(q[i], k[j])));
      const auto t = static_cast<size_t>(targets[i]);
      total += std::log(normaliser) - scale * (use_cosine ? cosine(q[i], k[t]) : dot(q[i], k[t]));
    }
    return total;
  }

  double loss_sum(LossKind kind, double scale) const {
    std::vector<int64_t> diagonal;
    for (size_t i = 0; i < a.size(); ++i) diagonal.push_back(static_cast<int64_t>(i));
    switch (kind) {
      case LossKind::kMnr:
        return direction(a, b, diagonal, scale, true);
      case LossKind::kMnrSymmetric:
        return (direction(a, b, diagonal, scale, true) + direction(b, a, diagonal, scale, true)) /
               2.0;
      case LossKind::kMnrPlus: {
        const std::vector<int64_t> targets = plus_targets();
        return (direction(a, b, targets, scale, false) + direction(b, a, targets, scale, false)) /
               2.0;
      }
    }
    return 0.0;
  }
};

// The loss of one process holding the whole batch.
torch::Tensor whole_batch_loss(LossKind kind, const torch::Tensor& a, const torch::Tensor& b,
                               double scale = 20.0, const torch::Tensor& log_scale = {},
                               const torch::Tensor& domains = {}) {
  PairEmbeddings pairs;
  pairs.anchors = pairs.all_anchors = a;
  pairs.positives = pairs.all_positives = b;
  pairs.domains = pairs.all_domains = domains;
  LossOptions options;
  options.kind = kind;
  options.scale = scale;
  options.log_scale = log_scale;
  return contrastive_loss_sum(pairs, options);
}

const LossKind kKinds[] = {LossKind::kMnr, LossKind::kMnrSymmetric, LossKind::kMnrPlus};

// Three pairs in three dimensions; positives near their anchors but not on them.
torch::Tensor tiny_anchors() {
  return torch::tensor({{1.0f, 0.0f, 0.5f}, {0.0f, 2.0f, 0.0f}, {0.3f, -0.4f, 1.0f}});
}
torch::Tensor tiny_positives() {
  return torch::tensor({{0.8f, 0.3f, 0.4f}, {0.2f, 1.5f, -0.3f}, {0.0f, -0.5f, 1.2f}});
}

TEST(ContrastiveLoss, MnrMatchesClosedForm) {
  // Two anchors, two candidates; unit candidates, so cosines are dot products of unit rows.
  const torch::Tensor a = torch::tensor({{1.0f, 0.0f}, {0.0f, 2.0f}});
  const torch::Tensor b = torch::tensor({{1.0f, 0.0f}, {0.6f, 0.8f}});
  const double scale = 20.0;
  // Anchor 0: cosines (1, 0.6), target 0; anchor 1: cosines (0, 0.8), target 1.
  auto ce = [&](double own, double other) {
    return -std::log(std::exp(scale * own) / (std::exp(scale * own) + std::exp(scale * other)));
  };
  EXPECT_NEAR(whole_batch_loss(LossKind::kMnr, a, b, scale).item<double>(),
              ce(1.0, 0.6) + ce(0.8, 0.0), 1e-5);
}

TEST(ContrastiveLoss, EveryKindMatchesTheLoopReference) {
  const Reference reference{rows_of(tiny_anchors()), rows_of(tiny_positives()), {}};
  for (LossKind kind : kKinds) {
    SCOPED_TRACE(loss_kind_name(kind));
    const double scale = 5.0;
    const double expected = reference.loss_sum(kind, kind == LossKind::kMnrPlus ? 1.0 : scale);
    EXPECT_NEAR(whole_batch_loss(kind, tiny_anchors(), tiny_positives(), scale).item<double>(),
                expected, 1e-5 * std::max(1.0, std::abs(expected)));
  }
  // mnr_plus ignores the cosine scale: raw dot products.
  EXPECT_NEAR(
      whole_batch_loss(LossKind::kMnrPlus, tiny_anchors(), tiny_positives(), 5.0).item<double>(),
      whole_batch_loss(LossKind::kMnrPlus, tiny_anchors(), tiny_positives(), 50.0).item<double>(),
      1e-6);
}

TEST(ContrastiveLoss, SymmetricEqualsMnrWhenBothDirectionsAgree) {
  torch::manual_seed(11);
  const torch::Tensor a = torch::randn({5, 4});
  // b = a.R with R a Householder reflection (symmetric and orthogonal): cos(a_i, b_j) =
  // cos(b_i, a_j), so both directions give the same loss.
  const torch::Tensor v = torch::randn({4, 1});
  const torch::Tensor reflection = torch::eye(4) - 2.0 * torch::matmul(v, v.t()) / v.pow(2).sum();
  const torch::Tensor b = torch::matmul(a, reflection);
  EXPECT_NEAR(whole_batch_loss(LossKind::kMnrSymmetric, a, b).item<double>(),
              whole_batch_loss(LossKind::kMnr, a, b).item<double>(), 1e-4);
  // Otherwise the directions differ: the check above is not vacuous.
  const torch::Tensor c = torch::randn({5, 4});
  EXPECT_GT(std::abs(whole_batch_loss(LossKind::kMnrSymmetric, a, c).item<double>() -
                     whole_batch_loss(LossKind::kMnr, a, c).item<double>()),
            1e-2);
}

TEST(ContrastiveLoss, MnrPlusTargetsPointDuplicatesAtOneRow) {
  // Pairs 1 and 3 are the same pair; the others are orthogonal with equal norms, so their
  // targets are their own rows (exact arithmetic: small integers).
  const torch::Tensor a = torch::tensor({{2.0f, 0.0f, 0.0f, 0.0f},
                                         {0.0f, 2.0f, 0.0f, 0.0f},
                                         {0.0f, 0.0f, 2.0f, 0.0f},
                                         {0.0f, 2.0f, 0.0f, 0.0f}});
  const torch::Tensor b = torch::tensor({{1.0f, 0.0f, 0.0f, 1.0f},
                                         {0.0f, 1.0f, 1.0f, 0.0f},
                                         {0.0f, 0.0f, 1.0f, 1.0f},
                                         {0.0f, 1.0f, 1.0f, 0.0f}});
  PairEmbeddings pairs;
  pairs.anchors = pairs.all_anchors = a;
  pairs.positives = pairs.all_positives = b;
  const torch::Tensor targets = mnr_plus_targets(pairs);
  EXPECT_EQ(targets[0].item<int64_t>(), 0);
  EXPECT_EQ(targets[2].item<int64_t>(), 2);
  EXPECT_EQ(targets[1].item<int64_t>(), targets[3].item<int64_t>());
  EXPECT_TRUE(targets[1].item<int64_t>() == 1 || targets[1].item<int64_t>() == 3);
  const Reference reference{rows_of(a), rows_of(b), {}};
  const std::vector<int64_t> expected = reference.plus_targets();
  EXPECT_EQ(expected[1], expected[3]);  // the reference agrees: duplicates share a target
  // The loss follows the reference (the duplicate's two columns tie, whichever is the target).
  EXPECT_NEAR(whole_batch_loss(LossKind::kMnrPlus, a, b).item<double>(),
              reference.loss_sum(LossKind::kMnrPlus, 1.0), 1e-5);
}

TEST(ContrastiveLoss, LearnedScaleGradientMatchesTheReferenceAndItsSign) {
  for (LossKind kind : kKinds) {
    SCOPED_TRACE(loss_kind_name(kind));
    const double initial = initial_learned_scale(kind, 5.0);
    auto gradient_of = [&](const torch::Tensor& a, const torch::Tensor& b) {
      const LossParameters parameters = LossParameters::learned_scale(initial);
      whole_batch_loss(kind, a, b, 5.0, parameters.log_scale).backward();
      return parameters.log_scale.grad().item<double>();
    };
    // d loss / d log(scale) by central differences of the double reference.
    auto reference_gradient = [&](const torch::Tensor& a, const torch::Tensor& b) {
      const Reference reference{rows_of(a), rows_of(b), {}};
      const double h = 1e-5;
      return (reference.loss_sum(kind, initial * std::exp(h)) -
              reference.loss_sum(kind, initial * std::exp(-h))) /
             (2.0 * h);
    };
    // Positives closest to their own anchors: a larger scale sharpens the right answer.
    const double aligned = gradient_of(tiny_anchors(), tiny_positives());
    EXPECT_LT(aligned, 0.0);
    EXPECT_NEAR(aligned, reference_gradient(tiny_anchors(), tiny_positives()),
                1e-4 * std::max(1.0, std::abs(aligned)));
    // Positives shuffled: every anchor's own positive is a poor match; a larger scale hurts.
    const torch::Tensor shuffled = tiny_positives().index_select(0, torch::tensor({1, 2, 0}));
    const double misaligned = gradient_of(tiny_anchors(), shuffled);
    EXPECT_GT(misaligned, 0.0);
    EXPECT_NEAR(misaligned, reference_gradient(tiny_anchors(), shuffled),
                1e-4 * std::max(1.0, std::abs(misaligned)));
  }
}

TEST(ContrastiveLoss, LearnedScaleIsClampedAtOneHundred) {
  LossParameters parameters = LossParameters::learned_scale(50.0);
  {
    torch::NoGradGuard no_grad;
    parameters.log_scale.fill_(std::log(150.0));
  }
  LossOptions options;
  options.log_scale = parameters.log_scale;
  EXPECT_NEAR(logit_scale(options).item<double>(), kMaxLearnedScale, 1e-3);
  whole_batch_loss(LossKind::kMnr, tiny_anchors(), tiny_positives(), 20.0, parameters.log_scale)
      .backward();
  EXPECT_EQ(parameters.log_scale.grad().item<double>(), 0.0);
  // Same loss as the fixed scale 100.
  EXPECT_NEAR(
      whole_batch_loss(LossKind::kMnr, tiny_anchors(), tiny_positives(), 20.0, parameters.log_scale)
          .item<double>(),
      whole_batch_loss(LossKind::kMnr, tiny_anchors(), tiny_positives(), 100.0).item<double>(),
      1e-3);
}

TEST(ContrastiveLoss, LossParametersAndInitialScales) {
  EXPECT_TRUE(LossParameters{}.parameters().empty());
  const LossParameters learned = LossParameters::learned_scale(1.0 / 0.7);
  ASSERT_EQ(learned.parameters().size(), 1u);
  EXPECT_TRUE(learned.log_scale.requires_grad());
  EXPECT_TRUE(learned.log_scale.is_leaf());
  EXPECT_NEAR(learned.log_scale.item<double>(), std::log(1.0 / 0.7), 1e-6);
  EXPECT_DOUBLE_EQ(initial_learned_scale(LossKind::kMnrPlus, 20.0), 1.0 / 0.7);
  EXPECT_DOUBLE_EQ(initial_learned_scale(LossKind::kMnr, 20.0), 20.0);
  EXPECT_DOUBLE_EQ(initial_learned_scale(LossKind::kMnrSymmetric, 15.0), 15.0);
  EXPECT_THROW(LossParameters::learned_scale(0.0), Error);
}

TEST(ContrastiveLoss, KindNamesRoundTrip) {
  for (LossKind kind : kKinds) EXPECT_EQ(parse_loss_kind(loss_kind_name(kind)), kind);
  EXPECT_THROW(parse_loss_kind("mnr+"), Error);
}

TEST(ContrastiveLoss, SameDomainNegativesEqualTheLossOverEachDomainAlone) {
  torch::manual_seed(5);
  const torch::Tensor a = torch::randn({6, 8});
  const torch::Tensor b = torch::randn({6, 8});
  const torch::Tensor domains = torch::tensor({0, 1, 0, 2, 1, 0}, torch::kInt64);
  for (LossKind kind : kKinds) {
    SCOPED_TRACE(loss_kind_name(kind));
    const double masked = whole_batch_loss(kind, a, b, 20.0, {}, domains).item<double>();
    double per_domain = 0.0;
    for (int64_t d = 0; d < 3; ++d) {
      const torch::Tensor rows = (domains == d).nonzero().squeeze(1);
      per_domain +=
          whole_batch_loss(kind, a.index_select(0, rows), b.index_select(0, rows)).item<double>();
    }
    EXPECT_NEAR(masked, per_domain, 1e-4 * std::max(1.0, std::abs(per_domain)));
    const Reference reference{rows_of(a), rows_of(b), {0, 1, 0, 2, 1, 0}};
    EXPECT_NEAR(masked, reference.loss_sum(kind, kind == LossKind::kMnrPlus ? 1.0 : 20.0),
                1e-4 * std::max(1.0, std::abs(per_domain)));
    // Fewer negatives: a smaller loss than with every pair of the batch.
    EXPECT_LT(masked, whole_batch_loss(kind, a, b).item<double>());
  }
}

TEST(ContrastiveLoss, RankSlicesSumToTheWholeBatch) {
  // What every rank computes (its rows against all rows, at its offset), done here for three
  // uneven "ranks", one of them empty: the sums add up to the one-process loss, and so do
  // the gradients.
  torch::manual_seed(7);
  const torch::Tensor a0 = torch::randn({7, 6});
  const torch::Tensor b0 = torch::randn({7, 6});
  const std::vector<int64_t> cuts{0, 3, 3, 7};
  for (LossKind kind : kKinds) {
    SCOPED_TRACE(loss_kind_name(kind));
    const torch::Tensor a = a0.clone().requires_grad_(true);
    const torch::Tensor b = b0.clone().requires_grad_(true);
    torch::Tensor total = torch::zeros({});
    for (size_t r = 0; r + 1 < cuts.size(); ++r) {
      PairEmbeddings pairs;
      pairs.anchors = a.slice(0, cuts[r], cuts[r + 1]);
      pairs.positives = b.slice(0, cuts[r], cuts[r + 1]);
      pairs.all_anchors = a;
      pairs.all_positives = b;
      pairs.offset = cuts[r];
      LossOptions options;
      options.kind = kind;
      total = total + contrastive_loss_sum(pairs, options);
    }
    total.backward();
    const torch::Tensor a_whole = a0.clone().requires_grad_(true);
    const torch::Tensor b_whole = b0.clone().requires_grad_(true);
    const torch::Tensor whole = whole_batch_loss(kind, a_whole, b_whole);
    whole.backward();
    EXPECT_NEAR(total.item<double>(), whole.item<double>(), 1e-4);
    EXPECT_LT((a.grad() - a_whole.grad()).abs().max().item<double>(), 1e-5);
    EXPECT_LT((b.grad() - b_whole.grad()).abs().max().item<double>(), 1e-5);
  }
}

TEST(PairwiseCosine, ClosedForm) {
  torch::Tensor a = torch::tensor({{3.0f, 4.0f}, {1.0f, 0.0f}});
  torch::Tensor b = torch::tensor({{4.0f, 3.0f}, {-2.0f, 0.0f}});
  torch::Tensor cosine = pairwise_cosine(a, b);
  EXPECT_NEAR(cosine[0].item<float>(), 24.0f / 25.0f, 1e-6);
  EXPECT_NEAR(cosine[1].item<float>(), -1.0f, 1e-6);
}

}  // namespace
}  // namespace moe::train
