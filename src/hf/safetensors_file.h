// The safetensors file (Hugging Face's weight format): a reader that validates the whole header
// before handing out any tensor, and a writer that never leaves a half-written file.
//
// Layout (https://github.com/huggingface/safetensors): 8 bytes little-endian uint64 N, N bytes
// of UTF-8 JSON (padded at the end with spaces), then the data section. Each header entry except
// "__metadata__" is {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, offsets
// relative to the data section, which the tensors must tile exactly (no overlaps, no holes).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

namespace moe::hf {

// What write_safetensors can store.
enum class TensorDtype { float32, float16, bfloat16 };

// "F32", "F16", "BF16": the names the format uses.
const char* safetensors_dtype_name(TensorDtype dtype);
// "f32"/"float32"/"F32", "f16"/"float16"/"F16", "bf16"/"bfloat16"/"BF16"; moe::Error listing the
// choices otherwise.
TensorDtype parse_tensor_dtype(const std::string& name);

// One open safetensors file. The constructor reads and checks the header (every failure is a
// moe::Error that starts with the path); tensors are read from disk on demand. read() seeks a
// stream shared by the reader, so use one reader per thread.
class SafetensorsReader {
 public:
  explicit SafetensorsReader(std::string path);

  const std::string& path() const { return path_; }
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  std::vector<int64_t> shape(const std::string& name) const;
  std::string dtype(const std::string& name) const;  // as stored: "F32", "BF16", "I64", ...
  // The tensor as a contiguous float32 CPU tensor (F32, F16, BF16 and F64 are converted); any
  // other dtype is a moe::Error naming the file, tensor and dtype.
  torch::Tensor read(const std::string& name) const;
  // An I64 tensor (token ids, masks) as a contiguous int64 CPU tensor; any other dtype is a
  // moe::Error naming the file, tensor and dtype.
  torch::Tensor read_int64(const std::string& name) const;
  // The header's "__metadata__" (empty when it has none).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  struct TensorEntry {
    std::string dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // data_offsets, relative to the data section
    uint64_t end = 0;
  };

  void parse_header(const std::string& text);
  TensorEntry parse_entry(const std::string& name, const nlohmann::json& value) const;
  void parse_metadata(const nlohmann::json& value);
  void check_layout() const;
  const TensorEntry& entry(const std::string& name) const;
  void read_bytes(uint64_t offset, uint64_t count, void* into, const std::string& what) const;

  std::string path_;
  mutable std::ifstream file_;  // reading moves its position, which is not observable state
  uint64_t data_start_ = 0;     // 8 + N
  uint64_t data_size_ = 0;      // bytes from data_start_ to the end of the file
  std::map<std::string, TensorEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

// Writes `tensors` (any floating dtype, any device; converted to `dtype` by rounding to nearest
// even, contiguous, little-endian) back to back in the given order, under path + ".tmp", then
// renames that to `path`, so a failure never leaves a half-written file under the final name.
// `metadata` becomes "__metadata__" (omitted when empty; Hugging Face writes {"format": "pt"}).
// Errors name the path (and the tensor where there is one).
void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       TensorDtype dtype, const std::map<std::string, std::string>& metadata);

}  // namespace moe::hf
