// What one evaluation of one domain's pairs reports (the paper's metrics, the router's
// accuracy, similarity histograms), packed into a row of doubles so that one all-reduce
// shares every domain's result, and written as a metrics.jsonl line and a printed table.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "train/pair_evaluation.h"
#include "train/pair_metrics.h"

namespace moe::train {

// Histograms of positive and negative pairs' cosine similarities: this many bins over
// [-1, 1] (values outside are counted in the end bins).
inline constexpr int kHistogramBins = 40;

struct DomainEvaluation {
  std::string domain;
  PairMetrics metrics;
  double router_accuracy = -1.0;  // share of sequences the router sends here; -1: no router
  std::vector<int64_t> positive_histogram, negative_histogram;  // kHistogramBins each
};

// Metrics and histograms of one domain's scored pairs (labels 0/1, one per score).
DomainEvaluation evaluate_domain(const std::string& domain, const PairScores& scores,
                                 const std::vector<float>& labels);

// Every field as doubles (counts are exact below 2^53), so rows of the domains evaluated on
// different ranks can be summed into one table; an all-zero row is a domain not evaluated.
int64_t evaluation_row_width();
void to_row(const DomainEvaluation& evaluation, double* row);
DomainEvaluation from_row(const std::string& domain, const double* row);
// Every domain's row in one float64 tensor [domains, evaluation_row_width()] (kept in
// checkpoints), and back; `domains` names the rows in order. Errors name the shape mismatch.
torch::Tensor evaluation_rows(const std::vector<DomainEvaluation>& evaluations);
std::vector<DomainEvaluation> evaluations_from_rows(const std::vector<std::string>& domains,
                                                    const torch::Tensor& rows);

// Mean F1max over domains weighted by their pair counts (the paper's "All" for its trained
// models); the score periodic evaluation selects checkpoints by.
double weighted_f1max(const std::vector<DomainEvaluation>& evaluations);

// The metrics.jsonl line {"evaluation": {...}} (docs/FORMATS.md#metricsjsonl).
nlohmann::json evaluation_line(const std::vector<DomainEvaluation>& evaluations, int64_t step,
                               const std::string& split, const std::string& kind);

// A printable table of before/after results (one row per domain plus the weighted mean).
std::string format_evaluation_table(const std::vector<DomainEvaluation>& before,
                                    const std::vector<DomainEvaluation>& after);

}  // namespace moe::train
