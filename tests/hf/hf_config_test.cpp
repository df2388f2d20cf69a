// read_hf_config / hf_config_json: real configs, every validation error, round trips.
#include "hf/hf_config.h"

#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

namespace moe::hf {
namespace {

using moe::testing_support::error_of;
using moe::testing_support::ScopedTempDir;
using Json = nlohmann::json;

// bert-base-uncased's config.json as the Hub serves it (plus the keys newer transformers add).
const char* kBertBaseUncased = R"({
  "architectures": ["BertForMaskedLM"],
  "attention_probs_dropout_prob": 0.1,
  "gradient_checkpointing": false,
  "hidden_act": "gelu",
  "hidden_dropout_prob": 0.1,
  "hidden_size": 768,
  "initializer_range": 0.02,
  "intermediate_size": 3072,
  "layer_norm_eps": 1e-12,
  "max_position_embeddings": 512,
  "model_type": "bert",
  "num_attention_heads": 12,
  "num_hidden_layers": 12,
  "pad_token_id": 0,
  "position_embedding_type": "absolute",
  "transformers_version": "4.6.0.dev0",
  "type_vocab_size": 2,
  "use_cache": true,
  "vocab_size": 30522,
  "classifier_dropout": null
})";

// sentence-transformers/all-MiniLM-L6-v2's config.json.
const char* kMiniLm = R"({
  "_name_or_path": "nreimers/MiniLM-L6-H384-uncased",
  "architectures": ["BertModel"],
  "attention_probs_dropout_prob": 0.1,
  "gradient_checkpointing": false,
  "hidden_act": "gelu",
  "hidden_dropout_prob": 0.1,
  "hidden_size": 384,
  "initializer_range": 0.02,
  "intermediate_size": 1536,
  "layer_norm_eps": 1e-12,
  "max_position_embeddings": 512,
  "model_type": "bert",
  "num_attention_heads": 12,
  "num_hidden_layers": 6,
  "pad_token_id": 0,
  "position_embedding_type": "absolute",
  "transformers_version": "4.8.2",
  "type_vocab_size": 2,
  "use_cache": true,
  "vocab_size": 30522
})";

void expect_same(const model::BertConfig& a, const model::BertConfig& b) {
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.hidden_size, b.hidden_size);
  EXPECT_EQ(a.num_layers, b.num_layers);
  EXPECT_EQ(a.num_heads, b.num_heads);
  EXPECT_EQ(a.intermediate_size, b.intermediate_size);
  EXPECT_EQ(a.max_position_embeddings, b.max_position_embeddings);
  EXPECT_EQ(a.type_vocab_size, b.type_vocab_size);
  EXPECT_EQ(a.layer_norm_eps, b.layer_norm_eps);  // exact: the JSON must round-trip doubles
  EXPECT_EQ(a.hidden_dropout, b.hidden_dropout);
  EXPECT_EQ(a.attention_dropout, b.attention_dropout);
  EXPECT_EQ(a.hidden_act, b.hidden_act);
  EXPECT_EQ(a.pad_token_id, b.pad_token_id);
  EXPECT_EQ(a.initializer_range, b.initializer_range);
}

TEST(HfConfig, ReadsBertBaseUncased) {
  ScopedTempDir dir("hf_config");
  const model::BertConfig config = read_hf_config(dir.write_file("config.json", kBertBaseUncased));
  expect_same(config, model::BertConfig{});  // BertConfig's defaults are bert-base's
}

TEST(HfConfig, ReadsMiniLm) {
  ScopedTempDir dir("hf_config");
  const model::BertConfig config = read_hf_config(dir.write_file("config.json", kMiniLm));
  EXPECT_EQ(config.vocab_size, 30522);
  EXPECT_EQ(config.hidden_size, 384);
  EXPECT_EQ(config.num_layers, 6);
  EXPECT_EQ(config.num_heads, 12);
  EXPECT_EQ(config.intermediate_size, 1536);
  EXPECT_EQ(config.max_position_embeddings, 512);
  EXPECT_EQ(config.hidden_act, "gelu");
  EXPECT_EQ(config.layer_norm_eps, 1e-12);
}

TEST(HfConfig, OptionalKeysTakeBertConfigDefaults) {
  ScopedTempDir dir("hf_config");
  const std::string path = dir.write_file("config.json", R"({
    "model_type": "bert", "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2,
    "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 40})");
  const model::BertConfig config = read_hf_config(path);
  EXPECT_EQ(config.type_vocab_size, 2);
  EXPECT_EQ(config.layer_norm_eps, 1e-12);
  EXPECT_EQ(config.hidden_dropout, 0.1);
  EXPECT_EQ(config.attention_dropout, 0.1);
  EXPECT_EQ(config.hidden_act, "gelu");
  EXPECT_EQ(config.pad_token_id, 0);
  EXPECT_EQ(config.initializer_range, 0.02);
  EXPECT_EQ(config.vocab_size, 100);
  EXPECT_EQ(config.max_position_embeddings, 40);
}

TEST(HfConfig, ArchitecturesStandInForAMissingModelType) {
  ScopedTempDir dir("hf_config");
  Json json = Json::parse(kMiniLm);
  json.erase("model_type");
  json["architectures"] = {"BertForSequenceClassification"};
  EXPECT_EQ(read_hf_config(dir.write_file("config.json", json.dump())).hidden_size, 384);

  json["architectures"] = {"RobertaModel"};
  const std::string path = dir.write_file("config.json", json.dump());
  const std::string message = error_of([&] { read_hf_config(path); });
  EXPECT_MENTIONS(message, path + ": unsupported architecture 'RobertaModel' (architectures)");

  json.erase("architectures");
  dir.write_file("config.json", json.dump());
  EXPECT_MENTIONS(error_of([&] { read_hf_config(path); }), "'model_type' is missing");
}

TEST(HfConfig, RejectsOtherModelTypes) {
  ScopedTempDir dir("hf_config");
  Json json = Json::parse(kMiniLm);
  json["model_type"] = "roberta";
  const std::string path = dir.write_file("config.json", json.dump());
  EXPECT_EQ(error_of([&] { read_hf_config(path); }),
            path +
                ": unsupported architecture 'roberta' (model_type): moe-embed reads BERT models "
                "(model_type \"bert\"), e.g. BERT, SciBERT, PubMedBERT, BioBERT, "
                "all-MiniLM-L6-v2, E5, BGE");
}

TEST(HfConfig, FileErrorsNameTheFile) {
  ScopedTempDir dir("hf_config");
  const std::string missing = dir.path("absent.json");
  const std::string no_file = error_of([&] { read_hf_config(missing); });
  EXPECT_MENTIONS(no_file, missing);
  EXPECT_MENTIONS(no_file, "no such file");

  const std::string broken = dir.write_file("broken.json", R"({"model_type": "bert",,})");
  const std::string invalid = error_of([&] { read_hf_config(broken); });
  EXPECT_MENTIONS(invalid,
                  broken + ": not valid JSON at column 23");  // the 2nd ',', counted from 1
  EXPECT_MENTIONS(invalid, "syntax error");

  const std::string list = dir.write_file("list.json", "[1, 2]");
  EXPECT_MENTIONS(error_of([&] { read_hf_config(list); }), "must be a JSON object, found array");

  EXPECT_MENTIONS(error_of([&] { read_hf_config(dir.dir().string()); }), "is a folder");
}

// One broken key of the MiniLM config: the error names the file, the key and the problem.
struct BadKey {
  const char* key;
  Json value;  // null: the key is removed
  const char* expected;
};

class HfConfigBadKey : public ::testing::TestWithParam<BadKey> {};

TEST_P(HfConfigBadKey, ErrorNamesFileAndKey) {
  const BadKey& bad = GetParam();
  Json json = Json::parse(kMiniLm);
  if (bad.value.is_null()) {
    json.erase(bad.key);
  } else {
    json[bad.key] = bad.value;
  }
  ScopedTempDir dir("hf_config");
  const std::string path = dir.write_file("config.json", json.dump(2));
  const std::string message = error_of([&] { read_hf_config(path); });
  EXPECT_MENTIONS(message, path + ": key '" + bad.key + "'");
  EXPECT_MENTIONS(message, bad.expected);
}

INSTANTIATE_TEST_SUITE_P(
    AllKeys, HfConfigBadKey,
    ::testing::Values(
        BadKey{"vocab_size", nullptr, "is missing"}, BadKey{"hidden_size", nullptr, "is missing"},
        BadKey{"num_hidden_layers", nullptr, "is missing"},
        BadKey{"num_attention_heads", nullptr, "is missing"},
        BadKey{"intermediate_size", nullptr, "is missing"},
        BadKey{"max_position_embeddings", nullptr, "is missing"},
        BadKey{"hidden_size", "384", "must be an integer, found \"384\""},
        BadKey{"hidden_size", 384.0, "must be an integer, found 384.0"},
        BadKey{"vocab_size", 0, "must be a positive integer, found 0"},
        BadKey{"num_hidden_layers", -1, "must be a positive integer, found -1"},
        BadKey{"intermediate_size", 18446744073709551615ull, "is too large"},
        BadKey{"num_attention_heads", 7, "must divide hidden_size (384)"},
        BadKey{"type_vocab_size", 0, "must be a positive integer"},
        BadKey{"layer_norm_eps", 0.0, "must be positive"},
        BadKey{"layer_norm_eps", "1e-12", "must be a number"},
        BadKey{"hidden_dropout_prob", 1.0, "must be in [0, 1)"},
        BadKey{"attention_probs_dropout_prob", -0.1, "must be in [0, 1)"},
        BadKey{"initializer_range", 0.0, "must be positive"},
        BadKey{"hidden_act", "swish",
               "\"swish\", which moe-embed does not implement (supported: gelu, gelu_new, "
               "gelu_pytorch_tanh, relu)"},
        BadKey{"hidden_act", 1, "must be a string"},
        BadKey{"pad_token_id", 30522, "must be in [0, vocab_size = 30522), found 30522"},
        BadKey{"pad_token_id", -1, "must be in [0, vocab_size"},
        BadKey{"position_embedding_type", "relative_key",
               "only absolute position embeddings are supported"},
        BadKey{"model_type", 3, "must be a string"}),
    // Readable test names: <index>_<key>.
    [](const auto& info) {
      std::string name = std::to_string(info.index) + "_";
      for (const char* c = info.param.key; *c != '\0'; ++c)
        name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
      return name;
    });

TEST(HfConfig, NullPadTokenIdMeansRowZero) {
  ScopedTempDir dir("hf_config");
  Json json = Json::parse(kMiniLm);
  json["pad_token_id"] = nullptr;
  EXPECT_EQ(read_hf_config(dir.write_file("config.json", json.dump())).pad_token_id, 0);
}

TEST(HfConfig, WrittenJsonCarriesWhatTransformersNeeds) {
  model::BertConfig config;
  config.hidden_size = 384;
  const std::string text = hf_config_json(config, "bfloat16");
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.rfind("{\n  \"architectures\": [\n    \"BertModel\"\n  ],\n", 0), 0u) << text;

  const Json json = Json::parse(text);
  EXPECT_EQ(json.at("model_type"), "bert");
  EXPECT_EQ(json.at("architectures"), Json::array({"BertModel"}));
  EXPECT_TRUE(json.at("classifier_dropout").is_null());
  EXPECT_EQ(json.at("position_embedding_type"), "absolute");
  EXPECT_EQ(json.at("torch_dtype"), "bfloat16");
  EXPECT_EQ(json.at("use_cache"), true);
  EXPECT_EQ(json.at("hidden_size"), 384);
  EXPECT_EQ(json.at("num_hidden_layers"), 12);
  EXPECT_EQ(json.at("num_attention_heads"), 12);
  EXPECT_EQ(json.at("layer_norm_eps"), 1e-12);
  // Every argument of transformers' BertConfig.__init__ (configuration_bert.py).
  for (const char* key :
       {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
        "intermediate_size", "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
        "max_position_embeddings", "type_vocab_size", "initializer_range", "layer_norm_eps",
        "pad_token_id", "position_embedding_type", "use_cache", "classifier_dropout"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
}

TEST(HfConfig, RejectsUnknownTorchDtype) {
  EXPECT_MENTIONS(error_of([] { hf_config_json(model::BertConfig{}, "float64"); }),
                  "torch_dtype \"float64\" is not one of float32, float16, bfloat16");
}

TEST(HfConfig, RoundTripsThroughTheWrittenJson) {
  model::BertConfig unusual;
  unusual.vocab_size = 31090;  // SciBERT's
  unusual.hidden_size = 96;
  unusual.num_layers = 3;
  unusual.num_heads = 6;
  unusual.intermediate_size = 200;
  unusual.max_position_embeddings = 128;
  unusual.type_vocab_size = 1;
  unusual.layer_norm_eps = 1.0000000000000001e-07;
  unusual.hidden_dropout = 0.0;
  unusual.attention_dropout = 0.15;
  unusual.hidden_act = "gelu_pytorch_tanh";
  unusual.pad_token_id = 31089;
  unusual.initializer_range = 0.0123456789;

  ScopedTempDir dir("hf_config");
  for (const model::BertConfig& config : {model::BertConfig{}, unusual}) {
    for (const char* dtype : {"float32", "float16", "bfloat16"}) {
      const std::string path = dir.write_file("config.json", hf_config_json(config, dtype));
      expect_same(read_hf_config(path), config);
    }
  }
}

}  // namespace
}  // namespace moe::hf
