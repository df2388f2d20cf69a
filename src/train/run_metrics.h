// Reads a run's metrics.jsonl (written by moe_train, appended to by resumed runs) into step
// and evaluation records for moe_report. Unknown keys are ignored; a step or evaluation
// logged twice (a resumed run repeating steps) keeps its last occurrence.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace moe::train {

// One step line. JSON null (NaN or inf when written) reads as NaN.
struct StepRecord {
  int64_t step = 0;
  double loss = 0.0;
  double lr = 0.0;
  std::optional<double> grad_norm, ms_per_step, samples_per_s;
  std::optional<double> scale;                         // only with train.learned_scale
  std::optional<double> router_loss, router_accuracy;  // only with model.router
};

// One domain's results in an evaluation line. The histograms count pairs per similarity bin:
// equal-width bins over [histogram_min, histogram_max]; empty when the line has none.
struct DomainRecord {
  std::string domain;
  double f1max = 0.0;
  std::optional<int64_t> pairs, positives;
  std::optional<double> precision, recall, threshold, roc_auc, mean_positive, mean_negative;
  double histogram_min = -1.0;
  double histogram_max = 1.0;
  std::vector<int64_t> positive_histogram, negative_histogram;
};

struct EvaluationRecord {
  int64_t step = 0;
  std::string split;  // "valid", "test", ...
  std::string kind;   // "periodic", "before" or "after"
  std::optional<double> all_weighted_f1max;
  std::vector<DomainRecord> domains;
  int64_t line = 0;  // 1-based line in metrics.jsonl of the occurrence kept
};

struct RunMetrics {
  std::vector<StepRecord> steps;              // ascending step
  std::vector<EvaluationRecord> evaluations;  // ascending step; same step: file order
  // Evaluation lines in the format of older moe_train versions ("evaluation" a list), skipped.
  int64_t skipped_old_evaluations = 0;

  // The evaluation written last in the file (any split), or nullptr when there is none.
  const EvaluationRecord* last_evaluation() const;
};

// Parses metrics lines; `source` names the file in errors ("run/metrics.jsonl:7: ...").
// Throws moe::Error for a line that is not a JSON object or has a known key of the wrong type.
RunMetrics parse_run_metrics(std::istream& in, const std::string& source);
// Reads RUN_DIR/metrics.jsonl; a missing file or one without step lines is a moe::Error.
RunMetrics read_run_metrics(const std::string& run_dir);

// One histogram bin of a domain's similarity distribution, for plotting.
struct SimilarityBin {
  double low = 0.0, high = 0.0;  // the bin's edges
  int64_t positives = 0, negatives = 0;
  double positive_share = 0.0, negative_share = 0.0;  // of all positive / negative pairs
};

// The bins of a domain's histograms; empty when the evaluation has no histograms.
std::vector<SimilarityBin> similarity_bins(const DomainRecord& evaluation);

}  // namespace moe::train
