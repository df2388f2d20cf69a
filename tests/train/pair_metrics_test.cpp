// Tests for the pair-classification metrics: hand-computed cases in closed form, error
// cases, and a seeded randomized cross-check against brute-force O(n^2) definitions.
#include "train/pair_metrics.h"

#include <gtest/gtest.h>

#include <cmath>       // std::isnan, std::floor, INFINITY, NAN
#include <functional>  // std::greater
#include <random>      // std::mt19937
#include <set>         // std::set
#include <string>      // std::string
#include <vector>      // std::vector

#include "common/error.h"  // moe::Error

namespace moe::train {
namespace {

using Floats = std::vector<float>;

// Runs fn, expects moe::Error, and checks that its message contains `needle`.
template <typename Fn>
void expect_error(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected moe::Error containing '" << needle << "'";
  } catch (const moe::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << needle;
  }
}

TEST(PairMetrics, PerfectSeparation) {
  // Positives {0.8, 0.9} above negatives {0.1, 0.2}: threshold 0.8 gives TP=2, FP=0, FN=0,
  // so P = R = F1 = 1; every (pos, neg) pair is ordered correctly, AUC = 4/4 = 1.
  const Floats scores{0.1f, 0.2f, 0.8f, 0.9f};
  const Floats labels{0, 0, 1, 1};
  const F1Max best = f1_max(scores, labels);
  EXPECT_DOUBLE_EQ(best.f1, 1.0);
  EXPECT_DOUBLE_EQ(best.precision, 1.0);
  EXPECT_DOUBLE_EQ(best.recall, 1.0);
  EXPECT_EQ(best.threshold, static_cast<double>(0.8f));
  EXPECT_DOUBLE_EQ(roc_auc(scores, labels), 1.0);
}

TEST(PairMetrics, ReversedOrder) {
  // Positives {0.2, 0.1} below negatives {0.9, 0.8}: AUC = 0/4 = 0.
  // F1 = 2TP / (predicted + actual positives), actual = 2:
  //   t=0.9: TP=0 -> 0;  t=0.8: TP=0 -> 0;  t=0.2: TP=1, pred=3 -> 2/5;
  //   t=0.1: TP=2, pred=4 -> 4/6 = 2/3 (precision 1/2, recall 1).
  const Floats scores{0.9f, 0.8f, 0.2f, 0.1f};
  const Floats labels{0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(roc_auc(scores, labels), 0.0);
  const F1Max best = f1_max(scores, labels);
  EXPECT_DOUBLE_EQ(best.f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(best.precision, 0.5);
  EXPECT_DOUBLE_EQ(best.recall, 1.0);
  EXPECT_EQ(best.threshold, static_cast<double>(0.1f));
}

TEST(PairMetrics, AllScoresTied) {
  // One group: the only threshold predicts everything positive. Positive share p = 3/5:
  // precision p, recall 1, F1 = 2p / (1 + p) = 1.2 / 1.6 = 0.75. Every pair is a tie: AUC 0.5.
  const Floats scores(5, 0.5f);
  const Floats labels{1, 0, 1, 0, 1};
  const double p = 3.0 / 5.0;
  const F1Max best = f1_max(scores, labels);
  EXPECT_DOUBLE_EQ(best.f1, 2 * p / (1 + p));
  EXPECT_DOUBLE_EQ(best.f1, 0.75);
  EXPECT_DOUBLE_EQ(best.precision, p);
  EXPECT_DOUBLE_EQ(best.recall, 1.0);
  EXPECT_EQ(best.threshold, 0.5);
  EXPECT_DOUBLE_EQ(roc_auc(scores, labels), 0.5);
}

TEST(PairMetrics, AlwaysPositiveOnBalancedSetIsTwoThirds) {
  // The paper's reference point: answering "co-cited" for every pair of a 50/50 set gives
  // precision 1/2, recall 1, F1 = 2 * 0.5 / 1.5 = 2/3 = 0.667.
  const Floats scores{0.3f, 0.9f, 0.1f, 0.6f, 0.2f, 0.8f};
  const Floats labels{1, 0, 0, 1, 1, 0};
  const ThresholdScores all = scores_at_threshold(scores, labels, -INFINITY);
  EXPECT_DOUBLE_EQ(all.f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(all.precision, 0.5);
  EXPECT_DOUBLE_EQ(all.recall, 1.0);
  EXPECT_NEAR(f1_max(Floats(6, 0.7f), labels).f1, 0.667, 0.0005);
}

TEST(PairMetrics, ThresholdCannotSplitATie) {
  // scores 0.9  0.7  0.7  0.7  0.2        actual positives = 3
  // labels  1    1    0    0    1
  //   t=0.9: TP=1, pred=1 -> 2/(1+3) = 0.5
  //   t=0.7: TP=2, pred=4 -> 4/(4+3) = 4/7 (the whole 0.7 group is predicted positive)
  //   t=0.2: TP=3, pred=5 -> 6/(5+3) = 0.75 (precision 3/5, recall 1)   <- F1max
  // A per-element sweep that met the tied positive first would find TP=2, pred=2 ->
  // 4/5 = 0.8, which no threshold can produce.
  // AUC: pos 0.9 beats both negatives (2), pos 0.7 ties both (2 * 1/2 = 1), pos 0.2 loses
  // both (0): U = 3 of 3 * 2 = 6 pairs -> 0.5.
  const Floats scores{0.7f, 0.2f, 0.7f, 0.9f, 0.7f};
  const Floats labels{0, 1, 1, 1, 0};
  const F1Max best = f1_max(scores, labels);
  EXPECT_DOUBLE_EQ(best.f1, 0.75);
  EXPECT_DOUBLE_EQ(best.precision, 0.6);
  EXPECT_DOUBLE_EQ(best.recall, 1.0);
  EXPECT_EQ(best.threshold, static_cast<double>(0.2f));
  EXPECT_DOUBLE_EQ(roc_auc(scores, labels), 0.5);
  // The tied group's threshold indeed gives 4/7 in the fixed-threshold path as well.
  EXPECT_DOUBLE_EQ(scores_at_threshold(scores, labels, 0.7f).f1, 4.0 / 7.0);
}

TEST(PairMetrics, EqualF1PrefersHighestThreshold) {
  // scores 0.9  0.8  0.7  0.6, labels 1 0 0 1, actual positives = 2:
  //   t=0.9: TP=1, pred=1 -> 2/3;   t=0.8: 2/4;   t=0.7: 2/5;   t=0.6: TP=2, pred=4 -> 4/6 = 2/3.
  // 2/3 is reached at 0.9 and at 0.6: the highest threshold, 0.9, is reported
  // (precision 1, recall 1/2), whatever the input order.
  const Floats scores{0.6f, 0.8f, 0.9f, 0.7f};
  const Floats labels{1, 0, 1, 0};
  const F1Max best = f1_max(scores, labels);
  EXPECT_DOUBLE_EQ(best.f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(best.precision, 1.0);
  EXPECT_DOUBLE_EQ(best.recall, 0.5);
  EXPECT_EQ(best.threshold, static_cast<double>(0.9f));
}

TEST(PairMetrics, KnownAuc) {
  // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 0.35 beats 0.1 only, 0.8 beats
  // both: U = 3 of 4 -> 0.75.
  EXPECT_DOUBLE_EQ(roc_auc({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1}), 0.75);
  // With a tie: positives 0.5 and 0.9 against negatives 0.2 and 0.5: 0.5 beats 0.2 and ties
  // 0.5 (1 + 1/2), 0.9 beats both (2): U = 3.5 of 4 -> 0.875.
  EXPECT_DOUBLE_EQ(roc_auc({0.2f, 0.5f, 0.5f, 0.9f}, {0, 1, 0, 1}), 0.875);
}

TEST(PairMetrics, ScoresAtThresholdCounts) {
  // scores 0.1 0.3 0.5 0.7 0.9, labels 0 1 0 1 1 (3 positives).
  const Floats scores{0.1f, 0.3f, 0.5f, 0.7f, 0.9f};
  const Floats labels{0, 1, 0, 1, 1};
  // t=0.5 (a score equal to the threshold is positive): predicted {0.5, 0.7, 0.9}:
  // TP=2, FP=1, FN=1 -> precision 2/3, recall 2/3, F1 2/3.
  ThresholdScores at = scores_at_threshold(scores, labels, 0.5);
  EXPECT_DOUBLE_EQ(at.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(at.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(at.f1, 2.0 / 3.0);
  // t=0.7f: predicted {0.7, 0.9}: TP=2, FP=0, FN=1 -> precision 1, recall 2/3, F1 4/5.
  at = scores_at_threshold(scores, labels, 0.7f);
  EXPECT_DOUBLE_EQ(at.precision, 1.0);
  EXPECT_DOUBLE_EQ(at.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(at.f1, 0.8);
  // t=0.2: predicted {0.3, 0.5, 0.7, 0.9}: TP=3, FP=1 -> precision 3/4, recall 1, F1 6/7.
  at = scores_at_threshold(scores, labels, 0.2);
  EXPECT_DOUBLE_EQ(at.precision, 0.75);
  EXPECT_DOUBLE_EQ(at.recall, 1.0);
  EXPECT_DOUBLE_EQ(at.f1, 6.0 / 7.0);
  // Above every score nothing is predicted positive: all three are 0.
  at = scores_at_threshold(scores, labels, 1.5);
  EXPECT_EQ(at.precision, 0.0);
  EXPECT_EQ(at.recall, 0.0);
  EXPECT_EQ(at.f1, 0.0);
  // F1max here is 6/7 at 0.3 (t=0.7 gives 4/5, t=0.9: 2/4, t=0.5: 4/6, t=0.1: 6/8), and the
  // valid-to-test path reproduces it exactly from the returned threshold.
  const F1Max best = f1_max(scores, labels);
  EXPECT_DOUBLE_EQ(best.f1, 6.0 / 7.0);
  EXPECT_EQ(best.threshold, static_cast<double>(0.3f));
  at = scores_at_threshold(scores, labels, best.threshold);
  EXPECT_EQ(at.f1, best.f1);
  EXPECT_EQ(at.precision, best.precision);
  EXPECT_EQ(at.recall, best.recall);
}

TEST(PairMetrics, OneClassForF1) {
  // No positives: TP = 0 at every threshold, so F1 = 0; the highest score is reported.
  const F1Max none = f1_max({0.2f, 0.9f, 0.4f}, {0, 0, 0});
  EXPECT_EQ(none.f1, 0.0);
  EXPECT_EQ(none.precision, 0.0);
  EXPECT_EQ(none.recall, 0.0);
  EXPECT_EQ(none.threshold, static_cast<double>(0.9f));
  // Only positives: the lowest threshold predicts all of them, P = R = F1 = 1.
  const F1Max all = f1_max({0.2f, 0.9f, 0.4f}, {1, 1, 1});
  EXPECT_EQ(all.f1, 1.0);
  EXPECT_EQ(all.threshold, static_cast<double>(0.2f));
}

TEST(PairMetrics, EvaluatePairs) {
  // Positives 0.9, 0.8 (mean 0.85), negatives 0.2, 0.4 (mean 0.3): ratio 0.85 / 0.3 = 17/6.
  const Floats scores{0.9f, 0.2f, 0.8f, 0.4f};
  const Floats labels{1, 0, 1, 0};
  const PairMetrics m = evaluate_pairs(scores, labels);
  EXPECT_EQ(m.count, 4);
  EXPECT_EQ(m.positives, 2);
  EXPECT_DOUBLE_EQ(m.roc_auc, 1.0);
  EXPECT_DOUBLE_EQ(m.f1max.f1, 1.0);
  EXPECT_EQ(m.f1max.threshold, static_cast<double>(0.8f));
  EXPECT_NEAR(m.mean_positive, 0.85, 1e-7);
  EXPECT_NEAR(m.mean_negative, 0.3, 1e-7);
  EXPECT_NEAR(m.positive_negative_ratio, 17.0 / 6.0, 1e-6);
}

TEST(PairMetrics, RatioWithNegativeOrZeroMeanNegative) {
  // Negative mean -0.25 (cosine similarities can be negative): the plain ratio 0.5 / -0.25 = -2.
  PairMetrics m = evaluate_pairs({0.5f, -0.25f}, {1, 0});
  EXPECT_EQ(m.mean_negative, -0.25);
  EXPECT_EQ(m.positive_negative_ratio, -2.0);
  // Negatives -0.25 and 0.25 average to exactly 0: the ratio is NaN.
  m = evaluate_pairs({0.5f, -0.25f, 0.25f}, {1, 0, 0});
  EXPECT_EQ(m.mean_negative, 0.0);
  EXPECT_TRUE(std::isnan(m.positive_negative_ratio));
}

TEST(PairMetrics, Errors) {
  const Floats two{0.1f, 0.2f};
  expect_error([&] { f1_max(two, {1}); }, "f1_max: scores has 2 entries but labels has 1");
  expect_error([&] { roc_auc(two, {1, 0, 1}); }, "roc_auc: scores has 2 entries");
  expect_error([&] { evaluate_pairs({}, {}); }, "evaluate_pairs: no pairs to evaluate");
  expect_error([&] { f1_max({}, {}); }, "f1_max: no pairs");
  expect_error([&] { f1_max(two, {1, 0.5f}); }, "label 1 is 0.5; labels must be 0 or 1");
  expect_error([&] { roc_auc(two, {2, 0}); }, "label 0 is 2");
  expect_error([&] { scores_at_threshold(two, {-1, 0}, 0.1); }, "label 0 is -1");
  expect_error([&] { f1_max(two, {NAN, 0}); }, "labels must be 0 or 1");
  expect_error([&] { f1_max({0.1f, NAN}, {1, 0}); }, "f1_max: score 1 is NaN");
  expect_error([&] { evaluate_pairs({NAN, 0.1f}, {1, 0}); }, "score 0 is NaN");
  expect_error([&] { roc_auc(two, {1, 1}); }, "only one class (2 positive and 0 negative");
  expect_error([&] { roc_auc(two, {0, 0}); }, "only one class (0 positive and 2 negative");
  expect_error([&] { evaluate_pairs(two, {0, 0}); }, "evaluate_pairs: ROC-AUC is undefined");
  expect_error([&] { scores_at_threshold(two, {1, 0}, NAN); }, "the threshold is NaN");
  expect_error([&] { scores_at_threshold(two, {1}, 0.5); }, "scores_at_threshold: scores has");
}

// ---- Randomized cross-check against the definitions, computed the slow way. ----

// F1max by trying every distinct score as a threshold and counting from scratch; ties in F1
// keep the highest threshold (thresholds are visited from high to low, strict improvement).
F1Max brute_force_f1_max(const Floats& scores, const Floats& labels) {
  std::set<float, std::greater<float>> thresholds(scores.begin(), scores.end());
  int positives = 0;
  for (float label : labels) positives += label == 1.0f;
  F1Max best;
  best.f1 = -1;
  for (float t : thresholds) {
    int tp = 0, fp = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
      if (scores[i] >= t) (labels[i] == 1.0f ? tp : fp) += 1;
    }
    const double precision = tp + fp > 0 ? static_cast<double>(tp) / (tp + fp) : 0.0;
    const double recall = positives > 0 ? static_cast<double>(tp) / positives : 0.0;
    const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    // 1e-12 absorbs the rounding of 2PR/(P+R); distinct F1 values here differ by > 1e-6.
    if (f1 > best.f1 + 1e-12) best = {f1, precision, recall, t};
  }
  return best;
}

// AUC over all (positive, negative) pairs: 1 when the positive scores higher, 1/2 on a tie.
double brute_force_auc(const Floats& scores, const Floats& labels) {
  double wins = 0;
  int pairs = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (labels[i] != 1.0f) continue;
    for (size_t j = 0; j < scores.size(); ++j) {
      if (labels[j] != 0.0f) continue;
      ++pairs;
      wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
    }
  }
  return wins / pairs;
}

TEST(PairMetrics, RandomizedAgainstBruteForce) {
  int checked_auc = 0;
  for (unsigned seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    const int n = 1 + static_cast<int>(rng() % 200);
    // Few distinct levels for many ties on most seeds, continuous scores on some.
    const int levels = seed % 4 == 0 ? 0 : 2 + static_cast<int>(rng() % 12);
    const double positive_share = 0.1 + 0.8 * std::uniform_real_distribution<double>(0, 1)(rng);
    Floats scores(n), labels(n);
    for (int i = 0; i < n; ++i) {
      const double u = std::uniform_real_distribution<double>(-1, 1)(rng);
      scores[i] = levels == 0 ? static_cast<float>(u)
                              : static_cast<float>(std::floor((u + 1) / 2 * levels)) / levels;
      labels[i] = std::uniform_real_distribution<double>(0, 1)(rng) < positive_share ? 1.0f : 0.0f;
    }
    SCOPED_TRACE("seed " + std::to_string(seed) + ", n " + std::to_string(n));

    const F1Max expected = brute_force_f1_max(scores, labels);
    const F1Max got = f1_max(scores, labels);
    EXPECT_NEAR(got.f1, expected.f1, 1e-12);
    EXPECT_NEAR(got.precision, expected.precision, 1e-12);
    EXPECT_NEAR(got.recall, expected.recall, 1e-12);
    EXPECT_EQ(got.threshold, expected.threshold);
    const ThresholdScores at = scores_at_threshold(scores, labels, got.threshold);
    EXPECT_EQ(at.f1, got.f1);
    EXPECT_EQ(at.precision, got.precision);
    EXPECT_EQ(at.recall, got.recall);

    int positives = 0;
    for (float label : labels) positives += label == 1.0f;
    if (positives == 0 || positives == n) {
      EXPECT_THROW(roc_auc(scores, labels), moe::Error);
      continue;
    }
    ++checked_auc;
    const double auc = roc_auc(scores, labels);
    EXPECT_NEAR(auc, brute_force_auc(scores, labels), 1e-12);
    const PairMetrics m = evaluate_pairs(scores, labels);
    EXPECT_EQ(m.count, n);
    EXPECT_EQ(m.positives, positives);
    EXPECT_EQ(m.roc_auc, auc);
    EXPECT_EQ(m.f1max.f1, got.f1);
    EXPECT_EQ(m.f1max.threshold, got.threshold);
  }
  EXPECT_GE(checked_auc, 30);  // most seeds have both classes
}

}  // namespace
}  // namespace moe::train
