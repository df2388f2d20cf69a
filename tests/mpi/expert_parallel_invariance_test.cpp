// The central invariant of the distributed runtime (DESIGN.md): a step on P ranks with the
// global batch split among them gives the same loss and the same gradient for every
// parameter as one process holding every expert with the whole global batch — for dense
// and mixture-of-experts models, for every placement that P allows (P = E, P = k*E,
// E = k*P), when an expert receives no example at all, and with domain tokens, a router,
// experts in one layer only and a projection head.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>

#include "common/error.h"
#include "dist/mpi_communicator.h"
#include "model/parameter_names.h"
#include "support/small_bert.h"  // expert_layout
#include "support/step_fixtures.h"
#include "train/contrastive_step.h"

namespace {

using moe::data::TokenPair;
using moe::testing_support::domain_names;
using moe::testing_support::GradientMap;
using moe::testing_support::gradients_of;
using moe::train::ContrastiveStepOptions;
using moe::train::ExpertParallelModel;

constexpr int64_t kGlobalBatch = 12;  // divisible by 1, 2, 3 and 4 ranks
constexpr double kTolerance = 1e-5;

moe::model::BertConfig tiny_config() {
  moe::model::BertConfig c;
  c.vocab_size = 50;
  c.hidden_size = 16;
  c.num_layers = 2;
  c.num_heads = 2;
  c.intermediate_size = 32;
  c.max_position_embeddings = 16;
  c.hidden_dropout = 0.0;
  c.attention_dropout = 0.0;
  return c;
}

// The same global batch on every rank, domains from `domain_of`.
std::vector<TokenPair> global_batch(const std::function<int32_t(int64_t)>& domain_of) {
  return moe::testing_support::seeded_pair_batch(kGlobalBatch, domain_of);
}

// This rank's contiguous slice of the global batch, as the loader hands it out.
std::vector<TokenPair> share_of_rank(const std::vector<TokenPair>& batch,
                                     const moe::dist::Communicator& world) {
  const int64_t per_rank = kGlobalBatch / world.size();
  return {batch.begin() + world.rank() * per_rank, batch.begin() + (world.rank() + 1) * per_rank};
}

struct StepOutcome {
  double loss = 0.0;
  GradientMap gradients;
};

moe::model::EncoderLayout layout_of(int num_domains, bool mixture_of_experts) {
  moe::model::EncoderLayout layout = moe::testing_support::expert_layout(
      domain_names(num_domains), mixture_of_experts ? tiny_config().num_layers : 0);
  return layout;
}

StepOutcome run_step(moe::dist::Communicator& comm, const moe::model::EncoderLayout& layout,
                     const std::vector<TokenPair>& my_examples, bool layer_dispatch,
                     bool same_domain_negatives = false) {
  ExpertParallelModel model(tiny_config(), layout, comm, /*seed=*/99, /*cls_token_id=*/2,
                            layer_dispatch);
  int64_t turn = 0;
  ContrastiveStepOptions options;
  options.global_batch_size = kGlobalBatch;
  options.same_domain_negatives = same_domain_negatives;
  StepOutcome outcome;
  outcome.loss =
      moe::train::contrastive_forward_backward(model, comm, my_examples, options, turn).loss;
  outcome.gradients = gradients_of(model);
  return outcome;
}

// Runs the reference (this process alone, every expert, whole batch) and the distributed
// step in both dispatch modes, then compares loss and every gradient this rank holds.
void expect_same_as_single_process(const moe::model::EncoderLayout& layout,
                                   const std::function<int32_t(int64_t)>& domain_of,
                                   bool layer_dispatch);

void expect_same_as_single_process(const moe::model::EncoderLayout& layout,
                                   const std::function<int32_t(int64_t)>& domain_of) {
  for (bool layer_dispatch : {false, true}) {
    SCOPED_TRACE(layer_dispatch ? "layer dispatch" : "data dispatch");
    expect_same_as_single_process(layout, domain_of, layer_dispatch);
  }
}

void expect_same_as_single_process(const moe::model::EncoderLayout& layout,
                                   const std::function<int32_t(int64_t)>& domain_of,
                                   bool layer_dispatch) {
  auto world = moe::dist::MpiCommunicator::world();
  auto self = moe::dist::MpiCommunicator::self();
  const std::vector<TokenPair> batch = global_batch(domain_of);

  const StepOutcome reference = run_step(*self, layout, batch, /*layer_dispatch=*/false);

  const std::vector<TokenPair> mine = share_of_rank(batch, *world);
  const StepOutcome distributed = run_step(*world, layout, mine, layer_dispatch);

  EXPECT_NEAR(distributed.loss, reference.loss, kTolerance);
  ASSERT_FALSE(distributed.gradients.empty());
  for (const auto& [key, gradient] : distributed.gradients) {
    auto it = reference.gradients.find(key);
    ASSERT_NE(it, reference.gradients.end()) << key.first << "/" << key.second;
    // Relative to the gradient's size: sums over every token (token-type embeddings, biases)
    // reach tens, where float32 summation order alone moves the last digits.
    const double difference = (gradient - it->second).abs().max().item<double>();
    const double scale = std::max(1.0, it->second.abs().max().item<double>());
    EXPECT_LE(difference, kTolerance * scale)
        << "gradient of " << (key.first.empty() ? "shared" : key.first) << "/" << key.second
        << " (largest entry " << scale << ")";
  }
  // The check must not be vacuous: the reference gradients are not all zero.
  double reference_norm = 0.0;
  for (const auto& [key, gradient] : reference.gradients)
    reference_norm += gradient.pow(2).sum().item<double>();
  EXPECT_GT(reference_norm, 1e-6);
}

bool placement_possible(int experts, int ranks) {
  return ranks % experts == 0 || experts % ranks == 0;
}

TEST(ExpertParallelInvariance, DenseModelAllDomains) {
  expect_same_as_single_process(layout_of(2, false),
                                [](int64_t i) { return static_cast<int32_t>(i % 2); });
}

TEST(ExpertParallelInvariance, MixtureOfExpertsEveryPossiblePlacement) {
  auto world = moe::dist::MpiCommunicator::world();
  for (int experts = 1; experts <= 4; ++experts) {
    if (!placement_possible(experts, world->size())) continue;
    SCOPED_TRACE("experts " + std::to_string(experts) + ", ranks " + std::to_string(world->size()));
    expect_same_as_single_process(layout_of(experts, true), [experts](int64_t i) {
      return static_cast<int32_t>((i * 7 + 3) % experts);  // mixed, uneven per rank
    });
  }
}

TEST(ExpertParallelInvariance, ExpertWithNoExamplesDoesNotHang) {
  auto world = moe::dist::MpiCommunicator::world();
  const int experts = world->size() >= 2 ? world->size() : 2;
  // Every example belongs to domain 0: the other experts (and their ranks) get nothing.
  expect_same_as_single_process(layout_of(experts, true), [](int64_t) { return 0; });
}

// Several experts per rank (E = 2P) and all examples in domain 0: under layer dispatch the
// ranks holding only other experts receive no token at all and must still join the backward
// all-to-alls (this hung before run_experts kept empty inputs in the graph).
TEST(ExpertParallelInvariance, RankWithSeveralIdleExpertsDoesNotHang) {
  auto world = moe::dist::MpiCommunicator::world();
  expect_same_as_single_process(layout_of(2 * world->size(), true), [](int64_t) { return 0; });
}

TEST(ExpertParallelInvariance, DomainTokensRouterMiddleLayerAndHead) {
  auto world = moe::dist::MpiCommunicator::world();
  const int experts = world->size() >= 2 ? world->size() : 2;
  moe::model::EncoderLayout layout = layout_of(experts, true);
  layout.expert_layers = {1};
  layout.domain_tokens = true;
  layout.router = true;
  layout.projection_head = true;
  layout.projection_size = 8;
  expect_same_as_single_process(
      layout, [experts](int64_t i) { return static_cast<int32_t>((i * 5 + 1) % experts); });
}

TEST(ExpertParallelInvariance, SameDomainNegatives) {
  auto world = moe::dist::MpiCommunicator::world();
  auto self = moe::dist::MpiCommunicator::self();
  const int experts = world->size() >= 2 ? world->size() : 2;
  const moe::model::EncoderLayout layout = layout_of(experts, true);
  const std::vector<TokenPair> batch =
      global_batch([experts](int64_t i) { return static_cast<int32_t>((i * 7 + 3) % experts); });
  const std::vector<TokenPair> mine = share_of_rank(batch, *world);
  const StepOutcome reference = run_step(*self, layout, batch, false, true);
  const StepOutcome all_negatives = run_step(*self, layout, batch, false, false);
  EXPECT_LT(reference.loss, all_negatives.loss);  // fewer negatives: the option acts
  for (bool layer_dispatch : {false, true}) {
    const StepOutcome distributed = run_step(*world, layout, mine, layer_dispatch, true);
    EXPECT_NEAR(distributed.loss, reference.loss, kTolerance);
    for (const auto& [key, gradient] : distributed.gradients) {
      const torch::Tensor& expected = reference.gradients.at(key);
      const double scale = std::max(1.0, expected.abs().max().item<double>());
      EXPECT_LE((gradient - expected).abs().max().item<double>(), kTolerance * scale)
          << key.first << "/" << key.second;
    }
  }
}

// Parameters (expert, name) after `steps` AdamW steps on this rank's share of the batch.
GradientMap train_steps(moe::dist::Communicator& comm, const moe::model::EncoderLayout& layout,
                        const std::vector<TokenPair>& my_examples, bool layer_dispatch, int steps) {
  ExpertParallelModel model(tiny_config(), layout, comm, 99, 2, layer_dispatch);
  std::vector<torch::Tensor> trainable;
  for (const auto& p : model.encoder()->parameters())
    if (p.requires_grad()) trainable.push_back(p);
  torch::optim::AdamW optimizer(trainable, torch::optim::AdamWOptions(1e-3).weight_decay(0.01));
  ContrastiveStepOptions options;
  options.global_batch_size = kGlobalBatch;
  int64_t turn = 0;
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    moe::train::contrastive_forward_backward(model, comm, my_examples, options, turn);
    model.clip_gradients(1.0);
    optimizer.step();
  }
  GradientMap parameters;
  for (const auto& item : model.encoder()->named_parameters()) {
    const auto name = moe::model::checkpoint_name(item.key());
    parameters[{name.expert, name.name}] = item.value().detach().clone();
  }
  return parameters;
}

TEST(ExpertParallelInvariance, ParametersAgreeAfterSeveralAdamWSteps) {
  auto world = moe::dist::MpiCommunicator::world();
  auto self = moe::dist::MpiCommunicator::self();
  const int experts = world->size() >= 2 ? world->size() : 2;
  const moe::model::EncoderLayout layout = layout_of(experts, true);
  const std::vector<TokenPair> batch =
      global_batch([experts](int64_t i) { return static_cast<int32_t>((i * 7 + 3) % experts); });
  const std::vector<TokenPair> mine = share_of_rank(batch, *world);
  const GradientMap reference = train_steps(*self, layout, batch, false, 3);
  for (bool layer_dispatch : {false, true}) {
    SCOPED_TRACE(layer_dispatch ? "layer dispatch" : "data dispatch");
    const GradientMap trained = train_steps(*world, layout, mine, layer_dispatch, 3);
    double largest_change = 0.0;
    for (const auto& [key, value] : trained) {
      const torch::Tensor& expected = reference.at(key);
      EXPECT_LE((value - expected).abs().max().item<double>(), 1e-4)
          << (key.first.empty() ? "shared" : key.first) << "/" << key.second;
    }
    // Not vacuous: training moved the parameters (3 steps of lr 1e-3 move each by ~3e-3).
    ExpertParallelModel initial(tiny_config(), layout, *self, 99, 2);
    for (const auto& item : initial.encoder()->named_parameters()) {
      const auto name = moe::model::checkpoint_name(item.key());
      const auto found = trained.find({name.expert, name.name});
      if (found != trained.end())
        largest_change =
            std::max(largest_change, (found->second - item.value()).abs().max().item<double>());
    }
    EXPECT_GT(largest_change, 1e-3);
  }
}

TEST(ExpertParallelInvariance, ImpossiblePlacementIsRefusedClearly) {
  auto world = moe::dist::MpiCommunicator::world();
  if (world->size() != 3 && world->size() != 4) GTEST_SKIP() << "needs 3 or 4 ranks";
  const int experts = world->size() == 3 ? 2 : 3;
  try {
    ExpertParallelModel model(tiny_config(), layout_of(experts, true), *world, 1, -1);
    FAIL() << "expected a placement error";
  } catch (const moe::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be placed evenly"), std::string::npos) << e.what();
  }
}

}  // namespace
