// Implementation of the per-domain evaluation record (see domain_evaluation.h).
#include "train/domain_evaluation.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "common/error.h"
#include "common/number_format.h"

namespace moe::train {
namespace {

// Row layout: 10 metric fields, routed, routed correctly, then the two histograms.
constexpr int kMetricFields = 10;
constexpr int kRouterFields = 2;

int bin_of(float score) {
  const int bin =
      static_cast<int>(std::floor((static_cast<double>(score) + 1.0) / 2.0 * kHistogramBins));
  return std::clamp(bin, 0, kHistogramBins - 1);
}

// NaN and infinities become null (JSON has neither).
nlohmann::json number(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

DomainEvaluation evaluate_domain(const std::string& domain, const PairScores& scores,
                                 const std::vector<float>& labels) {
  DomainEvaluation result;
  result.domain = domain;
  result.metrics = evaluate_pairs(scores.similarities, labels);
  if (scores.routed > 0)
    result.router_accuracy = static_cast<double>(scores.routed_correctly) / scores.routed;
  result.positive_histogram.assign(kHistogramBins, 0);
  result.negative_histogram.assign(kHistogramBins, 0);
  for (size_t i = 0; i < labels.size(); ++i)
    (labels[i] == 1.0f ? result.positive_histogram
                       : result.negative_histogram)[bin_of(scores.similarities[i])] += 1;
  return result;
}

int64_t evaluation_row_width() { return kMetricFields + kRouterFields + 2 * kHistogramBins; }

void to_row(const DomainEvaluation& e, double* row) {
  const PairMetrics& m = e.metrics;
  const double values[kMetricFields] = {static_cast<double>(m.count),
                                        static_cast<double>(m.positives),
                                        m.f1max.f1,
                                        m.f1max.precision,
                                        m.f1max.recall,
                                        m.f1max.threshold,
                                        m.roc_auc,
                                        m.mean_positive,
                                        m.mean_negative,
                                        m.positive_negative_ratio};
  std::copy(values, values + kMetricFields, row);
  // Router accuracy travels as its two counts' ratio parts: 1 routed of which `accuracy`.
  row[kMetricFields] = e.router_accuracy >= 0 ? 1.0 : 0.0;
  row[kMetricFields + 1] = e.router_accuracy >= 0 ? e.router_accuracy : 0.0;
  double* histograms = row + kMetricFields + kRouterFields;
  for (int b = 0; b < kHistogramBins; ++b) {
    histograms[b] = static_cast<double>(e.positive_histogram.at(b));
    histograms[kHistogramBins + b] = static_cast<double>(e.negative_histogram.at(b));
  }
}

DomainEvaluation from_row(const std::string& domain, const double* row) {
  DomainEvaluation e;
  e.domain = domain;
  PairMetrics& m = e.metrics;
  m.count = static_cast<int64_t>(row[0]);
  m.positives = static_cast<int64_t>(row[1]);
  m.f1max = {row[2], row[3], row[4], row[5]};
  m.roc_auc = row[6];
  m.mean_positive = row[7];
  m.mean_negative = row[8];
  m.positive_negative_ratio = row[9];
  e.router_accuracy = row[kMetricFields] > 0 ? row[kMetricFields + 1] : -1.0;
  const double* histograms = row + kMetricFields + kRouterFields;
  for (int b = 0; b < kHistogramBins; ++b) {
    e.positive_histogram.push_back(static_cast<int64_t>(histograms[b]));
    e.negative_histogram.push_back(static_cast<int64_t>(histograms[kHistogramBins + b]));
  }
  return e;
}

torch::Tensor evaluation_rows(const std::vector<DomainEvaluation>& evaluations) {
  torch::Tensor rows = torch::zeros(
      {static_cast<int64_t>(evaluations.size()), evaluation_row_width()}, torch::kFloat64);
  for (size_t d = 0; d < evaluations.size(); ++d)
    to_row(evaluations[d], rows[static_cast<int64_t>(d)].data_ptr<double>());
  return rows;
}

std::vector<DomainEvaluation> evaluations_from_rows(const std::vector<std::string>& domains,
                                                    const torch::Tensor& rows) {
  const torch::Tensor values = rows.to(torch::kFloat64).contiguous();
  MOE_REQUIRE(values.dim() == 2 && values.size(0) == static_cast<int64_t>(domains.size()) &&
                  values.size(1) == evaluation_row_width(),
              "stored evaluation rows have shape ", values.sizes(), ", expected [", domains.size(),
              ", ", evaluation_row_width(), "]");
  std::vector<DomainEvaluation> evaluations;
  for (size_t d = 0; d < domains.size(); ++d)
    evaluations.push_back(from_row(domains[d], values[static_cast<int64_t>(d)].data_ptr<double>()));
  return evaluations;
}

double weighted_f1max(const std::vector<DomainEvaluation>& evaluations) {
  double weighted = 0.0;
  int64_t pairs = 0;
  for (const DomainEvaluation& e : evaluations) {
    weighted += e.metrics.f1max.f1 * static_cast<double>(e.metrics.count);
    pairs += e.metrics.count;
  }
  MOE_REQUIRE(pairs > 0, "evaluation: no pairs in any domain");
  return weighted / static_cast<double>(pairs);
}

nlohmann::json evaluation_line(const std::vector<DomainEvaluation>& evaluations, int64_t step,
                               const std::string& split, const std::string& kind) {
  nlohmann::json domains = nlohmann::json::array();
  for (const DomainEvaluation& e : evaluations) {
    const PairMetrics& m = e.metrics;
    nlohmann::json entry = {{"domain", e.domain},
                            {"pairs", m.count},
                            {"positives", m.positives},
                            {"f1max", number(m.f1max.f1)},
                            {"precision", number(m.f1max.precision)},
                            {"recall", number(m.f1max.recall)},
                            {"threshold", number(m.f1max.threshold)},
                            {"roc_auc", number(m.roc_auc)},
                            {"mean_positive", number(m.mean_positive)},
                            {"mean_negative", number(m.mean_negative)},
                            {"histogram_min", -1.0},
                            {"histogram_max", 1.0},
                            {"positive_histogram", e.positive_histogram},
                            {"negative_histogram", e.negative_histogram}};
    if (e.router_accuracy >= 0) entry["router_accuracy"] = e.router_accuracy;
    domains.push_back(std::move(entry));
  }
  return {{"evaluation",
           {{"step", step},
            {"split", split},
            {"kind", kind},
            {"all_weighted_f1max", number(weighted_f1max(evaluations))},
            {"domains", std::move(domains)}}}};
}

std::string format_evaluation_table(const std::vector<DomainEvaluation>& before,
                                    const std::vector<DomainEvaluation>& after) {
  std::ostringstream out;
  const bool both = !after.empty();
  out << "F1max per domain (" << (both ? "before -> after training" : "before training")
      << "; threshold tuned on the evaluated split, as in the paper)\n";
  out << "  " << std::left << std::setw(16) << "domain" << std::setw(8) << "pairs"
      << (both ? "F1max before  F1max after  delta    ROC-AUC after" : "F1max    ROC-AUC") << "\n";
  double weighted_before = 0, weighted_after = 0;
  int64_t total = 0;
  for (size_t d = 0; d < before.size(); ++d) {
    const PairMetrics& b = before[d].metrics;
    out << "  " << std::left << std::setw(16) << before[d].domain << std::setw(8) << b.count;
    if (both) {
      const PairMetrics& a = after[d].metrics;
      out << std::setw(14) << fixed(b.f1max.f1) << std::setw(13) << fixed(a.f1max.f1)
          << std::setw(9)
          << ((a.f1max.f1 >= b.f1max.f1 ? "+" : "") + fixed(a.f1max.f1 - b.f1max.f1))
          << fixed(a.roc_auc);
      weighted_after += a.f1max.f1 * a.count;
    } else {
      out << std::setw(9) << fixed(b.f1max.f1) << fixed(b.roc_auc);
    }
    weighted_before += b.f1max.f1 * b.count;
    total += b.count;
    const double routed = (both ? after[d] : before[d]).router_accuracy;
    if (routed >= 0) out << "  router accuracy " << fixed(routed);
    out << "\n";
  }
  if (total > 0) {
    out << "  " << std::left << std::setw(16) << "All (weighted)" << std::setw(8) << total;
    if (both)
      out << std::setw(14) << fixed(weighted_before / total) << fixed(weighted_after / total);
    else
      out << fixed(weighted_before / total);
  }
  return out.str();
}

}  // namespace moe::train
