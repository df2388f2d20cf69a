// Checks parallel_dropout: the drop rate and scaling of inverted dropout, masks that follow
// torch::manual_seed and not the thread count, gradients through the mask, every floating
// dtype, and identity outside training.
#include "model/parallel_dropout.h"

#include <gtest/gtest.h>

#include "support/expect_error.h"

namespace {

using moe::model::parallel_dropout;

TEST(ParallelDropout, DropsTheRequestedFractionAndScalesTheRest) {
  torch::manual_seed(3);
  const torch::Tensor input = torch::full({1000, 1001}, 2.0);  // an odd element count
  const torch::Tensor out = parallel_dropout(input, 0.1, true);
  const double dropped = (out == 0).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(dropped, 0.1, 0.002);  // 1e6 draws: the standard deviation is 0.0003
  const torch::Tensor kept = out.masked_select(out != 0);
  EXPECT_TRUE(torch::allclose(kept, torch::full_like(kept, 2.0 / 0.9)));
  // Neither half of a 64-bit draw is biased: even and odd elements drop alike.
  const torch::Tensor flat = (out.reshape({-1}).slice(0, 0, 1000000) == 0).to(torch::kFloat64);
  EXPECT_NEAR(flat.slice(0, 0, flat.size(0), 2).mean().item<double>(), 0.1, 0.003);
  EXPECT_NEAR(flat.slice(0, 1, flat.size(0), 2).mean().item<double>(), 0.1, 0.003);
}

TEST(ParallelDropout, MasksFollowTheSeedNotTheThreadCount) {
  const int threads = torch::get_num_threads();
  const torch::Tensor input = torch::ones({257, 129});
  torch::manual_seed(11);
  torch::set_num_threads(1);
  const torch::Tensor one_thread = parallel_dropout(input, 0.25, true);
  const torch::Tensor next = parallel_dropout(input, 0.25, true);
  torch::manual_seed(11);
  torch::set_num_threads(std::max(2, threads));
  const torch::Tensor several = parallel_dropout(input, 0.25, true);
  torch::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one_thread, several));
  EXPECT_FALSE(torch::equal(one_thread, next));  // each call draws a new mask
}

TEST(ParallelDropout, GradientsPassThroughTheKeptElementsOnly) {
  torch::manual_seed(5);
  torch::Tensor input = torch::randn({64, 33}, torch::requires_grad());
  const torch::Tensor out = parallel_dropout(input, 0.3, true);
  out.sum().backward();
  const torch::Tensor kept = (out != 0).to(torch::kFloat32);
  EXPECT_TRUE(torch::allclose(input.grad(), kept / 0.7));
  EXPECT_TRUE(torch::allclose(out, input.detach() * kept / 0.7));
}

TEST(ParallelDropout, WorksInEveryFloatingDtype) {
  for (const auto dtype : {torch::kFloat64, torch::kFloat16, torch::kBFloat16}) {
    torch::manual_seed(2);
    const torch::Tensor mask = parallel_dropout(torch::ones({4096}, dtype), 0.5, true);
    EXPECT_EQ(mask.scalar_type(), dtype);
    const double dropped = (mask == 0).to(torch::kFloat64).mean().item<double>();
    EXPECT_NEAR(dropped, 0.5, 0.05);
    EXPECT_TRUE(torch::equal(mask.masked_select(mask != 0).to(torch::kFloat32),
                             torch::full({(mask != 0).sum().item<int64_t>()}, 2.0)));
  }
}

TEST(ParallelDropout, IsTheIdentityOutsideTrainingOrAtZero) {
  const torch::Tensor input = torch::randn({8, 8});
  EXPECT_TRUE(parallel_dropout(input, 0.5, false).is_same(input));
  EXPECT_TRUE(parallel_dropout(input, 0.0, true).is_same(input));
  moe::model::ParallelDropout module(0.5);
  module->eval();
  EXPECT_TRUE(module(input).is_same(input));
  module->train();
  EXPECT_FALSE(torch::equal(module(input), input));
}

TEST(ParallelDropout, RejectsAProbabilityOutsideZeroToOne) {
  using moe::testing_support::error_of;
  EXPECT_MENTIONS(error_of([] { moe::model::ParallelDropout too_high(1.0); }), "outside [0, 1)");
  EXPECT_MENTIONS(error_of([] { parallel_dropout(torch::ones({2}), -0.1, true); }),
                  "outside [0, 1)");
}

}  // namespace
