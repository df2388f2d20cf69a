// Searching an index folder: IndexSearcher answers query vectors with the records they are
// nearest to, part by part; QueryEncoder turns query texts into those vectors with the model
// that embedded the index (refusing another model) and picks each query's part: the domain
// named, the index's only part, or the one the model's router chooses.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "embed/text_embedder.h"
#include "index/index_manifest.h"
#include "index/index_records.h"
#include "index/vector_index.h"

namespace moe::index {

struct SearchHit {
  int64_t record = 0;  // row in records.h5 (= the corpus position)
  std::string id;
  float score = 0;                                            // cosine similarity
  std::string snippet;                                        // "" when the index keeps none
  std::vector<std::pair<std::string, std::string>> metadata;  // (field, value), build order
};

class IndexSearcher {
 public:
  // Reads index.json and records.h5 and checks that they agree; each part's FAISS file is
  // loaded (and checked against the manifest) on its first search. Errors name the file.
  explicit IndexSearcher(std::string folder);

  const IndexManifest& manifest() const { return manifest_; }
  // The k best records of part `part` for each query ([q, dimension] float32; normalised
  // here). Fewer than k hits when the part holds fewer vectors.
  std::vector<std::vector<SearchHit>> search(const std::string& part, const torch::Tensor& queries,
                                             int64_t k);
  // efSearch (hnsw) or probes (ivf) for every part; 0: as built.
  void set_search_depth(int64_t depth) { search_depth_ = depth; }

 private:
  VectorIndex& part_index(const std::string& part);

  std::string folder_;
  IndexManifest manifest_;
  IndexRecords records_;
  std::map<std::string, VectorIndex> loaded_;
  int64_t search_depth_ = 0;
};

// Query vectors and the part each query goes to.
struct EncodedQueries {
  torch::Tensor vectors;           // [q, dimension] float32, L2-normalised
  std::vector<std::string> parts;  // q part names
  std::vector<bool> routed;        // the router chose the part
};

class QueryEncoder {
 public:
  // Loads `checkpoint` ("" : the one the manifest names) and checks it is the model that
  // embedded the index: same fingerprint (when both are known), dimension and vocabulary.
  QueryEncoder(const IndexManifest& manifest, const std::string& checkpoint, int64_t batch_size);
  ~QueryEncoder();

  // domain: the part every query goes to; "": the index's only part, else the router's choice.
  EncodedQueries encode(const std::vector<std::string>& texts, const std::string& domain);

 private:
  const IndexManifest& manifest_;
  std::string checkpoint_;
  std::unique_ptr<embed::TextEmbedder> embedder_;
  bool has_router_ = false;
};

// The part queries go to without a router: `domain` when given (checked against the index),
// else the index's only part; "" when the router must choose. Errors list the parts.
std::string fixed_part(const IndexManifest& manifest, const std::string& domain, bool has_router);

// Checks query vectors that come from an embedding file (moe_embed --normalize or not)
// against the index: same model fingerprint and dimension. `what` names the file.
void check_query_embeddings(const IndexManifest& manifest, const std::string& what,
                            const std::string& fingerprint, int64_t dimension);

}  // namespace moe::index
