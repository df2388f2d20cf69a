// index.json, the description of an index folder (docs/SEARCH.md has the whole layout):
// which model embedded the vectors (its fingerprint: queries must come from the same model),
// how texts were routed to domain paths, the FAISS kind and settings, and one part per domain
// path with its file and size. Read with errors that name the file and the key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "index/vector_index.h"

namespace moe::index {

inline constexpr const char* kIndexFormat = "moe-embed index";
inline constexpr int64_t kIndexFormatVersion = 1;
inline constexpr const char* kManifestName = "index.json";
inline constexpr const char* kRecordsName = "records.h5";
// The one part of an index whose model has no domain paths.
inline constexpr const char* kSinglePart = "all";

struct IndexPart {
  std::string name;  // a domain of the model, or kSinglePart
  std::string file;  // FAISS file, relative to the index folder
  int64_t count = 0;
  double recall_at_10 = -1;  // approximate kinds: measured at build time; -1: exact or unmeasured
  int64_t search_depth = 0;  // approximate kinds: efSearch / probes saved with the part
};

struct IndexModel {
  std::string checkpoint;  // as given at build time; search loads it unless told otherwise
  int64_t step = 0;
  std::string fingerprint;  // model_fingerprint.h; "" when the embeddings predate it
  uint64_t vocab_hash = 0;
  std::string pooling;
  int64_t max_length = 0;
  std::vector<std::string> domains;  // the model's domain paths in order; empty: none
};

struct IndexManifest {
  IndexKind kind = IndexKind::exact;
  IndexParameters parameters;  // resolved for the largest part
  int64_t dimension = 0;
  int64_t count = 0;
  std::string routing;  // how documents chose their part: given | field | router | none
  IndexModel model;
  std::vector<IndexPart> parts;
  std::string source;  // the corpus (or embedding file) the index was built from
  bool has_snippets = false;
  std::vector<std::string> metadata;  // corpus fields kept in records.h5 (--metadata-field)
};

std::string manifest_to_json(const IndexManifest& manifest);
// Throws moe::Error naming `path` and the missing or malformed key.
IndexManifest read_manifest(const std::string& path);

// The part called `name`, or nullptr.
const IndexPart* find_part(const IndexManifest& manifest, const std::string& name);

}  // namespace moe::index
