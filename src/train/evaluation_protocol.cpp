// The paper and honest evaluation protocols per domain and for All, and the cross-domain
// matrix, assembled from pair_metrics (see evaluation_protocol.h for the definitions).
#include "train/evaluation_protocol.h"

#include <limits>         // quiet_NaN
#include <stdexcept>      // std::out_of_range
#include <unordered_set>  // std::unordered_set
#include <utility>        // std::move

#include "common/error.h"  // moe::Error, moe::cat, MOE_REQUIRE

namespace moe::train {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Runs fn and rethrows its moe::Error with `context` in front, so that a message from
// pair_metrics says which domain and split it is about.
template <typename Fn>
auto in_context(const std::string& context, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const moe::Error& e) {
    throw moe::Error(cat(context, ": ", e.what()));
  }
}

std::string split_context(const std::string& domain, const char* split) {
  return cat("domain '", domain, "', ", split, " split");
}

// Names must be non-empty and distinct: they key the rows of every table.
void require_distinct_names(const char* what, const std::vector<std::string>& names) {
  MOE_REQUIRE(!names.empty(), "evaluation: no ", what, " given");
  std::unordered_set<std::string> seen;
  for (const std::string& name : names) {
    MOE_REQUIRE(!name.empty(), "evaluation: a ", what, " has an empty name");
    MOE_REQUIRE(seen.insert(name).second, "evaluation: ", what, " '", name,
                "' is given twice; names must be distinct");
  }
}

void append(std::vector<float>& to, const std::vector<float>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// The threshold of the honest protocol: f1_max on valid. A valid set with one label class
// would give a meaningless threshold (no positive to find), so it is an error, like test.
double tune_threshold_on_valid(const std::string& context, const std::vector<float>& scores,
                               const std::vector<float>& labels) {
  return in_context(context, [&] {
    const F1Max best = f1_max(scores, labels);  // validates sizes, labels and scores
    int64_t positives = 0;
    for (float label : labels) positives += label == 1.0f ? 1 : 0;
    const auto negatives = static_cast<int64_t>(labels.size()) - positives;
    MOE_REQUIRE(positives > 0 && negatives > 0, "only one label class (", positives,
                " positive and ", negatives,
                " negative labels); tuning a threshold needs both positive and negative pairs");
    return best.threshold;
  });
}

ProtocolRow paper_row(RowKind kind, std::string label, const char* tuned_on,
                      const PairMetrics& test) {
  ProtocolRow row;
  row.kind = kind;
  row.label = std::move(label);
  row.pairs = test.count;
  row.positives = test.positives;
  row.threshold_tuned_on = tuned_on;
  row.tuned_on_pairs = test.count;
  row.f1 = test.f1max.f1;
  row.precision = test.f1max.precision;
  row.recall = test.f1max.recall;
  row.threshold = test.f1max.threshold;
  row.roc_auc = test.roc_auc;
  row.mean_positive = test.mean_positive;
  row.mean_negative = test.mean_negative;
  row.positive_negative_ratio = test.positive_negative_ratio;
  return row;
}

// The honest row: threshold-free values from the paper's row, the rest at `threshold`.
ProtocolRow honest_row(const ProtocolRow& paper, const char* tuned_on, int64_t tuned_on_pairs,
                       double threshold, const ThresholdScores& at_threshold) {
  ProtocolRow row = paper;
  row.threshold_tuned_on = tuned_on;
  row.tuned_on_pairs = tuned_on_pairs;
  row.f1 = at_threshold.f1;
  row.precision = at_threshold.precision;
  row.recall = at_threshold.recall;
  row.threshold = threshold;
  return row;
}

ProtocolRow unavailable_row(const ProtocolRow& paper) {
  ProtocolRow row = paper;
  row.available = false;
  row.threshold_tuned_on.clear();
  row.tuned_on_pairs = 0;
  row.f1 = row.precision = row.recall = kNaN;
  row.threshold.reset();
  return row;
}

// Every per-domain value averaged with weights = test pair counts. Rows must be available.
ProtocolRow sample_weighted_row(const std::vector<ProtocolRow>& domains, const char* tuned_on) {
  ProtocolRow row;
  row.kind = RowKind::kAllSampleWeighted;
  row.label = row_label(row.kind);
  row.threshold_tuned_on = tuned_on;
  for (const ProtocolRow& domain : domains) {
    const auto weight = static_cast<double>(domain.pairs);
    row.pairs += domain.pairs;
    row.positives += domain.positives;
    row.tuned_on_pairs += domain.tuned_on_pairs;
    row.f1 += weight * domain.f1;
    row.precision += weight * domain.precision;
    row.recall += weight * domain.recall;
    row.roc_auc += weight * domain.roc_auc;
    row.mean_positive += weight * domain.mean_positive;
    row.mean_negative += weight * domain.mean_negative;
    row.positive_negative_ratio += weight * domain.positive_negative_ratio;
  }
  const auto total = static_cast<double>(row.pairs);
  for (double* value : {&row.f1, &row.precision, &row.recall, &row.roc_auc, &row.mean_positive,
                        &row.mean_negative, &row.positive_negative_ratio}) {
    *value /= total;
  }
  return row;
}

ProtocolTable paper_table(const std::vector<DomainScores>& domains,
                          const std::vector<PairMetrics>& test, const PairMetrics& pooled_test) {
  ProtocolTable table;
  table.protocol = Protocol::kPaper;
  for (size_t i = 0; i < domains.size(); ++i) {
    table.domains.push_back(paper_row(RowKind::kDomain, domains[i].domain, "test", test[i]));
  }
  table.all_sample_weighted = sample_weighted_row(table.domains, "per-domain test");
  table.all_pooled =
      paper_row(RowKind::kAllPooled, row_label(RowKind::kAllPooled), "pooled test", pooled_test);
  return table;
}

ProtocolTable honest_table(const std::vector<DomainScores>& domains, const ProtocolTable& paper) {
  ProtocolTable table;
  table.protocol = Protocol::kHonest;
  std::vector<float> pooled_valid_scores, pooled_valid_labels;
  for (size_t i = 0; i < domains.size(); ++i) {
    const DomainScores& domain = domains[i];
    if (domain.valid_scores.empty() && domain.valid_labels.empty()) {
      table.domains_without_valid.push_back(domain.domain);
      table.domains.push_back(unavailable_row(paper.domains[i]));
      continue;
    }
    const double threshold = tune_threshold_on_valid(split_context(domain.domain, "valid"),
                                                     domain.valid_scores, domain.valid_labels);
    const ThresholdScores at_threshold = in_context(split_context(domain.domain, "test"), [&] {
      return scores_at_threshold(domain.test_scores, domain.test_labels, threshold);
    });
    table.domains.push_back(honest_row(paper.domains[i], "valid",
                                       static_cast<int64_t>(domain.valid_scores.size()), threshold,
                                       at_threshold));
    append(pooled_valid_scores, domain.valid_scores);
    append(pooled_valid_labels, domain.valid_labels);
  }
  // An All row over a subset of the domains would not be comparable with the paper's.
  if (!table.domains_without_valid.empty()) {
    table.all_sample_weighted = unavailable_row(paper.all_sample_weighted);
    table.all_pooled = unavailable_row(paper.all_pooled);
    return table;
  }
  table.all_sample_weighted = sample_weighted_row(table.domains, "per-domain valid");

  std::vector<float> pooled_test_scores, pooled_test_labels;
  for (const DomainScores& domain : domains) {
    append(pooled_test_scores, domain.test_scores);
    append(pooled_test_labels, domain.test_labels);
  }
  const std::string pooled = row_label(RowKind::kAllPooled);
  const double threshold =
      tune_threshold_on_valid(cat(pooled, ", valid split (every domain's valid pairs)"),
                              pooled_valid_scores, pooled_valid_labels);
  const ThresholdScores at_threshold = in_context(
      cat(pooled, ", test split (every domain's test pairs)"),
      [&] { return scores_at_threshold(pooled_test_scores, pooled_test_labels, threshold); });
  table.all_pooled =
      honest_row(paper.all_pooled, "pooled valid", static_cast<int64_t>(pooled_valid_scores.size()),
                 threshold, at_threshold);
  return table;
}

}  // namespace

const char* protocol_name(Protocol protocol) {
  return protocol == Protocol::kPaper ? "paper" : "honest";
}

const char* row_kind_name(RowKind kind) {
  switch (kind) {
    case RowKind::kDomain:
      return "domain";
    case RowKind::kAllSampleWeighted:
      return "all_sample_weighted";
    case RowKind::kAllPooled:
      return "all_pooled";
  }
  return "unknown";
}

const char* row_label(RowKind kind) {
  switch (kind) {
    case RowKind::kDomain:
      return "";
    case RowKind::kAllSampleWeighted:
      return "All (sample-weighted)";
    case RowKind::kAllPooled:
      return "All (pooled)";
  }
  return "";
}

EvaluationReport evaluate_protocols(const std::vector<DomainScores>& domains) {
  std::vector<std::string> names;
  for (const DomainScores& domain : domains) names.push_back(domain.domain);
  require_distinct_names("domain", names);

  std::vector<PairMetrics> test;
  std::vector<float> pooled_scores, pooled_labels;
  for (const DomainScores& domain : domains) {
    test.push_back(in_context(split_context(domain.domain, "test"), [&] {
      return evaluate_pairs(domain.test_scores, domain.test_labels);
    }));
    append(pooled_scores, domain.test_scores);
    append(pooled_labels, domain.test_labels);
  }
  const PairMetrics pooled_test =
      in_context(cat(row_label(RowKind::kAllPooled), ", test split (every domain's test pairs)"),
                 [&] { return evaluate_pairs(pooled_scores, pooled_labels); });

  EvaluationReport report;
  report.paper = paper_table(domains, test, pooled_test);
  report.honest = honest_table(domains, report.paper);
  return report;
}

const CrossDomainCell& CrossDomainMatrix::at(size_t model_index, size_t eval_index) const {
  if (model_index >= model_domains.size() || eval_index >= eval_domains.size()) {
    throw std::out_of_range(cat("CrossDomainMatrix::at(", model_index, ", ", eval_index,
                                "): the matrix is ", model_domains.size(), " x ",
                                eval_domains.size()));
  }
  return cells.at(model_index * eval_domains.size() + eval_index);
}

CrossDomainMatrix cross_domain_matrix(const std::vector<std::string>& model_domains,
                                      const std::vector<EvalDomainLabels>& eval_domains,
                                      const CrossDomainScorer& score_test_pairs) {
  CrossDomainMatrix matrix;
  matrix.model_domains = model_domains;
  for (const EvalDomainLabels& column : eval_domains) matrix.eval_domains.push_back(column.domain);
  require_distinct_names("model domain", matrix.model_domains);
  require_distinct_names("eval domain", matrix.eval_domains);
  MOE_REQUIRE(static_cast<bool>(score_test_pairs), "cross_domain_matrix: no scorer given");

  matrix.cells.reserve(model_domains.size() * eval_domains.size());
  for (const std::string& model_domain : model_domains) {
    for (const EvalDomainLabels& column : eval_domains) {
      const std::string context =
          cat("model domain '", model_domain, "', ", split_context(column.domain, "test"));
      const std::vector<float> scores =
          in_context(context, [&] { return score_test_pairs(model_domain, column.domain); });
      matrix.cells.push_back({model_domain, column.domain, in_context(context, [&] {
                                return evaluate_pairs(scores, column.test_labels);
                              })});
    }
  }
  return matrix;
}

CrossDomainMatrix cross_domain_matrix(const std::vector<std::string>& model_domains,
                                      const std::vector<EvalDomainLabels>& eval_domains,
                                      const std::vector<std::vector<std::vector<float>>>& scores) {
  MOE_REQUIRE(scores.size() == model_domains.size(), "cross_domain_matrix: scores has ",
              scores.size(), " rows but there are ", model_domains.size(), " model domains");
  for (size_t row = 0; row < scores.size(); ++row) {
    MOE_REQUIRE(scores[row].size() == eval_domains.size(), "cross_domain_matrix: scores row ", row,
                " (model domain '", model_domains[row], "') has ", scores[row].size(),
                " columns but there are ", eval_domains.size(), " eval domains");
  }
  // Names are distinct (checked by the callback version before any scorer call), so the
  // indices below are well defined.
  return cross_domain_matrix(model_domains, eval_domains,
                             [&](const std::string& model_domain, const std::string& eval_domain) {
                               size_t row = 0, column = 0;
                               while (model_domains[row] != model_domain) ++row;
                               while (eval_domains[column].domain != eval_domain) ++column;
                               return scores[row][column];
                             });
}

}  // namespace moe::train
