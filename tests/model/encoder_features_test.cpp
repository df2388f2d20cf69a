// Checks what the encoder adds to plain BERT: converting a dense model into experts
// (bit for bit at step 0, for every expert-layer choice and with domain tokens), domain
// tokens, the router, pooling heads, the fused attention kernel, activations, and the
// errors of load_parameters and parse_expert_layers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "model/bert_encoder.h"
#include "model/checkpoint_file.h"
#include "model/encoder_layout.h"
#include "model/parameter_loading.h"
#include "model/parameter_names.h"
#include "support/expect_error.h"
#include "support/small_bert.h"

namespace {

using moe::model::BertConfig;
using moe::model::BertEncoder;
using moe::model::EncoderLayout;
using moe::model::NamedTensors;
using moe::testing_support::error_of;
using moe::testing_support::small_bert_config;

constexpr int64_t kCls = 2;

struct Batch {
  torch::Tensor ids, mask;
};

// [CLS] + random tokens, lengths from 2 to `length`, padded with 0.
Batch make_batch(int64_t batch, int64_t length, uint64_t seed) {
  torch::manual_seed(seed);
  torch::Tensor real = torch::randint(2, length + 1, {batch}, torch::kInt64);
  real[0] = length;
  const torch::Tensor mask =
      (torch::arange(length, torch::kInt64).unsqueeze(0) < real.unsqueeze(1)).to(torch::kInt64);
  torch::Tensor ids = torch::randint(3, small_bert_config().vocab_size, {batch, length}) * mask;
  ids.select(1, 0).fill_(kCls);
  return {ids.to(torch::kInt64), mask};
}

// The dense model's tensors under Hugging Face names (what an imported BERT provides).
NamedTensors hf_tensors(BertEncoder& dense) {
  NamedTensors tensors;
  for (const auto& item : dense->named_parameters())
    tensors[moe::model::checkpoint_name(item.key()).name] = item.value().detach().clone();
  return tensors;
}

BertEncoder dense_model(uint64_t seed, const BertConfig& config = small_bert_config()) {
  BertEncoder dense(config, EncoderLayout{});
  moe::model::initialize_like_bert(*dense, seed);
  dense->eval();
  return dense;
}

// A model of `layout` converted from `dense` as moe_train's model.init_from does it.
BertEncoder converted(BertEncoder& dense, const EncoderLayout& layout) {
  BertEncoder model(dense->config(), layout);
  moe::model::initialize_like_bert(*model, 777);  // different values everywhere first
  const std::vector<std::string> kept = moe::model::load_parameters(
      *model, hf_tensors(dense), {}, moe::model::SourceKind::dense_bert, "dense");
  for (const std::string& name : kept)
    EXPECT_TRUE(name.rfind("router.", 0) == 0 || name.rfind("head.", 0) == 0 ||
                name == "embeddings.domain_token_embeddings.weight")
        << name;
  model->copy_domain_tokens_from(kCls);
  model->eval();
  return model;
}

EncoderLayout layout_with(std::vector<int64_t> expert_layers, bool domain_tokens) {
  EncoderLayout layout;
  layout.domains = {"cardio", "pulmo", "skin"};
  layout.expert_layers = std::move(expert_layers);
  layout.domain_tokens = domain_tokens;
  return layout;
}

TEST(MoeConversion, ConvertedModelEqualsDenseBitForBitAtStepZero) {
  torch::NoGradGuard no_grad;
  BertEncoder dense = dense_model(3);
  for (const std::vector<int64_t>& layers :
       {std::vector<int64_t>{0, 1}, std::vector<int64_t>{1}, std::vector<int64_t>{0}}) {
    for (bool tokens : {false, true}) {
      BertEncoder mixture = converted(dense, layout_with(layers, tokens));
      for (const auto& [size, length] : {std::pair<int64_t, int64_t>{5, 9}, {7, 13}, {1, 4}}) {
        const Batch batch = make_batch(size, length, static_cast<uint64_t>(size * length));
        const auto expected = dense->encode(batch.ids, batch.mask, torch::Tensor());
        for (int64_t d = 0; d < 3; ++d) {
          const auto got = mixture->encode(batch.ids, batch.mask, torch::full({size}, d));
          EXPECT_TRUE(torch::equal(got.hidden, expected.hidden))
              << "layers " << layers.size() << " tokens " << tokens << " domain " << d;
          EXPECT_TRUE(torch::equal(got.sentence, expected.sentence));
        }
      }
    }
  }
}

TEST(MoeConversion, ExpertsAreSeparateCopies) {
  torch::NoGradGuard no_grad;
  BertEncoder dense = dense_model(4);
  BertEncoder mixture = converted(dense, layout_with({0, 1}, false));
  for (auto& item : mixture->named_parameters())
    if (moe::model::checkpoint_name(item.key()).expert == "pulmo") item.value().add_(0.1);
  const Batch batch = make_batch(3, 6, 9);
  const auto expected = dense->forward(batch.ids, batch.mask, torch::Tensor());
  EXPECT_TRUE(torch::equal(mixture->forward(batch.ids, batch.mask, torch::full({3}, 0)), expected));
  EXPECT_FALSE(
      torch::equal(mixture->forward(batch.ids, batch.mask, torch::full({3}, 1)), expected));
}

TEST(DomainTokens, EachDomainHasItsOwnTokenAtPositionZero) {
  torch::NoGradGuard no_grad;
  BertEncoder dense = dense_model(5);
  EncoderLayout layout = layout_with({}, true);
  BertEncoder model = converted(dense, layout);
  auto params = model->named_parameters();
  torch::Tensor tokens = params["embeddings.domain_token_embeddings.weight"];
  ASSERT_EQ(tokens.sizes(), (std::vector<int64_t>{3, 32}));
  // Initialised from [CLS].
  EXPECT_TRUE(torch::equal(tokens[1], params["embeddings.word_embeddings.weight"][kCls]));
  tokens[1].add_(0.5);
  const Batch batch = make_batch(2, 5, 1);
  const torch::Tensor plain = dense->forward(batch.ids, batch.mask, torch::Tensor());
  EXPECT_TRUE(torch::equal(model->forward(batch.ids, batch.mask, torch::full({2}, 0)), plain));
  EXPECT_FALSE(torch::equal(model->forward(batch.ids, batch.mask, torch::full({2}, 1)), plain));
  // The changed token acts through position 0: replacing the [CLS] embedding by it in the
  // dense model reproduces the domain's output exactly (what an export relies on).
  dense->named_parameters()["embeddings.word_embeddings.weight"][kCls].copy_(tokens[1]);
  EXPECT_TRUE(torch::equal(model->forward(batch.ids, batch.mask, torch::full({2}, 1)),
                           dense->forward(batch.ids, batch.mask, torch::Tensor())));
}

TEST(DomainTokens, ModelWithDomainTokensNeedsDomains) {
  BertEncoder model(small_bert_config(), layout_with({}, true));
  const Batch batch = make_batch(2, 5, 1);
  EXPECT_MENTIONS(error_of([&] { model->forward(batch.ids, batch.mask, torch::Tensor()); }),
                  "needs its domain");
}

TEST(Router, PredictsDomainsAndRoutesWhenNoneIsGiven) {
  torch::NoGradGuard no_grad;
  EncoderLayout layout = layout_with({0, 1}, true);
  layout.router = true;
  BertEncoder model(small_bert_config(), layout);
  moe::model::initialize_like_bert(*model, 8, kCls);
  model->eval();
  // Make the experts differ so routing matters.
  int64_t k = 0;
  for (auto& item : model->named_parameters())
    if (!moe::model::checkpoint_name(item.key()).expert.empty())
      item.value().add_(0.01 * static_cast<double>(++k % 7));
  const Batch batch = make_batch(6, 8, 2);
  const auto given = model->encode(batch.ids, batch.mask, torch::full({6}, 2));
  ASSERT_TRUE(given.router_logits.defined());
  EXPECT_EQ(given.router_logits.sizes(), (std::vector<int64_t>{6, 3}));
  // The router never sees domain tokens: its logits do not depend on the given domain.
  EXPECT_TRUE(torch::equal(model->encode(batch.ids, batch.mask, torch::full({6}, 0)).router_logits,
                           given.router_logits));

  const auto routed = model->encode(batch.ids, batch.mask, torch::Tensor());
  EXPECT_TRUE(torch::equal(routed.domain_ids, given.router_logits.argmax(1)));
  const auto explicitly = model->encode(batch.ids, batch.mask, routed.domain_ids);
  EXPECT_TRUE(torch::equal(routed.sentence, explicitly.sentence));
}

TEST(Router, LearnsToPredictTheDomain) {
  // Domains with disjoint token ranges: a few steps of cross-entropy must beat chance.
  EncoderLayout layout = layout_with({}, false);
  layout.router = true;
  BertEncoder model(small_bert_config(), layout);
  moe::model::initialize_like_bert(*model, 9);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-2));
  torch::manual_seed(3);
  const torch::Tensor domains = torch::randint(0, 3, {48}, torch::kInt64);
  const torch::Tensor ids = 3 + domains.unsqueeze(1) * 30 + torch::randint(0, 30, {48, 6});
  const torch::Tensor mask = torch::ones({48, 6}, torch::kInt64);
  double accuracy = 0;
  for (int step = 0; step < 40; ++step) {
    optimizer.zero_grad();
    const auto out = model->encode(ids, mask, domains);
    torch::nn::functional::cross_entropy(out.router_logits, domains).backward();
    optimizer.step();
    accuracy = (out.router_logits.argmax(1) == domains).to(torch::kFloat32).mean().item<double>();
  }
  EXPECT_GT(accuracy, 0.9);
}

TEST(SentenceHead, ClsPoolingProjectionHeadAndNormalisation) {
  torch::NoGradGuard no_grad;
  const Batch batch = make_batch(4, 7, 4);
  EncoderLayout cls;
  cls.pooling = "cls";
  BertEncoder model(small_bert_config(), cls);
  moe::model::initialize_like_bert(*model, 10);
  model->eval();
  const auto out = model->encode(batch.ids, batch.mask, torch::Tensor());
  EXPECT_TRUE(torch::equal(out.sentence, out.hidden.select(1, 0)));

  EncoderLayout head;
  head.projection_head = true;
  head.projection_size = 12;
  head.normalize = true;
  BertEncoder with_head(small_bert_config(), head);
  moe::model::initialize_like_bert(*with_head, 10);
  with_head->eval();
  const auto projected = with_head->encode(batch.ids, batch.mask, torch::Tensor());
  EXPECT_EQ(projected.sentence.sizes(), (std::vector<int64_t>{4, 12}));
  EXPECT_TRUE(torch::allclose(projected.sentence.norm(2, 1), torch::ones({4}), 1e-6, 1e-6));
  // By hand: mean -> LayerNorm(eps 1e-5) -> Linear -> tanh -> Linear -> L2.
  auto p = with_head->named_parameters();
  torch::Tensor x = moe::model::mean_pool(projected.hidden, batch.mask);
  x = torch::layer_norm(x, {32}, p["head.LayerNorm.weight"], p["head.LayerNorm.bias"], 1e-5);
  x = torch::tanh(torch::linear(x, p["head.dense.weight"], p["head.dense.bias"]));
  x = torch::linear(x, p["head.out.weight"], p["head.out.bias"]);
  x = x / x.norm(2, 1, true);
  EXPECT_TRUE(torch::allclose(projected.sentence, x, 1e-6, 1e-6));
}

TEST(Attention, FusedKernelMatchesEager) {
  torch::NoGradGuard no_grad;
  BertEncoder model = dense_model(11);
  const Batch batch = make_batch(5, 11, 5);
  const torch::Tensor eager = model->forward(batch.ids, batch.mask, torch::Tensor());
  model->set_attention_kernel(moe::model::AttentionKernel::fused);
  const torch::Tensor fused = model->forward(batch.ids, batch.mask, torch::Tensor());
  const torch::Tensor keep = batch.mask.unsqueeze(-1).to(torch::kFloat32);
  EXPECT_LT(((fused - eager) * keep).abs().max().item<double>(), 1e-5);
  EXPECT_GT(eager.abs().max().item<double>(), 0.1);  // not vacuous
  EXPECT_MENTIONS(error_of([] { moe::model::parse_attention_kernel("flash"); }), "eager, fused");
}

TEST(Activation, TanhApproximationAndReluDifferFromExactGelu) {
  torch::NoGradGuard no_grad;
  const Batch batch = make_batch(2, 5, 6);
  BertConfig config = small_bert_config();
  const torch::Tensor exact = dense_model(12, config)->forward(batch.ids, batch.mask, {});
  for (const char* act : {"gelu_new", "gelu_pytorch_tanh", "relu"}) {
    config.hidden_act = act;
    const torch::Tensor other = dense_model(12, config)->forward(batch.ids, batch.mask, {});
    EXPECT_FALSE(torch::equal(other, exact)) << act;
    EXPECT_LT((other - exact).abs().max().item<double>(), 1.0) << act;
  }
  const torch::Tensor x = torch::linspace(-3, 3, 13);
  EXPECT_TRUE(torch::allclose(
      moe::model::apply_activation("gelu_new", x),
      0.5 * x * (1 + torch::tanh(0.7978845608028654 * (x + 0.044715 * x.pow(3)))), 1e-6, 1e-6));
  config.hidden_act = "swish";
  EXPECT_MENTIONS(error_of([&] { BertEncoder m(config, EncoderLayout{}); }), "swish");
}

TEST(LoadParameters, ListsMissingUnexpectedAndMisshapedTensors) {
  BertEncoder dense = dense_model(13);
  NamedTensors tensors = hf_tensors(dense);
  tensors.erase("encoder.layer.1.output.dense.bias");
  tensors["cls.predictions.bias"] = torch::zeros({100});
  tensors["embeddings.position_embeddings.weight"] = torch::zeros({64, 32});
  BertEncoder target(small_bert_config(), EncoderLayout{});
  const std::string missing = error_of([&] {
    moe::model::load_parameters(*target, tensors, {}, moe::model::SourceKind::dense_bert, "m.st");
  });
  EXPECT_MENTIONS(missing,
                  "m.st: 1 tensor(s) the model needs are missing: "
                  "encoder.layer.1.output.dense.bias");
  tensors["encoder.layer.1.output.dense.bias"] = torch::zeros({32});
  EXPECT_MENTIONS(error_of([&] {
                    moe::model::load_parameters(*target, tensors, {},
                                                moe::model::SourceKind::dense_bert, "m.st");
                  }),
                  "the model does not have: cls.predictions.bias");
  tensors.erase("cls.predictions.bias");
  EXPECT_MENTIONS(error_of([&] {
                    moe::model::load_parameters(*target, tensors, {},
                                                moe::model::SourceKind::dense_bert, "m.st");
                  }),
                  "embeddings.position_embeddings.weight is [64, 32], the model needs [32, 32]");
}

TEST(EncoderLayout, ParsesExpertLayerChoices) {
  using moe::model::parse_expert_layers;
  EXPECT_EQ(parse_expert_layers("all", 3, "k"), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(parse_expert_layers("middle", 12, "k"), (std::vector<int64_t>{6}));
  EXPECT_EQ(parse_expert_layers("middle", 1, "k"), (std::vector<int64_t>{0}));
  EXPECT_EQ(parse_expert_layers("none", 12, "k"), (std::vector<int64_t>{}));
  EXPECT_EQ(parse_expert_layers("11,0,5", 12, "k"), (std::vector<int64_t>{0, 5, 11}));
  EXPECT_MENTIONS(error_of([] { parse_expert_layers("0,12", 12, "model.expert_layers"); }),
                  "model.expert_layers: layer 12 is outside 0..11");
  EXPECT_MENTIONS(error_of([] { parse_expert_layers("1,1", 12, "k"); }), "listed twice");
  EXPECT_MENTIONS(error_of([] { parse_expert_layers("first", 12, "k"); }),
                  "'first' is not all, middle, none");
}

TEST(EncoderLayout, InconsistentLayoutsAreRefused) {
  EncoderLayout router;
  router.domains = {"only"};
  router.router = true;
  EXPECT_MENTIONS(error_of([&] { BertEncoder m(small_bert_config(), router); }),
                  "at least two domains");
  EncoderLayout pooling;
  pooling.pooling = "max";
  EXPECT_MENTIONS(error_of([&] { BertEncoder m(small_bert_config(), pooling); }), "'max'");
  EncoderLayout experts;
  experts.expert_layers = {0};
  EXPECT_MENTIONS(error_of([&] { BertEncoder m(small_bert_config(), experts); }),
                  "at least one domain");
}

TEST(EncoderLayout, ExpertsHeldElsewhereAreNotBuiltAndNotUsable) {
  EncoderLayout layout = layout_with({0, 1}, false);
  layout.local_domains = {2};
  BertEncoder model(small_bert_config(), layout);
  for (const auto& item : model->named_parameters()) {
    const std::string expert = moe::model::checkpoint_name(item.key()).expert;
    EXPECT_TRUE(expert.empty() || expert == "skin") << item.key();
  }
  model->eval();
  const Batch batch = make_batch(2, 4, 1);
  EXPECT_NO_THROW(model->forward(batch.ids, batch.mask, torch::full({2}, 2)));
  EXPECT_MENTIONS(error_of([&] { model->forward(batch.ids, batch.mask, torch::full({2}, 0)); }),
                  "the expert of domain cardio is not held by this process");
}

}  // namespace
