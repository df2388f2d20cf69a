// Training on a GPU (one rank per GPU, device = local rank): a contrastive step of the MoE
// (both dispatch modes) and of a dense model on CUDA over NCCL gives the loss and gradients
// of the same step on the CPU over MPI within float32 tolerance, and bf16 autocast training
// lowers the loss as float32 training does. Every rank skips when any rank lacks its GPU.
#include <gtest/gtest.h>
#include <mpi.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "dist/device_communicator.h"
#include "dist/mpi_communicator.h"
#include "support/gpu_ranks.h"
#include "support/small_bert.h"
#include "support/step_fixtures.h"
#include "train/contrastive_step.h"

namespace {

using moe::dist::MpiCommunicator;
using moe::train::ContrastiveStepOptions;
using moe::train::ExpertParallelModel;

constexpr int64_t kGlobalBatch = 8;

moe::model::BertConfig tiny_config() {
  moe::model::BertConfig c;
  c.vocab_size = 50;
  c.hidden_size = 32;
  c.num_layers = 2;
  c.num_heads = 4;
  c.intermediate_size = 64;
  c.max_position_embeddings = 16;
  c.hidden_dropout = 0.0;
  c.attention_dropout = 0.0;
  return c;
}

struct Outcome {
  double loss = 0;
  moe::testing_support::GradientMap gradients;
};

Outcome step_on(const torch::Device& device, const moe::model::EncoderLayout& layout,
                bool layer_dispatch) {
  auto world = MpiCommunicator::world();
  auto comm = moe::dist::make_device_communicator(*world, device, 60.0);
  const auto batch = moe::testing_support::seeded_pair_batch(
      kGlobalBatch, [](int64_t i) { return static_cast<int32_t>(i % 2); });
  const int64_t per_rank = kGlobalBatch / comm->size();
  const std::vector<moe::data::TokenPair> mine(batch.begin() + comm->rank() * per_rank,
                                               batch.begin() + (comm->rank() + 1) * per_rank);
  ExpertParallelModel model(tiny_config(), layout, *comm, 7, 2, layer_dispatch, device);
  ContrastiveStepOptions options;
  options.global_batch_size = kGlobalBatch;
  int64_t turn = 0;
  Outcome outcome;
  outcome.loss = moe::train::contrastive_forward_backward(model, *comm, mine, options, turn).loss;
  outcome.gradients = moe::testing_support::gradients_of(model);
  return outcome;
}

class CudaTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!moe::testing_support::every_rank_has_a_gpu()) GTEST_SKIP() << "needs one GPU per rank";
    device_ = torch::Device(torch::kCUDA,
                            static_cast<c10::DeviceIndex>(moe::testing_support::node_local_rank()));
  }
  torch::Device device_ = torch::kCPU;
};

TEST_F(CudaTraining, StepEqualsTheCpuStep) {
  const auto domains = moe::testing_support::domain_names(2);
  for (int expert_layers : {0, 2}) {
    for (bool layer_dispatch : {false, true}) {
      if (expert_layers == 0 && layer_dispatch) continue;
      SCOPED_TRACE(expert_layers == 0 ? "dense" : layer_dispatch ? "MoE, layer" : "MoE, data");
      const auto layout = moe::testing_support::expert_layout(domains, expert_layers);
      const Outcome cpu = step_on(torch::kCPU, layout, layer_dispatch);
      const Outcome gpu = step_on(device_, layout, layer_dispatch);
      EXPECT_NEAR(gpu.loss, cpu.loss, 1e-4);
      for (const auto& [key, gradient] : gpu.gradients) {
        const torch::Tensor& expected = cpu.gradients.at(key);
        const double scale = std::max(1.0, expected.abs().max().item<double>());
        EXPECT_LE((gradient.cpu() - expected).abs().max().item<double>(), 1e-4 * scale)
            << key.first << "/" << key.second;
      }
    }
  }
}

TEST_F(CudaTraining, Bf16AutocastLowersTheLossLikeFloat32) {
  auto world = MpiCommunicator::world();
  auto comm = moe::dist::make_device_communicator(*world, device_, 60.0);
  const auto layout = moe::testing_support::expert_layout(moe::testing_support::domain_names(2), 2);
  const auto batch = moe::testing_support::seeded_pair_batch(
      kGlobalBatch, [](int64_t i) { return static_cast<int32_t>(i % 2); });
  const int64_t per_rank = kGlobalBatch / comm->size();
  const std::vector<moe::data::TokenPair> mine(batch.begin() + comm->rank() * per_rank,
                                               batch.begin() + (comm->rank() + 1) * per_rank);
  std::vector<double> first, last;
  for (bool bf16 : {false, true}) {
    ExpertParallelModel model(tiny_config(), layout, *comm, 7, 2, false, device_);
    torch::optim::AdamW optimizer(model.encoder()->parameters(), torch::optim::AdamWOptions(1e-3));
    ContrastiveStepOptions options;
    options.global_batch_size = kGlobalBatch;
    options.bf16_autocast = bf16;
    int64_t turn = 0;
    double loss = 0;
    for (int step = 0; step < 20; ++step) {
      optimizer.zero_grad();
      loss = moe::train::contrastive_forward_backward(model, *comm, mine, options, turn).loss;
      if (step == 0) first.push_back(loss);
      optimizer.step();
    }
    last.push_back(loss);
    // Master weights stay float32.
    for (const auto& p : model.encoder()->parameters()) EXPECT_EQ(p.scalar_type(), torch::kFloat32);
  }
  EXPECT_LT(last[0], 0.5 * first[0]);  // float32 learns the batch
  EXPECT_LT(last[1], 0.5 * first[1]);  // so does bf16 autocast
  EXPECT_NEAR(first[1], first[0], 0.05 * first[0]);
}

}  // namespace
