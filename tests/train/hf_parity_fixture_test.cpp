// Parity with Hugging Face on the committed fixture tests/fixtures/hf_parity, which
// tests/python/make_hf_parity_fixture.py writes with transformers and sentence-transformers (a
// small random BertModel, token batches and what those libraries compute on them). The folder
// is imported as the trainer imports model.init_from, then compared: last hidden states at real
// tokens, mean-pooled embeddings, the MNR loss and the gradient of every parameter. Skipped
// while the fixture is absent. A train-layer test because the loss lives in train/.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hf/pretrained_bert.h"
#include "hf/safetensors_file.h"
#include "model/bert_encoder.h"
#include "model/encoder_layout.h"
#include "model/parameter_loading.h"
#include "model/parameter_names.h"
#include "train/contrastive_loss.h"

namespace {

namespace fs = std::filesystem;
using moe::hf::SafetensorsReader;
using moe::model::BertEncoder;

constexpr char kFixtureDir[] = "tests/fixtures/hf_parity";  // CTest runs from the repo root
constexpr char kGenerateCommand[] =
    "python3 tests/python/make_hf_parity_fixture.py tests/fixtures/hf_parity";
// Two float32 implementations of the same arithmetic: only summation order differs.
constexpr double kTolerance = 1e-5;

struct TokenBatch {
  torch::Tensor input_ids;       // [batch, length] int64
  torch::Tensor attention_mask;  // [batch, length] int64, 1 at real tokens
};

// side: "anchor" or "positive".
TokenBatch read_batch(const SafetensorsReader& expected, const std::string& side) {
  return {expected.read_int64(side + "_input_ids"), expected.read_int64(side + "_attention_mask")};
}

// A dense encoder initialised from the Hugging Face folder, as Trainer does with
// model.init_from (dense layout, mean pooling, no head), in eval mode.
BertEncoder encoder_from_folder(const std::string& dir) {
  const moe::hf::PretrainedBert bert = moe::hf::read_pretrained_bert(dir);
  BertEncoder encoder(bert.config, moe::model::EncoderLayout{});
  moe::model::load_parameters(*encoder, bert.tensors, {}, moe::model::SourceKind::dense_bert,
                              bert.weights_path);
  encoder->eval();
  return encoder;
}

// Largest |actual - expected|; infinity (and a failure) when the shapes differ.
double max_abs_diff(const torch::Tensor& actual, const torch::Tensor& expected,
                    const std::string& what) {
  if (!actual.sizes().equals(expected.sizes())) {
    ADD_FAILURE() << what << ": shape " << actual.sizes() << ", expected " << expected.sizes();
    return std::numeric_limits<double>::infinity();
  }
  return (actual.detach() - expected).abs().max().item<double>();
}

// The rows of [batch, length, ...] at real tokens: [real tokens, ...].
torch::Tensor real_tokens(const torch::Tensor& per_position, const torch::Tensor& mask) {
  return per_position.index({mask.to(torch::kBool)});
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

class HfParity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::is_directory(kFixtureDir))
      GTEST_SKIP() << kFixtureDir << " is not there yet: generate it on a machine with "
                   << "transformers and sentence-transformers (" << kGenerateCommand
                   << ") and commit it";
    expected_ =
        std::make_unique<SafetensorsReader>(std::string(kFixtureDir) + "/expected.safetensors");
    encoder_ = encoder_from_folder(std::string(kFixtureDir) + "/model");
    batches_ = {{"anchor", read_batch(*expected_, "anchor")},
                {"positive", read_batch(*expected_, "positive")}};
  }

  // MNR over this one batch as the trainer computes it: the loss summed over the pairs,
  // divided by the global batch size.
  torch::Tensor mnr_loss() {
    const TokenBatch& anchors = batches_.at("anchor");
    const TokenBatch& positives = batches_.at("positive");
    moe::train::PairEmbeddings pairs;
    pairs.anchors = encoder_->embed(anchors.input_ids, anchors.attention_mask, torch::Tensor());
    pairs.positives =
        encoder_->embed(positives.input_ids, positives.attention_mask, torch::Tensor());
    pairs.all_positives = pairs.positives;
    moe::train::LossOptions options;
    options.kind = moe::train::LossKind::kMnr;
    options.scale = expected_->read("mnr_scale").item<double>();
    return moe::train::contrastive_loss_sum(pairs, options) / anchors.input_ids.size(0);
  }

  std::unique_ptr<SafetensorsReader> expected_;
  BertEncoder encoder_{nullptr};
  std::map<std::string, TokenBatch> batches_;
};

TEST_F(HfParity, LastHiddenStatesMatchAtRealTokens) {
  torch::NoGradGuard no_grad;
  for (const auto& [side, batch] : batches_) {
    const torch::Tensor hidden =
        encoder_->forward(batch.input_ids, batch.attention_mask, torch::Tensor());
    const torch::Tensor expected = expected_->read(side + "_last_hidden_state");
    ASSERT_TRUE(hidden.sizes().equals(expected.sizes()))
        << side << ": " << hidden.sizes() << ", expected " << expected.sizes();
    // Padding positions differ by design: moe-embed leaves them zero.
    EXPECT_LE(max_abs_diff(real_tokens(hidden, batch.attention_mask),
                           real_tokens(expected, batch.attention_mask), side),
              kTolerance)
        << side;
  }
}

TEST_F(HfParity, MeanPooledEmbeddingsMatch) {
  torch::NoGradGuard no_grad;
  for (const auto& [side, batch] : batches_) {
    const torch::Tensor embedding =
        encoder_->embed(batch.input_ids, batch.attention_mask, torch::Tensor());
    EXPECT_LE(max_abs_diff(embedding, expected_->read(side + "_embedding"), side), kTolerance)
        << side;
  }
}

TEST_F(HfParity, MnrLossMatches) {
  torch::NoGradGuard no_grad;
  EXPECT_LE(max_abs_diff(mnr_loss().reshape({1}), expected_->read("mnr_loss"), "mnr_loss"),
            kTolerance);
}

TEST_F(HfParity, EveryParameterGradientMatches) {
  std::map<std::string, torch::Tensor> parameters;  // Hugging Face name -> parameter
  for (const auto& item : encoder_->named_parameters())
    parameters[moe::model::checkpoint_name(item.key()).name] = item.value();
  encoder_->zero_grad();
  mnr_loss().backward();

  const std::string prefix = "grad.";
  std::vector<std::string> unmatched, compared;
  for (const std::string& stored : expected_->names()) {
    if (stored.rfind(prefix, 0) != 0) continue;
    const std::string name = stored.substr(prefix.size());
    const auto found = parameters.find(name);
    if (found == parameters.end()) {
      unmatched.push_back(name);
      continue;
    }
    compared.push_back(name);
    const torch::Tensor expected = expected_->read(stored);
    const torch::Tensor& grad = found->second.grad();
    ASSERT_TRUE(grad.defined()) << name << " got no gradient";
    // Relative to the gradient's own scale: large entries carry proportionally larger rounding.
    const double tolerance = kTolerance * std::max(1.0, expected.abs().max().item<double>());
    EXPECT_LE(max_abs_diff(grad, expected, name), tolerance) << name;
  }
  EXPECT_TRUE(unmatched.empty()) << "gradients of parameters moe-embed does not have: "
                                 << joined(unmatched);
  // The converse: every trained parameter was checked (the pooler is not trained).
  std::vector<std::string> unchecked;
  for (const auto& [name, parameter] : parameters)
    if (parameter.requires_grad() &&
        std::find(compared.begin(), compared.end(), name) == compared.end())
      unchecked.push_back(name);
  EXPECT_TRUE(unchecked.empty()) << "trained parameters without an expected gradient: "
                                 << joined(unchecked);
}

}  // namespace
