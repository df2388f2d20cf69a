// Implementation of read_pretrained_bert (see pretrained_bert.h).
#include "hf/pretrained_bert.h"

#include <torch/serialize.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/error.h"
#include "hf/hf_config.h"
#include "hf/json_file.h"
#include "hf/safetensors_file.h"

namespace moe::hf {
namespace {

namespace fs = std::filesystem;

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Raw name -> tensor, from model.safetensors or (older uploads) pytorch_model.bin.
model::NamedTensors read_weight_file(const std::string& dir, std::string& path) {
  model::NamedTensors raw;
  const fs::path safetensors = fs::path(dir) / "model.safetensors";
  const fs::path pickle = fs::path(dir) / "pytorch_model.bin";
  if (fs::exists(safetensors)) {
    path = safetensors.string();
    const SafetensorsReader reader(path);
    for (const std::string& name : reader.names()) raw[name] = reader.read(name);
    return raw;
  }
  MOE_REQUIRE(fs::exists(pickle), dir, ": no model.safetensors or pytorch_model.bin");
  path = pickle.string();
  std::ifstream in(path, std::ios::binary);
  MOE_REQUIRE(in.good(), path, ": cannot open");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  torch::IValue state;
  try {
    state = torch::pickle_load(bytes);
  } catch (const c10::Error& e) {
    throw Error(cat(path,
                    ": not a state dict that LibTorch can read (torch.save's zip format); "
                    "convert it to model.safetensors: ",
                    e.what_without_backtrace()));
  }
  MOE_REQUIRE(state.isGenericDict(), path, ": holds no name -> tensor dictionary");
  for (const auto& item : state.toGenericDict()) {
    MOE_REQUIRE(item.key().isString() && item.value().isTensor(), path,
                ": an entry is not a name -> tensor pair");
    raw[item.key().toStringRef()] = item.value().toTensor().to(torch::kFloat32).contiguous();
  }
  return raw;
}

// Hugging Face names as BertModel has them: BertFor* heads prefix the encoder with "bert.",
// and checkpoints converted from TensorFlow (BERT, BioBERT) call LayerNorm parameters
// gamma/beta.
std::string bert_model_name(std::string name) {
  if (starts_with(name, "bert.")) name = name.substr(5);
  if (ends_with(name, "LayerNorm.gamma")) name = name.substr(0, name.size() - 5) + "weight";
  if (ends_with(name, "LayerNorm.beta")) name = name.substr(0, name.size() - 4) + "bias";
  return name;
}

// Tensors of pre-training or task heads and buffers: not part of the encoder.
bool is_ignored(const std::string& name) {
  return starts_with(name, "cls.") || starts_with(name, "classifier.") ||
         starts_with(name, "qa_outputs.") || name == "embeddings.position_ids" ||
         ends_with(name, ".position_ids");
}

// The projection head of a sentence-transformers folder (modules.json lists LayerNorm, then a
// Tanh Dense, then an Identity Dense), or nothing.
model::NamedTensors read_projection_head(const fs::path& dir) {
  const fs::path modules_path = dir / "modules.json";
  if (!fs::exists(modules_path)) return {};
  const nlohmann::json modules = read_json(modules_path.string());
  MOE_REQUIRE(modules.is_array(), modules_path.string(), ": must be a list of modules");
  std::vector<std::pair<std::string, std::string>> chain;  // (type suffix, folder)
  for (const auto& module : modules) {
    MOE_REQUIRE(module.is_object() && module.value("type", nlohmann::json()).is_string() &&
                    module.value("path", nlohmann::json()).is_string(),
                modules_path.string(), ": each module needs a string \"type\" and \"path\"");
    const std::string type = module["type"];
    chain.emplace_back(type.substr(type.rfind('.') + 1), module["path"]);
  }
  for (size_t i = 0; i + 2 < chain.size(); ++i) {
    if (chain[i].first != "LayerNorm" || chain[i + 1].first != "Dense" ||
        chain[i + 2].first != "Dense")
      continue;
    const auto activation = [&](size_t k) {
      const nlohmann::json config =
          read_json_object((dir / chain[k].second / "config.json").string());
      return config.value("activation_function", std::string("torch.nn.modules.activation.Tanh"));
    };
    if (activation(i + 1) != "torch.nn.modules.activation.Tanh" ||
        activation(i + 2) != "torch.nn.modules.linear.Identity")
      continue;
    const SafetensorsReader norm((dir / chain[i].second / "model.safetensors").string());
    const SafetensorsReader dense((dir / chain[i + 1].second / "model.safetensors").string());
    const SafetensorsReader out((dir / chain[i + 2].second / "model.safetensors").string());
    return {{"head.LayerNorm.weight", norm.read("norm.weight")},
            {"head.LayerNorm.bias", norm.read("norm.bias")},
            {"head.dense.weight", dense.read("linear.weight")},
            {"head.dense.bias", dense.read("linear.bias")},
            {"head.out.weight", out.read("linear.weight")},
            {"head.out.bias", out.read("linear.bias")}};
  }
  return {};
}

}  // namespace

PretrainedBert read_pretrained_bert(const std::string& dir) {
  MOE_REQUIRE(fs::is_directory(dir), "model folder ", dir, " does not exist");
  PretrainedBert result;
  const std::string config_path = (fs::path(dir) / "config.json").string();
  MOE_REQUIRE(fs::exists(config_path), dir, ": no config.json (not a Hugging Face model folder)");
  result.config = read_hf_config(config_path);
  const std::string vocab_path = (fs::path(dir) / "vocab.txt").string();
  MOE_REQUIRE(fs::exists(vocab_path), dir,
              ": no vocab.txt (moe-embed needs the WordPiece "
              "vocabulary of a BERT tokenizer)");
  result.vocabulary = data::Vocabulary::load(vocab_path);
  MOE_REQUIRE(result.vocabulary.size() == result.config.vocab_size, vocab_path, " has ",
              result.vocabulary.size(), " tokens but ", config_path, " says vocab_size ",
              result.config.vocab_size);
  result.tokenizer = read_tokenizer_settings(dir);

  for (auto& [raw_name, tensor] : read_weight_file(dir, result.weights_path)) {
    const std::string name = bert_model_name(raw_name);
    if (is_ignored(name)) {
      result.ignored.push_back(raw_name);
      continue;
    }
    MOE_REQUIRE(!result.tensors.count(name), result.weights_path, ": tensor ", name,
                " appears twice (with and without the \"bert.\" prefix?)");
    result.tensors[name] = tensor;
  }
  result.head = read_projection_head(dir);
  return result;
}

}  // namespace moe::hf
