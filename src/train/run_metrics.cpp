// Implementation of reading metrics.jsonl (see run_metrics.h).
#include "train/run_metrics.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "common/error.h"

namespace moe::train {
namespace {

using Json = nlohmann::json;

// A value for error messages, cut short: lines may carry long histograms.
std::string shown(const Json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// `where` is "file:line"; `name` the key's path in the line, for the message.
double number_or_null(const Json& value, const std::string& where, const std::string& name) {
  if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
  MOE_REQUIRE(value.is_number(), where, ": '", name, "' must be a number or null, got ",
              shown(value));
  return value.get<double>();
}

double required_number(const Json& object, const char* key, const std::string& where,
                       const std::string& prefix = "") {
  const auto it = object.find(key);
  MOE_REQUIRE(it != object.end(), where, ": '", prefix, key, "' is missing");
  return number_or_null(*it, where, prefix + key);
}

std::optional<double> optional_number(const Json& object, const char* key, const std::string& where,
                                      const std::string& prefix = "") {
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  return number_or_null(*it, where, prefix + key);
}

int64_t integer(const Json& value, const std::string& where, const std::string& name) {
  MOE_REQUIRE(value.is_number_integer(), where, ": '", name, "' must be an integer, got ",
              shown(value));
  return value.get<int64_t>();
}

std::optional<int64_t> optional_integer(const Json& object, const char* key,
                                        const std::string& where, const std::string& prefix) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  return integer(*it, where, prefix + key);
}

std::string optional_string(const Json& object, const char* key, const std::string& where,
                            const std::string& prefix = "") {
  const auto it = object.find(key);
  if (it == object.end()) return "";
  MOE_REQUIRE(it->is_string(), where, ": '", prefix, key, "' must be a string, got ", shown(*it));
  return it->get<std::string>();
}

std::vector<int64_t> counts(const Json& object, const char* key, const std::string& where,
                            const std::string& prefix) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  const std::string name = prefix + key;
  MOE_REQUIRE(it->is_array(), where, ": '", name, "' must be a list of counts, got ", shown(*it));
  std::vector<int64_t> result;
  for (const Json& count : *it) {
    MOE_REQUIRE(count.is_number_integer() && count.get<int64_t>() >= 0, where, ": '", name,
                "' must hold counts (integers >= 0), got ", shown(count));
    result.push_back(count.get<int64_t>());
  }
  return result;
}

StepRecord parse_step(const Json& line, const std::string& where) {
  StepRecord record;
  record.step = integer(line["step"], where, "step");
  record.loss = required_number(line, "loss", where);
  record.lr = required_number(line, "lr", where);
  record.grad_norm = optional_number(line, "grad_norm", where);
  record.ms_per_step = optional_number(line, "ms_per_step", where);
  record.samples_per_s = optional_number(line, "samples_per_s", where);
  record.scale = optional_number(line, "scale", where);
  record.router_loss = optional_number(line, "router_loss", where);
  record.router_accuracy = optional_number(line, "router_accuracy", where);
  return record;
}

DomainRecord parse_domain(const Json& object, const std::string& where, const std::string& prefix) {
  MOE_REQUIRE(object.is_object(), where, ": '", prefix, "' must be an object, got ", shown(object));
  const std::string p = prefix + ".";
  DomainRecord result;
  result.domain = optional_string(object, "domain", where, p);
  MOE_REQUIRE(!result.domain.empty(), where, ": '", p, "domain' is missing or empty");
  result.f1max = required_number(object, "f1max", where, p);
  result.pairs = optional_integer(object, "pairs", where, p);
  result.positives = optional_integer(object, "positives", where, p);
  result.precision = optional_number(object, "precision", where, p);
  result.recall = optional_number(object, "recall", where, p);
  result.threshold = optional_number(object, "threshold", where, p);
  result.roc_auc = optional_number(object, "roc_auc", where, p);
  result.mean_positive = optional_number(object, "mean_positive", where, p);
  result.mean_negative = optional_number(object, "mean_negative", where, p);
  result.histogram_min = optional_number(object, "histogram_min", where, p).value_or(-1.0);
  result.histogram_max = optional_number(object, "histogram_max", where, p).value_or(1.0);
  result.positive_histogram = counts(object, "positive_histogram", where, p);
  result.negative_histogram = counts(object, "negative_histogram", where, p);
  MOE_REQUIRE(result.positive_histogram.size() == result.negative_histogram.size(), where, ": '", p,
              "positive_histogram' has ", result.positive_histogram.size(), " bins but '", p,
              "negative_histogram' has ", result.negative_histogram.size());
  MOE_REQUIRE(result.positive_histogram.empty() || result.histogram_min < result.histogram_max,
              where, ": '", p, "histogram_min' must be below '", p, "histogram_max'");
  return result;
}

EvaluationRecord parse_evaluation(const Json& object, const std::string& where) {
  EvaluationRecord record;
  const auto step = object.find("step");
  MOE_REQUIRE(step != object.end(), where, ": 'evaluation.step' is missing");
  record.step = integer(*step, where, "evaluation.step");
  record.split = optional_string(object, "split", where, "evaluation.");
  record.kind = optional_string(object, "kind", where, "evaluation.");
  record.all_weighted_f1max = optional_number(object, "all_weighted_f1max", where, "evaluation.");
  const auto domains = object.find("domains");
  if (domains != object.end()) {
    MOE_REQUIRE(domains->is_array(), where, ": 'evaluation.domains' must be a list, got ",
                shown(*domains));
    for (size_t d = 0; d < domains->size(); ++d)
      record.domains.push_back(
          parse_domain((*domains)[d], where, cat("evaluation.domains[", d, "]")));
  }
  return record;
}

}  // namespace

const EvaluationRecord* RunMetrics::last_evaluation() const {
  const auto last = std::max_element(
      evaluations.begin(), evaluations.end(),
      [](const EvaluationRecord& a, const EvaluationRecord& b) { return a.line < b.line; });
  return last == evaluations.end() ? nullptr : &*last;
}

RunMetrics parse_run_metrics(std::istream& in, const std::string& source) {
  std::map<int64_t, StepRecord> steps;
  std::map<std::tuple<int64_t, std::string, std::string>, EvaluationRecord> evaluations;
  RunMetrics metrics;
  std::string text;
  for (int64_t number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = cat(source, ":", number);
    Json line;
    try {
      line = Json::parse(text);
    } catch (const Json::parse_error& e) {
      throw Error(cat(where, ": not valid JSON (", e.what(), ")"));
    }
    MOE_REQUIRE(line.is_object(), where, ": expected a JSON object, got ", shown(line));
    const auto evaluation = line.find("evaluation");
    if (evaluation != line.end()) {
      if (evaluation->is_array()) {  // older moe_train: no step, split outside, no histograms
        ++metrics.skipped_old_evaluations;
        continue;
      }
      MOE_REQUIRE(evaluation->is_object(), where, ": 'evaluation' must be an object, got ",
                  shown(*evaluation));
      EvaluationRecord record = parse_evaluation(*evaluation, where);
      record.line = number;
      evaluations[{record.step, record.split, record.kind}] = std::move(record);
    } else if (line.contains("step")) {
      StepRecord record = parse_step(line, where);
      steps[record.step] = record;
    }
  }
  MOE_REQUIRE(!in.bad(), source, ": read error");
  for (auto& entry : steps) metrics.steps.push_back(entry.second);
  for (auto& entry : evaluations) metrics.evaluations.push_back(std::move(entry.second));
  std::stable_sort(metrics.evaluations.begin(), metrics.evaluations.end(),
                   [](const EvaluationRecord& a, const EvaluationRecord& b) {
                     return std::tie(a.step, a.line) < std::tie(b.step, b.line);
                   });
  return metrics;
}

RunMetrics read_run_metrics(const std::string& run_dir) {
  const std::string path = (std::filesystem::path(run_dir) / "metrics.jsonl").string();
  MOE_REQUIRE(std::filesystem::is_regular_file(path), path,
              " does not exist: give the run.dir of a moe_train run");
  std::ifstream in(path);
  MOE_REQUIRE(in.is_open(), "cannot read ", path);
  RunMetrics metrics = parse_run_metrics(in, path);
  MOE_REQUIRE(!metrics.steps.empty(), path,
              " has no step lines: moe_train writes one every train.log_every steps");
  return metrics;
}

std::vector<SimilarityBin> similarity_bins(const DomainRecord& evaluation) {
  const size_t n = evaluation.positive_histogram.size();
  if (n == 0 || evaluation.negative_histogram.size() != n) return {};
  int64_t positives = 0, negatives = 0;
  for (size_t i = 0; i < n; ++i) {
    positives += evaluation.positive_histogram[i];
    negatives += evaluation.negative_histogram[i];
  }
  const double width = (evaluation.histogram_max - evaluation.histogram_min) / n;
  std::vector<SimilarityBin> bins(n);
  for (size_t i = 0; i < n; ++i) {
    SimilarityBin& bin = bins[i];
    bin.low = evaluation.histogram_min + width * i;
    bin.high = i + 1 == n ? evaluation.histogram_max : evaluation.histogram_min + width * (i + 1);
    bin.positives = evaluation.positive_histogram[i];
    bin.negatives = evaluation.negative_histogram[i];
    bin.positive_share = positives > 0 ? static_cast<double>(bin.positives) / positives : 0.0;
    bin.negative_share = negatives > 0 ? static_cast<double>(bin.negatives) / negatives : 0.0;
  }
  return bins;
}

}  // namespace moe::train
