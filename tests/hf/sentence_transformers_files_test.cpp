// write_sentence_transformers_files: module chains for the layouts moe-embed exports.
#include "hf/sentence_transformers_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

namespace moe::hf {
namespace {

namespace fs = std::filesystem;
using moe::testing_support::error_of;
using moe::testing_support::ScopedTempDir;
using Json = nlohmann::json;

Json read_json(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return Json::parse(in);
}

// (type, path) of each modules.json entry, after checking idx and name count up from 0.
std::vector<std::pair<std::string, std::string>> module_chain(const fs::path& dir) {
  const Json modules = read_json(dir / "modules.json");
  std::vector<std::pair<std::string, std::string>> chain;
  for (size_t i = 0; i < modules.size(); ++i) {
    EXPECT_EQ(modules[i].at("idx"), i);
    EXPECT_EQ(modules[i].at("name"), std::to_string(i));
    chain.emplace_back(modules[i].at("type").get<std::string>(),
                       modules[i].at("path").get<std::string>());
  }
  return chain;
}

Json pooling_flags(bool cls) {
  return {{"pooling_mode_cls_token", cls},
          {"pooling_mode_mean_tokens", !cls},
          {"pooling_mode_max_tokens", false},
          {"pooling_mode_mean_sqrt_len_tokens", false},
          {"pooling_mode_weightedmean_tokens", false},
          {"pooling_mode_lasttoken", false},
          {"include_prompt", true}};
}

void expect_common_files(const fs::path& dir, int64_t max_seq_length) {
  EXPECT_EQ(read_json(dir / "sentence_bert_config.json"),
            Json({{"max_seq_length", max_seq_length}, {"do_lower_case", false}}));
  const Json model = read_json(dir / "config_sentence_transformers.json");
  EXPECT_EQ(model.at("similarity_fn_name"), "cosine");
  EXPECT_EQ(model.at("prompts"), Json::object());
  EXPECT_TRUE(model.at("default_prompt_name").is_null());
  EXPECT_EQ(model.at("model_type"), "SentenceTransformer");
  EXPECT_TRUE(model.at("__version__").at("sentence_transformers").is_string());
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
  }
}

TEST(SentenceTransformersFiles, MeanPoolingNormalized) {
  ScopedTempDir dir("st_files");
  SentenceTransformerLayout layout;
  layout.hidden_size = 384;
  layout.pooling = "mean";
  layout.normalize = true;
  layout.max_seq_length = 256;
  const ModuleFolders folders = write_sentence_transformers_files(dir.dir().string(), layout);
  EXPECT_TRUE(folders.layer_norm.empty());
  EXPECT_TRUE(folders.dense_tanh.empty());
  EXPECT_TRUE(folders.dense_out.empty());

  using Chain = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(module_chain(dir.dir()),
            (Chain{{"sentence_transformers.models.Transformer", ""},
                   {"sentence_transformers.models.Pooling", "1_Pooling"},
                   {"sentence_transformers.models.Normalize", "2_Normalize"}}));
  Json pooling = pooling_flags(false);
  pooling["word_embedding_dimension"] = 384;
  EXPECT_EQ(read_json(dir.dir() / "1_Pooling" / "config.json"), pooling);
  EXPECT_TRUE(fs::is_empty(dir.dir() / "2_Normalize"));  // as save() leaves it: empty
  expect_common_files(dir.dir(), 256);
}

TEST(SentenceTransformersFiles, MeanPoolingWithProjectionHead) {
  ScopedTempDir dir("st_files");
  const std::string out = dir.path("model");  // created by the writer
  SentenceTransformerLayout layout;
  layout.hidden_size = 768;
  layout.pooling = "mean";
  layout.projection_head = true;
  layout.head_size = 256;
  layout.normalize = true;
  const ModuleFolders folders = write_sentence_transformers_files(out, layout);
  EXPECT_EQ(folders.layer_norm, "2_LayerNorm");
  EXPECT_EQ(folders.dense_tanh, "3_Dense");
  EXPECT_EQ(folders.dense_out, "4_Dense");

  using Chain = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(module_chain(out), (Chain{{"sentence_transformers.models.Transformer", ""},
                                      {"sentence_transformers.models.Pooling", "1_Pooling"},
                                      {"sentence_transformers.models.LayerNorm", "2_LayerNorm"},
                                      {"sentence_transformers.models.Dense", "3_Dense"},
                                      {"sentence_transformers.models.Dense", "4_Dense"},
                                      {"sentence_transformers.models.Normalize", "5_Normalize"}}));

  const fs::path root(out);
  EXPECT_EQ(read_json(root / "1_Pooling" / "config.json").at("word_embedding_dimension"), 768);
  EXPECT_EQ(read_json(root / folders.layer_norm / "config.json"), Json({{"dimension", 768}}));
  EXPECT_EQ(read_json(root / folders.dense_tanh / "config.json"),
            Json({{"in_features", 768},
                  {"out_features", 768},
                  {"bias", true},
                  {"activation_function", "torch.nn.modules.activation.Tanh"}}));
  EXPECT_EQ(read_json(root / folders.dense_out / "config.json"),
            Json({{"in_features", 768},
                  {"out_features", 256},
                  {"bias", true},
                  {"activation_function", "torch.nn.modules.linear.Identity"}}));
  expect_common_files(root, 512);
}

TEST(SentenceTransformersFiles, ClsPooling) {
  ScopedTempDir dir("st_files");
  SentenceTransformerLayout layout;
  layout.hidden_size = 32;
  layout.pooling = "cls";
  layout.max_seq_length = 64;
  write_sentence_transformers_files(dir.dir().string(), layout);

  using Chain = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(module_chain(dir.dir()),
            (Chain{{"sentence_transformers.models.Transformer", ""},
                   {"sentence_transformers.models.Pooling", "1_Pooling"}}));
  Json pooling = pooling_flags(true);
  pooling["word_embedding_dimension"] = 32;
  EXPECT_EQ(read_json(dir.dir() / "1_Pooling" / "config.json"), pooling);
  expect_common_files(dir.dir(), 64);
}

TEST(SentenceTransformersFiles, HeadWithoutNormalize) {
  ScopedTempDir dir("st_files");
  SentenceTransformerLayout layout;
  layout.hidden_size = 32;
  layout.pooling = "cls";
  layout.projection_head = true;
  layout.head_size = 8;
  write_sentence_transformers_files(dir.dir().string(), layout);
  const auto chain = module_chain(dir.dir());
  ASSERT_EQ(chain.size(), 5u);
  EXPECT_EQ(chain.back().first, "sentence_transformers.models.Dense");
  EXPECT_EQ(chain.back().second, "4_Dense");
}

TEST(SentenceTransformersFiles, RejectsInvalidLayouts) {
  ScopedTempDir dir("st_files");
  const std::string out = dir.dir().string();
  SentenceTransformerLayout layout;
  layout.hidden_size = 32;
  layout.pooling = "max";
  EXPECT_MENTIONS(error_of([&] { write_sentence_transformers_files(out, layout); }),
                  "pooling \"max\" is not one of mean, cls");
  layout.pooling = "mean";
  layout.projection_head = true;
  EXPECT_MENTIONS(error_of([&] { write_sentence_transformers_files(out, layout); }),
                  "head_size must be positive, found 0");
  layout.projection_head = false;
  layout.hidden_size = 0;
  EXPECT_MENTIONS(error_of([&] { write_sentence_transformers_files(out, layout); }),
                  "hidden_size must be positive");
  layout.hidden_size = 32;
  layout.max_seq_length = 0;
  EXPECT_MENTIONS(error_of([&] { write_sentence_transformers_files(out, layout); }),
                  "max_seq_length must be positive");
  EXPECT_FALSE(fs::exists(dir.dir() / "modules.json"));  // nothing written for a bad layout
}

}  // namespace
}  // namespace moe::hf
