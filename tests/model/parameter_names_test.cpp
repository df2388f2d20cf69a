// Checks that the model's parameters, mapped with checkpoint_name(), are exactly Hugging
// Face BertModel's (without the pooler) with HF's shapes, for dense and MoE models, and that
// parameter_name() inverts checkpoint_name().
#include "model/parameter_names.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "model/bert_encoder.h"
#include "support/small_bert.h"  // small_bert_config

namespace {

using moe::model::BertConfig;
using moe::model::BertEncoder;
using moe::model::checkpoint_name;
using moe::model::CheckpointName;
using moe::model::parameter_name;
using moe::testing_support::small_bert_config;
using Shapes = std::map<std::string, std::vector<int64_t>>;

bool is_feed_forward(const std::string& hf_name) {
  return hf_name.find(".intermediate.dense.") != std::string::npos ||
         (hf_name.find(".output.dense.") != std::string::npos &&
          hf_name.find(".attention.") == std::string::npos);
}

// Written out by hand from transformers' BertModel().state_dict() (with its pooler):
// nn.Linear(in, out).weight is [out, in].
Shapes hugging_face_shapes(const BertConfig& c) {
  const int64_t h = c.hidden_size, i = c.intermediate_size;
  Shapes s = {
      {"embeddings.word_embeddings.weight", {c.vocab_size, h}},
      {"embeddings.position_embeddings.weight", {c.max_position_embeddings, h}},
      {"embeddings.token_type_embeddings.weight", {c.type_vocab_size, h}},
      {"embeddings.LayerNorm.weight", {h}},
      {"embeddings.LayerNorm.bias", {h}},
      {"pooler.dense.weight", {h, h}},
      {"pooler.dense.bias", {h}},
  };
  for (int64_t n = 0; n < c.num_layers; ++n) {
    const std::string p = "encoder.layer." + std::to_string(n) + ".";
    for (const char* projection : {"query", "key", "value"}) {
      s[p + "attention.self." + projection + ".weight"] = {h, h};
      s[p + "attention.self." + projection + ".bias"] = {h};
    }
    s[p + "attention.output.dense.weight"] = {h, h};
    s[p + "attention.output.dense.bias"] = {h};
    s[p + "attention.output.LayerNorm.weight"] = {h};
    s[p + "attention.output.LayerNorm.bias"] = {h};
    s[p + "intermediate.dense.weight"] = {i, h};
    s[p + "intermediate.dense.bias"] = {i};
    s[p + "output.dense.weight"] = {h, i};
    s[p + "output.dense.bias"] = {h};
    s[p + "output.LayerNorm.weight"] = {h};
    s[p + "output.LayerNorm.bias"] = {h};
  }
  return s;
}

// The model's parameters mapped to (expert -> HF name -> shape); "" holds shared ones.
std::map<std::string, Shapes> mapped_shapes(BertEncoder& model) {
  std::map<std::string, Shapes> result;
  size_t count = 0;
  for (const auto& item : model->named_parameters()) {
    const CheckpointName mapped = checkpoint_name(item.key());
    const auto sizes = item.value().sizes();
    const bool inserted =
        result[mapped.expert]
            .emplace(mapped.name, std::vector<int64_t>(sizes.begin(), sizes.end()))
            .second;
    EXPECT_TRUE(inserted) << item.key() << " maps onto a name already taken: " << mapped.name;
    ++count;
  }
  EXPECT_EQ(count, model->named_parameters().size());
  return result;
}

TEST(ParameterNames, DenseModelHasExactlyHuggingFaceBertModelNamesAndShapes) {
  const BertConfig config = small_bert_config();
  BertEncoder model(config, moe::model::EncoderLayout{});
  const std::map<std::string, Shapes> mapped = mapped_shapes(model);
  ASSERT_EQ(mapped.size(), 1u) << "a dense model has no expert parameters";
  ASSERT_EQ(mapped.count(""), 1u);
  EXPECT_EQ(mapped.at(""), hugging_face_shapes(config));
  EXPECT_EQ(hugging_face_shapes(config).size(), 7u + 16u * 2u);
}

TEST(ParameterNames, MoeModelSplitsFeedForwardIntoExperts) {
  const BertConfig config = small_bert_config();
  BertEncoder model(config, moe::testing_support::expert_layout({"cardio", "pulmo"}));
  const std::map<std::string, Shapes> mapped = mapped_shapes(model);
  ASSERT_EQ(mapped.size(), 3u);
  ASSERT_EQ(mapped.count(""), 1u);
  ASSERT_EQ(mapped.count("cardio"), 1u);
  ASSERT_EQ(mapped.count("pulmo"), 1u);

  Shapes shared_expected, expert_expected;
  for (const auto& [name, shape] : hugging_face_shapes(config))
    (is_feed_forward(name) ? expert_expected : shared_expected)[name] = shape;
  EXPECT_EQ(expert_expected.size(), 4u * 2u);
  EXPECT_EQ(mapped.at(""), shared_expected);
  EXPECT_EQ(mapped.at("cardio"), expert_expected);
  EXPECT_EQ(mapped.at("pulmo"), expert_expected);

  for (const char* expert : {"cardio", "pulmo"}) {
    Shapes merged = mapped.at("");
    for (const auto& [name, shape] : mapped.at(expert))
      EXPECT_TRUE(merged.emplace(name, shape).second) << name << " is both shared and expert";
    EXPECT_EQ(merged, hugging_face_shapes(config)) << "shared + " << expert;
  }
}

TEST(ParameterNames, ParameterNameInvertsCheckpointName) {
  const BertConfig config = small_bert_config();
  for (const std::vector<std::string>& experts :
       {std::vector<std::string>{}, std::vector<std::string>{"cardio", "pulmo"},
        std::vector<std::string>{"pulmo"}}) {
    BertEncoder model(config, moe::testing_support::expert_layout(experts));
    for (const auto& item : model->named_parameters()) {
      const CheckpointName mapped = checkpoint_name(item.key());
      EXPECT_EQ(parameter_name(mapped, model->layout()), item.key()) << experts.size();
    }
  }
  // Experts in the middle layer only: the other layers keep dense blocks.
  moe::model::EncoderLayout middle = moe::testing_support::expert_layout({"cardio", "pulmo"});
  middle.expert_layers = {1};
  middle.domain_tokens = middle.router = middle.projection_head = true;
  BertEncoder model(config, middle);
  int experts = 0;
  for (const auto& item : model->named_parameters()) {
    const CheckpointName mapped = checkpoint_name(item.key());
    EXPECT_EQ(parameter_name(mapped, middle), item.key());
    if (!mapped.expert.empty()) {
      ++experts;
      EXPECT_EQ(moe::model::layer_of(mapped.name), 1) << item.key();
    }
  }
  EXPECT_EQ(experts, 2 * 4);
}

TEST(ParameterNames, DocumentedExamples) {
  const CheckpointName dense = checkpoint_name("encoder.layer.3.ffn.intermediate.dense.weight");
  EXPECT_EQ(dense.expert, "");
  EXPECT_EQ(dense.name, "encoder.layer.3.intermediate.dense.weight");
  const CheckpointName expert = checkpoint_name("encoder.layer.3.experts.cardio.output.dense.bias");
  EXPECT_EQ(expert.expert, "cardio");
  EXPECT_EQ(expert.name, "encoder.layer.3.output.dense.bias");
  const CheckpointName shared = checkpoint_name("encoder.layer.3.output.LayerNorm.weight");
  EXPECT_EQ(shared.expert, "");
  EXPECT_EQ(shared.name, "encoder.layer.3.output.LayerNorm.weight");
  EXPECT_EQ(checkpoint_name("embeddings.word_embeddings.weight").name,
            "embeddings.word_embeddings.weight");

  const moe::model::EncoderLayout dense_layout;
  const moe::model::EncoderLayout experts = moe::testing_support::expert_layout({"pulmo"}, 12);
  EXPECT_EQ(parameter_name({"", "encoder.layer.11.output.dense.weight"}, dense_layout),
            "encoder.layer.11.ffn.output.dense.weight");
  EXPECT_EQ(parameter_name({"pulmo", "encoder.layer.11.intermediate.dense.bias"}, experts),
            "encoder.layer.11.experts.pulmo.intermediate.dense.bias");
  EXPECT_EQ(parameter_name({"", "encoder.layer.0.attention.output.dense.weight"}, experts),
            "encoder.layer.0.attention.output.dense.weight");
}

TEST(ParameterNames, FeedForwardNameOfMoeModelNeedsExpert) {
  try {
    parameter_name({"", "encoder.layer.0.intermediate.dense.weight"},
                   moe::testing_support::expert_layout({"cardio"}));
    FAIL() << "expected moe::Error";
  } catch (const moe::Error& e) {
    EXPECT_NE(std::string(e.what()).find("encoder.layer.0.intermediate.dense.weight"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(checkpoint_name("encoder.layer.0.experts.cardio"), moe::Error);
}

}  // namespace
