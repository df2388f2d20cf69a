// FAISS behind VectorIndex (see vector_index.h).
#include "index/vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/index_io.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/error.h"

namespace moe::index {
namespace {

// Runs a FAISS call; its exceptions (which carry FAISS's source location) become moe::Error
// prefixed with what we were doing.
template <typename Call>
auto faiss_call(const std::string& doing, Call&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const moe::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(cat(doing, ": ", e.what()));
  }
}

// FAISS's row type: Index::idx_t in 1.7.3 (Debian 12), faiss::idx_t from 1.7.4 on.
using FaissRow = decltype(faiss::Index::ntotal);

FaissRow as_count(int64_t n) { return static_cast<FaissRow>(n); }

}  // namespace

IndexKind parse_index_kind(const std::string& name) {
  if (name == "exact") return IndexKind::exact;
  if (name == "hnsw") return IndexKind::hnsw;
  if (name == "ivf") return IndexKind::ivf;
  throw Error(cat("index kind '", name, "' is not one of exact, hnsw, ivf"));
}

std::string index_kind_name(IndexKind kind) {
  switch (kind) {
    case IndexKind::exact:
      return "exact";
    case IndexKind::hnsw:
      return "hnsw";
    case IndexKind::ivf:
      return "ivf";
  }
  return "unknown";
}

IndexParameters resolved(const IndexParameters& parameters, int64_t count) {
  IndexParameters result = parameters;
  MOE_REQUIRE(result.hnsw_neighbors >= 2 && result.hnsw_neighbors <= 512,
              "--hnsw-neighbors must be in 2..512, got ", result.hnsw_neighbors);
  MOE_REQUIRE(result.hnsw_build_depth >= 1, "--hnsw-build-depth must be positive, got ",
              result.hnsw_build_depth);
  MOE_REQUIRE(result.hnsw_search_depth >= 1, "--search-depth must be positive, got ",
              result.hnsw_search_depth);
  MOE_REQUIRE(result.ivf_lists >= 0 && result.ivf_probes >= 0,
              "--ivf-lists and --ivf-probes must not be negative");
  if (result.ivf_lists == 0) {
    // sqrt(n) lists: the low end of FAISS's advice (4..16 sqrt(n) for large n), since
    // training cost grows with lists x sample and runs on the CPU; FAISS wants about 39
    // training vectors a list.
    const auto by_size = static_cast<int64_t>(std::lround(std::sqrt(double(count))));
    result.ivf_lists = std::max<int64_t>(1, std::min(by_size, count / 39));
  }
  if (result.ivf_probes == 0) {
    result.ivf_probes = std::min(result.ivf_lists, std::max<int64_t>(16, result.ivf_lists / 16));
  }
  result.ivf_probes = std::min(result.ivf_probes, result.ivf_lists);
  return result;
}

VectorIndex::VectorIndex(IndexKind kind, int64_t dimension, const IndexParameters& parameters)
    : kind_(kind) {
  MOE_REQUIRE(dimension > 0, "an index needs a positive dimension, got ", dimension);
  const auto d = static_cast<int>(dimension);
  faiss_call("creating a " + index_kind_name(kind) + " index", [&] {
    switch (kind) {
      case IndexKind::exact:
        index_ = std::make_unique<faiss::IndexFlatIP>(d);
        break;
      case IndexKind::hnsw: {
        auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(
            d, static_cast<int>(parameters.hnsw_neighbors), faiss::METRIC_INNER_PRODUCT);
        hnsw->hnsw.efConstruction = static_cast<int>(parameters.hnsw_build_depth);
        hnsw->hnsw.efSearch = static_cast<int>(parameters.hnsw_search_depth);
        index_ = std::move(hnsw);
        break;
      }
      case IndexKind::ivf: {
        MOE_REQUIRE(parameters.ivf_lists > 0, "an ivf index needs resolved() parameters");
        auto quantizer = std::make_unique<faiss::IndexFlatIP>(d);
        auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer.get(), d,
                                                         static_cast<size_t>(parameters.ivf_lists),
                                                         faiss::METRIC_INNER_PRODUCT);
        quantizer.release();
        ivf->own_fields = true;  // the IVF index deletes its quantizer
        ivf->nprobe = static_cast<size_t>(parameters.ivf_probes);
        index_ = std::move(ivf);
        break;
      }
    }
  });
}

VectorIndex::VectorIndex(IndexKind kind, std::unique_ptr<faiss::Index> index)
    : kind_(kind), index_(std::move(index)) {}

VectorIndex::~VectorIndex() = default;
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;

VectorIndex VectorIndex::load(const std::string& path) {
  std::error_code error;
  MOE_REQUIRE(std::filesystem::is_regular_file(path, error), "index file ", path,
              " is missing (or not a file)");
  std::unique_ptr<faiss::Index> index(
      faiss_call("reading index file " + path, [&] { return faiss::read_index(path.c_str()); }));
  MOE_REQUIRE(index->metric_type == faiss::METRIC_INNER_PRODUCT, "index file ", path,
              " compares vectors by another metric than inner product (not written by moe_index)");
  IndexKind kind;
  if (dynamic_cast<faiss::IndexFlat*>(index.get()) != nullptr) {
    kind = IndexKind::exact;
  } else if (dynamic_cast<faiss::IndexHNSWFlat*>(index.get()) != nullptr) {
    kind = IndexKind::hnsw;
  } else if (dynamic_cast<faiss::IndexIVFFlat*>(index.get()) != nullptr) {
    kind = IndexKind::ivf;
  } else {
    throw Error(
        cat("index file ", path, " holds a FAISS index of a kind moe_index does not write"));
  }
  return VectorIndex(kind, std::move(index));
}

void VectorIndex::save(const std::string& path) const {
  const std::string partial = path + ".tmp";
  try {
    faiss_call("writing index file " + partial,
               [&] { faiss::write_index(index_.get(), partial.c_str()); });
  } catch (...) {
    std::remove(partial.c_str());
    throw;
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) std::remove(partial.c_str());
  MOE_REQUIRE(!error, "cannot rename ", partial, " to ", path, ": ", error.message());
}

bool VectorIndex::needs_training() const { return !index_->is_trained; }

void VectorIndex::check_vectors(const torch::Tensor& vectors, const char* what) const {
  MOE_REQUIRE(vectors.dim() == 2 && vectors.size(1) == dimension(), what, " have ",
              (vectors.dim() == 2 ? std::to_string(vectors.size(1)) : "no row"),
              " dimensions; the index holds ", dimension(), "-dimensional vectors");
  MOE_REQUIRE(vectors.scalar_type() == torch::kFloat32 && vectors.device().is_cpu() &&
                  vectors.is_contiguous(),
              what, " must be a contiguous float32 CPU tensor");
}

void VectorIndex::train(const torch::Tensor& sample) {
  check_vectors(sample, "training vectors");
  faiss_call("training the " + index_kind_name(kind_) + " index",
             [&] { index_->train(as_count(sample.size(0)), sample.data_ptr<float>()); });
}

void VectorIndex::add(const torch::Tensor& vectors) {
  check_vectors(vectors, "vectors to add");
  MOE_REQUIRE(!needs_training(), "the ", index_kind_name(kind_),
              " index must be trained before vectors are added");
  if (vectors.size(0) == 0) return;
  faiss_call("adding vectors to the " + index_kind_name(kind_) + " index",
             [&] { index_->add(as_count(vectors.size(0)), vectors.data_ptr<float>()); });
}

Neighbors VectorIndex::search(const torch::Tensor& queries, int64_t k) const {
  check_vectors(queries, "queries");
  MOE_REQUIRE(k >= 1, "-k must be at least 1, got ", k);
  Neighbors result;
  result.scores = torch::full({queries.size(0), k}, -INFINITY, torch::kFloat32);
  result.rows = torch::full({queries.size(0), k}, -1, torch::kInt64);
  if (queries.size(0) == 0 || size() == 0) return result;
  static_assert(sizeof(FaissRow) == sizeof(int64_t));
  faiss_call("searching the " + index_kind_name(kind_) + " index", [&] {
    index_->search(as_count(queries.size(0)), queries.data_ptr<float>(), as_count(k),
                   result.scores.data_ptr<float>(),
                   reinterpret_cast<FaissRow*>(result.rows.data_ptr<int64_t>()));
  });
  return result;
}

void VectorIndex::set_search_depth(int64_t depth) {
  MOE_REQUIRE(depth >= 1, "--search-depth must be positive, got ", depth);
  if (auto* hnsw = dynamic_cast<faiss::IndexHNSWFlat*>(index_.get())) {
    hnsw->hnsw.efSearch = static_cast<int>(depth);
  } else if (auto* ivf = dynamic_cast<faiss::IndexIVFFlat*>(index_.get())) {
    ivf->nprobe = static_cast<size_t>(std::min<int64_t>(depth, static_cast<int64_t>(ivf->nlist)));
  }
}

int64_t VectorIndex::search_depth() const {
  if (auto* hnsw = dynamic_cast<const faiss::IndexHNSWFlat*>(index_.get())) {
    return hnsw->hnsw.efSearch;
  }
  if (auto* ivf = dynamic_cast<const faiss::IndexIVFFlat*>(index_.get())) {
    return static_cast<int64_t>(ivf->nprobe);
  }
  return 0;
}

int64_t VectorIndex::dimension() const { return index_->d; }
int64_t VectorIndex::size() const { return index_->ntotal; }

}  // namespace moe::index
