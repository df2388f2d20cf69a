// moe_eval --retrieval: how well a checkpoint's embeddings find the documents that answer a
// query, next to a TF-IDF baseline run the same way (same queries, documents, parts and
// metrics). Every text runs through one domain's path (--domain), its own domain's path with
// each query searched among its domain's documents (domains in the task), or the router's
// choice among all documents. Search is exact (FAISS IndexFlatIP over unit vectors), so the
// numbers measure the model, not the index.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "index/retrieval_metrics.h"
#include "index/retrieval_task.h"

namespace moe::index {

struct RetrievalEvaluationOptions {
  std::vector<int64_t> ks = {1, 5, 10};
  int64_t mrr_k = 10;
  int64_t batch_size = 64;
  int max_length = 0;  // 0: the longest sequence the checkpoint was trained on
  std::string domain;  // every text runs as this domain; "": the task's domains or the router
};

struct RetrievalRow {
  std::string method;  // "checkpoint" or "tf-idf"
  std::string part;    // a domain, or "all" (every query)
  int64_t documents = 0;
  RetrievalScores scores;
};

struct RetrievalEvaluation {
  std::string checkpoint;
  int64_t step = 0;
  std::string routing;  // given | field | router | none
  std::vector<RetrievalRow> rows;
};

// Throws moe::Error naming the checkpoint or the unknown domain.
RetrievalEvaluation evaluate_retrieval(const std::string& checkpoint, const RetrievalTask& task,
                                       const RetrievalEvaluationOptions& options);

std::string render_retrieval_markdown(const RetrievalEvaluation& evaluation);
std::string render_retrieval_csv(const RetrievalEvaluation& evaluation);
std::string render_retrieval_json(const RetrievalEvaluation& evaluation);

}  // namespace moe::index
