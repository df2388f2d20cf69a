// The central invariant of the distributed runtime (DESIGN.md): a step on P ranks with the
// global batch split among them gives the same loss and the same gradient for every
// parameter as one process holding every expert with the whole global batch — for dense
// and mixture-of-experts models, for every placement that P allows (P = E, P = k*E,
// E = k*P), and when an expert receives no example at all.
#include <gtest/gtest.h>

#include <map>
#include <functional>
#include <random>

#include "common/error.h"
#include "dist/mpi_communicator.h"
#include "model/parameter_names.h"
#include "train/contrastive_step.h"

namespace {

using moe::data::TokenPair;
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

// The same global batch on every rank: varied lengths (so padding matters), domains from
// `domain_of`.
std::vector<TokenPair> global_batch(const std::function<int32_t(int64_t)>& domain_of) {
  std::mt19937_64 random(42);
  std::vector<TokenPair> batch;
  for (int64_t i = 0; i < kGlobalBatch; ++i) {
    TokenPair pair;
    for (auto* side : {&pair.a, &pair.b}) {
      const int64_t length = 3 + static_cast<int64_t>(random() % 9);
      side->push_back(2);  // a [CLS]-like first token
      for (int64_t t = 1; t < length; ++t) side->push_back(5 + static_cast<int32_t>(random() % 45));
    }
    pair.label = 1.0f;
    pair.domain = domain_of(i);
    batch.push_back(std::move(pair));
  }
  return batch;
}

std::vector<std::string> domain_names(int count) {
  std::vector<std::string> names;
  for (int d = 0; d < count; ++d) names.push_back("domain" + std::to_string(d));
  return names;
}

// Gradients keyed by (expert, Hugging Face name).
using GradientMap = std::map<std::pair<std::string, std::string>, torch::Tensor>;

GradientMap gradients_of(ExpertParallelModel& model) {
  GradientMap result;
  for (const auto& item : model.encoder()->named_parameters()) {
    const auto name = moe::model::checkpoint_name(item.key());
    const torch::Tensor& grad = item.value().grad();
    result[{name.expert, name.name}] =
        grad.defined() ? grad.clone() : torch::zeros_like(item.value());
  }
  return result;
}

struct StepOutcome {
  double loss = 0.0;
  GradientMap gradients;
};

StepOutcome run_step(moe::dist::Communicator& comm, int num_domains, bool mixture_of_experts,
                     const std::vector<TokenPair>& my_examples) {
  ExpertParallelModel model(tiny_config(), domain_names(num_domains), mixture_of_experts, comm,
                            /*seed=*/99);
  int64_t turn = 0;
  const ContrastiveStepOptions options{kGlobalBatch, 20.0, 0};
  StepOutcome outcome;
  outcome.loss = moe::train::contrastive_forward_backward(model, comm, my_examples, options, turn).loss;
  outcome.gradients = gradients_of(model);
  return outcome;
}

// Runs the reference (this process alone, every expert, whole batch) and the distributed
// step, then compares loss and every gradient this rank holds.
void expect_same_as_single_process(int num_domains, bool mixture_of_experts,
                                   const std::function<int32_t(int64_t)>& domain_of) {
  auto world = moe::dist::MpiCommunicator::world();
  auto self = moe::dist::MpiCommunicator::self();
  const std::vector<TokenPair> batch = global_batch(domain_of);

  const StepOutcome reference = run_step(*self, num_domains, mixture_of_experts, batch);

  const int64_t per_rank = kGlobalBatch / world->size();
  const std::vector<TokenPair> mine(batch.begin() + world->rank() * per_rank,
                                    batch.begin() + (world->rank() + 1) * per_rank);
  const StepOutcome distributed = run_step(*world, num_domains, mixture_of_experts, mine);

  EXPECT_NEAR(distributed.loss, reference.loss, kTolerance);
  ASSERT_FALSE(distributed.gradients.empty());
  for (const auto& [key, gradient] : distributed.gradients) {
    auto it = reference.gradients.find(key);
    ASSERT_NE(it, reference.gradients.end()) << key.first << "/" << key.second;
    const double difference = (gradient - it->second).abs().max().item<double>();
    EXPECT_LE(difference, kTolerance)
        << "gradient of " << (key.first.empty() ? "shared" : key.first) << "/" << key.second;
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
  expect_same_as_single_process(2, false, [](int64_t i) { return static_cast<int32_t>(i % 2); });
}

TEST(ExpertParallelInvariance, MixtureOfExpertsEveryPossiblePlacement) {
  auto world = moe::dist::MpiCommunicator::world();
  for (int experts = 1; experts <= 4; ++experts) {
    if (!placement_possible(experts, world->size())) continue;
    SCOPED_TRACE("experts " + std::to_string(experts) + ", ranks " +
                 std::to_string(world->size()));
    expect_same_as_single_process(experts, true, [experts](int64_t i) {
      return static_cast<int32_t>((i * 7 + 3) % experts);  // mixed, uneven per rank
    });
  }
}

TEST(ExpertParallelInvariance, ExpertWithNoExamplesDoesNotHang) {
  auto world = moe::dist::MpiCommunicator::world();
  const int experts = world->size() >= 2 ? world->size() : 2;
  // Every example belongs to domain 0: the other experts (and their ranks) get nothing.
  expect_same_as_single_process(experts, true, [](int64_t) { return 0; });
}

TEST(ExpertParallelInvariance, ImpossiblePlacementIsRefusedClearly) {
  auto world = moe::dist::MpiCommunicator::world();
  if (world->size() != 3 && world->size() != 4) GTEST_SKIP() << "needs 3 or 4 ranks";
  const int experts = world->size() == 3 ? 2 : 3;
  try {
    ExpertParallelModel model(tiny_config(), domain_names(experts), true, *world, 1);
    FAIL() << "expected a placement error";
  } catch (const moe::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be placed evenly"), std::string::npos) << e.what();
  }
}

}  // namespace
