// Markdown, CSV and JSON renderings of the evaluation report and the cross-domain matrix
// (formats in evaluation_tables.h).
#include "train/evaluation_tables.h"

#include <cmath>              // std::isnan
#include <cstdio>             // std::snprintf
#include <nlohmann/json.hpp>  // nlohmann::json
#include <sstream>            // std::ostringstream
#include <string>             // std::string, std::to_string
#include <utility>            // std::move
#include <vector>             // std::vector

namespace moe::train {
namespace {

std::string format(const char* spec, double value) {
  if (std::isnan(value)) return "nan";  // printf may write "-nan"
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, spec, value);
  return buffer;
}

std::string four_decimals(double value) { return format("%.4f", value); }
std::string full_precision(double value) { return format("%.17g", value); }

nlohmann::json number_or_null(double value) {
  return std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
}

std::string markdown_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void write_csv_line(std::ostringstream& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << fields[i];
  out << "\n";
}

// The rows of a table in rendering order: domains, then the two All rows.
std::vector<const ProtocolRow*> rows_of(const ProtocolTable& table) {
  std::vector<const ProtocolRow*> rows;
  for (const ProtocolRow& row : table.domains) rows.push_back(&row);
  rows.push_back(&table.all_sample_weighted);
  rows.push_back(&table.all_pooled);
  return rows;
}

const char* protocol_title(Protocol protocol) {
  return protocol == Protocol::kPaper ? "Paper protocol" : "Honest protocol";
}

void write_markdown_table(std::ostringstream& out, const ProtocolTable& table) {
  out << "### " << protocol_title(table.protocol) << "\n\n" << protocol_caption(table.protocol);
  if (!table.domains_without_valid.empty()) {
    out << "\nUnavailable without valid pairs (threshold-dependent columns n/a, All rows too): ";
    for (size_t i = 0; i < table.domains_without_valid.size(); ++i) {
      out << (i ? ", " : "") << markdown_escape(table.domains_without_valid[i]);
    }
  }
  const char* f1_header = table.protocol == Protocol::kPaper ? "F1max" : "F1";
  out << "\n\n| eval set | " << f1_header
      << " | precision | recall | threshold | ROC-AUC | pos/neg ratio | pairs |\n"
      << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const ProtocolRow* row : rows_of(table)) {
    const auto value = [&](double v) { return row->available ? four_decimals(v) : "n/a"; };
    const std::string threshold = row->threshold   ? four_decimals(*row->threshold)
                                  : row->available ? std::string("per domain")
                                                   : std::string("n/a");
    out << "| " << markdown_escape(row->label) << " | " << value(row->f1) << " | "
        << value(row->precision) << " | " << value(row->recall) << " | " << threshold << " | "
        << four_decimals(row->roc_auc) << " | " << four_decimals(row->positive_negative_ratio)
        << " | " << row->pairs << " |\n";
  }
}

const std::vector<std::string>& report_csv_columns() {
  static const std::vector<std::string> columns{"protocol",
                                                "kind",
                                                "domain",
                                                "available",
                                                "pairs",
                                                "positives",
                                                "threshold_tuned_on",
                                                "tuned_on_pairs",
                                                "f1",
                                                "precision",
                                                "recall",
                                                "threshold",
                                                "roc_auc",
                                                "mean_positive",
                                                "mean_negative",
                                                "positive_negative_ratio"};
  return columns;
}

nlohmann::json row_json(const ProtocolRow& row) {
  const auto present = [&](double v) {
    return row.available ? number_or_null(v) : nlohmann::json(nullptr);
  };
  return nlohmann::json{
      {"kind", row_kind_name(row.kind)},
      {"domain", row.label},
      {"available", row.available},
      {"pairs", row.pairs},
      {"positives", row.positives},
      {"threshold_tuned_on", row.threshold_tuned_on},
      {"tuned_on_pairs", row.tuned_on_pairs},
      {"f1", present(row.f1)},
      {"precision", present(row.precision)},
      {"recall", present(row.recall)},
      {"threshold", row.threshold ? number_or_null(*row.threshold) : nlohmann::json(nullptr)},
      {"roc_auc", number_or_null(row.roc_auc)},
      {"mean_positive", number_or_null(row.mean_positive)},
      {"mean_negative", number_or_null(row.mean_negative)},
      {"positive_negative_ratio", number_or_null(row.positive_negative_ratio)}};
}

nlohmann::json table_json(const ProtocolTable& table) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ProtocolRow* row : rows_of(table)) rows.push_back(row_json(*row));
  return nlohmann::json{{"caption", protocol_caption(table.protocol)},
                        {"domains_without_valid", table.domains_without_valid},
                        {"rows", std::move(rows)}};
}

nlohmann::json cell_json(const CrossDomainCell& cell) {
  const PairMetrics& m = cell.metrics;
  return nlohmann::json{{"model_domain", cell.model_domain},
                        {"eval_domain", cell.eval_domain},
                        {"pairs", m.count},
                        {"positives", m.positives},
                        {"f1max", number_or_null(m.f1max.f1)},
                        {"precision", number_or_null(m.f1max.precision)},
                        {"recall", number_or_null(m.f1max.recall)},
                        {"threshold", number_or_null(m.f1max.threshold)},
                        {"roc_auc", number_or_null(m.roc_auc)},
                        {"mean_positive", number_or_null(m.mean_positive)},
                        {"mean_negative", number_or_null(m.mean_negative)},
                        {"positive_negative_ratio", number_or_null(m.positive_negative_ratio)}};
}

}  // namespace

std::string protocol_caption(Protocol protocol) {
  if (protocol == Protocol::kPaper) {
    return "Paper protocol: threshold tuned on the same test pairs it is scored on, as the "
           "paper did (optimistic); All (sample-weighted) = per-domain values weighted by test "
           "pairs, All (pooled) = all test pairs with one threshold.";
  }
  return "Honest protocol: threshold tuned on each domain's valid pairs (All (pooled): on all "
         "valid pairs together) and applied unchanged to its test pairs; ROC-AUC and pos/neg "
         "ratio are threshold-free and equal the paper's.";
}

std::string render_markdown(const EvaluationReport& report) {
  std::ostringstream out;
  write_markdown_table(out, report.paper);
  out << "\n";
  write_markdown_table(out, report.honest);
  return out.str();
}

std::string render_csv(const EvaluationReport& report) {
  std::ostringstream out;
  write_csv_line(out, report_csv_columns());
  for (const ProtocolTable* table : {&report.paper, &report.honest}) {
    for (const ProtocolRow* row : rows_of(*table)) {
      const auto value = [&](double v) { return row->available ? full_precision(v) : ""; };
      write_csv_line(
          out, {protocol_name(table->protocol), row_kind_name(row->kind), csv_field(row->label),
                row->available ? "1" : "0", std::to_string(row->pairs),
                std::to_string(row->positives), csv_field(row->threshold_tuned_on),
                std::to_string(row->tuned_on_pairs), value(row->f1), value(row->precision),
                value(row->recall), row->threshold ? full_precision(*row->threshold) : "",
                full_precision(row->roc_auc), full_precision(row->mean_positive),
                full_precision(row->mean_negative), full_precision(row->positive_negative_ratio)});
    }
  }
  return out.str();
}

std::string render_json(const EvaluationReport& report, int indent) {
  const nlohmann::json json{
      {"all_definitions",
       {{row_kind_name(RowKind::kAllSampleWeighted),
         "mean of the per-domain values weighted by test pair counts (the paper's trained "
         "models)"},
        {row_kind_name(RowKind::kAllPooled),
         "all domains' test pairs as one set with one threshold (the paper's baselines)"}}},
      {"protocols",
       {{protocol_name(Protocol::kPaper), table_json(report.paper)},
        {protocol_name(Protocol::kHonest), table_json(report.honest)}}}};
  return json.dump(indent);
}

std::string cross_domain_caption() {
  return "Cross-domain F1max (ROC-AUC): row = the model's domain path used to embed, column = "
         "the evaluated domain's test pairs; threshold tuned on each cell's own test pairs "
         "(paper protocol).";
}

std::string render_markdown(const CrossDomainMatrix& matrix) {
  std::ostringstream out;
  out << cross_domain_caption() << "\n\n| model \\ eval |";
  for (const std::string& column : matrix.eval_domains)
    out << " " << markdown_escape(column) << " |";
  out << "\n|---|";
  for (size_t c = 0; c < matrix.eval_domains.size(); ++c) out << "---:|";
  out << "\n";
  for (size_t r = 0; r < matrix.model_domains.size(); ++r) {
    out << "| " << markdown_escape(matrix.model_domains[r]) << " |";
    for (size_t c = 0; c < matrix.eval_domains.size(); ++c) {
      const PairMetrics& m = matrix.at(r, c).metrics;
      out << " " << four_decimals(m.f1max.f1) << " (" << four_decimals(m.roc_auc) << ") |";
    }
    out << "\n";
  }
  return out.str();
}

std::string render_csv(const CrossDomainMatrix& matrix) {
  std::ostringstream out;
  write_csv_line(
      out, {"model_domain", "eval_domain", "pairs", "positives", "f1max", "precision", "recall",
            "threshold", "roc_auc", "mean_positive", "mean_negative", "positive_negative_ratio"});
  for (const CrossDomainCell& cell : matrix.cells) {
    const PairMetrics& m = cell.metrics;
    write_csv_line(
        out,
        {csv_field(cell.model_domain), csv_field(cell.eval_domain), std::to_string(m.count),
         std::to_string(m.positives), full_precision(m.f1max.f1), full_precision(m.f1max.precision),
         full_precision(m.f1max.recall), full_precision(m.f1max.threshold),
         full_precision(m.roc_auc), full_precision(m.mean_positive),
         full_precision(m.mean_negative), full_precision(m.positive_negative_ratio)});
  }
  return out.str();
}

std::string render_json(const CrossDomainMatrix& matrix, int indent) {
  nlohmann::json cells = nlohmann::json::array();
  for (const CrossDomainCell& cell : matrix.cells) cells.push_back(cell_json(cell));
  const nlohmann::json json{{"caption", cross_domain_caption()},
                            {"model_domains", matrix.model_domains},
                            {"eval_domains", matrix.eval_domains},
                            {"cells", std::move(cells)}};
  return json.dump(indent);
}

}  // namespace moe::train
