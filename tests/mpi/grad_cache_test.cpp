// The contrastive losses across ranks and GradCache (ContrastiveStepOptions::mini_batch_size):
//  - every loss kind, fixed or learned scale, with or without same-domain negatives: the sum
//    over ranks of the rank-local loss sums, and every gradient, equal one process's;
//  - GradCache with mini batches of 1, 2 and 3 pairs gives the loss and every gradient of
//    the plain step of one process holding the whole batch (no dropout), for a dense model
//    and a mixture of experts with a router in both dispatch modes, ranks holding uneven
//    shares (with 4 ranks one holds none, so it runs empty chunks under layer dispatch);
//  - the same with same-domain negatives;
//  - with dropout, GradCache equals the same chunks kept with their graphs, so the second
//    forward of each chunk replays the first's masks; with one chunk it is the plain step;
//  - both variants report the wall time of their phases.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "dist/differentiable_collectives.h"
#include "dist/gradient_sync.h"
#include "dist/mpi_communicator.h"
#include "support/small_bert.h"
#include "support/step_fixtures.h"
#include "train/contrastive_loss.h"
#include "train/contrastive_step.h"

namespace {

using moe::data::TokenPair;
using moe::testing_support::GradientMap;
using moe::train::ContrastiveStepOptions;
using moe::train::ExpertParallelModel;
using moe::train::LossKind;
using moe::train::LossParameters;

constexpr int64_t kGlobalBatch = 12;
constexpr double kTolerance = 1e-5;
const LossKind kKinds[] = {LossKind::kMnr, LossKind::kMnrSymmetric, LossKind::kMnrPlus};

// ---- the losses on their own ----

// This rank's rows of a global batch: rank r holds base + (P - 1 - 2r) of them, so shares
// differ (with 4 ranks: 6, 4, 2, 0) and sum to `total`.
std::pair<int64_t, int64_t> uneven_rows(int64_t total, const moe::dist::Communicator& world) {
  const int64_t ranks = world.size(), base = total / ranks;
  int64_t begin = 0;
  for (int r = 0; r < world.rank(); ++r) begin += base + (ranks - 1 - 2 * r);
  const int64_t count = ranks == 1 ? total : base + (ranks - 1 - 2 * world.rank());
  return {begin, begin + count};
}

// Largest entry of |x - y| (0 for empty tensors: a rank without rows).
double largest_difference(const torch::Tensor& x, const torch::Tensor& y) {
  return x.numel() == 0 ? 0.0 : (x - y).abs().max().item<double>();
}

TEST(DistributedContrastiveLoss, RankSumsAndGradientsEqualOneProcess) {
  auto world = moe::dist::MpiCommunicator::world();
  torch::manual_seed(17);  // the same global embeddings on every rank
  const torch::Tensor a0 = torch::randn({kGlobalBatch, 8});
  const torch::Tensor b0 = torch::randn({kGlobalBatch, 8});
  const torch::Tensor domains = torch::arange(kGlobalBatch, torch::kInt64).remainder(3);
  const auto [begin, end] = uneven_rows(kGlobalBatch, *world);
  for (LossKind kind : kKinds)
    for (bool learned : {false, true})
      for (bool same_domain : {false, true}) {
        SCOPED_TRACE(moe::train::loss_kind_name(kind) + (learned ? " learned" : " fixed") +
                     (same_domain ? " same-domain" : ""));
        auto loss_options = [&](const LossParameters& parameters) {
          moe::train::LossOptions options;
          options.kind = kind;
          options.scale = 7.0;
          options.log_scale = parameters.log_scale;
          return options;
        };
        const double initial = moe::train::initial_learned_scale(kind, 7.0);
        // One process, whole batch.
        const LossParameters whole_parameters =
            learned ? LossParameters::learned_scale(initial) : LossParameters{};
        const torch::Tensor a_whole = a0.clone().requires_grad_(true);
        const torch::Tensor b_whole = b0.clone().requires_grad_(true);
        moe::train::PairEmbeddings whole;
        whole.anchors = whole.all_anchors = a_whole;
        whole.positives = whole.all_positives = b_whole;
        if (same_domain) whole.domains = whole.all_domains = domains;
        const torch::Tensor whole_loss =
            moe::train::contrastive_loss_sum(whole, loss_options(whole_parameters));
        whole_loss.backward();

        // This rank's rows against every rank's, gathered with gradient.
        const LossParameters parameters =
            learned ? LossParameters::learned_scale(initial) : LossParameters{};
        const torch::Tensor a = a0.slice(0, begin, end).clone().requires_grad_(true);
        const torch::Tensor b = b0.slice(0, begin, end).clone().requires_grad_(true);
        moe::train::PairEmbeddings mine;
        mine.anchors = a;
        mine.positives = b;
        mine.all_anchors = moe::dist::all_gather_rows_with_grad(*world, a);
        mine.all_positives = moe::dist::all_gather_rows_with_grad(*world, b);
        mine.offset = begin;
        if (same_domain) {
          mine.domains = domains.slice(0, begin, end);
          mine.all_domains = domains;
        }
        const torch::Tensor local_sum =
            moe::train::contrastive_loss_sum(mine, loss_options(parameters));
        local_sum.backward();
        torch::Tensor total = local_sum.detach().reshape({1}).clone();
        world->all_reduce_sum(total);
        if (learned) moe::dist::sum_gradients(*world, parameters.parameters());

        EXPECT_NEAR(total.item<double>(), whole_loss.item<double>(),
                    kTolerance * std::max(1.0, std::abs(whole_loss.item<double>())));
        EXPECT_LT(largest_difference(a.grad(), a_whole.grad().slice(0, begin, end)), kTolerance);
        EXPECT_LT(largest_difference(b.grad(), b_whole.grad().slice(0, begin, end)), kTolerance);
        if (learned) {
          EXPECT_NEAR(parameters.log_scale.grad().item<double>(),
                      whole_parameters.log_scale.grad().item<double>(), kTolerance);
        }
      }
}

// ---- GradCache ----

moe::model::BertConfig config_with_dropout(double dropout) {
  moe::model::BertConfig c = moe::testing_support::small_bert_config();
  c.hidden_dropout = dropout;
  c.attention_dropout = dropout;
  return c;
}

// A model layout and how its examples are spread over domains and dispatched.
struct ModelSetup {
  std::string name;
  moe::model::EncoderLayout layout;
  int experts = 0;  // domains
  bool layer_dispatch = false;
};

std::vector<ModelSetup> setups(int ranks) {
  const int experts = std::max(ranks, 2);
  ModelSetup dense{"dense",
                   moe::testing_support::expert_layout(moe::testing_support::domain_names(2), 0), 2,
                   false};
  moe::model::EncoderLayout mixture =
      moe::testing_support::expert_layout(moe::testing_support::domain_names(experts));
  mixture.router = true;  // its cross-entropy joins the objective, chunk by chunk
  mixture.domain_tokens = true;
  return {dense,
          {"experts, data dispatch", mixture, experts, false},
          {"experts, layer dispatch", mixture, experts, true}};
}

std::vector<TokenPair> batch_of(const ModelSetup& setup) {
  const int experts = setup.experts;
  return moe::testing_support::seeded_pair_batch(
      kGlobalBatch, [experts](int64_t i) { return static_cast<int32_t>((i * 7 + 3) % experts); });
}

struct StepOutcome {
  moe::train::ContrastiveStepResult result;
  GradientMap gradients;  // with the learned scale's as ("", "log_scale")
};

// One step of a fresh model (the same initial parameters everywhere) with the dropout
// generators seeded by `seed`.
StepOutcome run_step(moe::dist::Communicator& comm, const ModelSetup& setup, bool layer_dispatch,
                     const std::vector<TokenPair>& examples, ContrastiveStepOptions options,
                     double dropout, bool learned_scale, uint64_t seed = 1234) {
  ExpertParallelModel model(config_with_dropout(dropout), setup.layout, comm, /*seed=*/99,
                            /*cls_token_id=*/2, layer_dispatch);
  model.encoder()->train();
  options.global_batch_size = kGlobalBatch;
  if (learned_scale)
    options.loss_parameters = LossParameters::learned_scale(
        moe::train::initial_learned_scale(options.loss, options.scale));
  torch::manual_seed(seed);
  int64_t turn = 0;
  StepOutcome outcome;
  outcome.result = moe::train::contrastive_forward_backward(model, comm, examples, options, turn);
  outcome.gradients = moe::testing_support::gradients_of(model);
  if (learned_scale)
    outcome.gradients[{"", "log_scale"}] = options.loss_parameters.log_scale.grad().clone();
  return outcome;
}

// Loss, router loss and every gradient `actual` holds, relative to the gradient's size.
void expect_same_step(const StepOutcome& actual, const StepOutcome& expected) {
  EXPECT_NEAR(actual.result.loss, expected.result.loss, kTolerance);
  EXPECT_NEAR(actual.result.router_loss, expected.result.router_loss, kTolerance);
  EXPECT_NEAR(actual.result.router_accuracy, expected.result.router_accuracy, 1e-12);
  for (const auto& [key, gradient] : actual.gradients) {
    const auto found = expected.gradients.find(key);
    if (found == expected.gradients.end()) {
      ADD_FAILURE() << "no reference gradient for " << key.first << "/" << key.second;
      continue;
    }
    const double scale = std::max(1.0, found->second.abs().max().item<double>());
    EXPECT_LE((gradient - found->second).abs().max().item<double>(), kTolerance * scale)
        << (key.first.empty() ? "shared" : key.first) << "/" << key.second << " (largest entry "
        << scale << ")";
  }
}

double gradient_norm(const GradientMap& gradients) {
  double total = 0.0;
  for (const auto& [key, gradient] : gradients) total += gradient.pow(2).sum().item<double>();
  return std::sqrt(total);
}

ContrastiveStepOptions step_options(LossKind kind, int64_t mini_batch_size,
                                    bool keep_chunk_graphs = false) {
  ContrastiveStepOptions options;
  options.loss = kind;
  options.mini_batch_size = mini_batch_size;
  options.keep_chunk_graphs = keep_chunk_graphs;
  return options;
}

TEST(GradCache, EqualsThePlainStepOfOneProcess) {
  auto world = moe::dist::MpiCommunicator::world();
  auto self = moe::dist::MpiCommunicator::self();
  for (const ModelSetup& setup : setups(world->size())) {
    const std::vector<TokenPair> batch = batch_of(setup);
    const auto [begin, end] = uneven_rows(kGlobalBatch, *world);
    const std::vector<TokenPair> mine(batch.begin() + begin, batch.begin() + end);
    for (LossKind kind : kKinds) {
      // The learned scale (the 2024 variant) on mnr_plus; the cosine losses' learned scale is
      // the same tensor path (DistributedContrastiveLoss above).
      const std::vector<bool> scales =
          kind == LossKind::kMnrPlus ? std::vector<bool>{false, true} : std::vector<bool>{false};
      for (bool learned : scales) {
        SCOPED_TRACE(setup.name + ", " + moe::train::loss_kind_name(kind) +
                     (learned ? ", learned scale" : ""));
        const StepOutcome reference =
            run_step(*self, setup, false, batch, step_options(kind, 0), 0.0, learned);
        EXPECT_GT(gradient_norm(reference.gradients), 1e-6);  // not vacuous
        for (int64_t mini_batch : {1, 2, 3}) {
          SCOPED_TRACE("mini batch " + std::to_string(mini_batch));
          expect_same_step(run_step(*world, setup, setup.layer_dispatch, mine,
                                    step_options(kind, mini_batch), 0.0, learned),
                           reference);
        }
      }
    }
  }
}

TEST(GradCache, SameDomainNegatives) {
  auto world = moe::dist::MpiCommunicator::world();
  auto self = moe::dist::MpiCommunicator::self();
  const ModelSetup setup = setups(world->size()).back();  // experts, layer dispatch
  const std::vector<TokenPair> batch = batch_of(setup);
  const auto [begin, end] = uneven_rows(kGlobalBatch, *world);
  const std::vector<TokenPair> mine(batch.begin() + begin, batch.begin() + end);
  for (LossKind kind : kKinds) {
    SCOPED_TRACE(moe::train::loss_kind_name(kind));
    ContrastiveStepOptions plain = step_options(kind, 0), cached = step_options(kind, 2);
    plain.same_domain_negatives = cached.same_domain_negatives = true;
    const StepOutcome reference = run_step(*self, setup, false, batch, plain, 0.0, false);
    expect_same_step(run_step(*world, setup, true, mine, cached, 0.0, false), reference);
    // The option acts: fewer negatives, a smaller loss.
    EXPECT_LT(reference.result.loss,
              run_step(*self, setup, false, batch, step_options(kind, 0), 0.0, false).result.loss);
  }
}

TEST(GradCache, ReplaysEachChunksDropoutMasks) {
  auto world = moe::dist::MpiCommunicator::world();
  const double dropout = 0.2;
  for (const ModelSetup& setup : setups(world->size())) {
    const std::vector<TokenPair> batch = batch_of(setup);
    const auto [begin, end] = uneven_rows(kGlobalBatch, *world);
    const std::vector<TokenPair> mine(batch.begin() + begin, batch.begin() + end);
    for (LossKind kind : kKinds)
      for (int64_t mini_batch : {1, 2, 3}) {
        SCOPED_TRACE(setup.name + ", " + moe::train::loss_kind_name(kind) + ", mini batch " +
                     std::to_string(mini_batch));
        const StepOutcome kept = run_step(*world, setup, setup.layer_dispatch, mine,
                                          step_options(kind, mini_batch, true), dropout, false);
        const StepOutcome cached = run_step(*world, setup, setup.layer_dispatch, mine,
                                            step_options(kind, mini_batch), dropout, false);
        expect_same_step(cached, kept);
      }
    // Not vacuous: other masks (another seed) change the step well beyond the tolerance.
    const StepOutcome one = run_step(*world, setup, setup.layer_dispatch, mine,
                                     step_options(LossKind::kMnr, 2), dropout, false, 1);
    const StepOutcome other = run_step(*world, setup, setup.layer_dispatch, mine,
                                       step_options(LossKind::kMnr, 2), dropout, false, 2);
    double largest = 0.0;  // the gradients show it more reliably than one loss value
    for (const auto& [key, gradient] : one.gradients)
      largest = std::max(largest, (gradient - other.gradients.at(key)).abs().max().item<double>());
    EXPECT_GT(largest, 100 * kTolerance) << setup.name;
  }
}

TEST(GradCache, OneChunkWithDropoutIsThePlainStep) {
  auto world = moe::dist::MpiCommunicator::world();
  for (const ModelSetup& setup : setups(world->size())) {
    SCOPED_TRACE(setup.name);
    const std::vector<TokenPair> batch = batch_of(setup);
    const auto [begin, end] = uneven_rows(kGlobalBatch, *world);
    const std::vector<TokenPair> mine(batch.begin() + begin, batch.begin() + end);
    // Same chunk, same padding, same masks: the plain step and GradCache draw alike.
    expect_same_step(run_step(*world, setup, setup.layer_dispatch, mine,
                              step_options(LossKind::kMnrPlus, kGlobalBatch), 0.2, true),
                     run_step(*world, setup, setup.layer_dispatch, mine,
                              step_options(LossKind::kMnrPlus, 0), 0.2, true));
  }
}

// Both step variants report where their time went: each phase is measured, and the phases
// together fit inside the step's own wall time.
TEST(ContrastiveStep, ReportsItsPhases) {
  auto world = moe::dist::MpiCommunicator::world();
  const ModelSetup setup = setups(world->size()).front();
  const std::vector<TokenPair> batch = batch_of(setup);
  const auto [begin, end] = uneven_rows(kGlobalBatch, *world);
  const std::vector<TokenPair> mine(batch.begin() + begin, batch.begin() + end);
  for (int64_t mini_batch : {int64_t{0}, int64_t{2}}) {
    SCOPED_TRACE(mini_batch);
    const auto start = std::chrono::steady_clock::now();
    const moe::train::StepPhaseSeconds phases =
        run_step(*world, setup, setup.layer_dispatch, mine,
                 step_options(LossKind::kMnr, mini_batch), 0.1, false)
            .result.phases;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_GT(phases.forward, 0.0);
    EXPECT_GT(phases.backward, 0.0);
    EXPECT_GT(phases.loss, 0.0);
    EXPECT_GE(phases.exchange, 0.0);
    EXPECT_GE(phases.gradient_sync, 0.0);
    EXPECT_LE(
        phases.exchange + phases.forward + phases.loss + phases.backward + phases.gradient_sync,
        wall);
  }
}

}  // namespace
