// The evaluation protocols of pair classification per scientific domain, from scores the
// caller computed: the paper's (threshold tuned on the very test pairs it scores) and an
// honest one (threshold tuned on valid, applied unchanged to test), each per domain and for
// "All" in both of the paper's definitions; and the cross-domain matrix (which domain's path
// embeds x which domain's test pairs are scored). Plain C++ with no LibTorch.
// Rendering as Markdown, CSV and JSON: evaluation_tables.h.
#pragma once

#include <cstddef>     // size_t
#include <cstdint>     // int64_t
#include <functional>  // std::function
#include <optional>    // std::optional
#include <string>      // std::string
#include <vector>      // std::vector

#include "train/pair_metrics.h"  // PairMetrics, the conventions every number here follows

namespace moe::train {

// One domain's scored pairs (one score and one 0/1 label per pair). Valid may be empty (both
// vectors): then only the paper protocol can be computed and the honest one says so.
struct DomainScores {
  std::string domain;
  std::vector<float> valid_scores, valid_labels, test_scores, test_labels;
};

enum class Protocol {
  kPaper,   // threshold tuned on the test pairs it is scored on, as the paper did (optimistic)
  kHonest,  // threshold tuned on valid, then applied to test
};
const char* protocol_name(Protocol protocol);  // "paper", "honest"

enum class RowKind {
  kDomain,             // one domain's test pairs
  kAllSampleWeighted,  // mean of the per-domain rows weighted by their test pair counts (what
                       // the paper reports for its trained models)
  kAllPooled,          // every domain's test pairs together, one threshold (what the paper
                       // reports for its baselines)
};
const char* row_kind_name(RowKind kind);  // "domain", "all_sample_weighted", "all_pooled"
const char* row_label(RowKind kind);      // "All (sample-weighted)", "All (pooled)"; "" for kDomain

// One line of a protocol's table. Every value is measured on test pairs; only the threshold's
// origin differs between the protocols.
struct ProtocolRow {
  RowKind kind = RowKind::kDomain;
  std::string label;  // the domain's name, or row_label(kind)
  // false: the honest protocol without valid pairs (for this domain, or for any domain in an
  // All row). f1, precision and recall are then NaN and threshold is empty; the threshold-free
  // values (ROC-AUC, means, ratio) are still given, as they equal the paper's.
  bool available = true;
  int64_t pairs = 0, positives = 0;  // test pairs scored
  // Where the threshold was tuned: "test", "valid", "pooled test", "pooled valid",
  // "per-domain test", "per-domain valid" (sample-weighted rows); "" when unavailable.
  std::string threshold_tuned_on;
  int64_t tuned_on_pairs = 0;  // how many pairs the threshold (or thresholds) were tuned on
  double f1 = 0, precision = 0, recall = 0;
  // The single threshold used; empty for sample-weighted rows (one threshold per domain) and
  // for unavailable rows.
  std::optional<double> threshold;
  double roc_auc = 0, mean_positive = 0, mean_negative = 0;
  double positive_negative_ratio = 0;  // NaN when mean_negative == 0 (see pair_metrics.h)
};

struct ProtocolTable {
  Protocol protocol = Protocol::kPaper;
  std::vector<ProtocolRow> domains;  // in the order of the input
  ProtocolRow all_sample_weighted, all_pooled;
  // Honest protocol: the domains given without valid pairs (their rows and both All rows are
  // unavailable). Always empty for the paper protocol.
  std::vector<std::string> domains_without_valid;
};

struct EvaluationReport {
  ProtocolTable paper, honest;
};

// Both protocols for every domain and for All. Per domain:
//  - paper: evaluate_pairs(test);
//  - honest: threshold t = f1_max(valid).threshold, F1 / precision / recall =
//    scores_at_threshold(test, t); ROC-AUC and the means from evaluate_pairs(test).
// All (sample-weighted): the per-domain values (f1, precision, recall, ROC-AUC, means, ratio)
// averaged with weights = test pair counts. All (pooled): the test pairs of every domain
// concatenated, evaluated as one set; for the honest protocol the threshold is tuned on the
// concatenated valid pairs.
// Throws moe::Error, naming the domain (or "All (pooled)") and the split, when the domain
// list is empty, a name is empty or repeated, test or valid pairs hold only one label class,
// or pair_metrics rejects the input (mismatched sizes, NaN score, label not 0/1).
EvaluationReport evaluate_protocols(const std::vector<DomainScores>& domains);

// One cell of the cross-domain matrix: the test pairs of eval_domain, embedded along
// model_domain's path, evaluated with the paper protocol (evaluate_pairs).
struct CrossDomainCell {
  std::string model_domain, eval_domain;
  PairMetrics metrics;
};

// Row = the model's domain path used to embed, column = the evaluated domain's test pairs.
struct CrossDomainMatrix {
  std::vector<std::string> model_domains;  // rows, in the order given
  std::vector<std::string> eval_domains;   // columns, in the order given
  std::vector<CrossDomainCell> cells;      // row-major: model_domains.size() x eval_domains.size()
  // The cell of row model_index, column eval_index; throws std::out_of_range outside.
  const CrossDomainCell& at(size_t model_index, size_t eval_index) const;
};

// The 0/1 labels of one evaluated domain's test pairs: a column of the matrix.
struct EvalDomainLabels {
  std::string domain;
  std::vector<float> test_labels;
};

// Scores of eval_domain's test pairs (same order as its labels) when both sides of each pair
// are embedded along model_domain's path.
using CrossDomainScorer = std::function<std::vector<float>(const std::string& model_domain,
                                                           const std::string& eval_domain)>;

// Calls score_test_pairs once per cell, row by row (model domain outer, eval domain inner),
// and evaluates each cell. Throws moe::Error naming both domains when a cell's scores do not
// fit its labels or hold one class, or when a row or column name is empty or repeated.
CrossDomainMatrix cross_domain_matrix(const std::vector<std::string>& model_domains,
                                      const std::vector<EvalDomainLabels>& eval_domains,
                                      const CrossDomainScorer& score_test_pairs);

// The same from precomputed scores: scores[row][column] for model_domains[row] and
// eval_domains[column]. Throws moe::Error when the dimensions do not match.
CrossDomainMatrix cross_domain_matrix(const std::vector<std::string>& model_domains,
                                      const std::vector<EvalDomainLabels>& eval_domains,
                                      const std::vector<std::vector<std::vector<float>>>& scores);

}  // namespace moe::train
