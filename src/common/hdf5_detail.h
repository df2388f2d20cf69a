// Internal helpers shared by the HDF5 File implementation files (hdf5_file.cpp,
// hdf5_rows.cpp): error reporting that names file, object and operation, and path and chunk
// arithmetic. Not for use outside src/common.
#pragma once

#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/hdf5_file.h"

namespace moe::h5::detail {

// Names one failing operation on one object of one file, and throws moe::Error for it with
// HDF5's own explanation appended. Must be used right after the failing call: any later HDF5
// call clears the error stack.
class Where {
 public:
  Where(const std::string& file, std::string object) : file_(file), object_(std::move(object)) {}

  [[noreturn]] void fail(const std::string& operation) const {
    std::string detail = take_hdf5_error_message();
    throw Error(cat("HDF5 file ", file_, ": cannot ", operation, " '", object_, "'",
                    detail.empty() ? std::string() : " (HDF5: " + detail + ")"));
  }
  // Throws a plain message about this object (no HDF5 call failed).
  [[noreturn]] void invalid(const std::string& why) const {
    throw Error(cat("HDF5 file ", file_, ": '", object_, "' ", why));
  }
  void check(herr_t status, const std::string& operation) const {
    if (status < 0) fail(operation);
  }
  Handle own(hid_t id, Handle::Closer close, const std::string& operation) const {
    if (id < 0) fail(operation);
    return Handle(id, close);
  }

 private:
  const std::string& file_;
  std::string object_;
};

// ---- Paths ---------------------------------------------------------------------------------

// "/a/b/" -> "a/b"; "" and "/" -> "" (the root).
inline std::string normalize(const std::string& path) {
  size_t begin = path.find_first_not_of('/');
  if (begin == std::string::npos) return "";
  size_t end = path.find_last_not_of('/');
  return path.substr(begin, end - begin + 1);
}

// The name HDF5 is given for an object relative to the file: "/" for the root.
inline std::string location(const std::string& normalized) {
  return normalized.empty() ? std::string("/") : normalized;
}

inline std::string display(const std::string& normalized) {
  return normalized.empty() ? std::string("/") : normalized;
}

constexpr int64_t kDefaultChunkBytes = int64_t{1} << 20;
// HDF5 limits a chunk to 4 GiB and each chunk dimension to 32 bits.
constexpr int64_t kMaxChunkBytes = (int64_t{1} << 32) - 1;

// Chunk dimensions holding at most `budget` elements: the innermost dimensions are kept whole
// while they fit, the outer ones are split.
inline std::vector<hsize_t> chunk_dims(const std::vector<int64_t>& shape, int64_t budget) {
  std::vector<hsize_t> chunk(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 0;) {
    int64_t extent = std::clamp<int64_t>(budget, 1, shape[i]);
    extent = std::min<int64_t>(extent, 0xFFFFFFFFLL);
    chunk[i] = static_cast<hsize_t>(extent);
    budget = std::max<int64_t>(1, budget / extent);
  }
  return chunk;
}

// Link properties that create missing intermediate groups.
Handle link_creation_properties(const Where& where);
// Layout, compression and checksum properties for a new dataset of `shape` (see
// File::WriteOptions); a dataset with no elements stays contiguous.
Handle dataset_creation_properties(const Where& where, const std::vector<int64_t>& shape,
                                   int64_t element_bytes, const File::WriteOptions& options);

}  // namespace moe::h5::detail
