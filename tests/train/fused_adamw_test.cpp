// Checks FusedAdamW against LibTorch's AdamW: the same parameters and moments after several
// steps with and without weight decay, the same state records (so checkpoints read them),
// parameters without gradients left alone, and AdamW's own step for what it cannot fuse.
#include "train/fused_adamw.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "train/optimizer_state_key.h"

namespace {

using moe::train::FusedAdamW;
using torch::optim::AdamW;
using torch::optim::AdamWOptions;
using torch::optim::AdamWParamState;

struct ParameterGroups {
  std::vector<torch::Tensor> decayed, plain;
};

ParameterGroups make_parameters(torch::ScalarType dtype) {
  torch::manual_seed(7);
  ParameterGroups s;
  s.decayed = {torch::randn({33, 17}, dtype).requires_grad_(),
               torch::randn({40000}, dtype).requires_grad_()};
  s.plain = {torch::randn({5}, dtype).requires_grad_(),
             torch::randn({3, 3}, dtype).requires_grad_()};
  return s;
}

template <typename Optimizer>
std::unique_ptr<Optimizer> make_optimizer(const ParameterGroups& s) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(s.decayed,
                      std::make_unique<AdamWOptions>(AdamWOptions(1e-2).weight_decay(0.1)));
  groups.emplace_back(s.plain,
                      std::make_unique<AdamWOptions>(AdamWOptions(1e-2).weight_decay(0.0)));
  return std::make_unique<Optimizer>(groups, AdamWOptions(1e-2));
}

// Steps both optimizers on the same gradients; `skip` gets no gradient.
void run_steps(AdamW& optimizer, const ParameterGroups& s, int steps, const torch::Tensor& skip) {
  torch::manual_seed(11);
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    for (const auto& group : {s.decayed, s.plain})
      for (const auto& p : group)
        if (!p.is_same(skip)) p.mutable_grad() = torch::randn_like(p) * (step + 1);
    optimizer.step();
  }
}

const AdamWParamState* state_of(AdamW& optimizer, const torch::Tensor& p) {
  const auto found = optimizer.state().find(moe::train::optimizer_state_key(optimizer, p));
  return found == optimizer.state().end()
             ? nullptr
             : static_cast<const AdamWParamState*>(found->second.get());
}

TEST(FusedAdamW, EqualsLibTorchsAdamW) {
  const ParameterGroups ours = make_parameters(torch::kFloat32),
                        theirs = make_parameters(torch::kFloat32);
  auto fused = make_optimizer<FusedAdamW>(ours);
  auto reference = make_optimizer<AdamW>(theirs);
  run_steps(*fused, ours, 6, ours.plain[1]);
  run_steps(*reference, theirs, 6, theirs.plain[1]);
  const std::vector<torch::Tensor> a = {ours.decayed[0], ours.decayed[1], ours.plain[0]};
  const std::vector<torch::Tensor> b = {theirs.decayed[0], theirs.decayed[1], theirs.plain[0]};
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-6, 1e-7))
        << "max difference " << (a[i] - b[i]).abs().max().item<double>();
    const AdamWParamState* x = state_of(*fused, a[i]);
    const AdamWParamState* y = state_of(*reference, b[i]);
    ASSERT_NE(x, nullptr);
    ASSERT_NE(y, nullptr);
    EXPECT_EQ(x->step(), 6);
    EXPECT_TRUE(torch::allclose(x->exp_avg(), y->exp_avg(), 1e-6, 1e-6))
        << (x->exp_avg() - y->exp_avg()).abs().max().item<double>();
    EXPECT_TRUE(torch::allclose(x->exp_avg_sq(), y->exp_avg_sq(), 1e-6, 1e-6))
        << (x->exp_avg_sq() - y->exp_avg_sq()).abs().max().item<double>();
  }
  // The parameter that never had a gradient: untouched and without state, as in AdamW.
  EXPECT_TRUE(torch::equal(ours.plain[1], theirs.plain[1]));
  EXPECT_EQ(state_of(*fused, ours.plain[1]), nullptr);
}

TEST(FusedAdamW, UsesAdamWsOwnStepForWhatItCannotFuse) {
  const ParameterGroups ours = make_parameters(torch::kFloat64),
                        theirs = make_parameters(torch::kFloat64);
  auto fused = make_optimizer<FusedAdamW>(ours);
  auto reference = make_optimizer<AdamW>(theirs);
  run_steps(*fused, ours, 3, torch::Tensor());
  run_steps(*reference, theirs, 3, torch::Tensor());
  EXPECT_TRUE(torch::equal(ours.decayed[1], theirs.decayed[1]));  // bit for bit: same code
  EXPECT_TRUE(torch::equal(ours.plain[0], theirs.plain[0]));
}

}  // namespace
