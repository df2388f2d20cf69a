// IndexSearcher and QueryEncoder (see index_search.h).
#include "index/index_search.h"

#include <algorithm>
#include <filesystem>

#include "common/error.h"
#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"
#include "model/checkpoint_file.h"
#include "model/model_fingerprint.h"
#include "model/parameter_loading.h"

namespace moe::index {
namespace {

namespace fs = std::filesystem;

std::string part_list(const IndexManifest& manifest) {
  std::string text;
  for (const IndexPart& part : manifest.parts) text += (text.empty() ? "" : ", ") + part.name;
  return text;
}

}  // namespace

IndexSearcher::IndexSearcher(std::string folder) : folder_(std::move(folder)) {
  std::error_code error;
  MOE_REQUIRE(fs::is_directory(folder_, error), "index ", folder_,
              " is not a folder (moe_index build writes one)");
  manifest_ = read_manifest((fs::path(folder_) / kManifestName).string());
  const std::string records_path = (fs::path(folder_) / kRecordsName).string();
  MOE_REQUIRE(fs::exists(records_path, error), records_path,
              " is missing: without it hits have no ids (rebuild the index)");
  records_ = read_records(records_path);
  MOE_REQUIRE(static_cast<int64_t>(records_.ids.size()) == manifest_.count, records_path, " holds ",
              records_.ids.size(), " records but ", kManifestName, " counts ", manifest_.count);
  for (const IndexPart& part : manifest_.parts) {
    const auto rows = records_.parts.find(part.name);
    MOE_REQUIRE(rows != records_.parts.end(), records_path, ": /parts/", part.name,
                " is missing (the ids of part ", part.name, ")");
    MOE_REQUIRE(static_cast<int64_t>(rows->second.size()) == part.count, records_path, ": /parts/",
                part.name, " holds ", rows->second.size(), " rows but the part has ", part.count,
                " vectors");
  }
}

VectorIndex& IndexSearcher::part_index(const std::string& part) {
  auto found = loaded_.find(part);
  if (found == loaded_.end()) {
    const IndexPart* entry = find_part(manifest_, part);
    MOE_REQUIRE(entry != nullptr, "index ", folder_, " has no part ", part,
                " (parts: ", part_list(manifest_), ")");
    const std::string path = (fs::path(folder_) / entry->file).string();
    VectorIndex index = VectorIndex::load(path);
    MOE_REQUIRE(index.dimension() == manifest_.dimension, path, " holds ", index.dimension(),
                "-dimensional vectors but ", kManifestName, " says ", manifest_.dimension);
    MOE_REQUIRE(index.size() == entry->count, path, " holds ", index.size(), " vectors but ",
                kManifestName, " says ", entry->count);
    MOE_REQUIRE(index.kind() == manifest_.kind, path, " is an ", index_kind_name(index.kind()),
                " index but ", kManifestName, " says ", index_kind_name(manifest_.kind));
    found = loaded_.emplace(part, std::move(index)).first;
  }
  if (search_depth_ > 0) found->second.set_search_depth(search_depth_);
  return found->second;
}

std::vector<std::vector<SearchHit>> IndexSearcher::search(const std::string& part,
                                                          const torch::Tensor& queries, int64_t k) {
  MOE_REQUIRE(queries.dim() == 2 && queries.size(1) == manifest_.dimension, "query vectors have ",
              (queries.dim() == 2 ? std::to_string(queries.size(1)) : "no row"),
              " dimensions; index ", folder_, " holds ", manifest_.dimension,
              "-dimensional vectors");
  VectorIndex& index = part_index(part);
  const torch::Tensor unit =
      (queries / queries.norm(2, 1, true).clamp_min(1e-12)).to(torch::kFloat32).contiguous();
  const Neighbors found = index.search(unit, k);
  const std::vector<int64_t>& record_rows = records_.parts.at(part);
  std::vector<std::vector<SearchHit>> results(static_cast<size_t>(queries.size(0)));
  const auto scores = found.scores.accessor<float, 2>();
  const auto rows = found.rows.accessor<int64_t, 2>();
  for (int64_t q = 0; q < queries.size(0); ++q) {
    for (int64_t i = 0; i < k; ++i) {
      if (rows[q][i] < 0) continue;
      SearchHit hit;
      hit.record = record_rows.at(static_cast<size_t>(rows[q][i]));
      hit.id = records_.ids[static_cast<size_t>(hit.record)];
      hit.score = scores[q][i];
      if (!records_.snippets.empty())
        hit.snippet = records_.snippets[static_cast<size_t>(hit.record)];
      for (size_t m = 0; m < records_.metadata_names.size(); ++m) {
        hit.metadata.emplace_back(records_.metadata_names[m],
                                  records_.metadata[m][static_cast<size_t>(hit.record)]);
      }
      results[static_cast<size_t>(q)].push_back(std::move(hit));
    }
  }
  return results;
}

std::string fixed_part(const IndexManifest& manifest, const std::string& domain, bool has_router) {
  if (!domain.empty()) {
    MOE_REQUIRE(!manifest.model.domains.empty(), "--domain ", domain,
                ": this index's model has no domain paths (its one part is ",
                manifest.parts.front().name, "); leave --domain out");
    MOE_REQUIRE(find_part(manifest, domain) != nullptr, "--domain ", domain,
                ": the index has no part for it (parts: ", part_list(manifest), ")");
    return domain;
  }
  if (manifest.parts.size() == 1 && (manifest.routing != "router" || !has_router)) {
    return manifest.parts.front().name;
  }
  MOE_REQUIRE(has_router, "the index has a part per domain (", part_list(manifest),
              ") and its model has no router: name the query's domain with --domain");
  return "";
}

void check_query_embeddings(const IndexManifest& manifest, const std::string& what,
                            const std::string& fingerprint, int64_t dimension) {
  MOE_REQUIRE(dimension == manifest.dimension, what, " holds ", dimension,
              "-dimensional vectors; the index holds ", manifest.dimension,
              "-dimensional ones (wrong dimension: another model?)");
  MOE_REQUIRE(fingerprint.empty() || manifest.model.fingerprint.empty() ||
                  fingerprint == manifest.model.fingerprint,
              what, " comes from another model (fingerprint ", fingerprint,
              ") than the index (fingerprint ", manifest.model.fingerprint, ": ",
              manifest.model.checkpoint, " at step ", manifest.model.step,
              "); scores between the two mean nothing");
}

QueryEncoder::QueryEncoder(const IndexManifest& manifest, const std::string& checkpoint,
                           int64_t batch_size)
    : manifest_(manifest),
      checkpoint_(checkpoint.empty() ? manifest.model.checkpoint : checkpoint) {
  std::error_code error;
  MOE_REQUIRE(fs::exists(checkpoint_, error), "checkpoint ", checkpoint_,
              " (the model that embedded the index) is missing; pass --checkpoint with its new "
              "place");
  const model::CheckpointContents contents = model::read_checkpoint(checkpoint_);
  check_query_embeddings(manifest, "checkpoint " + checkpoint_, model::model_fingerprint(contents),
                         contents.layout.projection_head && contents.layout.projection_size > 0
                             ? contents.layout.projection_size
                             : contents.config.hidden_size);
  MOE_REQUIRE(contents.vocab_hash == manifest.model.vocab_hash, "checkpoint ", checkpoint_,
              " has another vocabulary than the model that embedded the index");
  has_router_ = contents.layout.router;
  model::BertEncoder encoder = model::encoder_from_checkpoint(contents, checkpoint_);
  data::TokenizerOptions tokenizer_options;
  tokenizer_options.lowercase = contents.lowercase;
  embed::TextEmbedderOptions options;
  options.batch_size = batch_size;
  options.max_length = static_cast<int>(manifest.model.max_length);
  options.normalize = true;
  embedder_ = std::make_unique<embed::TextEmbedder>(
      encoder,
      data::WordPieceTokenizer(data::Vocabulary::from_tokens(contents.vocab_tokens),
                               tokenizer_options),
      options);
}

QueryEncoder::~QueryEncoder() = default;

EncodedQueries QueryEncoder::encode(const std::vector<std::string>& texts,
                                    const std::string& domain) {
  const std::string part = fixed_part(manifest_, domain, has_router_);
  const std::vector<std::string>& domains = manifest_.model.domains;
  int32_t domain_id = embed::kRouted;
  if (!part.empty()) {
    const auto it = std::find(domains.begin(), domains.end(), part);
    domain_id = it == domains.end() ? 0 : static_cast<int32_t>(it - domains.begin());
  }
  const embed::EmbeddedTexts embedded =
      embedder_->embed(texts, std::vector<int32_t>(texts.size(), domain_id));
  EncodedQueries result;
  result.vectors = embedded.embeddings;
  const torch::Tensor used = embedded.domains.to(torch::kInt64).contiguous();
  for (int64_t q = 0; q < used.numel(); ++q) {
    const int64_t chosen = used[q].item<int64_t>();
    result.parts.push_back(!part.empty() ? part : domains.at(static_cast<size_t>(chosen)));
    result.routed.push_back(part.empty());
  }
  return result;
}

}  // namespace moe::index
