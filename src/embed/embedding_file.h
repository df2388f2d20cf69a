// The embedding file moe_embed writes (HDF5, readable by h5py and vector databases'
// loaders; docs/FORMATS.md has the full description):
//   /embeddings    [N, D] float32 or float16 (IEEE half), row i = text i of the input
//   /ids           [N] variable-length UTF-8 strings, the input's ids (or 0-based positions)
//   /domain        [N] int32 index into /domain_names: the path each text ran as
//                  (given or chosen by the router); only for models with per-domain paths
//   /domain_names  [K] strings, the checkpoint's domains in order (same condition)
//   root attributes: format ("moe-embed embeddings"), format_version, count, dimension,
//   dtype, normalized (0/1), routing (given|field|router|none), max_length, checkpoint,
//   checkpoint_step, vocab_hash (decimal string), model_fingerprint (model_fingerprint.h; absent
//   in files written before it existed), pooling, input, input_format.
// Written under "<path>.partial" and renamed onto <path> only when every row is in, so the
// final name never holds a half-written file.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/hdf5_file.h"

namespace moe::embed {

inline constexpr const char* kEmbeddingFormat = "moe-embed embeddings";
inline constexpr int64_t kEmbeddingFormatVersion = 1;

struct EmbeddingFileInfo {
  int64_t count = 0;
  int64_t dimension = 0;
  std::string dtype = "float32";  // float32 | float16
  bool normalized = false;
  std::string routing = "none";           // given | field | router | none
  std::vector<std::string> domain_names;  // empty: no /domain datasets
  int64_t max_length = 0;
  std::string checkpoint;
  int64_t checkpoint_step = 0;
  uint64_t vocab_hash = 0;
  std::string model_fingerprint;  // "" when the file predates it
  std::string pooling;
  std::string input;
  std::string input_format;
};

class EmbeddingFileWriter {
 public:
  // Creates <path>.partial with every dataset sized for info.count rows.
  EmbeddingFileWriter(std::string path, const EmbeddingFileInfo& info);
  // Removes <path>.partial unless commit() ran.
  ~EmbeddingFileWriter();
  EmbeddingFileWriter(const EmbeddingFileWriter&) = delete;
  EmbeddingFileWriter& operator=(const EmbeddingFileWriter&) = delete;

  // Rows [first_row, first_row + ids.size()): embeddings [rows, dimension] float32 (converted
  // to float16 here when the file stores that), domains [rows] int64 (ignored without
  // domain names).
  void write(int64_t first_row, const torch::Tensor& embeddings, const torch::Tensor& domains,
             const std::vector<std::string>& ids);
  // Checks that every row was written, closes and renames onto the final path.
  void commit();

 private:
  std::string path_;
  std::string partial_path_;
  EmbeddingFileInfo info_;
  std::optional<h5::File> file_;
  std::vector<int32_t> domains_;  // written at commit (4 bytes a row)
  int64_t rows_written_ = 0;
  bool committed_ = false;
};

// An embedding file opened for reading in row ranges (an index is built from files larger
// than memory). The constructor checks the format and every dataset's shape, and reads the
// ids and domains (small next to the vectors); errors name the file.
class EmbeddingFileReader {
 public:
  explicit EmbeddingFileReader(const std::string& path);

  const EmbeddingFileInfo& info() const { return info_; }
  const std::vector<std::string>& ids() const { return ids_; }
  const std::vector<int32_t>& domains() const { return domains_; }  // empty: no domain names
  const std::string& path() const { return file_.path(); }
  // Rows [first_row, first_row + rows) as a [rows, dimension] float32 tensor.
  torch::Tensor rows(int64_t first_row, int64_t rows) const;

 private:
  h5::File file_;
  EmbeddingFileInfo info_;
  std::vector<std::string> ids_;
  std::vector<int32_t> domains_;
};

// A whole embedding file in memory (tests, small corpora, the index builder).
struct EmbeddingFile {
  EmbeddingFileInfo info;
  torch::Tensor embeddings;      // [count, dimension] float32
  std::vector<std::string> ids;  // count
  std::vector<int32_t> domains;  // count, or empty without domain names
};

// Errors name the file: not an embedding file, another format version, shapes that disagree.
EmbeddingFile read_embedding_file(const std::string& path);

}  // namespace moe::embed
