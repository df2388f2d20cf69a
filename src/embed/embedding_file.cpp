// Writing and reading the embedding file (see embedding_file.h).
#include "embed/embedding_file.h"

#include <cstdio>
#include <filesystem>

#include "common/error.h"

namespace moe::embed {

EmbeddingFileWriter::EmbeddingFileWriter(std::string path, const EmbeddingFileInfo& info)
    : path_(std::move(path)), partial_path_(path_ + ".partial"), info_(info) {
  MOE_REQUIRE(info.dtype == "float32" || info.dtype == "float16", "embedding dtype ", info.dtype,
              " is not float32 or float16");
  file_.emplace(h5::File::create(partial_path_));
  h5::File& file = *file_;
  file.create_dataset(
      "embeddings",
      info.dtype == "float16" ? h5::File::Element::float16 : h5::File::Element::float32,
      {info.count, info.dimension});
  file.create_dataset("ids", h5::File::Element::string, {info.count});
  if (!info.domain_names.empty()) {
    file.create_dataset("domain_names", h5::File::Element::string,
                        {static_cast<int64_t>(info.domain_names.size())});
    file.write_string_rows("domain_names", 0, info.domain_names);
    domains_.reserve(static_cast<size_t>(info.count));
  }
  file.set_attribute("/", "format", kEmbeddingFormat);
  file.set_attribute("/", "format_version", kEmbeddingFormatVersion);
  file.set_attribute("/", "count", info.count);
  file.set_attribute("/", "dimension", info.dimension);
  file.set_attribute("/", "dtype", info.dtype);
  file.set_attribute("/", "normalized", int64_t{info.normalized ? 1 : 0});
  file.set_attribute("/", "routing", info.routing);
  file.set_attribute("/", "max_length", info.max_length);
  file.set_attribute("/", "checkpoint", info.checkpoint);
  file.set_attribute("/", "checkpoint_step", info.checkpoint_step);
  file.set_attribute("/", "vocab_hash", std::to_string(info.vocab_hash));
  if (!info.model_fingerprint.empty()) {
    file.set_attribute("/", "model_fingerprint", info.model_fingerprint);
  }
  file.set_attribute("/", "pooling", info.pooling);
  file.set_attribute("/", "input", info.input);
  file.set_attribute("/", "input_format", info.input_format);
}

EmbeddingFileWriter::~EmbeddingFileWriter() {
  if (committed_) return;
  file_.reset();
  std::error_code ignored;
  std::filesystem::remove(partial_path_, ignored);
}

void EmbeddingFileWriter::write(int64_t first_row, const torch::Tensor& embeddings,
                                const torch::Tensor& domains, const std::vector<std::string>& ids) {
  const auto rows = static_cast<int64_t>(ids.size());
  MOE_REQUIRE(first_row == rows_written_, path_, ": rows must arrive in order (expected row ",
              rows_written_, ", got ", first_row, ")");
  MOE_REQUIRE(
      embeddings.dim() == 2 && embeddings.size(0) == rows && embeddings.size(1) == info_.dimension,
      path_, ": expected ", rows, " x ", info_.dimension, " embeddings");
  const torch::Tensor values = embeddings.to(torch::kCPU).contiguous();
  if (info_.dtype == "float16") {
    // Round to nearest even as NumPy does, then store the bit patterns unchanged.
    const torch::Tensor half = values.to(torch::kFloat16).contiguous();
    file_->write_rows("embeddings", first_row, rows,
                      reinterpret_cast<const uint16_t*>(half.data_ptr<at::Half>()));
  } else {
    file_->write_rows("embeddings", first_row, rows, values.to(torch::kFloat32).data_ptr<float>());
  }
  file_->write_string_rows("ids", first_row, ids);
  if (!info_.domain_names.empty()) {
    const torch::Tensor d = domains.to(torch::kCPU, torch::kInt64).contiguous();
    MOE_REQUIRE(d.numel() == rows, path_, ": expected ", rows, " domain ids");
    const int64_t* p = d.data_ptr<int64_t>();
    domains_.insert(domains_.end(), p, p + rows);
  }
  rows_written_ += rows;
}

void EmbeddingFileWriter::commit() {
  MOE_REQUIRE(rows_written_ == info_.count, path_, ": only ", rows_written_, " of ", info_.count,
              " rows were written");
  if (!info_.domain_names.empty()) file_->write<int32_t>("domain", domains_);
  file_->close();
  file_.reset();
  std::error_code error;
  std::filesystem::rename(partial_path_, path_, error);
  MOE_REQUIRE(!error, "cannot rename ", partial_path_, " to ", path_, ": ", error.message());
  committed_ = true;
}

EmbeddingFileReader::EmbeddingFileReader(const std::string& path)
    : file_(h5::File::open_read(path)) {
  const h5::File& file = file_;
  MOE_REQUIRE(
      file.has_attribute("/", "format") && file.string_attribute("/", "format") == kEmbeddingFormat,
      path, " is not a moe-embed embedding file (no format attribute \"", kEmbeddingFormat, "\")");
  const int64_t version = file.int_attribute("/", "format_version");
  MOE_REQUIRE(version == kEmbeddingFormatVersion, path, " has embedding format version ", version,
              "; this build reads version ", kEmbeddingFormatVersion);
  EmbeddingFileInfo& info = info_;
  info.count = file.int_attribute("/", "count");
  info.dimension = file.int_attribute("/", "dimension");
  info.dtype = file.string_attribute("/", "dtype");
  info.normalized = file.int_attribute("/", "normalized") != 0;
  info.routing = file.string_attribute("/", "routing");
  info.max_length = file.int_attribute("/", "max_length");
  info.checkpoint = file.string_attribute("/", "checkpoint");
  info.checkpoint_step = file.int_attribute("/", "checkpoint_step");
  info.vocab_hash = std::stoull(file.string_attribute("/", "vocab_hash"));
  if (file.has_attribute("/", "model_fingerprint")) {
    info.model_fingerprint = file.string_attribute("/", "model_fingerprint");
  }
  info.pooling = file.string_attribute("/", "pooling");
  info.input = file.string_attribute("/", "input");
  info.input_format = file.string_attribute("/", "input_format");
  MOE_REQUIRE(file.shape("embeddings") == (std::vector<int64_t>{info.count, info.dimension}), path,
              ": /embeddings is not ", info.count, " x ", info.dimension,
              " as the count and dimension attributes say");
  MOE_REQUIRE(file.exists("ids"), path, ": /ids is missing (every embedding needs its id)");
  ids_ = file.read_strings("ids");
  MOE_REQUIRE(static_cast<int64_t>(ids_.size()) == info.count, path, ": /ids holds ", ids_.size(),
              " ids for ", info.count, " embeddings");
  if (file.exists("domain_names")) {
    info.domain_names = file.read_strings("domain_names");
    domains_ = file.read<int32_t>("domain");
    MOE_REQUIRE(static_cast<int64_t>(domains_.size()) == info.count, path, ": /domain holds ",
                domains_.size(), " entries for ", info.count, " embeddings");
    const auto names = static_cast<int32_t>(info.domain_names.size());
    for (size_t row = 0; row < domains_.size(); ++row) {
      MOE_REQUIRE(domains_[row] >= 0 && domains_[row] < names, path, ": /domain[", row, "] is ",
                  domains_[row], ", not an index into the ", names, " domain names");
    }
  }
}

torch::Tensor EmbeddingFileReader::rows(int64_t first_row, int64_t rows) const {
  std::vector<float> values = file_.read_rows_as_float("embeddings", first_row, rows);
  return torch::from_blob(values.data(), {rows, info_.dimension}, torch::kFloat32).clone();
}

EmbeddingFile read_embedding_file(const std::string& path) {
  EmbeddingFileReader reader(path);
  EmbeddingFile result;
  result.info = reader.info();
  result.embeddings = reader.rows(0, result.info.count);
  result.ids = reader.ids();
  result.domains = reader.domains();
  return result;
}

}  // namespace moe::embed
