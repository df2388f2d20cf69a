// Reads and writes Hugging Face BERT config.json files (see hf_config.h).
#include "hf/hf_config.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>  // config.json

#include "common/error.h"
#include "hf/json_file.h"

namespace moe::hf {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kSupportedActivations = "gelu, gelu_new, gelu_pytorch_tanh, relu";

// Typed access to the keys of one config.json; every failure names the file and the key.
class ConfigKeys {
 public:
  ConfigKeys(const std::string& path, const Json& root) : path_(path), root_(root) {}

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw Error(cat(path_, ": key '", key, "' ", why));
  }
  bool has(const std::string& key) const { return root_.contains(key); }
  const Json& get(const std::string& key) const {
    auto found = root_.find(key);
    if (found == root_.end()) fail(key, "is missing");
    return *found;
  }

  int64_t integer(const std::string& key) const {
    const Json& value = get(key);
    if (!value.is_number_integer()) fail(key, cat("must be an integer, found ", value.dump()));
    if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX}) {
      fail(key, cat("is too large: ", value.dump()));
    }
    return value.get<int64_t>();
  }
  int64_t positive_integer(const std::string& key) const {
    const int64_t number = integer(key);
    if (number <= 0) fail(key, cat("must be a positive integer, found ", number));
    return number;
  }
  int64_t positive_integer(const std::string& key, int64_t fallback) const {
    return has(key) ? positive_integer(key) : fallback;
  }
  double number(const std::string& key, double fallback) const {
    if (!has(key)) return fallback;
    const Json& value = get(key);
    if (!value.is_number()) fail(key, cat("must be a number, found ", value.dump()));
    return value.get<double>();
  }
  std::string string(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const Json& value = get(key);
    if (!value.is_string()) fail(key, cat("must be a string, found ", value.dump()));
    return value.get<std::string>();
  }

  double probability(const std::string& key, double fallback) const {
    const double p = number(key, fallback);
    if (!(p >= 0.0 && p < 1.0)) fail(key, cat("must be in [0, 1), found ", p));
    return p;
  }
  double positive_number(const std::string& key, double fallback) const {
    const double x = number(key, fallback);
    if (!(x > 0.0)) fail(key, cat("must be positive, found ", x));
    return x;
  }

 private:
  const std::string& path_;
  const Json& root_;
};

[[noreturn]] void unsupported_architecture(const std::string& path, const std::string& name,
                                           const std::string& key) {
  throw Error(cat(path, ": unsupported architecture '", name, "' (", key,
                  "): moe-embed reads BERT models (model_type \"bert\"), e.g. BERT, SciBERT, "
                  "PubMedBERT, BioBERT, all-MiniLM-L6-v2, E5, BGE"));
}

// model_type decides; only configs written before transformers had it fall back to the class
// names in "architectures".
void require_bert(const std::string& path, const ConfigKeys& keys) {
  if (keys.has("model_type")) {
    const std::string model_type = keys.string("model_type", "");
    if (model_type != "bert") unsupported_architecture(path, model_type, "model_type");
    return;
  }
  if (!keys.has("architectures")) {
    keys.fail("model_type",
              "is missing, and so is 'architectures': moe-embed reads BERT models "
              "(model_type \"bert\")");
  }
  const Json& architectures = keys.get("architectures");
  if (!architectures.is_array()) {
    keys.fail("architectures", cat("must be a list, found ", architectures.dump()));
  }
  std::string names;
  for (const Json& name : architectures) {
    if (!name.is_string()) {
      keys.fail("architectures", cat("must list class names, found ", name.dump()));
    }
    const std::string text = name.get<std::string>();
    if (text.rfind("Bert", 0) == 0) return;
    names += (names.empty() ? "" : ", ") + text;
  }
  unsupported_architecture(path, names, "architectures");
}

}  // namespace

model::BertConfig read_hf_config(const std::string& path) {
  const Json root = read_json_object(path);
  const ConfigKeys keys(path, root);
  require_bert(path, keys);

  model::BertConfig config;
  config.vocab_size = keys.positive_integer("vocab_size");
  config.hidden_size = keys.positive_integer("hidden_size");
  config.num_layers = keys.positive_integer("num_hidden_layers");
  config.num_heads = keys.positive_integer("num_attention_heads");
  config.intermediate_size = keys.positive_integer("intermediate_size");
  config.max_position_embeddings = keys.positive_integer("max_position_embeddings");
  if (config.hidden_size % config.num_heads != 0) {
    keys.fail("num_attention_heads",
              cat("(", config.num_heads, ") must divide hidden_size (", config.hidden_size, ")"));
  }

  config.type_vocab_size = keys.positive_integer("type_vocab_size", 2);
  config.layer_norm_eps = keys.positive_number("layer_norm_eps", 1e-12);
  config.hidden_dropout = keys.probability("hidden_dropout_prob", 0.1);
  config.attention_dropout = keys.probability("attention_probs_dropout_prob", 0.1);
  config.initializer_range = keys.positive_number("initializer_range", 0.02);

  config.hidden_act = keys.string("hidden_act", "gelu");
  if (!model::is_supported_activation(config.hidden_act)) {
    keys.fail("hidden_act",
              cat("is \"", config.hidden_act, "\", which moe-embed does not implement (supported: ",
                  kSupportedActivations, ")"));
  }

  // null is what BertConfig(pad_token_id=None) writes; BERT's embeddings then have no padding
  // row, which only matters for training, so the default row 0 is as good.
  if (keys.has("pad_token_id") && !root.at("pad_token_id").is_null()) {
    config.pad_token_id = keys.integer("pad_token_id");
    if (config.pad_token_id < 0 || config.pad_token_id >= config.vocab_size) {
      keys.fail("pad_token_id", cat("must be in [0, vocab_size = ", config.vocab_size, "), found ",
                                    config.pad_token_id));
    }
  }

  const std::string position_type = keys.string("position_embedding_type", "absolute");
  if (position_type != "absolute") {
    keys.fail("position_embedding_type",
              cat("is \"", position_type, "\": only absolute position embeddings are supported"));
  }
  return config;
}

std::string hf_config_json(const model::BertConfig& config, const std::string& torch_dtype) {
  MOE_REQUIRE(torch_dtype == "float32" || torch_dtype == "float16" || torch_dtype == "bfloat16",
              "config.json: torch_dtype \"", torch_dtype,
              "\" is not one of float32, float16, bfloat16");
  // ordered_json: the identifying keys first, then BertConfig's arguments alphabetically, as
  // transformers' own to_json_string sorts them.
  nlohmann::ordered_json json;
  json["architectures"] = {"BertModel"};
  json["model_type"] = "bert";
  json["attention_probs_dropout_prob"] = config.attention_dropout;
  json["classifier_dropout"] = nullptr;
  json["hidden_act"] = config.hidden_act;
  json["hidden_dropout_prob"] = config.hidden_dropout;
  json["hidden_size"] = config.hidden_size;
  json["initializer_range"] = config.initializer_range;
  json["intermediate_size"] = config.intermediate_size;
  json["layer_norm_eps"] = config.layer_norm_eps;
  json["max_position_embeddings"] = config.max_position_embeddings;
  json["num_attention_heads"] = config.num_heads;
  json["num_hidden_layers"] = config.num_layers;
  json["pad_token_id"] = config.pad_token_id;
  json["position_embedding_type"] = "absolute";
  json["torch_dtype"] = torch_dtype;
  json["type_vocab_size"] = config.type_vocab_size;
  json["use_cache"] = true;
  json["vocab_size"] = config.vocab_size;
  return json.dump(2) + "\n";
}

}  // namespace moe::hf
