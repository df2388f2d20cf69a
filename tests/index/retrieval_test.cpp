// Checks the retrieval evaluation: the halves task, recall@k and MRR on hand-worked rankings,
// the TF-IDF baseline's terms, weights and ranking, and evaluate_retrieval's parts and rows.
#include <gtest/gtest.h>

#include <cmath>

#include "index/retrieval_evaluation.h"
#include "index/retrieval_metrics.h"
#include "index/retrieval_task.h"
#include "index/tfidf_index.h"
#include "support/embedding_fixtures.h"
#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

using moe::index::TfIdfIndex;
using moe::testing_support::error_of;

namespace {

TEST(HalvesTask, SplitsAtTheMiddleWordAndSkipsShortTexts) {
  const auto task = moe::index::halves_task(
      {{"a", "one two  three\nfour five", "x"}, {"b", "too short", "y"}, {"c", "1 2 3 4", ""}}, 4);
  ASSERT_EQ(task.queries.size(), 2u);
  EXPECT_EQ(task.skipped, 1);
  EXPECT_EQ(task.queries[0], "one two");
  EXPECT_EQ(task.documents[0], "three four five");
  EXPECT_EQ(task.query_domains[0], "x");
  EXPECT_EQ(task.document_ids[1], "c");
  EXPECT_EQ(task.relevant[1], (std::vector<int64_t>{1}));
}

TEST(RetrievalMetrics, RecallAndMrrOnHandWorkedRankings) {
  // Query 0 finds its answer (7) at rank 2; query 1 (answers 3 and 4) finds 4 at rank 1 and
  // 3 at rank 6; query 2 never finds 9; query 3 has no answers and is left out.
  const std::vector<std::vector<int64_t>> ranked = {{1, 7, 2}, {4, 0, 1, 2, 5, 3}, {1, 2, 3}, {1}};
  const std::vector<std::vector<int64_t>> relevant = {{7}, {3, 4}, {9}, {}};
  const auto scores = moe::index::score_rankings(ranked, relevant, {1, 5, 10}, 10);
  EXPECT_EQ(scores.queries, 3);
  EXPECT_NEAR(scores.recall[0], (0 + 0.5 + 0) / 3.0, 1e-12);
  EXPECT_NEAR(scores.recall[1], (1 + 0.5 + 0) / 3.0, 1e-12);
  EXPECT_NEAR(scores.recall[2], (1 + 1 + 0) / 3.0, 1e-12);
  EXPECT_NEAR(scores.mrr, (0.5 + 1 + 0) / 3.0, 1e-12);
  EXPECT_NEAR(moe::index::score_rankings(ranked, relevant, {1}, 1).mrr, 1 / 3.0, 1e-12);
}

TEST(TfIdf, TermsAreLowerCasedWordsWithNonAsciiKept) {
  EXPECT_EQ(moe::index::tfidf_terms("Beta-blockers, 2 mg/kg; \xCE\xB2-Agonist"),
            (std::vector<std::string>{"beta", "blockers", "2", "mg", "kg", "\xCE\xB2", "agonist"}));
}

TEST(TfIdf, ScoresAreCosinesOfSmoothedTfIdfVectors) {
  const TfIdfIndex index({"heart heart failure", "lung failure", "heart attack"});
  EXPECT_EQ(index.terms(), 4);
  // idf = ln(4 / (1 + df)) + 1: heart 2 docs, failure 2, lung 1, attack 1.
  const double common = std::log(4.0 / 3.0) + 1, rare = std::log(2.0) + 1;
  const double heart_tf = 1 + std::log(2.0);
  // Query "lung": only document 1 holds it; cosine = its lung weight / its norm.
  const auto hits = index.search("LUNG", 5);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].document, 1);
  EXPECT_NEAR(hits[0].score, rare / std::sqrt(rare * rare + common * common), 1e-6);
  // Query "heart": document 0 (tf 2) against document 2 (tf 1, plus a rare word).
  const auto heart = index.search("heart", 5);
  ASSERT_EQ(heart.size(), 2u);
  const double d0 = heart_tf * common / std::sqrt(std::pow(heart_tf * common, 2) + common * common);
  const double d2 = common / std::sqrt(common * common + rare * rare);
  EXPECT_EQ(heart[0].document, d0 > d2 ? 0 : 2);
  EXPECT_NEAR(heart[0].score, std::max(d0, d2), 1e-6);
  EXPECT_TRUE(index.search("kidney", 5).empty());
  EXPECT_EQ(index.search("heart failure", 1).size(), 1u);
}

TEST(RetrievalEvaluation, PartsPerDomainAndBothMethodsSideBySide) {
  moe::testing_support::ScopedTempDir temp("moe_retrieval_test");
  moe::model::write_checkpoint(temp.path("model.h5"), moe::testing_support::small_checkpoint({}));
  // Each text's halves share a word no other text has, so TF-IDF finds every answer first.
  std::vector<moe::index::TextWithDomain> texts;
  for (int i = 0; i < 12; ++i) {
    const std::string own = "word" + std::to_string(20 + i);
    texts.push_back({"t" + std::to_string(i),
                     own + " word1 word2 word3 " + own + " word4 word5 word6",
                     i % 2 == 0 ? "cardio" : "pulmo"});
  }
  const auto task = moe::index::halves_task(texts);
  moe::index::RetrievalEvaluationOptions options;
  const auto evaluation = moe::index::evaluate_retrieval(temp.path("model.h5"), task, options);
  EXPECT_EQ(evaluation.routing, "field");
  EXPECT_EQ(evaluation.step, 42);
  ASSERT_EQ(evaluation.rows.size(), 6u);  // (cardio, pulmo, all) x (checkpoint, tf-idf)
  EXPECT_EQ(evaluation.rows[0].method, "checkpoint");
  EXPECT_EQ(evaluation.rows[0].part, "cardio");
  EXPECT_EQ(evaluation.rows[0].documents, 6);
  EXPECT_EQ(evaluation.rows[2].part, "all");
  EXPECT_EQ(evaluation.rows[2].scores.queries, 12);
  for (const auto& row : evaluation.rows) {
    EXPECT_GE(row.scores.recall[0], 0.0);
    EXPECT_LE(row.scores.recall[0], row.scores.recall[2]);  // recall@1 <= recall@10
    if (row.method == "tf-idf") EXPECT_DOUBLE_EQ(row.scores.recall[0], 1.0) << row.part;
    // Six documents a part: every answer is within the first 10.
    EXPECT_DOUBLE_EQ(row.scores.recall[2], 1.0) << row.method << " " << row.part;
  }
  const std::string table = moe::index::render_retrieval_markdown(evaluation);
  EXPECT_NE(table.find("| checkpoint (step 42) | cardio | 6 | 6 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| TF-IDF | all | 12 | 12 | 1.0000 |"), std::string::npos) << table;
  EXPECT_NE(moe::index::render_retrieval_csv(evaluation).find("tf-idf,42,pulmo,6,6,1.000000"),
            std::string::npos);

  options.domain = "derm";
  EXPECT_MENTIONS(
      error_of([&] { moe::index::evaluate_retrieval(temp.path("model.h5"), task, options); }),
      "--domain: domain derm is not one of");
  options.domain.clear();
  texts[3].domain = "derm";
  EXPECT_MENTIONS(error_of([&] {
                    moe::index::evaluate_retrieval(temp.path("model.h5"),
                                                   moe::index::halves_task(texts), options);
                  }),
                  "query t3: domain derm is not one of");
}

}  // namespace
