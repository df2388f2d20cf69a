// Builds an index folder's contents from an embedding file (moe_embed's output): one FAISS
// part per domain path (the path each text ran as), records.h5 and index.json. The vectors
// are streamed from the file in chunks, L2-normalised (so inner product is cosine) and added
// to their part; memory holds the parts and one chunk, never the embeddings a second time.
// For the approximate kinds it measures recall@10 against exact search on a sample of the
// stored vectors, raises the search depth until a target recall is met (so the defaults
// adapt to how hard the data is), and the manifest says how approximate the index is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "index/index_manifest.h"
#include "index/vector_index.h"

namespace moe::index {

struct IndexBuildOptions {
  IndexKind kind = IndexKind::exact;
  IndexParameters parameters;    // 0s resolved per part from its size
  int64_t chunk_rows = 65536;    // vectors read from the embedding file at a time
  int64_t recall_queries = 200;  // sample size of the recall measurement (approximate kinds)
  // Approximate kinds: the search depth (efSearch, probes) is doubled from its setting until
  // the sample's recall@10 reaches this, and saved with the index; 0: keep the setting.
  double target_recall = 0.95;
  bool progress = true;  // progress bar on stderr
  std::string source;    // recorded in the manifest (the corpus); "": the embedding file
};

// What the corpus adds to each record beyond its id (empty when built from vectors alone).
struct CorpusExtras {
  std::vector<std::string> snippets;               // empty, or one per embedding row
  std::vector<std::string> metadata_names;         // corpus fields kept
  std::vector<std::vector<std::string>> metadata;  // [field][row]
};

// Writes <folder>/index.json, records.h5 and one <part>.faiss per part; folder must exist.
// Throws moe::Error naming the embedding file or the file being written.
IndexManifest build_index(const std::string& embeddings_path, const std::string& folder,
                          const IndexBuildOptions& options, const CorpusExtras& extras = {});

// recall@k of `approximate` against `exact` rows ([queries, >= k] each, -1 = none): the share
// of each query's exact k best found among the approximate k best, averaged. A query's own
// row (self_rows[q], or -1) is left out of both lists first, so a stored vector finding
// itself does not count.
double recall_at_k(const torch::Tensor& exact, const torch::Tensor& approximate,
                   const std::vector<int64_t>& self_rows, int64_t k);

}  // namespace moe::index
