// build_index and recall_at_k (see index_build.h).
#include "index/index_build.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "common/error.h"
#include "common/progress_bar.h"
#include "embed/embedding_file.h"
#include "hf/json_file.h"
#include "index/index_records.h"

namespace moe::index {
namespace {

constexpr int64_t kRecallK = 10;

torch::Tensor unit_rows(const torch::Tensor& vectors) {
  return (vectors / vectors.norm(2, 1, true).clamp_min(1e-12)).contiguous();
}

// One part under construction, with the sample it measures its recall on.
struct PartBuild {
  std::string name;
  int64_t count = 0;
  IndexParameters parameters;
  std::unique_ptr<VectorIndex> index;
  std::vector<int64_t> record_rows;  // part row -> record row, filled as vectors are added
  // Recall sample: part rows used as queries, their vectors and their exact best k+1 so far.
  std::vector<int64_t> query_rows;
  torch::Tensor queries, best_scores, best_rows;
};

// Every `stride`-th of `count` positions, at most `limit` of them.
std::vector<int64_t> spread(int64_t count, int64_t limit) {
  std::vector<int64_t> positions;
  if (count <= 0 || limit <= 0) return positions;
  const int64_t stride = std::max<int64_t>(1, count / limit);
  for (int64_t i = 0; i < count && static_cast<int64_t>(positions.size()) < limit; i += stride)
    positions.push_back(i);
  return positions;
}

// Record rows of each part, in file order (the order vectors are added in).
std::vector<std::vector<int64_t>> rows_by_part(const embed::EmbeddingFileReader& reader,
                                               size_t parts) {
  std::vector<std::vector<int64_t>> rows(parts);
  const std::vector<int32_t>& domains = reader.domains();
  for (int64_t row = 0; row < reader.info().count; ++row) {
    const size_t part = domains.empty() ? 0 : static_cast<size_t>(domains[row]);
    rows[part].push_back(row);
  }
  return rows;
}

// Rows `rows` of the file (ascending record rows), read in runs of consecutive rows.
torch::Tensor read_rows(const embed::EmbeddingFileReader& reader,
                        const std::vector<int64_t>& rows) {
  std::vector<torch::Tensor> pieces;
  for (size_t i = 0; i < rows.size();) {
    size_t j = i + 1;
    while (j < rows.size() && rows[j] == rows[j - 1] + 1) ++j;
    pieces.push_back(reader.rows(rows[i], static_cast<int64_t>(j - i)));
    i = j;
  }
  if (pieces.empty()) return torch::empty({0, reader.info().dimension}, torch::kFloat32);
  return unit_rows(torch::cat(pieces));
}

// IVF: the lists are learnt from an evenly spread sample of the part's vectors.
void train_part(PartBuild& part, const embed::EmbeddingFileReader& reader,
                const std::vector<int64_t>& part_rows) {
  const int64_t wanted = std::min<int64_t>(part.count, 50 * part.parameters.ivf_lists);
  std::vector<int64_t> sample_rows;
  for (const int64_t position : spread(part.count, wanted))
    sample_rows.push_back(part_rows[position]);
  part.index->train(read_rows(reader, sample_rows));
}

void merge_exact(PartBuild& part, const torch::Tensor& vectors, int64_t first_part_row) {
  if (part.query_rows.empty() || vectors.size(0) == 0) return;
  const torch::Tensor scores = torch::mm(part.queries, vectors.t());
  const torch::Tensor rows =
      torch::arange(first_part_row, first_part_row + vectors.size(0), torch::kInt64)
          .expand({part.queries.size(0), vectors.size(0)});
  const torch::Tensor all_scores = torch::cat({part.best_scores, scores}, 1);
  const torch::Tensor all_rows = torch::cat({part.best_rows, rows}, 1);
  const auto [top, where] = all_scores.topk(std::min<int64_t>(kRecallK + 1, all_scores.size(1)), 1);
  part.best_scores = top.contiguous();
  part.best_rows = all_rows.gather(1, where).contiguous();
}

// Doubles the search depth until the sample's recall@10 reaches `target` (or the depth
// stops mattering: all lists probed, or efSearch past any useful size); returns the recall
// at the depth left set.
double tune_search_depth(VectorIndex& index, const PartBuild& part, double target) {
  const auto measure = [&] {
    const Neighbors found = index.search(part.queries, kRecallK + 1);
    return recall_at_k(part.best_rows, found.rows, part.query_rows, kRecallK);
  };
  double recall = measure();
  const int64_t limit = index.kind() == IndexKind::ivf ? part.parameters.ivf_lists : 4096;
  while (recall < target && index.search_depth() < limit) {
    index.set_search_depth(std::min(limit, 2 * index.search_depth()));
    recall = measure();
  }
  return recall;
}

}  // namespace

double recall_at_k(const torch::Tensor& exact, const torch::Tensor& approximate,
                   const std::vector<int64_t>& self_rows, int64_t k) {
  MOE_REQUIRE(exact.size(0) == approximate.size(0) &&
                  exact.size(0) == static_cast<int64_t>(self_rows.size()),
              "recall_at_k: the result lists disagree in length");
  const auto first_k = [&](const torch::Tensor& rows, int64_t q) {
    std::vector<int64_t> kept;
    const auto row = rows[q].contiguous();
    for (int64_t i = 0; i < row.size(0) && static_cast<int64_t>(kept.size()) < k; ++i) {
      const int64_t value = row[i].item<int64_t>();
      if (value >= 0 && value != self_rows[static_cast<size_t>(q)]) kept.push_back(value);
    }
    return kept;
  };
  double total = 0;
  int64_t measured = 0;
  for (int64_t q = 0; q < exact.size(0); ++q) {
    const std::vector<int64_t> truth = first_k(exact, q);
    if (truth.empty()) continue;
    const std::vector<int64_t> found_list = first_k(approximate, q);
    const std::set<int64_t> found(found_list.begin(), found_list.end());
    int64_t hits = 0;
    for (const int64_t row : truth) hits += found.count(row) > 0 ? 1 : 0;
    total += static_cast<double>(hits) / static_cast<double>(truth.size());
    ++measured;
  }
  return measured > 0 ? total / static_cast<double>(measured) : 1.0;
}

IndexManifest build_index(const std::string& embeddings_path, const std::string& folder,
                          const IndexBuildOptions& options, const CorpusExtras& extras) {
  const std::vector<std::string>& snippets = extras.snippets;
  namespace fs = std::filesystem;
  MOE_REQUIRE(options.chunk_rows > 0, "--chunk-rows must be positive, got ", options.chunk_rows);
  const embed::EmbeddingFileReader reader(embeddings_path);
  const embed::EmbeddingFileInfo& info = reader.info();
  MOE_REQUIRE(info.count > 0, embeddings_path, " holds no embeddings; an index needs at least one");
  MOE_REQUIRE(snippets.empty() || static_cast<int64_t>(snippets.size()) == info.count,
              "build_index: ", snippets.size(), " snippets for ", info.count, " embeddings");

  // Parts: one per domain path the texts ran as (in the model's order), or one for all.
  const std::vector<std::string> part_names =
      info.domain_names.empty() ? std::vector<std::string>{kSinglePart} : info.domain_names;
  const std::vector<std::vector<int64_t>> part_rows = rows_by_part(reader, part_names.size());
  std::vector<PartBuild> parts(part_names.size());
  std::vector<int64_t> part_of_row(static_cast<size_t>(info.count));
  for (size_t p = 0; p < parts.size(); ++p) {
    PartBuild& part = parts[p];
    part.name = part_names[p];
    part.count = static_cast<int64_t>(part_rows[p].size());
    for (const int64_t row : part_rows[p])
      part_of_row[static_cast<size_t>(row)] = static_cast<int64_t>(p);
    if (part.count == 0) continue;
    part.parameters = resolved(options.parameters, part.count);
    part.index = std::make_unique<VectorIndex>(options.kind, info.dimension, part.parameters);
    if (part.index->needs_training()) train_part(part, reader, part_rows[p]);
    part.record_rows.reserve(static_cast<size_t>(part.count));
    if (options.kind != IndexKind::exact) {
      part.query_rows = spread(part.count, options.recall_queries);
      std::vector<int64_t> records;
      for (const int64_t row : part.query_rows)
        records.push_back(part_rows[p][static_cast<size_t>(row)]);
      part.queries = read_rows(reader, records);
      const auto q = static_cast<int64_t>(part.query_rows.size());
      part.best_scores = torch::empty({q, 0}, torch::kFloat32);
      part.best_rows = torch::empty({q, 0}, torch::kInt64);
    }
  }

  std::unique_ptr<ProgressBar> progress;
  if (options.progress) progress = std::make_unique<ProgressBar>("indexing", info.count);
  for (int64_t first = 0; first < info.count; first += options.chunk_rows) {
    const int64_t rows = std::min(options.chunk_rows, info.count - first);
    const torch::Tensor chunk = unit_rows(reader.rows(first, rows));
    const torch::Tensor chunk_part =
        torch::from_blob(part_of_row.data() + first, {rows}, torch::kInt64);
    for (size_t p = 0; p < parts.size(); ++p) {
      PartBuild& part = parts[p];
      if (part.count == 0) continue;
      const torch::Tensor local =
          parts.size() == 1 ? torch::arange(rows, torch::kInt64)
                            : torch::nonzero(chunk_part == static_cast<int64_t>(p)).flatten();
      if (local.numel() == 0) continue;
      const torch::Tensor vectors =
          parts.size() == 1 ? chunk : chunk.index_select(0, local).contiguous();
      merge_exact(part, vectors, static_cast<int64_t>(part.record_rows.size()));
      part.index->add(vectors);
      const int64_t* offsets = local.data_ptr<int64_t>();
      for (int64_t i = 0; i < local.numel(); ++i) part.record_rows.push_back(first + offsets[i]);
    }
    if (progress) progress->advance(rows);
  }
  if (progress) progress->finish();

  IndexManifest manifest;
  manifest.kind = options.kind;
  manifest.dimension = info.dimension;
  manifest.count = info.count;
  manifest.routing = info.routing;
  manifest.source = options.source.empty() ? embeddings_path : options.source;
  manifest.has_snippets = !snippets.empty();
  manifest.metadata = extras.metadata_names;
  manifest.model.checkpoint = info.checkpoint;
  manifest.model.step = info.checkpoint_step;
  manifest.model.fingerprint = info.model_fingerprint;
  manifest.model.vocab_hash = info.vocab_hash;
  manifest.model.pooling = info.pooling;
  manifest.model.max_length = info.max_length;
  manifest.model.domains = info.domain_names;
  int64_t largest = 0;
  for (const PartBuild& part : parts) largest = std::max(largest, part.count);
  manifest.parameters = resolved(options.parameters, largest);
  IndexRecords records;
  records.ids = reader.ids();
  records.snippets = snippets;
  records.metadata_names = extras.metadata_names;
  records.metadata = extras.metadata;
  for (PartBuild& part : parts) {
    if (part.count == 0) continue;
    IndexPart entry;
    entry.name = part.name;
    entry.file = part.name + ".faiss";
    entry.count = part.count;
    if (!part.query_rows.empty()) {
      entry.recall_at_10 = tune_search_depth(*part.index, part, options.target_recall);
      entry.search_depth = part.index->search_depth();
    }
    part.index->save((fs::path(folder) / entry.file).string());
    records.parts[part.name] = std::move(part.record_rows);
    manifest.parts.push_back(entry);
  }
  write_records((fs::path(folder) / kRecordsName).string(), records);
  hf::write_file_atomically((fs::path(folder) / kManifestName).string(),
                            manifest_to_json(manifest));
  return manifest;
}

}  // namespace moe::index
