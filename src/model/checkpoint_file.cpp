// Reading and writing the HDF5 checkpoint layout described in checkpoint_file.h.
#include "model/checkpoint_file.h"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "common/error.h"
#include "common/hdf5_file.h"

namespace moe::model {
namespace {

nlohmann::json config_to_json(const BertConfig& c) {
  return {{"vocab_size", c.vocab_size},
          {"hidden_size", c.hidden_size},
          {"num_hidden_layers", c.num_layers},
          {"num_attention_heads", c.num_heads},
          {"intermediate_size", c.intermediate_size},
          {"max_position_embeddings", c.max_position_embeddings},
          {"type_vocab_size", c.type_vocab_size},
          {"layer_norm_eps", c.layer_norm_eps},
          {"hidden_dropout_prob", c.hidden_dropout},
          {"attention_probs_dropout_prob", c.attention_dropout}};
}

BertConfig config_from_json(const nlohmann::json& j) {
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
  return c;
}

void write_tensor(h5::File& file, const std::string& dataset, const torch::Tensor& tensor) {
  const torch::Tensor values = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  std::vector<int64_t> shape(values.sizes().begin(), values.sizes().end());
  file.write<float>(dataset, shape, values.data_ptr<float>());
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

void write_checkpoint(const std::string& path, const CheckpointContents& contents) {
  const std::string temporary = path + ".tmp";
  {
    h5::File file = h5::File::create(temporary);
    file.set_attribute("/", "format_version", kCheckpointFormatVersion);
    file.set_attribute("/", "step", contents.step);
    file.set_attribute("/", "mixture_of_experts", int64_t{contents.mixture_of_experts});
    file.set_attribute("/", "domains", nlohmann::json(contents.domains).dump());
    file.set_attribute("/", "bert_config", config_to_json(contents.config).dump());
    file.set_attribute("/", "vocab_hash", std::to_string(contents.vocab_hash));
    file.set_attribute("/", "config_yaml", contents.config_yaml);
    for (const auto& [name, tensor] : contents.shared) write_tensor(file, "shared/" + name, tensor);
    for (const auto& [domain, tensors] : contents.experts)
      for (const auto& [name, tensor] : tensors)
        write_tensor(file, "experts/" + domain + "/" + name, tensor);
    file.flush();
    file.close();
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  MOE_REQUIRE(!error, "checkpoint ", path, ": cannot rename from ", temporary, ": ",
              error.message());
}

CheckpointContents read_checkpoint(const std::string& path) {
  const h5::File file = h5::File::open_read(path);
  CheckpointContents contents;
  const int64_t version = file.int_attribute("/", "format_version");
  MOE_REQUIRE(version == kCheckpointFormatVersion, "checkpoint ", path, ": format_version ",
              version, " is not supported (this build reads ", kCheckpointFormatVersion, ")");
  try {
    contents.config =
        config_from_json(nlohmann::json::parse(file.string_attribute("/", "bert_config")));
    contents.domains = nlohmann::json::parse(file.string_attribute("/", "domains"))
                           .get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(
        cat("checkpoint ", path, ": malformed bert_config or domains attribute: ", e.what()));
  }
  contents.step = file.int_attribute("/", "step");
  contents.mixture_of_experts = file.int_attribute("/", "mixture_of_experts") != 0;
  contents.vocab_hash = parse_vocab_hash(path, file.string_attribute("/", "vocab_hash"));
  contents.config_yaml = file.string_attribute("/", "config_yaml");
  for (const std::string& name : file.list_datasets("shared"))
    contents.shared[name] = read_tensor(file, "shared/" + name);
  if (contents.mixture_of_experts) {
    for (const std::string& domain : contents.domains) {
      const std::string group = "experts/" + domain;
      MOE_REQUIRE(file.exists(group), "checkpoint ", path, ": expert group /", group,
                  " is missing");
      for (const std::string& name : file.list_datasets(group))
        contents.experts[domain][name] = read_tensor(file, group + "/" + name);
    }
  }
  return contents;
}

}  // namespace moe::model
