// moe_report's library: reading metrics.jsonl (resumed runs repeat steps, unknown keys,
// nulls, errors naming file:line), the similarity histograms, and the planned plots.
#include "train/run_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"
#include "train/plot_script.h"
#include "train/run_metrics.h"

namespace moe::train {
namespace {

using testing_support::error_of;

RunMetrics parse(const std::string& text) {
  std::istringstream in(text);
  return parse_run_metrics(in, "run/metrics.jsonl");
}

// An evaluation line with one domain; bins: 4 positive and 4 negative counts.
std::string evaluation_line(int step, const std::string& split, const std::string& kind, double f1,
                            const std::string& extra = "") {
  std::ostringstream line;
  line << R"({"evaluation":{"step":)" << step << R"(,"split":")" << split << R"(","kind":")" << kind
       << R"(","all_weighted_f1max":)" << f1 << R"(,"domains":[{"domain":"cardio",)"
       << R"("pairs":8,"positives":4,"f1max":)" << f1 << R"(,"threshold":0.5,"roc_auc":null,)"
       << R"("histogram_min":-1.0,"histogram_max":1.0,"positive_histogram":[0,0,1,3],)"
       << R"("negative_histogram":[1,2,1,0])" << extra << "}]}}\n";
  return line.str();
}

TEST(RunReportParsing, DuplicateStepsKeepTheLastOccurrence) {
  const RunMetrics metrics = parse(
      R"({"step":1,"loss":3.0,"lr":0.1}
{"step":2,"loss":2.5,"lr":0.2}
{"step":3,"loss":2.0,"lr":0.3}
{"step":2,"loss":2.4,"lr":0.25,"scale":20.5}
{"step":3,"loss":1.9,"lr":0.35}
)");
  ASSERT_EQ(metrics.steps.size(), 3u);
  EXPECT_EQ(metrics.steps[0].step, 1);
  EXPECT_EQ(metrics.steps[1].step, 2);
  EXPECT_DOUBLE_EQ(metrics.steps[1].loss, 2.4);
  EXPECT_DOUBLE_EQ(metrics.steps[1].lr, 0.25);
  ASSERT_TRUE(metrics.steps[1].scale.has_value());
  EXPECT_DOUBLE_EQ(*metrics.steps[1].scale, 20.5);
  EXPECT_DOUBLE_EQ(metrics.steps[2].loss, 1.9);
  EXPECT_FALSE(metrics.steps[2].scale.has_value());
}

TEST(RunReportParsing, DuplicateEvaluationsKeepTheLastAndTheLastLineIsKnown) {
  const RunMetrics metrics = parse(
      evaluation_line(0, "valid", "before", 0.5) + evaluation_line(10, "valid", "periodic", 0.6) +
      evaluation_line(10, "valid", "periodic", 0.65) + evaluation_line(20, "test", "after", 0.7) +
      evaluation_line(20, "valid", "after", 0.8));
  ASSERT_EQ(metrics.evaluations.size(), 4u);
  EXPECT_EQ(metrics.evaluations[1].step, 10);
  EXPECT_DOUBLE_EQ(*metrics.evaluations[1].all_weighted_f1max, 0.65);
  EXPECT_EQ(metrics.evaluations[1].line, 3);
  EXPECT_EQ(metrics.evaluations[2].split, "test");  // same step: file order
  const EvaluationRecord* last = metrics.last_evaluation();
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->split, "valid");
  EXPECT_EQ(last->kind, "after");
  EXPECT_EQ(last->line, 5);
  ASSERT_EQ(last->domains.size(), 1u);
  EXPECT_EQ(last->domains[0].domain, "cardio");
  EXPECT_EQ(last->domains[0].positive_histogram, (std::vector<int64_t>{0, 0, 1, 3}));
  EXPECT_TRUE(std::isnan(*last->domains[0].roc_auc));  // null: NaN when written
}

TEST(RunReportParsing, IgnoresUnknownKeysBlankLinesAndOldEvaluations) {
  const RunMetrics metrics =
      parse(R"({"step":1,"loss":null,"lr":0.1,"future":{"nested":[1,2]},"grad_norm":null}

{"note":"a line with no known key"}
{"evaluation":[{"domain":"cardio","f1max_after":0.9}],"split":"test"}
)" + evaluation_line(1, "valid", "periodic", 0.5, R"(,"new_metric":[1,"x"])"));
  ASSERT_EQ(metrics.steps.size(), 1u);
  EXPECT_TRUE(std::isnan(metrics.steps[0].loss));
  EXPECT_TRUE(std::isnan(*metrics.steps[0].grad_norm));
  EXPECT_EQ(metrics.skipped_old_evaluations, 1);
  ASSERT_EQ(metrics.evaluations.size(), 1u);
  EXPECT_EQ(metrics.evaluations[0].domains[0].pairs, 8);
}

TEST(RunReportParsing, MalformedLinesNameFileAndLine) {
  const std::string good = R"({"step":1,"loss":3.0,"lr":0.1})"
                           "\n";
  EXPECT_MENTIONS(error_of([&] { parse(good + "{\"step\":2,\n"); }),
                  "run/metrics.jsonl:2: not valid JSON");
  EXPECT_MENTIONS(error_of([&] { parse(good + "\n[1,2]\n"); }),
                  "run/metrics.jsonl:3: expected a JSON object");
  EXPECT_MENTIONS(error_of([&] { parse(good + R"({"step":2,"loss":"low","lr":0.1})"); }),
                  "run/metrics.jsonl:2: 'loss' must be a number or null, got \"low\"");
  EXPECT_MENTIONS(error_of([&] { parse(R"({"step":2.5,"loss":1,"lr":0.1})"); }),
                  "run/metrics.jsonl:1: 'step' must be an integer");
  EXPECT_MENTIONS(error_of([&] { parse(R"({"step":2,"loss":1})"); }),
                  "run/metrics.jsonl:1: 'lr' is missing");
  EXPECT_MENTIONS(error_of([&] { parse(R"({"evaluation":{"split":"valid"}})"); }),
                  "run/metrics.jsonl:1: 'evaluation.step' is missing");
  EXPECT_MENTIONS(
      error_of([&] {
        parse(
            R"({"evaluation":{"step":1,"domains":[{"domain":"a","f1max":1,"positive_histogram":[1,-2]}]}})");
      }),
      "run/metrics.jsonl:1: 'evaluation.domains[0].positive_histogram' must hold counts");
  EXPECT_MENTIONS(
      error_of([&] {
        parse(
            R"({"evaluation":{"step":1,"domains":[{"domain":"a","f1max":1,"positive_histogram":[1,2]}]}})");
      }),
      "'evaluation.domains[0].positive_histogram' has 2 bins but");
}

TEST(RunReportParsing, ReadRunMetricsNeedsTheFileAndStepLines) {
  testing_support::ScopedTempDir dir("run_report");
  EXPECT_MENTIONS(error_of([&] { read_run_metrics(dir.dir().string()); }),
                  "metrics.jsonl does not exist");
  dir.write_file("metrics.jsonl", evaluation_line(0, "valid", "before", 0.5));
  EXPECT_MENTIONS(error_of([&] { read_run_metrics(dir.dir().string()); }),
                  "metrics.jsonl has no step lines");
  dir.write_file("metrics.jsonl", "{\"step\":1,\"loss\":2,\"lr\":0.1}\n{oops}\n");
  EXPECT_MENTIONS(error_of([&] { read_run_metrics(dir.dir().string()); }),
                  dir.path("metrics.jsonl") + ":2: not valid JSON");
}

TEST(RunReportHistograms, BinsHaveEdgesCountsAndShares) {
  const RunMetrics metrics = parse(evaluation_line(3, "valid", "after", 0.9));
  const std::vector<SimilarityBin> bins = similarity_bins(metrics.evaluations[0].domains[0]);
  ASSERT_EQ(bins.size(), 4u);
  const double lows[] = {-1.0, -0.5, 0.0, 0.5};
  const int64_t positives[] = {0, 0, 1, 3}, negatives[] = {1, 2, 1, 0};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(bins[i].low, lows[i]) << i;
    EXPECT_DOUBLE_EQ(bins[i].high, lows[i] + 0.5) << i;
    EXPECT_EQ(bins[i].positives, positives[i]) << i;
    EXPECT_EQ(bins[i].negatives, negatives[i]) << i;
    EXPECT_DOUBLE_EQ(bins[i].positive_share, positives[i] / 4.0) << i;
    EXPECT_DOUBLE_EQ(bins[i].negative_share, negatives[i] / 4.0) << i;
  }
  DomainRecord without;
  EXPECT_TRUE(similarity_bins(without).empty());
}

TEST(RunReportPlots, PlansLossLrValidF1AndOneHistogramPerDomain) {
  const RunMetrics metrics =
      parse(R"({"step":1,"loss":3.0,"lr":0.1,"scale":10}
{"step":2,"loss":2.0,"lr":0.2,"scale":12}
)" + evaluation_line(0, "valid", "before", 0.5) +
            evaluation_line(2, "valid", "after", 0.75) + evaluation_line(2, "test", "after", 0.7));
  std::vector<PlannedPlot> plots;
  const std::vector<ReportSection> sections = report_sections(metrics, PlotFormat::kSvg, &plots);
  ASSERT_EQ(plots.size(), 4u);
  EXPECT_EQ(plots[0].spec.name, "loss");
  ASSERT_EQ(plots[0].spec.series.size(), 2u);  // loss and the learned scale
  EXPECT_TRUE(plots[0].spec.series[1].second_axis);
  EXPECT_EQ(plots[0].data, "# step loss scale\n1 3 10\n2 2 12\n");
  EXPECT_EQ(plots[1].spec.name, "lr");
  EXPECT_EQ(plots[2].spec.name, "f1_valid");
  EXPECT_EQ(plots[2].data, "# step All cardio\n0 0.5 0.5\n2 0.75 0.75\n");  // valid split only
  EXPECT_EQ(plots[3].spec.name, "similarity_cardio");
  ASSERT_EQ(sections.size(), 4u);
  EXPECT_EQ(sections[0].image, "loss.svg");
  EXPECT_MENTIONS(sections[0].numbers, "final loss 2 at step 2");
  EXPECT_MENTIONS(sections[2].numbers, "best All 0.75 at step 2");
  EXPECT_MENTIONS(sections[3].numbers, "step 2, test split, after training");

  const std::string script = gnuplot_script(plots[3].spec, PlotFormat::kPng);
  EXPECT_MENTIONS(script, "set terminal pngcairo");
  EXPECT_MENTIONS(script, "set output 'similarity_cardio.png'");
  EXPECT_MENTIONS(script, "plot 'similarity_cardio.dat' using 3:4:($2-$1) with boxes");
}

TEST(RunReportPlots, NoValidEvaluationsMeansNoF1PlotAndQuotesAreEscaped) {
  const RunMetrics metrics = parse(R"({"step":1,"loss":3.0,"lr":0.1})");
  std::vector<PlannedPlot> plots;
  const std::vector<ReportSection> sections = report_sections(metrics, PlotFormat::kSvg, &plots);
  ASSERT_EQ(plots.size(), 2u);
  ASSERT_EQ(sections.size(), 4u);
  EXPECT_EQ(sections[2].image, "");
  EXPECT_MENTIONS(sections[2].numbers, "no evaluation lines on the valid split");
  EXPECT_MENTIONS(sections[3].numbers, "no evaluation lines");
  PlotSpec spec;
  spec.name = "x";
  spec.title = "it's\nnew";
  spec.series.push_back({"a", "1:2"});
  EXPECT_MENTIONS(gnuplot_script(spec, PlotFormat::kSvg), "set title 'it''s new'");
  EXPECT_EQ(plot_data_value(std::nan("")), "?");
  EXPECT_EQ(plot_data_value(0.25), "0.25");
  EXPECT_MENTIONS(error_of([] { parse_plot_format("pdf"); }), "--format: expected svg or png");
}

}  // namespace
}  // namespace moe::train
