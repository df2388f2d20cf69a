// Tests for the evaluation protocols (paper vs honest threshold, sample-weighted vs pooled
// All), the cross-domain matrix and their Markdown / CSV / JSON renderings. Every expected
// value is worked out by hand in the comments; scores are dyadic fractions, exact in float.
#include "train/evaluation_protocol.h"

#include <gtest/gtest.h>

#include <cmath>              // std::isnan, NAN
#include <cstdint>            // int64_t
#include <nlohmann/json.hpp>  // nlohmann::json, to read render_json back
#include <sstream>            // std::istringstream
#include <stdexcept>          // std::out_of_range
#include <string>             // std::string, std::stod
#include <utility>            // std::pair
#include <vector>             // std::vector

#include "common/error.h"             // moe::Error
#include "train/evaluation_tables.h"  // render_markdown, render_csv, render_json

namespace moe::train {
namespace {

using Floats = std::vector<float>;
constexpr double kExact = 1e-12;  // rational values computed through a few double operations

template <typename Fn>
void expect_error(Fn fn, const std::vector<std::string>& needles) {
  try {
    fn();
    ADD_FAILURE() << "expected moe::Error";
  } catch (const moe::Error& e) {
    for (const std::string& needle : needles) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "message: " << e.what() << "\nexpected to contain: " << needle;
    }
  }
}

// Domain A (5 test pairs) and B (2 test pairs).
// A valid: P 0.9375, P 0.8125, N 0.25, N 0.1875. Sweep F1 = 2TP / (predicted + 2):
//   0.9375 -> 2/3, 0.8125 -> 4/4 = 1 (best), 0.25 -> 4/5, 0.1875 -> 4/6: threshold 0.8125.
// A test: P 0.875, N 0.8125, P 0.75, P 0.625, N 0.125. Sweep F1 = 2TP / (predicted + 3):
//   0.875 -> 2/4, 0.8125 -> 2/5, 0.75 -> 4/6, 0.625 -> 6/7 (best), 0.125 -> 6/8.
//   Paper: F1max 6/7 at 0.625, precision 3/4, recall 1.
//   Honest at 0.8125: predicted {0.875, 0.8125}, TP 1: precision 1/2, recall 1/3, F1 2/5.
//   AUC: 0.875 beats both negatives, 0.75 and 0.625 beat 0.125 only: 4/6 = 2/3.
//   Means: positive 2.25/3 = 0.75, negative 0.9375/2 = 0.46875, ratio 1.6.
// B valid: P 0.5625, N 0.375 -> threshold 0.5625.
// B test: P 0.5, N 0.25. Paper: F1max 1 at 0.5, AUC 1, means 0.5 / 0.25, ratio 2.
//   Honest at 0.5625: nothing predicted positive: F1 = precision = recall = 0.
DomainScores domain_a() {
  return {"A", Floats{0.9375f, 0.8125f, 0.25f, 0.1875f}, Floats{1, 1, 0, 0},
          Floats{0.875f, 0.8125f, 0.75f, 0.625f, 0.125f}, Floats{1, 0, 1, 1, 0}};
}
DomainScores domain_b() {
  return {"B", Floats{0.5625f, 0.375f}, Floats{1, 0}, Floats{0.5f, 0.25f}, Floats{1, 0}};
}

TEST(EvaluationProtocol, HonestThresholdFromValidScoresLowerThanPaper) {
  const EvaluationReport report = evaluate_protocols({domain_a()});
  const ProtocolRow& paper = report.paper.domains.at(0);
  EXPECT_EQ(paper.kind, RowKind::kDomain);
  EXPECT_EQ(paper.label, "A");
  EXPECT_TRUE(paper.available);
  EXPECT_EQ(paper.pairs, 5);
  EXPECT_EQ(paper.positives, 3);
  EXPECT_EQ(paper.threshold_tuned_on, "test");
  EXPECT_EQ(paper.tuned_on_pairs, 5);
  EXPECT_NEAR(paper.f1, 6.0 / 7.0, kExact);
  EXPECT_NEAR(paper.precision, 0.75, kExact);
  EXPECT_NEAR(paper.recall, 1.0, kExact);
  ASSERT_TRUE(paper.threshold.has_value());
  EXPECT_EQ(*paper.threshold, 0.625);
  EXPECT_NEAR(paper.roc_auc, 2.0 / 3.0, kExact);
  EXPECT_EQ(paper.mean_positive, 0.75);
  EXPECT_EQ(paper.mean_negative, 0.46875);
  EXPECT_DOUBLE_EQ(paper.positive_negative_ratio, 1.6);

  const ProtocolRow& honest = report.honest.domains.at(0);
  EXPECT_TRUE(honest.available);
  EXPECT_EQ(honest.threshold_tuned_on, "valid");
  EXPECT_EQ(honest.tuned_on_pairs, 4);
  ASSERT_TRUE(honest.threshold.has_value());
  EXPECT_EQ(*honest.threshold, 0.8125);
  EXPECT_NEAR(honest.f1, 2.0 / 5.0, kExact);
  EXPECT_NEAR(honest.precision, 0.5, kExact);
  EXPECT_NEAR(honest.recall, 1.0 / 3.0, kExact);
  EXPECT_LT(honest.f1, paper.f1);
  // Threshold-free values are the paper's.
  EXPECT_EQ(honest.roc_auc, paper.roc_auc);
  EXPECT_EQ(honest.positive_negative_ratio, paper.positive_negative_ratio);
  EXPECT_EQ(honest.pairs, 5);
  EXPECT_EQ(honest.positives, 3);
  EXPECT_TRUE(report.honest.domains_without_valid.empty());
}

TEST(EvaluationProtocol, SampleWeightedAndPooledAllDifferForPaper) {
  const EvaluationReport report = evaluate_protocols({domain_a(), domain_b()});
  // Sample-weighted, weights 5 (A) and 2 (B), total 7:
  //   F1 (5 * 6/7 + 2 * 1) / 7 = 44/49; precision (5 * 3/4 + 2) / 7 = 23/28; recall 1;
  //   AUC (5 * 2/3 + 2) / 7 = 16/21; ratio (5 * 8/5 + 2 * 2) / 7 = 12/7;
  //   means (5 * 0.75 + 2 * 0.5) / 7 = 19/28 and (5 * 0.46875 + 2 * 0.25) / 7 = 13/32.
  const ProtocolRow& weighted = report.paper.all_sample_weighted;
  EXPECT_EQ(weighted.kind, RowKind::kAllSampleWeighted);
  EXPECT_EQ(weighted.label, "All (sample-weighted)");
  EXPECT_EQ(weighted.pairs, 7);
  EXPECT_EQ(weighted.positives, 4);
  EXPECT_EQ(weighted.threshold_tuned_on, "per-domain test");
  EXPECT_EQ(weighted.tuned_on_pairs, 7);
  EXPECT_FALSE(weighted.threshold.has_value());
  EXPECT_NEAR(weighted.f1, 44.0 / 49.0, kExact);
  EXPECT_NEAR(weighted.precision, 23.0 / 28.0, kExact);
  EXPECT_NEAR(weighted.recall, 1.0, kExact);
  EXPECT_NEAR(weighted.roc_auc, 16.0 / 21.0, kExact);
  EXPECT_NEAR(weighted.positive_negative_ratio, 12.0 / 7.0, kExact);
  EXPECT_NEAR(weighted.mean_positive, 19.0 / 28.0, kExact);
  EXPECT_NEAR(weighted.mean_negative, 13.0 / 32.0, kExact);

  // Pooled: P 0.875, N 0.8125, P 0.75, P 0.625, P 0.5, N 0.25, N 0.125 with 4 positives.
  //   F1 = 2TP / (predicted + 4): 2/5, 2/6, 4/7, 6/8, 8/9 (at 0.5, best), 8/10, 8/11:
  //   F1max 8/9, precision 4/5, recall 1. AUC: 3 + 2 + 2 + 2 = 9 of 12 = 3/4.
  //   Means 2.75/4 = 0.6875 and 1.1875/3 = 19/48, ratio 33/19.
  const ProtocolRow& pooled = report.paper.all_pooled;
  EXPECT_EQ(pooled.kind, RowKind::kAllPooled);
  EXPECT_EQ(pooled.label, "All (pooled)");
  EXPECT_EQ(pooled.pairs, 7);
  EXPECT_EQ(pooled.positives, 4);
  EXPECT_EQ(pooled.threshold_tuned_on, "pooled test");
  ASSERT_TRUE(pooled.threshold.has_value());
  EXPECT_EQ(*pooled.threshold, 0.5);
  EXPECT_NEAR(pooled.f1, 8.0 / 9.0, kExact);
  EXPECT_NEAR(pooled.precision, 4.0 / 5.0, kExact);
  EXPECT_NEAR(pooled.recall, 1.0, kExact);
  EXPECT_NEAR(pooled.roc_auc, 3.0 / 4.0, kExact);
  EXPECT_NEAR(pooled.mean_positive, 0.6875, kExact);
  EXPECT_NEAR(pooled.mean_negative, 19.0 / 48.0, kExact);
  EXPECT_NEAR(pooled.positive_negative_ratio, 33.0 / 19.0, kExact);
  EXPECT_GT(weighted.f1, pooled.f1);
}

TEST(EvaluationProtocol, HonestAllRows) {
  const EvaluationReport report = evaluate_protocols({domain_a(), domain_b()});
  ASSERT_EQ(report.honest.domains.size(), 2u);
  const ProtocolRow& b = report.honest.domains[1];
  EXPECT_EQ(*b.threshold, 0.5625);
  EXPECT_EQ(b.f1, 0.0);
  EXPECT_EQ(b.precision, 0.0);
  EXPECT_EQ(b.recall, 0.0);

  // Sample-weighted: F1 (5 * 2/5 + 0) / 7 = 2/7, precision (5 * 1/2) / 7 = 5/14,
  // recall (5 * 1/3) / 7 = 5/21; AUC and ratio as the paper's: 16/21 and 12/7.
  const ProtocolRow& weighted = report.honest.all_sample_weighted;
  EXPECT_TRUE(weighted.available);
  EXPECT_EQ(weighted.threshold_tuned_on, "per-domain valid");
  EXPECT_EQ(weighted.tuned_on_pairs, 6);
  EXPECT_FALSE(weighted.threshold.has_value());
  EXPECT_NEAR(weighted.f1, 2.0 / 7.0, kExact);
  EXPECT_NEAR(weighted.precision, 5.0 / 14.0, kExact);
  EXPECT_NEAR(weighted.recall, 5.0 / 21.0, kExact);
  EXPECT_NEAR(weighted.roc_auc, 16.0 / 21.0, kExact);
  EXPECT_NEAR(weighted.positive_negative_ratio, 12.0 / 7.0, kExact);

  // Pooled valid: P 0.9375, P 0.8125, P 0.5625, N 0.375, N 0.25, N 0.1875; F1 = 2TP / (pred + 3):
  //   1/2, 4/5, 6/6 = 1 at 0.5625. Pooled test at 0.5625: predicted 0.875, 0.8125, 0.75,
  //   0.625 with TP 3 of 4 positives: precision 3/4, recall 3/4, F1 3/4 (paper pooled: 8/9).
  const ProtocolRow& pooled = report.honest.all_pooled;
  EXPECT_TRUE(pooled.available);
  EXPECT_EQ(pooled.threshold_tuned_on, "pooled valid");
  EXPECT_EQ(pooled.tuned_on_pairs, 6);
  EXPECT_EQ(*pooled.threshold, 0.5625);
  EXPECT_NEAR(pooled.f1, 3.0 / 4.0, kExact);
  EXPECT_NEAR(pooled.precision, 3.0 / 4.0, kExact);
  EXPECT_NEAR(pooled.recall, 3.0 / 4.0, kExact);
  EXPECT_NEAR(pooled.roc_auc, 3.0 / 4.0, kExact);
  EXPECT_EQ(pooled.pairs, 7);
}

TEST(EvaluationProtocol, EmptyValidMakesHonestUnavailable) {
  DomainScores b = domain_b();
  b.valid_scores.clear();
  b.valid_labels.clear();
  const EvaluationReport report = evaluate_protocols({domain_a(), b});

  EXPECT_EQ(report.honest.domains_without_valid, std::vector<std::string>{"B"});
  EXPECT_TRUE(report.honest.domains[0].available);
  EXPECT_NEAR(report.honest.domains[0].f1, 2.0 / 5.0, kExact);
  const ProtocolRow& row_b = report.honest.domains[1];
  EXPECT_FALSE(row_b.available);
  EXPECT_TRUE(std::isnan(row_b.f1));
  EXPECT_TRUE(std::isnan(row_b.precision));
  EXPECT_TRUE(std::isnan(row_b.recall));
  EXPECT_FALSE(row_b.threshold.has_value());
  EXPECT_EQ(row_b.threshold_tuned_on, "");
  EXPECT_EQ(row_b.roc_auc, 1.0);  // threshold-free, still reported
  EXPECT_FALSE(report.honest.all_sample_weighted.available);
  EXPECT_FALSE(report.honest.all_pooled.available);
  EXPECT_NEAR(report.honest.all_pooled.roc_auc, 3.0 / 4.0, kExact);

  // The paper protocol does not need valid pairs.
  EXPECT_TRUE(report.paper.domains_without_valid.empty());
  EXPECT_TRUE(report.paper.domains[1].available);
  EXPECT_NEAR(report.paper.all_sample_weighted.f1, 44.0 / 49.0, kExact);

  const std::string markdown = render_markdown(report);
  EXPECT_NE(markdown.find("Unavailable without valid pairs"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| B | n/a | n/a | n/a | n/a | 1.0000 | 2.0000 | 2 |"), std::string::npos)
      << markdown;
  const std::string csv = render_csv(report);
  EXPECT_NE(csv.find("\nhonest,domain,B,0,2,1,,0,,,,,1,0.5,0.25,2\n"), std::string::npos) << csv;
  const nlohmann::json json = nlohmann::json::parse(render_json(report));
  const nlohmann::json& honest = json["protocols"]["honest"];
  EXPECT_EQ(honest["domains_without_valid"], nlohmann::json::array({"B"}));
  EXPECT_FALSE(honest["rows"][1]["available"].get<bool>());
  EXPECT_TRUE(honest["rows"][1]["f1"].is_null());
  EXPECT_TRUE(honest["rows"][1]["threshold"].is_null());
  EXPECT_FALSE(honest["rows"][3]["available"].get<bool>());
}

TEST(EvaluationProtocol, AllValidEmptyLeavesOnlyThePaperProtocol) {
  DomainScores a = domain_a();
  a.valid_scores.clear();
  a.valid_labels.clear();
  const EvaluationReport report = evaluate_protocols({a});
  EXPECT_EQ(report.honest.domains_without_valid, std::vector<std::string>{"A"});
  EXPECT_FALSE(report.honest.domains[0].available);
  EXPECT_FALSE(report.honest.all_sample_weighted.available);
  EXPECT_FALSE(report.honest.all_pooled.available);
  EXPECT_NEAR(report.paper.domains[0].f1, 6.0 / 7.0, kExact);
  EXPECT_NEAR(report.paper.all_pooled.f1, 6.0 / 7.0, kExact);
}

TEST(EvaluationProtocol, ErrorsNameDomainAndSplit) {
  DomainScores one_class_test = domain_b();
  one_class_test.test_labels = {1, 1};
  expect_error(
      [&] {
        evaluate_protocols({domain_a(), one_class_test});
      },
      {"domain 'B', test split", "only one class"});

  DomainScores one_class_valid = domain_b();
  one_class_valid.valid_labels = {0, 0};
  expect_error(
      [&] {
        evaluate_protocols({domain_a(), one_class_valid});
      },
      {"domain 'B', valid split", "only one label class"});

  DomainScores short_valid = domain_a();
  short_valid.valid_labels.pop_back();
  expect_error([&] { evaluate_protocols({short_valid}); },
               {"domain 'A', valid split", "f1_max", "4 entries but labels has 3"});

  DomainScores nan_test = domain_a();
  nan_test.test_scores[2] = NAN;
  expect_error([&] { evaluate_protocols({nan_test}); }, {"domain 'A', test split", "score 2"});

  DomainScores empty_test = domain_a();
  empty_test.test_scores.clear();
  empty_test.test_labels.clear();
  expect_error([&] { evaluate_protocols({empty_test}); }, {"domain 'A', test split", "empty"});

  expect_error([&] { evaluate_protocols({}); }, {"no domain"});
  expect_error([&] { evaluate_protocols({domain_a(), domain_a()}); }, {"'A' is given twice"});
  DomainScores unnamed = domain_a();
  unnamed.domain.clear();
  expect_error([&] { evaluate_protocols({unnamed}); }, {"empty name"});
}

TEST(EvaluationTables, MarkdownCaptionsAndRows) {
  const std::string markdown = render_markdown(evaluate_protocols({domain_a(), domain_b()}));
  // Each caption is a line of its own, under its heading, and says where the threshold was tuned.
  EXPECT_NE(markdown.find("### Paper protocol\n\n" + protocol_caption(Protocol::kPaper) + "\n\n"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("### Honest protocol\n\n" + protocol_caption(Protocol::kHonest) + "\n\n"),
            std::string::npos)
      << markdown;
  EXPECT_NE(protocol_caption(Protocol::kPaper).find("threshold tuned on the same test pairs"),
            std::string::npos);
  EXPECT_NE(protocol_caption(Protocol::kHonest).find("threshold tuned on each domain's valid"),
            std::string::npos);
  EXPECT_EQ(protocol_caption(Protocol::kPaper).find('\n'), std::string::npos);
  EXPECT_EQ(protocol_caption(Protocol::kHonest).find('\n'), std::string::npos);

  const std::vector<std::string> lines{
      "| eval set | F1max | precision | recall | threshold | ROC-AUC | pos/neg ratio | pairs |",
      "| A | 0.8571 | 0.7500 | 1.0000 | 0.6250 | 0.6667 | 1.6000 | 5 |",
      "| B | 1.0000 | 1.0000 | 1.0000 | 0.5000 | 1.0000 | 2.0000 | 2 |",
      "| All (sample-weighted) | 0.8980 | 0.8214 | 1.0000 | per domain | 0.7619 | 1.7143 | 7 |",
      "| All (pooled) | 0.8889 | 0.8000 | 1.0000 | 0.5000 | 0.7500 | 1.7368 | 7 |",
      "| eval set | F1 | precision | recall | threshold | ROC-AUC | pos/neg ratio | pairs |",
      "| A | 0.4000 | 0.5000 | 0.3333 | 0.8125 | 0.6667 | 1.6000 | 5 |",
      "| B | 0.0000 | 0.0000 | 0.0000 | 0.5625 | 1.0000 | 2.0000 | 2 |",
      "| All (sample-weighted) | 0.2857 | 0.3571 | 0.2381 | per domain | 0.7619 | 1.7143 | 7 |",
      "| All (pooled) | 0.7500 | 0.7500 | 0.7500 | 0.5625 | 0.7500 | 1.7368 | 7 |"};
  size_t position = 0;
  for (const std::string& line : lines) {  // present, in this order
    const size_t found = markdown.find("\n" + line + "\n", position);
    ASSERT_NE(found, std::string::npos) << "missing or out of order: " << line << "\n" << markdown;
    position = found + 1;
  }
}

TEST(EvaluationTables, CsvHeaderRowCountAndFullPrecision) {
  const EvaluationReport report = evaluate_protocols({domain_a(), domain_b()});
  std::istringstream csv(render_csv(report));
  std::vector<std::string> lines;
  for (std::string line; std::getline(csv, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 1u + 2u * 4u);  // header, 2 protocols x (2 domains + 2 All rows)
  EXPECT_EQ(lines[0],
            "protocol,kind,domain,available,pairs,positives,threshold_tuned_on,tuned_on_pairs,f1,"
            "precision,recall,threshold,roc_auc,mean_positive,mean_negative,"
            "positive_negative_ratio");
  const std::vector<std::pair<std::string, std::string>> keys{{"paper", "A"},
                                                              {"paper", "B"},
                                                              {"paper", "All (sample-weighted)"},
                                                              {"paper", "All (pooled)"},
                                                              {"honest", "A"},
                                                              {"honest", "B"},
                                                              {"honest", "All (sample-weighted)"},
                                                              {"honest", "All (pooled)"}};
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(lines[i + 1].rfind(keys[i].first + ",", 0), 0u) << lines[i + 1];
    EXPECT_NE(lines[i + 1].find("," + keys[i].second + ","), std::string::npos) << lines[i + 1];
  }
  // %.17g reads back to the very same double.
  std::vector<std::string> fields;
  std::istringstream row(lines[1]);
  for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
  ASSERT_EQ(fields.size(), 16u);
  EXPECT_EQ(fields[2], "A");
  EXPECT_EQ(std::stod(fields[8]), report.paper.domains[0].f1);
  EXPECT_EQ(std::stod(fields[12]), report.paper.domains[0].roc_auc);
  EXPECT_EQ(std::stod(fields[15]), report.paper.domains[0].positive_negative_ratio);
  EXPECT_EQ(
      lines[3].find("paper,all_sample_weighted,All (sample-weighted),1,7,4,per-domain test,7,"), 0u)
      << lines[3];
}

TEST(EvaluationTables, CsvQuotesNamesWithCommas) {
  DomainScores a = domain_a();
  a.domain = "skin cancer, \"melanoma\"";
  const std::string csv = render_csv(evaluate_protocols({a}));
  EXPECT_NE(csv.find("\npaper,domain,\"skin cancer, \"\"melanoma\"\"\",1,5,"), std::string::npos)
      << csv;
}

TEST(EvaluationTables, JsonRoundTrip) {
  const EvaluationReport report = evaluate_protocols({domain_a(), domain_b()});
  const nlohmann::json json = nlohmann::json::parse(render_json(report));
  ASSERT_TRUE(json.contains("all_definitions"));
  EXPECT_TRUE(json["all_definitions"].contains("all_sample_weighted"));
  EXPECT_TRUE(json["all_definitions"].contains("all_pooled"));
  for (const ProtocolTable* table : {&report.paper, &report.honest}) {
    const nlohmann::json& p = json["protocols"][protocol_name(table->protocol)];
    EXPECT_EQ(p["caption"].get<std::string>(), protocol_caption(table->protocol));
    const nlohmann::json& rows = p["rows"];
    ASSERT_EQ(rows.size(), 4u);
    const std::vector<const ProtocolRow*> expected{&table->domains[0], &table->domains[1],
                                                   &table->all_sample_weighted, &table->all_pooled};
    for (size_t i = 0; i < expected.size(); ++i) {
      const ProtocolRow& row = *expected[i];
      EXPECT_EQ(rows[i]["kind"].get<std::string>(), row_kind_name(row.kind));
      EXPECT_EQ(rows[i]["domain"].get<std::string>(), row.label);
      EXPECT_EQ(rows[i]["available"].get<bool>(), row.available);
      EXPECT_EQ(rows[i]["pairs"].get<int64_t>(), row.pairs);
      EXPECT_EQ(rows[i]["positives"].get<int64_t>(), row.positives);
      EXPECT_EQ(rows[i]["threshold_tuned_on"].get<std::string>(), row.threshold_tuned_on);
      EXPECT_EQ(rows[i]["tuned_on_pairs"].get<int64_t>(), row.tuned_on_pairs);
      EXPECT_EQ(rows[i]["f1"].get<double>(), row.f1);  // bit-exact round trip
      EXPECT_EQ(rows[i]["precision"].get<double>(), row.precision);
      EXPECT_EQ(rows[i]["recall"].get<double>(), row.recall);
      EXPECT_EQ(rows[i]["roc_auc"].get<double>(), row.roc_auc);
      EXPECT_EQ(rows[i]["mean_positive"].get<double>(), row.mean_positive);
      EXPECT_EQ(rows[i]["mean_negative"].get<double>(), row.mean_negative);
      EXPECT_EQ(rows[i]["positive_negative_ratio"].get<double>(), row.positive_negative_ratio);
      if (row.threshold) {
        EXPECT_EQ(rows[i]["threshold"].get<double>(), *row.threshold);
      } else {
        EXPECT_TRUE(rows[i]["threshold"].is_null());
      }
    }
  }
}

TEST(EvaluationTables, NanRatio) {
  // Negatives scoring 0 give mean_negative 0, so the ratio is NaN.
  const DomainScores zero = {"Z", Floats{0.5f, 0.0f}, Floats{1, 0}, Floats{0.5f, 0.0f, 0.0f},
                             Floats{1, 0, 0}};
  const EvaluationReport report = evaluate_protocols({zero});
  EXPECT_TRUE(std::isnan(report.paper.domains[0].positive_negative_ratio));
  EXPECT_TRUE(std::isnan(report.paper.all_sample_weighted.positive_negative_ratio));
  EXPECT_NE(
      render_markdown(report).find("| Z | 1.0000 | 1.0000 | 1.0000 | 0.5000 | 1.0000 | nan | 3 |"),
      std::string::npos)
      << render_markdown(report);
  EXPECT_NE(render_csv(report).find("\npaper,domain,Z,1,3,1,test,3,1,1,1,0.5,1,0.5,0,nan\n"),
            std::string::npos)
      << render_csv(report);
  const nlohmann::json json = nlohmann::json::parse(render_json(report));
  EXPECT_TRUE(json["protocols"]["paper"]["rows"][0]["positive_negative_ratio"].is_null());
  EXPECT_TRUE(json["protocols"]["honest"]["rows"][2]["positive_negative_ratio"].is_null());
  EXPECT_EQ(json["protocols"]["paper"]["rows"][0]["mean_negative"].get<double>(), 0.0);
}

// Scores for the cross-domain tests: the diagonal separates perfectly ({P 0.5, N 0.25}:
// F1max 1, AUC 1); off the diagonal the order is reversed ({P 0.25, N 0.5}: AUC 0, and the
// best threshold 0.25 takes both pairs: F1 = 2 / (2 + 1) = 2/3).
Floats cell_scores(const std::string& model_domain, const std::string& eval_domain) {
  return model_domain == eval_domain ? Floats{0.5f, 0.25f} : Floats{0.25f, 0.5f};
}

TEST(CrossDomainEvaluation, MatrixOrdering) {
  const std::vector<std::string> models{"B", "A"};  // deliberately not sorted
  const std::vector<EvalDomainLabels> evals{{"A", {1, 0}}, {"B", {1, 0}}, {"C", {1, 0}}};
  std::vector<std::pair<std::string, std::string>> calls;
  const CrossDomainMatrix matrix =
      cross_domain_matrix(models, evals, [&](const std::string& m, const std::string& e) {
        calls.emplace_back(m, e);
        return cell_scores(m, e);
      });
  const std::vector<std::pair<std::string, std::string>> expected_calls{
      {"B", "A"}, {"B", "B"}, {"B", "C"}, {"A", "A"}, {"A", "B"}, {"A", "C"}};
  EXPECT_EQ(calls, expected_calls);
  EXPECT_EQ(matrix.model_domains, models);
  EXPECT_EQ(matrix.eval_domains, (std::vector<std::string>{"A", "B", "C"}));
  ASSERT_EQ(matrix.cells.size(), 6u);
  for (size_t r = 0; r < 2; ++r) {
    for (size_t c = 0; c < 3; ++c) {
      const CrossDomainCell& cell = matrix.at(r, c);
      EXPECT_EQ(cell.model_domain, models[r]);
      EXPECT_EQ(cell.eval_domain, evals[c].domain);
      const bool diagonal = models[r] == evals[c].domain;
      EXPECT_EQ(cell.metrics.roc_auc, diagonal ? 1.0 : 0.0);
      EXPECT_NEAR(cell.metrics.f1max.f1, diagonal ? 1.0 : 2.0 / 3.0, kExact);
    }
  }
  EXPECT_THROW(matrix.at(2, 0), std::out_of_range);
  EXPECT_THROW(matrix.at(0, 3), std::out_of_range);

  const std::string markdown = render_markdown(matrix);
  const std::string table = cross_domain_caption() +
                            "\n\n| model \\ eval | A | B | C |\n|---|---:|---:|---:|\n"
                            "| B | 0.6667 (0.0000) | 1.0000 (1.0000) | 0.6667 (0.0000) |\n"
                            "| A | 1.0000 (1.0000) | 0.6667 (0.0000) | 0.6667 (0.0000) |\n";
  EXPECT_EQ(markdown, table);

  std::istringstream csv(render_csv(matrix));
  std::vector<std::string> lines;
  for (std::string line; std::getline(csv, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0],
            "model_domain,eval_domain,pairs,positives,f1max,precision,recall,threshold,roc_auc,"
            "mean_positive,mean_negative,positive_negative_ratio");
  EXPECT_EQ(lines[1].rfind("B,A,2,1,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[6].rfind("A,C,2,1,", 0), 0u) << lines[6];

  const nlohmann::json json = nlohmann::json::parse(render_json(matrix));
  EXPECT_EQ(json["caption"].get<std::string>(), cross_domain_caption());
  EXPECT_EQ(json["model_domains"], nlohmann::json(models));
  ASSERT_EQ(json["cells"].size(), 6u);
  EXPECT_EQ(json["cells"][1]["model_domain"].get<std::string>(), "B");
  EXPECT_EQ(json["cells"][1]["eval_domain"].get<std::string>(), "B");
  EXPECT_EQ(json["cells"][1]["roc_auc"].get<double>(), 1.0);
}

TEST(CrossDomainEvaluation, PrecomputedScoresMatchTheCallback) {
  const std::vector<std::string> models{"B", "A"};
  const std::vector<EvalDomainLabels> evals{{"A", {1, 0}}, {"B", {1, 0}}};
  std::vector<std::vector<Floats>> scores(2);
  for (size_t r = 0; r < 2; ++r) {
    for (const EvalDomainLabels& e : evals) scores[r].push_back(cell_scores(models[r], e.domain));
  }
  const CrossDomainMatrix from_scores = cross_domain_matrix(models, evals, scores);
  const CrossDomainMatrix from_callback = cross_domain_matrix(models, evals, cell_scores);
  EXPECT_EQ(render_csv(from_scores), render_csv(from_callback));
  EXPECT_EQ(from_scores.at(1, 0).model_domain, "A");
  EXPECT_EQ(from_scores.at(1, 0).metrics.roc_auc, 1.0);

  scores[1].pop_back();
  expect_error([&] { cross_domain_matrix(models, evals, scores); },
               {"scores row 1 (model domain 'A') has 1 columns but there are 2 eval domains"});
  scores.pop_back();
  expect_error([&] { cross_domain_matrix(models, evals, scores); },
               {"scores has 1 rows but there are 2 model domains"});
}

TEST(CrossDomainEvaluation, ErrorsNameBothDomains) {
  const std::vector<EvalDomainLabels> one_class{{"A", {1, 0}}, {"C", {1, 1}}};
  expect_error([&] { cross_domain_matrix({"B"}, one_class, cell_scores); },
               {"model domain 'B', domain 'C', test split", "only one class"});
  const std::vector<EvalDomainLabels> three_labels{{"A", {1, 0, 0}}};
  expect_error([&] { cross_domain_matrix({"B"}, three_labels, cell_scores); },
               {"model domain 'B', domain 'A', test split", "2 entries but labels has 3"});
  expect_error(
      [&] {
        cross_domain_matrix({"B", "B"}, three_labels, cell_scores);
      },
      {"model domain 'B' is given twice"});
}

}  // namespace
}  // namespace moe::train
