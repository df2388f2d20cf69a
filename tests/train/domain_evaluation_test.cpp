// Checks the packed form of a domain's evaluation: every field survives the row round trip
// (what the all-reduce and the checkpoint's /train/eval_before.<split> rely on), and a stored
// tensor of the wrong shape is refused.
#include "train/domain_evaluation.h"

#include <gtest/gtest.h>

#include "support/expect_error.h"

namespace moe::train {
namespace {

DomainEvaluation sample(const std::string& domain, double shift) {
  DomainEvaluation e;
  e.domain = domain;
  e.metrics.count = 120;
  e.metrics.positives = 61;
  e.metrics.f1max = {0.8 + shift, 0.75, 0.86, 0.41};
  e.metrics.roc_auc = 0.9 - shift;
  e.metrics.mean_positive = 0.7;
  e.metrics.mean_negative = 0.3;
  e.metrics.positive_negative_ratio = 0.7 / 0.3;
  e.router_accuracy = shift > 0 ? 0.95 : -1.0;
  for (int b = 0; b < kHistogramBins; ++b) {
    e.positive_histogram.push_back(b);
    e.negative_histogram.push_back(2 * b + 1);
  }
  return e;
}

TEST(DomainEvaluation, RowsRoundTripEveryField) {
  const std::vector<DomainEvaluation> before = {sample("cardio", 0.0), sample("pulmo", 0.05)};
  const torch::Tensor rows = evaluation_rows(before);
  EXPECT_EQ(rows.sizes(), (std::vector<int64_t>{2, evaluation_row_width()}));
  EXPECT_EQ(rows.scalar_type(), torch::kFloat64);
  const std::vector<DomainEvaluation> after = evaluations_from_rows({"cardio", "pulmo"}, rows);
  ASSERT_EQ(after.size(), 2u);
  for (size_t d = 0; d < 2; ++d) {
    EXPECT_EQ(after[d].domain, before[d].domain);
    EXPECT_EQ(after[d].metrics.count, before[d].metrics.count);
    EXPECT_EQ(after[d].metrics.positives, before[d].metrics.positives);
    EXPECT_EQ(after[d].metrics.f1max.f1, before[d].metrics.f1max.f1);
    EXPECT_EQ(after[d].metrics.f1max.threshold, before[d].metrics.f1max.threshold);
    EXPECT_EQ(after[d].metrics.roc_auc, before[d].metrics.roc_auc);
    EXPECT_EQ(after[d].metrics.positive_negative_ratio, before[d].metrics.positive_negative_ratio);
    EXPECT_EQ(after[d].router_accuracy, before[d].router_accuracy);
    EXPECT_EQ(after[d].positive_histogram, before[d].positive_histogram);
    EXPECT_EQ(after[d].negative_histogram, before[d].negative_histogram);
  }
}

TEST(DomainEvaluation, RowsOfAnotherShapeAreRefused) {
  const torch::Tensor rows = evaluation_rows({sample("cardio", 0.0)});
  const std::string message = moe::testing_support::error_of([&] {
    evaluations_from_rows({"cardio", "pulmo"}, rows);
  });
  EXPECT_MENTIONS(message, "stored evaluation rows have shape");
}

}  // namespace
}  // namespace moe::train
