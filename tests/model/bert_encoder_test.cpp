// Checks the dense encoder on its own: initialize_like_bert (determinism, LayerNorm, biases,
// padding row, experts as copies of the dense block), mean pooling, padding and attention
// mask invariance, and the max_position_embeddings limit.
#include "model/bert_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "model/parameter_names.h"
#include "support/small_bert.h"  // small_bert_config, make_small_model

namespace {

using moe::model::BertConfig;
using moe::model::BertEncoder;
using moe::model::checkpoint_name;
using moe::model::initialize_like_bert;
using moe::testing_support::make_small_model;
using moe::testing_support::small_bert_config;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Random ids in [1, vocab) for [batch, length].
torch::Tensor random_ids(int64_t batch, int64_t length, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randint(1, small_bert_config().vocab_size, {batch, length}, torch::kInt64);
}

torch::Tensor no_slots(int64_t batch) { return torch::zeros({batch}, torch::kInt64); }

TEST(InitializeLikeBert, SameSeedSameParametersOtherSeedOtherWeights) {
  BertEncoder a = make_small_model({}, 7);
  BertEncoder b = make_small_model({}, 7);
  BertEncoder c = make_small_model({}, 8);
  const auto pb = b->named_parameters();
  const auto pc = c->named_parameters();
  for (const auto& item : a->named_parameters()) {
    const std::string& name = item.key();
    EXPECT_TRUE(torch::equal(item.value(), pb[name])) << name;
    if (ends_with(name, "bias") || name.find("LayerNorm") != std::string::npos)
      EXPECT_TRUE(torch::equal(item.value(), pc[name])) << name;
    else
      EXPECT_FALSE(torch::equal(item.value(), pc[name])) << name << " ignores the seed";
  }
}

TEST(InitializeLikeBert, DistinctParametersDrawDistinctValues) {
  // Two weights of the same shape must not share a stream (the seed mixes in the name).
  BertEncoder model = make_small_model({}, 3);
  auto p = model->named_parameters();
  EXPECT_FALSE(torch::equal(p["encoder.layer.0.attention.self.query.weight"],
                            p["encoder.layer.0.attention.self.key.weight"]));
  EXPECT_FALSE(torch::equal(p["encoder.layer.0.attention.self.query.weight"],
                            p["encoder.layer.1.attention.self.query.weight"]));
}

TEST(InitializeLikeBert, LayerNormOnesBiasesZeroPaddingRowZeroWeightsNormal) {
  for (const std::vector<std::string>& experts :
       {std::vector<std::string>{}, std::vector<std::string>{"cardio", "pulmo"}}) {
    BertEncoder model(small_bert_config(), moe::testing_support::expert_layout(experts));
    // Start from garbage so that every value checked below is one the initialiser wrote.
    {
      torch::NoGradGuard no_grad;
      for (auto& p : model->parameters()) p.fill_(5.0);
    }
    initialize_like_bert(*model, 42);
    int weights = 0;
    for (const auto& item : model->named_parameters()) {
      const std::string name = checkpoint_name(item.key()).name;
      const torch::Tensor& p = item.value();
      if (ends_with(name, "LayerNorm.weight")) {
        EXPECT_TRUE(torch::equal(p, torch::ones_like(p))) << item.key();
      } else if (ends_with(name, "bias")) {
        EXPECT_TRUE(torch::equal(p, torch::zeros_like(p))) << item.key();
      } else {
        ++weights;
        torch::Tensor values = p;
        if (name == "embeddings.word_embeddings.weight") {
          EXPECT_TRUE(torch::equal(p[0], torch::zeros_like(p[0]))) << "padding row";
          EXPECT_GT(p[1].abs().sum().item<double>(), 0.0);
          values = p.slice(0, 1);
        }
        EXPECT_GT(values.abs().min().item<double>(), 0.0) << item.key() << " has zeros";
        if (values.numel() >= 1000) {  // enough draws for the moments to be tight
          EXPECT_LT(std::abs(values.mean().item<double>()), 0.002) << item.key();
          EXPECT_NEAR(values.std().item<double>(), 0.02, 0.002) << item.key();
        }
      }
    }
    EXPECT_GT(weights, 0);
  }
}

TEST(InitializeLikeBert, ExpertsAreBitIdenticalCopiesOfTheDenseBlock) {
  BertEncoder dense = make_small_model({}, 11);
  std::map<std::string, torch::Tensor> dense_by_hf_name;
  for (const auto& item : dense->named_parameters())
    dense_by_hf_name[checkpoint_name(item.key()).name] = item.value();

  // Experts held, their order and how many must not matter (experts spread over ranks).
  for (const std::vector<std::string>& experts :
       {std::vector<std::string>{"cardio", "pulmo", "renal"}, std::vector<std::string>{"pulmo"},
        std::vector<std::string>{"renal", "cardio"}}) {
    BertEncoder mixture = make_small_model(experts, 11);
    int expert_parameters = 0;
    for (const auto& item : mixture->named_parameters()) {
      const auto mapped = checkpoint_name(item.key());
      ASSERT_EQ(dense_by_hf_name.count(mapped.name), 1u) << item.key();
      EXPECT_TRUE(torch::equal(item.value(), dense_by_hf_name[mapped.name]))
          << item.key() << " differs from the dense model's " << mapped.name;
      if (!mapped.expert.empty()) ++expert_parameters;
    }
    EXPECT_EQ(expert_parameters, static_cast<int>(experts.size()) * 4 * 2);
  }
}

TEST(MeanPool, EqualsClosedForm) {
  // hidden [2, 3, 2]; sequence 0 keeps positions 0 and 2, sequence 1 keeps position 1 only.
  const torch::Tensor hidden =
      torch::tensor({1.f, 2.f, 30.f, 40.f, 5.f, 6.f, -1.f, 0.5f, 7.f, 8.f, 100.f, 200.f})
          .view({2, 3, 2});
  const torch::Tensor mask = torch::tensor({1, 0, 1, 0, 1, 0}, torch::kInt64).view({2, 3});
  const torch::Tensor expected = torch::tensor({3.f, 4.f, 7.f, 8.f}).view({2, 2});
  EXPECT_TRUE(torch::allclose(moe::model::mean_pool(hidden, mask), expected, 0.0, 1e-6))
      << moe::model::mean_pool(hidden, mask);

  // A sequence without any real token pools to zeros, not NaN.
  const torch::Tensor empty_mask = torch::zeros({2, 3}, torch::kInt64);
  const torch::Tensor pooled = moe::model::mean_pool(hidden, empty_mask);
  EXPECT_TRUE(torch::equal(pooled, torch::zeros({2, 2})));
}

TEST(BertEncoder, OutputShapes) {
  BertEncoder model = make_small_model({}, 1);
  const torch::Tensor ids = random_ids(3, 9, 1);
  const torch::Tensor mask = torch::ones({3, 9}, torch::kInt64);
  EXPECT_EQ(model->forward(ids, mask, no_slots(3)).sizes(), (std::vector<int64_t>{3, 9, 32}));
  EXPECT_EQ(model->embed(ids, mask, no_slots(3)).sizes(), (std::vector<int64_t>{3, 32}));
}

TEST(BertEncoder, PaddingDoesNotChangeTheEmbedding) {
  torch::NoGradGuard no_grad;
  for (const std::vector<std::string>& experts :
       {std::vector<std::string>{}, std::vector<std::string>{"cardio", "pulmo"}}) {
    BertEncoder model = make_small_model(experts, 5);
    const torch::Tensor slots = torch::tensor({0, 1}, torch::kInt64);
    const torch::Tensor ids = random_ids(2, 7, 2);
    const torch::Tensor mask = torch::ones({2, 7}, torch::kInt64);
    const torch::Tensor unpadded = model->embed(ids, mask, slots);

    for (int64_t extra : {1, 5, 20}) {
      const torch::Tensor padded_ids =
          torch::cat({ids, torch::zeros({2, extra}, torch::kInt64)}, 1);
      const torch::Tensor padded_mask =
          torch::cat({mask, torch::zeros({2, extra}, torch::kInt64)}, 1);
      const torch::Tensor padded = model->embed(padded_ids, padded_mask, slots);
      EXPECT_TRUE(torch::allclose(padded, unpadded, 1e-6, 1e-6))
          << "extra padding " << extra << ", max difference "
          << (padded - unpadded).abs().max().item<double>();
    }
  }
}

// 40 sequences of lengths 1..24 span several attention groups (token_packing.h), each
// padded to its own longest sequence and, with experts, never mixing two experts.
TEST(BertEncoder, LargeBatchOfMixedLengthsEqualsEachSequenceAlone) {
  torch::NoGradGuard no_grad;
  for (const std::vector<std::string>& experts :
       {std::vector<std::string>{}, std::vector<std::string>{"cardio", "pulmo", "derma"}}) {
    BertEncoder model = make_small_model(experts, 9);
    const int64_t batch = 40, length = 24;
    const torch::Tensor ids = random_ids(batch, length, 4);
    const torch::Tensor lengths = torch::randint(1, length + 1, {batch}, torch::kInt64);
    const torch::Tensor mask =
        (torch::arange(length).unsqueeze(0) < lengths.unsqueeze(1)).to(torch::kInt64);
    const torch::Tensor slots =
        experts.empty() ? no_slots(batch) : torch::randint(0, 3, {batch}, torch::kInt64);
    const torch::Tensor together = model->embed(ids * mask, mask, slots);
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t n = lengths[b].item<int64_t>();
      const torch::Tensor alone =
          model->embed(ids.slice(0, b, b + 1).slice(1, 0, n), torch::ones({1, n}, torch::kInt64),
                       slots.slice(0, b, b + 1));
      EXPECT_TRUE(torch::allclose(alone, together.slice(0, b, b + 1), 1e-5, 1e-6))
          << experts.size() << " experts, sequence " << b << " of length " << n
          << ", max difference "
          << (alone - together.slice(0, b, b + 1)).abs().max().item<double>();
    }
  }
}

TEST(BertEncoder, PaddingChangesTheEmbeddingWhenUnmasked) {
  // The counterpart of the test above: the same extra tokens with mask 1 do change it, so
  // the mask (not luck) is what keeps padding out.
  torch::NoGradGuard no_grad;
  BertEncoder model = make_small_model({}, 5);
  const torch::Tensor ids = random_ids(1, 7, 2);
  const torch::Tensor unpadded = model->embed(ids, torch::ones({1, 7}, torch::kInt64), no_slots(1));
  const torch::Tensor padded_ids = torch::cat({ids, torch::zeros({1, 3}, torch::kInt64)}, 1);
  const torch::Tensor padded =
      model->embed(padded_ids, torch::ones({1, 10}, torch::kInt64), no_slots(1));
  EXPECT_FALSE(torch::allclose(padded, unpadded, 1e-4, 1e-4));
}

TEST(BertEncoder, TokenIdsAtMaskedPositionsDoNotLeakIntoRealPositions) {
  torch::NoGradGuard no_grad;
  BertEncoder model = make_small_model({"cardio", "pulmo"}, 9);
  const int64_t batch = 3, length = 10;
  const std::vector<int64_t> real_lengths = {4, 10, 7};
  torch::Tensor mask = torch::zeros({batch, length}, torch::kInt64);
  for (int64_t b = 0; b < batch; ++b) mask[b].slice(0, 0, real_lengths[b]).fill_(1);
  const torch::Tensor slots = torch::tensor({1, 0, 1}, torch::kInt64);

  const torch::Tensor ids = random_ids(batch, length, 3) * mask;  // 0 at padding
  const torch::Tensor other_ids =
      torch::where(mask.to(torch::kBool), ids, random_ids(batch, length, 4));
  ASSERT_FALSE(torch::equal(ids, other_ids));

  const torch::Tensor out = model->forward(ids, mask, slots);
  const torch::Tensor other = model->forward(other_ids, mask, slots);
  for (int64_t b = 0; b < batch; ++b) {
    const auto real = torch::indexing::Slice(0, real_lengths[b]);
    EXPECT_TRUE(torch::equal(out[b].index({real}), other[b].index({real}))) << "sequence " << b;
  }
  EXPECT_TRUE(torch::equal(model->embed(ids, mask, slots), model->embed(other_ids, mask, slots)));
  // Padding positions are never computed: their last hidden states are zeros.
  EXPECT_EQ(out[0].slice(0, 4).abs().max().item<float>(), 0.0f);
}

TEST(BertEncoder, SequenceLongerThanMaxPositionEmbeddingsIsAnError) {
  torch::NoGradGuard no_grad;
  BertEncoder model = make_small_model({}, 1);
  const torch::Tensor at_limit = random_ids(1, 32, 1);
  EXPECT_NO_THROW(model->forward(at_limit, torch::ones({1, 32}, torch::kInt64), no_slots(1)));
  const torch::Tensor too_long = random_ids(1, 33, 1);
  try {
    model->forward(too_long, torch::ones({1, 33}, torch::kInt64), no_slots(1));
    FAIL() << "expected moe::Error";
  } catch (const moe::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("max_position_embeddings"), std::string::npos) << message;
    EXPECT_NE(message.find("32"), std::string::npos) << message;
    EXPECT_NE(message.find("33"), std::string::npos) << message;
  }
}

TEST(BertEncoder, EvalModeIsDeterministicAndDropoutActsInTraining) {
  torch::NoGradGuard no_grad;
  BertConfig config = small_bert_config();
  config.hidden_dropout = 0.5;
  config.attention_dropout = 0.5;
  BertEncoder model(config, moe::model::EncoderLayout{});
  initialize_like_bert(*model, 2);
  const torch::Tensor ids = random_ids(2, 6, 1);
  const torch::Tensor mask = torch::ones({2, 6}, torch::kInt64);
  model->eval();
  const torch::Tensor a = model->forward(ids, mask, no_slots(2));
  EXPECT_TRUE(torch::equal(a, model->forward(ids, mask, no_slots(2))));
  model->train();
  EXPECT_FALSE(torch::equal(a, model->forward(ids, mask, no_slots(2))));
}

}  // namespace
