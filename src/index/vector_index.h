// One FAISS index of unit vectors compared by inner product (cosine similarity), owned and
// typed: exact (IndexFlatIP), HNSW graph (IndexHNSWFlat) or inverted lists (IndexIVFFlat).
// Every FAISS failure becomes a moe::Error that says what was being done and, for files, names
// the file. Rows are numbered 0.. in the order they were added.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>

namespace faiss {
struct Index;
}

namespace moe::index {

enum class IndexKind { exact, hnsw, ivf };

// "exact", "hnsw" or "ivf"; anything else is a moe::Error listing the choices.
IndexKind parse_index_kind(const std::string& name);
std::string index_kind_name(IndexKind kind);

// Settings of the approximate kinds; 0 means "chosen from the index size" (see resolved()).
struct IndexParameters {
  int64_t hnsw_neighbors = 32;      // M: links per node (memory ~ 8*M bytes a vector)
  int64_t hnsw_build_depth = 200;   // efConstruction: candidates kept while linking
  int64_t hnsw_search_depth = 128;  // efSearch: candidates kept while searching (>= k)
  int64_t ivf_lists = 0;            // inverted lists; 0: about sqrt(count)
  int64_t ivf_probes = 0;           // lists searched per query; 0: lists / 16, at least 16
};

// The parameters with every 0 replaced by its value for `count` vectors; moe::Error naming
// the option when one is out of range.
IndexParameters resolved(const IndexParameters& parameters, int64_t count);

// Search results: scores [queries, k] float32 (cosine for unit vectors, best first) and rows
// [queries, k] int64 (-1 where the index holds fewer than k vectors).
struct Neighbors {
  torch::Tensor scores;
  torch::Tensor rows;
};

class VectorIndex {
 public:
  // An empty index; `parameters` must be resolved() for the vectors it will hold.
  VectorIndex(IndexKind kind, int64_t dimension, const IndexParameters& parameters);
  // Reads a file written by save(); errors name it (missing, not a FAISS index, a kind or
  // metric moe_index does not write).
  static VectorIndex load(const std::string& path);
  ~VectorIndex();
  VectorIndex(VectorIndex&&) noexcept;
  VectorIndex& operator=(VectorIndex&&) noexcept;

  // Writes PATH.tmp and renames it onto PATH; errors name the path.
  void save(const std::string& path) const;

  // IVF learns its lists from a sample (at least `ivf_lists` vectors) before any add.
  bool needs_training() const;
  void train(const torch::Tensor& sample);
  // vectors: [n, dimension] float32 (CPU); rows size()..size()+n-1.
  void add(const torch::Tensor& vectors);
  // queries: [q, dimension] float32. k >= 1.
  Neighbors search(const torch::Tensor& queries, int64_t k) const;
  // The search-time knob of approximate kinds: efSearch (hnsw) or probes (ivf); exact: none.
  void set_search_depth(int64_t depth);
  int64_t search_depth() const;

  IndexKind kind() const { return kind_; }
  int64_t dimension() const;
  int64_t size() const;

 private:
  VectorIndex(IndexKind kind, std::unique_ptr<faiss::Index> index);
  void check_vectors(const torch::Tensor& vectors, const char* what) const;

  IndexKind kind_ = IndexKind::exact;
  std::unique_ptr<faiss::Index> index_;
};

}  // namespace moe::index
