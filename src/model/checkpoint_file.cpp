// Reading and writing the HDF5 checkpoint layout described in checkpoint_file.h.
#include "model/checkpoint_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <system_error>

#include "common/error.h"
#include "common/hdf5_file.h"
#include "common/number_format.h"

namespace moe::model {
namespace {

void write_tensor(h5::File& file, const std::string& dataset, const torch::Tensor& tensor) {
  const torch::Tensor values = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  std::vector<int64_t> shape(values.sizes().begin(), values.sizes().end());
  file.write<float>(dataset, shape, values.data_ptr<float>());
}

// Training state keeps its dtype (int64 counters must round-trip exactly).
void write_typed_tensor(h5::File& file, const std::string& dataset, const torch::Tensor& tensor) {
  const torch::Tensor values = tensor.detach().to(torch::kCPU).contiguous();
  const std::vector<int64_t> shape(values.sizes().begin(), values.sizes().end());
  switch (values.scalar_type()) {
    case torch::kFloat32:
      return file.write<float>(dataset, shape, values.data_ptr<float>());
    case torch::kFloat64:
      return file.write<double>(dataset, shape, values.data_ptr<double>());
    case torch::kInt64:
      return file.write<int64_t>(dataset, shape, values.data_ptr<int64_t>());
    default:
      throw Error(cat("checkpoint ", file.path(), ": /", dataset, " has unsupported dtype ",
                      values.scalar_type()));
  }
}

torch::Tensor read_typed_tensor(const h5::File& file, const std::string& dataset) {
  const std::vector<int64_t> shape = file.shape(dataset);
  const std::string type = file.type_name(dataset);
  auto from = [&](auto values, torch::ScalarType dtype) {
    return torch::from_blob(values.data(), shape, dtype).clone();
  };
  if (type == "float32") return from(file.read<float>(dataset), torch::kFloat32);
  if (type == "float64") return from(file.read<double>(dataset), torch::kFloat64);
  if (type == "int64") return from(file.read<int64_t>(dataset), torch::kInt64);
  throw Error(cat("checkpoint ", file.path(), ": /", dataset, " holds ", type,
                  " values; training state is float32, float64 or int64"));
}

torch::Tensor read_tensor(const h5::File& file, const std::string& dataset) {
  const std::vector<int64_t> shape = file.shape(dataset);
  std::vector<float> values = file.read<float>(dataset);
  return torch::from_blob(values.data(), shape, torch::kFloat32).clone();
}

// Exactly a decimal uint64 (as written by write_checkpoint): std::stoull would throw a bare
// std::invalid_argument, wrap "-1" around and ignore trailing garbage.
uint64_t parse_vocab_hash(const std::string& path, const std::string& text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  MOE_REQUIRE(!text.empty() && error == std::errc() && stop == end, "checkpoint ", path,
              ": attribute vocab_hash '", text, "' is not a decimal unsigned 64-bit number");
  return value;
}

}  // namespace

std::string bert_config_to_json(const BertConfig& c) {
  return nlohmann::json{{"vocab_size", c.vocab_size},
                        {"hidden_size", c.hidden_size},
                        {"num_hidden_layers", c.num_layers},
                        {"num_attention_heads", c.num_heads},
                        {"intermediate_size", c.intermediate_size},
                        {"max_position_embeddings", c.max_position_embeddings},
                        {"type_vocab_size", c.type_vocab_size},
                        {"layer_norm_eps", c.layer_norm_eps},
                        {"hidden_dropout_prob", c.hidden_dropout},
                        {"attention_probs_dropout_prob", c.attention_dropout},
                        {"hidden_act", c.hidden_act},
                        {"pad_token_id", c.pad_token_id},
                        {"initializer_range", c.initializer_range}}
      .dump();
}

BertConfig bert_config_from_json(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text);
  BertConfig c;
  c.vocab_size = j.at("vocab_size");
  c.hidden_size = j.at("hidden_size");
  c.num_layers = j.at("num_hidden_layers");
  c.num_heads = j.at("num_attention_heads");
  c.intermediate_size = j.at("intermediate_size");
  c.max_position_embeddings = j.at("max_position_embeddings");
  c.type_vocab_size = j.at("type_vocab_size");
  c.layer_norm_eps = j.at("layer_norm_eps");
  c.hidden_dropout = j.at("hidden_dropout_prob");
  c.attention_dropout = j.at("attention_probs_dropout_prob");
  c.hidden_act = j.at("hidden_act");
  c.pad_token_id = j.at("pad_token_id");
  c.initializer_range = j.at("initializer_range");
  return c;
}

std::string layout_to_json(const EncoderLayout& l) {
  return nlohmann::json{{"domains", l.domains},
                        {"expert_layers", l.expert_layers},
                        {"domain_tokens", l.domain_tokens},
                        {"router", l.router},
                        {"pooling", l.pooling},
                        {"projection_head", l.projection_head},
                        {"projection_size", l.projection_size},
                        {"normalize", l.normalize}}
      .dump();
}

EncoderLayout layout_from_json(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text);
  EncoderLayout l;
  l.domains = j.at("domains").get<std::vector<std::string>>();
  l.expert_layers = j.at("expert_layers").get<std::vector<int64_t>>();
  l.domain_tokens = j.at("domain_tokens");
  l.router = j.at("router");
  l.pooling = j.at("pooling");
  l.projection_head = j.at("projection_head");
  l.projection_size = j.at("projection_size");
  l.normalize = j.at("normalize");
  return l;
}

namespace {

void write_contents(const std::string& temporary, const CheckpointContents& contents,
                    const TensorWrittenCallback& on_tensor_written) {
  const int64_t total =
      static_cast<int64_t>(contents.shared.size() + contents.training_state.size()) +
      std::accumulate(contents.experts.begin(), contents.experts.end(), int64_t{0},
                      [](int64_t sum, const auto& domain) {
                        return sum + static_cast<int64_t>(domain.second.size());
                      });
  int64_t written = 0;
  const auto count_one = [&] {
    ++written;
    if (on_tensor_written) on_tensor_written(written, total);
  };
  h5::File file = h5::File::create(temporary);
  file.set_attribute("/", "format_version", kCheckpointFormatVersion);
  file.set_attribute("/", "step", contents.step);
  file.set_attribute("/", "bert_config", bert_config_to_json(contents.config));
  file.set_attribute("/", "layout", layout_to_json(contents.layout));
  file.set_attribute("/", "vocab_hash", std::to_string(contents.vocab_hash));
  file.set_attribute("/", "lowercase", int64_t{contents.lowercase});
  file.set_attribute("/", "max_length", contents.max_length);
  file.set_attribute("/", "config_yaml", contents.config_yaml);
  std::vector<uint8_t> vocab_bytes;
  for (const std::string& token : contents.vocab_tokens) {
    vocab_bytes.insert(vocab_bytes.end(), token.begin(), token.end());
    vocab_bytes.push_back('\n');
  }
  file.write<uint8_t>("tokenizer/vocab", vocab_bytes);
  for (const auto& [name, tensor] : contents.shared) {
    write_tensor(file, "shared/" + name, tensor);
    count_one();
  }
  for (const auto& [domain, tensors] : contents.experts)
    for (const auto& [name, tensor] : tensors) {
      write_tensor(file, "experts/" + domain + "/" + name, tensor);
      count_one();
    }
  for (const auto& [name, tensor] : contents.training_state) {
    write_typed_tensor(file, "train/" + name, tensor);
    count_one();
  }
  file.flush();
  file.close();
}

// Flushes a file's (or a folder's) data to the device. Before the rename, so that a node that
// loses power cannot come back with an empty file under the checkpoint's name; after it, on
// the folder, so that the rename itself is kept.
void sync_to_device(const std::string& path) {
  struct Descriptor {
    int fd;
    ~Descriptor() {
      if (fd >= 0) ::close(fd);
    }
  } file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  MOE_REQUIRE(file.fd >= 0, "cannot open ", path, " to sync it: ", std::strerror(errno));
  MOE_REQUIRE(::fsync(file.fd) == 0, "cannot sync ", path,
              " to its device: ", std::strerror(errno));
}

int64_t tensor_bytes(const CheckpointContents& contents) {
  int64_t bytes = 0;
  const auto add = [&](const auto& named) {
    for (const auto& item : named) bytes += item.second.numel() * item.second.element_size();
  };
  add(contents.shared);
  for (const auto& domain : contents.experts) add(domain.second);
  add(contents.training_state);
  return bytes;
}

std::string mebibytes(double bytes) { return fixed(bytes / (1024.0 * 1024.0), 1) + " MiB"; }

// A failed write, said so that the cause comes first: a full disk (the usual one) is named
// with the space free and the space needed, the library's own words follow.
std::string describe_failed_write(const std::string& path, const CheckpointContents& contents,
                                  const std::string& cause) {
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::error_code error;
  const std::filesystem::space_info space =
      std::filesystem::space(folder.empty() ? "." : folder, error);
  const bool disk_full = cause.find("No space left on device") != std::string::npos ||
                         cause.find("Disk quota exceeded") != std::string::npos;
  const std::string room =
      error ? std::string("")
            : cat(mebibytes(static_cast<double>(space.available)), " free there, about ",
                  mebibytes(static_cast<double>(tensor_bytes(contents))), " needed; ");
  return cat(
      "checkpoint ", path, " could not be written",
      disk_full ? ": no space left on its filesystem (" : " (", room,
      "the partial file was removed and any previous checkpoint is untouched). Cause: ", cause);
}

}  // namespace

void write_checkpoint(const std::string& path, const CheckpointContents& contents,
                      const TensorWrittenCallback& on_tensor_written) {
  // Written beside the target and renamed over it: a reader (or a resumed run) sees the old
  // file or the complete new one, never a part, whatever stops the writer.
  const std::string temporary = path + ".tmp";
  try {
    write_contents(temporary, contents, on_tensor_written);
    sync_to_device(temporary);
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw Error(describe_failed_write(path, contents, e.what()));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  MOE_REQUIRE(!error, "checkpoint ", path, ": cannot rename from ", temporary, ": ",
              error.message());
  const std::string folder = std::filesystem::path(path).parent_path().string();
  sync_to_device(folder.empty() ? "." : folder);
}

CheckpointContents read_checkpoint(const std::string& path) {
  const h5::File file = h5::File::open_read(path);
  CheckpointContents contents;
  const int64_t version = file.int_attribute("/", "format_version");
  MOE_REQUIRE(version == kCheckpointFormatVersion, "checkpoint ", path, ": format_version ",
              version, " is not supported (this build reads ", kCheckpointFormatVersion, ")");
  try {
    contents.config = bert_config_from_json(file.string_attribute("/", "bert_config"));
    contents.layout = layout_from_json(file.string_attribute("/", "layout"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(
        cat("checkpoint ", path, ": malformed bert_config or layout attribute: ", e.what()));
  }
  contents.step = file.int_attribute("/", "step");
  contents.vocab_hash = parse_vocab_hash(path, file.string_attribute("/", "vocab_hash"));
  contents.lowercase = file.int_attribute("/", "lowercase") != 0;
  contents.max_length = file.int_attribute("/", "max_length");
  contents.config_yaml = file.string_attribute("/", "config_yaml");
  const std::vector<uint8_t> vocab_bytes = file.read<uint8_t>("tokenizer/vocab");
  std::string token;
  for (uint8_t byte : vocab_bytes) {
    if (byte != '\n') {
      token.push_back(static_cast<char>(byte));
      continue;
    }
    contents.vocab_tokens.push_back(token);
    token.clear();
  }
  MOE_REQUIRE(token.empty(), "checkpoint ", path, ": /tokenizer/vocab does not end with a newline");
  for (const std::string& name : file.list_datasets("shared"))
    contents.shared[name] = read_tensor(file, "shared/" + name);
  if (contents.layout.mixture_of_experts()) {
    for (const std::string& domain : contents.layout.domains) {
      const std::string group = "experts/" + domain;
      MOE_REQUIRE(file.exists(group), "checkpoint ", path, ": expert group /", group,
                  " is missing");
      for (const std::string& name : file.list_datasets(group))
        contents.experts[domain][name] = read_tensor(file, group + "/" + name);
    }
  }
  if (file.exists("train"))
    for (const std::string& name : file.list_datasets("train"))
      contents.training_state[name] = read_typed_tensor(file, "train/" + name);
  return contents;
}

}  // namespace moe::model
