// Reading (with full header validation) and atomic writing of safetensors files; see
// safetensors_file.h for the layout.
#include "hf/safetensors_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <system_error>
#include <tuple>

#include "common/error.h"

// Tensor bytes are copied between the file and memory as they are; the format is little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors_file.cpp copies little-endian tensor data as is: it needs a "
              "little-endian host");

namespace moe::hf {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The reference implementation refuses larger headers too; a bigger N means a corrupt file.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr uint64_t kMaxCount = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// Bytes per element of every dtype the format defines; any other name is an unknown dtype.
const std::map<std::string, uint64_t>& item_sizes() {
  static const std::map<std::string, uint64_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
      {"U32", 4},  {"F32", 4}, {"I64", 8}, {"U64", 8},     {"F64", 8}};
  return sizes;
}

std::string known_dtypes() {
  std::string names;
  for (const auto& [name, size] : item_sizes()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

// The torch type read() decodes a stored dtype with, if it is one it converts to float32.
std::optional<torch::ScalarType> float_type(const std::string& dtype) {
  if (dtype == "F32") return torch::kFloat32;
  if (dtype == "F16") return torch::kFloat16;
  if (dtype == "BF16") return torch::kBFloat16;
  if (dtype == "F64") return torch::kFloat64;
  return std::nullopt;
}

torch::ScalarType torch_type(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::float32:
      return torch::kFloat32;
    case TensorDtype::float16:
      return torch::kFloat16;
    case TensorDtype::bfloat16:
      return torch::kBFloat16;
  }
  throw Error("unknown TensorDtype");
}

// Shapes and offsets: JSON integers >= 0 that fit int64 (torch's sizes); anything else is not.
std::optional<uint64_t> as_count(const json& value) {
  // nlohmann stores every non-negative integer literal as unsigned; negatives and floats are not.
  if (!value.is_number_unsigned()) return std::nullopt;
  const uint64_t count = value.get<uint64_t>();
  if (count > kMaxCount) return std::nullopt;
  return count;
}

// a * b, or nullopt when it exceeds int64 (a shape no file can hold).
std::optional<uint64_t> checked_multiply(uint64_t a, uint64_t b) {
  if (b != 0 && a > kMaxCount / b) return std::nullopt;
  return a * b;
}

uint64_t decode_le64(const unsigned char* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

std::string encode_le64(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  return bytes;
}

// The "<path>.tmp" file write_safetensors fills. Removed on destruction unless commit() renamed
// it to the final name, so an exception anywhere in between leaves no partial file.
class PendingFile {
 public:
  explicit PendingFile(std::string path) : path_(std::move(path)), temporary_(path_ + ".tmp") {
    out_.open(temporary_, std::ios::binary | std::ios::trunc);
    MOE_REQUIRE(out_.is_open(), path_, ": cannot create ", temporary_, " (", std::strerror(errno),
                ")");
  }
  ~PendingFile() {
    if (committed_) return;
    out_.close();
    std::error_code ignored;  // already failing: the first error is the one to report
    fs::remove(temporary_, ignored);
  }
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  void write(const void* bytes, uint64_t count) {
    out_.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(count));
    MOE_REQUIRE(out_.good(), path_, ": cannot write ", temporary_, " (", std::strerror(errno), ")");
  }

  void commit() {
    out_.close();  // flushes; a failed flush (disk full) sets failbit
    MOE_REQUIRE(!out_.fail(), path_, ": cannot finish writing ", temporary_, " (",
                std::strerror(errno), ")");
    std::error_code error;
    fs::rename(temporary_, path_, error);
    MOE_REQUIRE(!error, path_, ": cannot rename ", temporary_, " to it: ", error.message());
    committed_ = true;
  }

 private:
  std::string path_;
  std::string temporary_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace

const char* safetensors_dtype_name(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::float32:
      return "F32";
    case TensorDtype::float16:
      return "F16";
    case TensorDtype::bfloat16:
      return "BF16";
  }
  throw Error("unknown TensorDtype");
}

TensorDtype parse_tensor_dtype(const std::string& name) {
  if (name == "f32" || name == "float32" || name == "F32") return TensorDtype::float32;
  if (name == "f16" || name == "float16" || name == "F16") return TensorDtype::float16;
  if (name == "bf16" || name == "bfloat16" || name == "BF16") return TensorDtype::bfloat16;
  throw Error(cat("unknown tensor dtype '", name,
                  "' (choose f32/float32/F32, f16/float16/F16 or bf16/bfloat16/BF16)"));
}

SafetensorsReader::SafetensorsReader(std::string path) : path_(std::move(path)) {
  std::error_code ignored;
  MOE_REQUIRE(!fs::is_directory(path_, ignored), path_, ": is a directory, not a safetensors file");
  file_.open(path_, std::ios::binary);
  MOE_REQUIRE(file_.is_open(), path_, ": cannot open for reading (", std::strerror(errno), ")");
  file_.seekg(0, std::ios::end);
  const std::streamoff end = file_.tellg();
  MOE_REQUIRE(end >= 0, path_, ": cannot determine the file size");
  const uint64_t file_size = static_cast<uint64_t>(end);
  MOE_REQUIRE(file_size >= 8, path_, ": too short for a safetensors file: ", file_size,
              " bytes, less than the 8-byte header length");

  unsigned char length[8];
  read_bytes(0, 8, length, "the header length");
  const uint64_t header_size = decode_le64(length);
  MOE_REQUIRE(header_size <= kMaxHeaderBytes, path_, ": header length ", header_size,
              " is absurd (over ", kMaxHeaderBytes, " bytes); not a safetensors file or corrupt");
  MOE_REQUIRE(header_size <= file_size - 8, path_, ": header length ", header_size,
              " is beyond the end of the file (only ", file_size - 8,
              " bytes follow the length field); truncated or not a safetensors file");
  data_start_ = 8 + header_size;
  data_size_ = file_size - data_start_;

  std::string header(header_size, ' ');
  read_bytes(8, header_size, header.data(), "the header");
  parse_header(header);
}

void SafetensorsReader::parse_header(const std::string& text) {
  // nlohmann stops at a NUL byte as if the input ended there, which would hide what follows.
  const size_t nul = text.find('\0');
  MOE_REQUIRE(nul == std::string::npos, path_, ": header is not valid JSON: NUL byte at offset ",
              nul, " (the format pads the header with spaces)");
  json header;
  try {
    header = json::parse(text);  // trailing space padding is whitespace to the parser
  } catch (const json::exception& error) {
    throw Error(cat(path_, ": header is not valid JSON: ", error.what()));
  }
  MOE_REQUIRE(header.is_object(), path_, ": header must be a JSON object, got ",
              header.type_name());
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__")
      parse_metadata(value);
    else
      entries_.emplace(name, parse_entry(name, value));
  }
  check_layout();
}

SafetensorsReader::TensorEntry SafetensorsReader::parse_entry(const std::string& name,
                                                              const json& value) const {
  const std::string where = cat(path_, ": tensor '", name, "'");
  MOE_REQUIRE(value.is_object(), where, ": header entry is not an object but ", value.dump());
  for (const char* key : {"dtype", "shape", "data_offsets"})
    MOE_REQUIRE(value.contains(key), where, ": header entry lacks \"", key, "\"");

  TensorEntry entry;
  const json& dtype = value.at("dtype");
  MOE_REQUIRE(dtype.is_string(), where, ": dtype must be a string, got ", dtype.dump());
  entry.dtype = dtype.get<std::string>();
  const auto item_size = item_sizes().find(entry.dtype);
  MOE_REQUIRE(item_size != item_sizes().end(), where, ": unknown dtype '", entry.dtype,
              "' (known: ", known_dtypes(), ")");

  const json& shape = value.at("shape");
  MOE_REQUIRE(shape.is_array(), where, ": shape must be a list of non-negative integers, got ",
              shape.dump());
  std::optional<uint64_t> bytes = item_size->second;
  for (const json& dim : shape) {
    const std::optional<uint64_t> size = as_count(dim);
    MOE_REQUIRE(size, where, ": shape must be a list of non-negative integers, got ", shape.dump());
    entry.shape.push_back(static_cast<int64_t>(*size));
    if (bytes) bytes = checked_multiply(*bytes, *size);
  }
  MOE_REQUIRE(bytes, where, ": shape ", shape.dump(), " is too large");

  const json& offsets = value.at("data_offsets");
  const bool two = offsets.is_array() && offsets.size() == 2;
  const std::optional<uint64_t> begin = two ? as_count(offsets[0]) : std::nullopt;
  const std::optional<uint64_t> end = two ? as_count(offsets[1]) : std::nullopt;
  MOE_REQUIRE(begin && end, where,
              ": data_offsets must be two non-negative integers [begin, end], got ",
              offsets.dump());
  MOE_REQUIRE(*begin <= *end, where, ": data_offsets ", offsets.dump(), " begin after they end");
  entry.begin = *begin;
  entry.end = *end;
  MOE_REQUIRE(entry.end - entry.begin == *bytes, where, ": data_offsets ", offsets.dump(), " span ",
              entry.end - entry.begin, " bytes but shape ", shape.dump(), " of ", entry.dtype,
              " needs ", *bytes, " bytes");
  return entry;
}

void SafetensorsReader::parse_metadata(const json& value) {
  MOE_REQUIRE(value.is_object(), path_, ": \"__metadata__\" must be an object of strings, got ",
              value.dump());
  for (const auto& [key, text] : value.items()) {
    MOE_REQUIRE(text.is_string(), path_, ": \"__metadata__\" entry '", key,
                "' must be a string, got ", text.dump());
    metadata_[key] = text.get<std::string>();
  }
}

// The tensors must tile the data section exactly, as the format requires: truncation, overlaps
// and unused bytes all mean a corrupt or foreign file.
void SafetensorsReader::check_layout() const {
  std::vector<const std::pair<const std::string, TensorEntry>*> order;
  for (const auto& item : entries_) order.push_back(&item);
  // Ties by end: an empty tensor sorts before a non-empty one starting where it does.
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return std::tie(a->second.begin, a->second.end) < std::tie(b->second.begin, b->second.end);
  });
  uint64_t covered = 0;  // the data section is tiled up to here
  const std::string* previous = nullptr;
  for (const auto* item : order) {
    const std::string& name = item->first;
    const TensorEntry& entry = item->second;
    MOE_REQUIRE(entry.end <= data_size_, path_, ": truncated: tensor '", name,
                "' needs bytes up to ", entry.end, " but the data section has only ", data_size_);
    MOE_REQUIRE(entry.begin >= covered, path_, ": tensors '", *previous, "' and '", name,
                "' overlap in the data section (bytes ", entry.begin, " to ", covered, ")");
    MOE_REQUIRE(entry.begin == covered, path_, ": hole in the data section: bytes ", covered,
                " to ", entry.begin, " before tensor '", name,
                "' belong to no tensor (the safetensors format forbids holes)");
    covered = entry.end;
    previous = &name;
  }
  MOE_REQUIRE(covered == data_size_, path_, ": the last ", data_size_ - covered,
              " bytes of the data section belong to no tensor (the safetensors format forbids "
              "unused bytes)");
}

std::vector<std::string> SafetensorsReader::names() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

std::vector<int64_t> SafetensorsReader::shape(const std::string& name) const {
  return entry(name).shape;
}

std::string SafetensorsReader::dtype(const std::string& name) const { return entry(name).dtype; }

torch::Tensor SafetensorsReader::read(const std::string& name) const {
  const TensorEntry& stored = entry(name);
  const std::optional<torch::ScalarType> type = float_type(stored.dtype);
  MOE_REQUIRE(type, path_, ": tensor '", name, "' has dtype ", stored.dtype,
              ", which cannot be read as float32 (readable: F32, F16, BF16, F64)");
  torch::Tensor raw = torch::empty(stored.shape, torch::TensorOptions().dtype(*type));
  read_bytes(data_start_ + stored.begin, stored.end - stored.begin, raw.data_ptr(),
             cat("tensor '", name, "'"));
  return raw.to(torch::kFloat32);  // raw itself when F32: fresh and contiguous either way
}

torch::Tensor SafetensorsReader::read_int64(const std::string& name) const {
  const TensorEntry& stored = entry(name);
  MOE_REQUIRE(stored.dtype == "I64", path_, ": tensor '", name, "' has dtype ", stored.dtype,
              ", not I64");
  torch::Tensor values = torch::empty(stored.shape, torch::kInt64);
  read_bytes(data_start_ + stored.begin, stored.end - stored.begin, values.data_ptr(),
             cat("tensor '", name, "'"));
  return values;
}

const SafetensorsReader::TensorEntry& SafetensorsReader::entry(const std::string& name) const {
  const auto found = entries_.find(name);
  MOE_REQUIRE(found != entries_.end(), path_, ": no tensor named '", name, "'");
  return found->second;
}

void SafetensorsReader::read_bytes(uint64_t offset, uint64_t count, void* into,
                                   const std::string& what) const {
  if (count == 0) return;
  file_.clear();  // an earlier failed read must not poison this one
  file_.seekg(static_cast<std::streamoff>(offset));
  file_.read(static_cast<char*>(into), static_cast<std::streamsize>(count));
  MOE_REQUIRE(file_ && static_cast<uint64_t>(file_.gcount()) == count, path_, ": cannot read ",
              what, " (", count, " bytes at offset ", offset,
              "); the file was changed or cannot be read");
}

void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       TensorDtype dtype, const std::map<std::string, std::string>& metadata) {
  const torch::ScalarType type = torch_type(dtype);
  const uint64_t item_size = c10::elementSize(type);

  // The whole header first, so nothing is created when a tensor is unfit.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();  // keeps the given order
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    MOE_REQUIRE(name != "__metadata__", path, ": a tensor cannot be named \"__metadata__\"");
    MOE_REQUIRE(seen.insert(name).second, path, ": tensor '", name, "' is given twice");
    MOE_REQUIRE(tensor.defined(), path, ": tensor '", name, "' is undefined");
    MOE_REQUIRE(tensor.is_floating_point(), path, ": tensor '", name, "' has dtype ",
                tensor.scalar_type(), "; only floating-point tensors can be written");
    const uint64_t bytes = static_cast<uint64_t>(tensor.numel()) * item_size;
    header[name] = {{"dtype", safetensors_dtype_name(dtype)},
                    {"shape", tensor.sizes().vec()},
                    {"data_offsets", nlohmann::ordered_json::array({offset, offset + bytes})}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& error) {  // a name or value that is not UTF-8
    throw Error(cat(path, ": cannot encode the header: ", error.what()));
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // the data then starts at a multiple of 8

  PendingFile file(path);
  const std::string length = encode_le64(text.size());
  file.write(length.data(), length.size());
  file.write(text.data(), text.size());
  for (const auto& [name, tensor] : tensors) {
    // One tensor converted at a time: the copies never add up to a second model in memory.
    const torch::Tensor values = tensor.detach().to(torch::kCPU, type).contiguous();
    file.write(values.data_ptr(), values.nbytes());
  }
  file.commit();
}

}  // namespace moe::hf
