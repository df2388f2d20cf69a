// Pair-classification metrics: groups the pairs by distinct score once, then sweeps the
// groups for F1max and ROC-AUC (see pair_metrics.h for the definitions).
#include "train/pair_metrics.h"

#include <algorithm>  // std::sort
#include <cmath>      // std::isnan
#include <limits>     // quiet_NaN
#include <utility>    // std::pair

#include "common/error.h"  // moe::Error, MOE_REQUIRE

namespace moe::train {
namespace {

// Keeps products of two counts (at most 4 n^2 in the F1 comparison) inside int64_t.
constexpr int64_t kMaxPairs = int64_t{1} << 30;

// All pairs that share one score value: a threshold takes the whole group or none of it.
struct ScoreGroup {
  float score;
  int64_t positives;
  int64_t negatives;
};

// Throws moe::Error naming `function` unless scores and labels are a valid, non-empty input.
// Returns the number of positive labels.
int64_t validate(const char* function, const std::vector<float>& scores,
                 const std::vector<float>& labels) {
  MOE_REQUIRE(scores.size() == labels.size(), function, ": scores has ", scores.size(),
              " entries but labels has ", labels.size(), "; they must pair up one to one");
  MOE_REQUIRE(!scores.empty(), function, ": no pairs to evaluate (scores and labels are empty)");
  MOE_REQUIRE(static_cast<int64_t>(scores.size()) < kMaxPairs, function, ": ", scores.size(),
              " pairs is more than the supported ", kMaxPairs);
  int64_t positives = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    MOE_REQUIRE(!std::isnan(scores[i]), function, ": score ", i, " is NaN");
    MOE_REQUIRE(labels[i] == 0.0f || labels[i] == 1.0f, function, ": label ", i, " is ", labels[i],
                "; labels must be 0 or 1");
    if (labels[i] == 1.0f) ++positives;
  }
  return positives;
}

// Groups of equal score, highest score first. Inputs must have passed validate().
std::vector<ScoreGroup> group_by_score(const std::vector<float>& scores,
                                       const std::vector<float>& labels) {
  std::vector<std::pair<float, bool>> pairs(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) pairs[i] = {scores[i], labels[i] == 1.0f};
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<ScoreGroup> groups;
  for (const auto& [score, positive] : pairs) {
    // == also merges -0.0f with 0.0f, which no threshold can separate either.
    if (groups.empty() || groups.back().score != score) groups.push_back({score, 0, 0});
    ++(positive ? groups.back().positives : groups.back().negatives);
  }
  return groups;
}

F1Max f1_max_of_groups(const std::vector<ScoreGroup>& groups, int64_t positives) {
  // F1 = 2PR / (P + R) = 2 TP / (predicted positives + actual positives). Kept as the
  // fraction f1_num / f1_den so that equal F1 values compare equal and ties go to the first,
  // i.e. highest, threshold.
  int64_t true_pos = 0, predicted_pos = 0;
  int64_t best_num = -1, best_den = 1, best_true_pos = 0, best_predicted_pos = 0;
  float best_threshold = 0;
  for (const ScoreGroup& group : groups) {
    true_pos += group.positives;
    predicted_pos += group.positives + group.negatives;
    const int64_t f1_num = 2 * true_pos;
    const int64_t f1_den = predicted_pos + positives;  // >= 1: the group is not empty
    if (f1_num * best_den > best_num * f1_den) {
      best_num = f1_num;
      best_den = f1_den;
      best_true_pos = true_pos;
      best_predicted_pos = predicted_pos;
      best_threshold = group.score;
    }
  }
  F1Max best;
  best.f1 = static_cast<double>(best_num) / static_cast<double>(best_den);
  best.precision = static_cast<double>(best_true_pos) / static_cast<double>(best_predicted_pos);
  best.recall =
      positives == 0 ? 0.0 : static_cast<double>(best_true_pos) / static_cast<double>(positives);
  best.threshold = best_threshold;
  return best;
}

double roc_auc_of_groups(const char* function, const std::vector<ScoreGroup>& groups,
                         int64_t positives, int64_t negatives) {
  MOE_REQUIRE(positives > 0 && negatives > 0, function,
              ": ROC-AUC is undefined with only one class (", positives, " positive and ",
              negatives, " negative labels); the set needs both positive and negative pairs");
  // 2U = sum over groups of positives * (2 * negatives scored lower + negatives in the group):
  // a tie counts one half, so twice the statistic stays an exact integer.
  int64_t twice_u = 0;
  int64_t negatives_lower = negatives;
  for (const ScoreGroup& group : groups) {  // highest score first
    negatives_lower -= group.negatives;
    twice_u += group.positives * (2 * negatives_lower + group.negatives);
  }
  return static_cast<double>(twice_u) /
         (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
}

}  // namespace

F1Max f1_max(const std::vector<float>& scores, const std::vector<float>& labels) {
  const int64_t positives = validate("f1_max", scores, labels);
  return f1_max_of_groups(group_by_score(scores, labels), positives);
}

double roc_auc(const std::vector<float>& scores, const std::vector<float>& labels) {
  const int64_t positives = validate("roc_auc", scores, labels);
  const int64_t negatives = static_cast<int64_t>(scores.size()) - positives;
  return roc_auc_of_groups("roc_auc", group_by_score(scores, labels), positives, negatives);
}

PairMetrics evaluate_pairs(const std::vector<float>& scores, const std::vector<float>& labels) {
  PairMetrics metrics;
  metrics.count = static_cast<int64_t>(scores.size());
  metrics.positives = validate("evaluate_pairs", scores, labels);
  const int64_t negatives = metrics.count - metrics.positives;
  const std::vector<ScoreGroup> groups = group_by_score(scores, labels);
  metrics.roc_auc = roc_auc_of_groups("evaluate_pairs", groups, metrics.positives, negatives);
  metrics.f1max = f1_max_of_groups(groups, metrics.positives);

  double positive_sum = 0, negative_sum = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    (labels[i] == 1.0f ? positive_sum : negative_sum) += scores[i];
  }
  metrics.mean_positive = positive_sum / static_cast<double>(metrics.positives);
  metrics.mean_negative = negative_sum / static_cast<double>(negatives);
  metrics.positive_negative_ratio = metrics.mean_negative == 0
                                        ? std::numeric_limits<double>::quiet_NaN()
                                        : metrics.mean_positive / metrics.mean_negative;
  return metrics;
}

ThresholdScores scores_at_threshold(const std::vector<float>& scores,
                                    const std::vector<float>& labels, double threshold) {
  MOE_REQUIRE(!std::isnan(threshold), "scores_at_threshold: the threshold is NaN");
  const int64_t positives = validate("scores_at_threshold", scores, labels);
  int64_t true_pos = 0, predicted_pos = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (static_cast<double>(scores[i]) >= threshold) {
      ++predicted_pos;
      if (labels[i] == 1.0f) ++true_pos;
    }
  }
  ThresholdScores result{0, 0, 0};
  const auto tp = static_cast<double>(true_pos);
  if (predicted_pos > 0) result.precision = tp / static_cast<double>(predicted_pos);
  if (positives > 0) result.recall = tp / static_cast<double>(positives);
  if (predicted_pos + positives > 0) {
    result.f1 = 2 * tp / static_cast<double>(predicted_pos + positives);
  }
  return result;
}

}  // namespace moe::train
