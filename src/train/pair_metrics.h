// Pair-classification metrics of the paper's evaluation protocol (F1max, ROC-AUC, mean
// positive / mean negative similarity), computed from one score per pair and a 0/1 label.
// Plain C++ with no LibTorch, so evaluation code and tests can use it anywhere.
//
// Conventions shared by every function here:
//  - A pair is predicted positive when score >= threshold. The comparison is made in double
//    with the float score promoted exactly, so a threshold returned by f1_max (always one of
//    the scores) reproduces the same predictions in scores_at_threshold.
//  - Labels must be exactly 0.0f or 1.0f; scores may be any float except NaN (infinities
//    are ordered like any other value).
//  - Inputs are checked and moe::Error is thrown, naming the function, on: scores and labels
//    of different sizes, empty input, a label other than 0/1, a NaN score (the message gives
//    the index and value). Counts must stay below 2^30 so that exact integer comparisons of
//    F1 values cannot overflow.
//  - Ratios with a zero denominator that are not otherwise specified are reported as 0
//    (precision with nothing predicted positive, recall with no positive labels, F1 when
//    precision + recall is 0), matching sklearn's zero_division=0.
//
// The paper tunes the F1max threshold on the set it scores; the honest protocol takes
// f1_max(valid).threshold and reports scores_at_threshold(test, ..., that threshold).
#pragma once

#include <cstdint>  // int64_t
#include <vector>   // std::vector

namespace moe::train {

// Best F1 over all thresholds with the precision, recall and threshold where it is reached.
struct F1Max {
  double f1 = 0, precision = 0, recall = 0, threshold = 0;
};

// Everything the evaluation protocol reports for one set of pairs.
struct PairMetrics {
  int64_t count = 0, positives = 0;
  F1Max f1max;
  double roc_auc = 0;
  double mean_positive = 0, mean_negative = 0, positive_negative_ratio = 0;
};

// F1max: the maximum over candidate thresholds t of F1(t) = 2PR / (P + R), where the
// candidates are the distinct score values (as in sklearn's precision_recall_curve, on which
// the paper's computation is built; its extra end point at recall 0 has F1 = 0 and never
// wins). Scores that are equal form one group: a threshold takes all of them or none, so
// ties can never be split in favour of the positives. When several thresholds reach the same
// F1 (compared exactly, as fractions), the highest threshold is reported: it is the most
// conservative choice and does not depend on the order of the input.
// With no positive labels every F1 is 0 and the reported threshold is the highest score.
// O(n log n): one sort, one sweep.
F1Max f1_max(const std::vector<float>& scores, const std::vector<float>& labels);

// ROC-AUC as the Mann-Whitney statistic: the share of (positive, negative) pairs in which the
// positive scores higher, a tie counting one half; U / (P * N). Equal to the trapezoidal area
// under sklearn's roc_curve. Throws moe::Error when the labels hold only one class, where
// the AUC is undefined. O(n log n).
double roc_auc(const std::vector<float>& scores, const std::vector<float>& labels);

// count, positives, f1_max, roc_auc and the mean score of the positive and of the negative
// pairs. positive_negative_ratio = mean_positive / mean_negative as a plain ratio: cosine
// similarities can be negative, and then the ratio is negative (or its size misleading) and
// should be read together with the two means; it is NaN when mean_negative == 0.
// Throws moe::Error when the labels hold only one class (as roc_auc). Sorts once.
PairMetrics evaluate_pairs(const std::vector<float>& scores, const std::vector<float>& labels);

// F1, precision and recall when every pair with score >= threshold is predicted positive.
struct ThresholdScores {
  double f1, precision, recall;
};

// Scores at a fixed threshold (for instance one chosen on the validation split). A NaN
// threshold throws moe::Error; a threshold above every score predicts nothing positive
// (precision, recall and F1 all 0), -infinity predicts everything positive. O(n).
ThresholdScores scores_at_threshold(const std::vector<float>& scores,
                                    const std::vector<float>& labels, double threshold);

}  // namespace moe::train
