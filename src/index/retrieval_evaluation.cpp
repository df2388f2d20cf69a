// evaluate_retrieval and its tables (see retrieval_evaluation.h).
#include "index/retrieval_evaluation.h"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "common/number_format.h"
#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"
#include "embed/text_embedder.h"
#include "index/tfidf_index.h"
#include "index/vector_index.h"
#include "model/checkpoint_file.h"
#include "model/parameter_loading.h"

namespace moe::index {
namespace {

constexpr const char* kAllParts = "all";

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// Which part each text belongs to and the path it runs as, decided once for both methods.
struct Routing {
  std::string mode;
  std::vector<std::string> parts;                    // in model order (field), or {"all"}
  std::vector<int32_t> query_paths, document_paths;  // domain ids or embed::kRouted
  std::vector<std::string> query_parts, document_parts;
};

Routing decide_routing(const model::CheckpointContents& checkpoint, const std::string& path,
                       const RetrievalTask& task, const std::string& domain) {
  const model::EncoderLayout& layout = checkpoint.layout;
  const bool paths = layout.mixture_of_experts() || layout.domain_tokens;
  const bool field = std::any_of(task.document_domains.begin(), task.document_domains.end(),
                                 [](const std::string& d) { return !d.empty(); });
  const auto path_of = [&](const std::string& name, const std::string& where) -> int32_t {
    const auto it = std::find(layout.domains.begin(), layout.domains.end(), name);
    if (it != layout.domains.end()) return static_cast<int32_t>(it - layout.domains.begin());
    MOE_REQUIRE(!paths, where, ": domain ", name, " is not one of ", path, "'s domains (",
                joined(layout.domains), ")");
    return 0;
  };
  Routing routing;
  const size_t queries = task.queries.size(), documents = task.documents.size();
  if (!domain.empty()) {
    routing.mode = "given";
    const int32_t id = path_of(domain, "--domain");
    routing.query_paths.assign(queries, id);
    routing.document_paths.assign(documents, id);
  } else if (field) {
    routing.mode = "field";
    for (size_t q = 0; q < queries; ++q)
      routing.query_paths.push_back(path_of(task.query_domains[q], "query " + task.query_ids[q]));
    for (size_t d = 0; d < documents; ++d) {
      routing.document_paths.push_back(
          path_of(task.document_domains[d], "document " + task.document_ids[d]));
    }
  } else if (paths) {
    MOE_REQUIRE(layout.router, path, " has a path per domain but no router: name the domain ",
                "with --domain (one of ", joined(layout.domains), ") or per text with ",
                "--domain-field");
    routing.mode = "router";
    routing.query_paths.assign(queries, embed::kRouted);
    routing.document_paths.assign(documents, embed::kRouted);
  } else {
    routing.mode = "none";
    routing.query_paths.assign(queries, 0);
    routing.document_paths.assign(documents, 0);
  }
  if (routing.mode == "field") {
    routing.query_parts = task.query_domains;
    routing.document_parts = task.document_domains;
    for (const std::string& name : task.document_domains) {
      if (std::find(routing.parts.begin(), routing.parts.end(), name) == routing.parts.end())
        routing.parts.push_back(name);
    }
    std::sort(routing.parts.begin(), routing.parts.end());
  } else {
    routing.query_parts.assign(queries, kAllParts);
    routing.document_parts.assign(documents, kAllParts);
    routing.parts = {kAllParts};
  }
  return routing;
}

std::vector<int64_t> members(const std::vector<std::string>& parts, const std::string& part) {
  std::vector<int64_t> rows;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == part) rows.push_back(static_cast<int64_t>(i));
  }
  return rows;
}

// Rankings of every query (global document indices), searched within its part.
using Ranker = std::function<std::vector<std::vector<int64_t>>(
    const std::vector<int64_t>& queries, const std::vector<int64_t>& documents, int64_t depth)>;

void add_rows(RetrievalEvaluation& evaluation, const std::string& method, const Routing& routing,
              const RetrievalTask& task, const RetrievalEvaluationOptions& options,
              const Ranker& rank) {
  const int64_t depth =
      std::max(options.mrr_k, *std::max_element(options.ks.begin(), options.ks.end()));
  std::vector<std::vector<int64_t>> all(task.queries.size());
  std::vector<RetrievalRow> rows;
  for (const std::string& part : routing.parts) {
    const std::vector<int64_t> queries = members(routing.query_parts, part);
    const std::vector<int64_t> documents = members(routing.document_parts, part);
    const std::vector<std::vector<int64_t>> ranked = rank(queries, documents, depth);
    std::vector<std::vector<int64_t>> relevant;
    for (size_t i = 0; i < queries.size(); ++i) {
      all[static_cast<size_t>(queries[i])] = ranked[i];
      relevant.push_back(task.relevant[static_cast<size_t>(queries[i])]);
    }
    rows.push_back({method, part, static_cast<int64_t>(documents.size()),
                    score_rankings(ranked, relevant, options.ks, options.mrr_k)});
  }
  if (routing.parts.size() > 1) {
    rows.push_back({method, kAllParts, static_cast<int64_t>(task.documents.size()),
                    score_rankings(all, task.relevant, options.ks, options.mrr_k)});
  }
  evaluation.rows.insert(evaluation.rows.end(), rows.begin(), rows.end());
}

torch::Tensor rows_of(const torch::Tensor& matrix, const std::vector<int64_t>& rows) {
  return matrix.index_select(0, torch::tensor(rows, torch::kInt64)).contiguous();
}

}  // namespace

RetrievalEvaluation evaluate_retrieval(const std::string& checkpoint_path,
                                       const RetrievalTask& task,
                                       const RetrievalEvaluationOptions& options) {
  MOE_REQUIRE(!options.ks.empty() && options.mrr_k > 0, "retrieval metrics need cut-offs");
  for (const int64_t k : options.ks) MOE_REQUIRE(k > 0, "--ks: cut-offs must be positive, got ", k);
  MOE_REQUIRE(!task.queries.empty(), "the retrieval task has no queries");
  const model::CheckpointContents checkpoint = model::read_checkpoint(checkpoint_path);
  const Routing routing = decide_routing(checkpoint, checkpoint_path, task, options.domain);
  RetrievalEvaluation evaluation;
  evaluation.checkpoint = checkpoint_path;
  evaluation.step = checkpoint.step;
  evaluation.routing = routing.mode;

  data::TokenizerOptions tokenizer_options;
  tokenizer_options.lowercase = checkpoint.lowercase;
  embed::TextEmbedderOptions embedder_options;
  embedder_options.batch_size = options.batch_size;
  embedder_options.normalize = true;
  const int64_t positions = checkpoint.config.max_position_embeddings;
  embedder_options.max_length = options.max_length > 0 ? options.max_length
                                : checkpoint.max_length > 0
                                    ? static_cast<int>(checkpoint.max_length)
                                    : static_cast<int>(positions);
  MOE_REQUIRE(embedder_options.max_length >= 2 && embedder_options.max_length <= positions,
              "--max-length ", embedder_options.max_length, " is outside 2..", positions);
  embed::TextEmbedder embedder(
      model::encoder_from_checkpoint(checkpoint, checkpoint_path),
      data::WordPieceTokenizer(data::Vocabulary::from_tokens(checkpoint.vocab_tokens),
                               tokenizer_options),
      embedder_options);
  const torch::Tensor queries = embedder.embed(task.queries, routing.query_paths).embeddings;
  const torch::Tensor documents = embedder.embed(task.documents, routing.document_paths).embeddings;

  add_rows(evaluation, "checkpoint", routing, task, options,
           [&](const std::vector<int64_t>& q, const std::vector<int64_t>& d, int64_t depth) {
             VectorIndex index(IndexKind::exact, documents.size(1), resolved({}, 1));
             index.add(rows_of(documents, d));
             const Neighbors found = index.search(rows_of(queries, q), depth);
             std::vector<std::vector<int64_t>> ranked(q.size());
             const auto rows = found.rows.accessor<int64_t, 2>();
             for (size_t i = 0; i < q.size(); ++i) {
               for (int64_t r = 0; r < depth; ++r) {
                 if (rows[static_cast<int64_t>(i)][r] >= 0)
                   ranked[i].push_back(d[static_cast<size_t>(rows[static_cast<int64_t>(i)][r])]);
               }
             }
             return ranked;
           });
  add_rows(evaluation, "tf-idf", routing, task, options,
           [&](const std::vector<int64_t>& q, const std::vector<int64_t>& d, int64_t depth) {
             std::vector<std::string> texts;
             for (const int64_t row : d) texts.push_back(task.documents[static_cast<size_t>(row)]);
             const TfIdfIndex index(texts);
             std::vector<std::vector<int64_t>> ranked(q.size());
             for (size_t i = 0; i < q.size(); ++i) {
               for (const ScoredDocument& hit :
                    index.search(task.queries[static_cast<size_t>(q[i])], depth))
                 ranked[i].push_back(d[static_cast<size_t>(hit.document)]);
             }
             return ranked;
           });
  return evaluation;
}

namespace {

std::string method_label(const RetrievalEvaluation& evaluation, const std::string& method) {
  return method == "checkpoint" ? "checkpoint (step " + std::to_string(evaluation.step) + ")"
                                : "TF-IDF";
}

}  // namespace

std::string render_retrieval_markdown(const RetrievalEvaluation& evaluation) {
  std::ostringstream text;
  text << "Retrieval: " << evaluation.checkpoint << " (step " << evaluation.step << ", routing "
       << evaluation.routing
       << ") vs TF-IDF, exact search\n\n| method | part | queries | documents";
  const RetrievalScores& first = evaluation.rows.front().scores;
  for (const int64_t k : first.ks) text << " | recall@" << k;
  text << " | MRR@" << first.mrr_k << " |\n|---|---|---:|---:";
  for (size_t i = 0; i < first.ks.size(); ++i) text << "|---:";
  text << "|---:|\n";
  for (const RetrievalRow& row : evaluation.rows) {
    text << "| " << method_label(evaluation, row.method) << " | " << row.part << " | "
         << row.scores.queries << " | " << row.documents;
    for (const double value : row.scores.recall) text << " | " << fixed(value, 4);
    text << " | " << fixed(row.scores.mrr, 4) << " |\n";
  }
  return text.str();
}

std::string render_retrieval_csv(const RetrievalEvaluation& evaluation) {
  std::ostringstream text;
  const RetrievalScores& first = evaluation.rows.front().scores;
  text << "method,step,part,queries,documents";
  for (const int64_t k : first.ks) text << ",recall@" << k;
  text << ",mrr@" << first.mrr_k << "\n";
  for (const RetrievalRow& row : evaluation.rows) {
    text << row.method << "," << evaluation.step << "," << row.part << "," << row.scores.queries
         << "," << row.documents;
    for (const double value : row.scores.recall) text << "," << fixed(value, 6);
    text << "," << fixed(row.scores.mrr, 6) << "\n";
  }
  return text.str();
}

std::string render_retrieval_json(const RetrievalEvaluation& evaluation) {
  nlohmann::ordered_json root;
  root["checkpoint"] = evaluation.checkpoint;
  root["step"] = evaluation.step;
  root["routing"] = evaluation.routing;
  root["search"] = "exact";
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const RetrievalRow& row : evaluation.rows) {
    nlohmann::ordered_json item = {{"method", row.method},
                                   {"part", row.part},
                                   {"queries", row.scores.queries},
                                   {"documents", row.documents}};
    for (size_t i = 0; i < row.scores.ks.size(); ++i)
      item["recall@" + std::to_string(row.scores.ks[i])] = row.scores.recall[i];
    item["mrr@" + std::to_string(row.scores.mrr_k)] = row.scores.mrr;
    rows.push_back(item);
  }
  root["rows"] = rows;
  return root.dump(2) + "\n";
}

}  // namespace moe::index
