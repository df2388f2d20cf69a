// Checks the encoder's CPU matrix products (model/cpu_matmul.h): linear and batched_matmul
// equal LibTorch's products and gradients for the layouts the encoder uses (strided head
// views, transposes, expanded gradients), oneDNN really runs them (no silent fallback to a
// slow kernel), other dtypes and the aten choice are LibTorch's own results, and a bad choice
// is a clear error.
#include "model/cpu_matmul.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/onednn_product.h"
#include "support/expect_error.h"

namespace {

using moe::model::batched_matmul;
using moe::model::CpuMatmul;
using moe::model::linear;

// Restores the process-wide choice when a test changes it.
class ChoiceGuard {
 public:
  ChoiceGuard() : saved_(moe::model::cpu_matmul()) {}
  ~ChoiceGuard() { moe::model::set_cpu_matmul(saved_); }
  ChoiceGuard(const ChoiceGuard&) = delete;
  ChoiceGuard& operator=(const ChoiceGuard&) = delete;

 private:
  CpuMatmul saved_;
};

void expect_close(const torch::Tensor& actual, const torch::Tensor& expected) {
  ASSERT_EQ(actual.sizes(), expected.sizes());
  // float32 sums of hundreds of terms in another order: relative to the largest value.
  const double scale = std::max(1.0, expected.abs().max().item<double>());
  EXPECT_TRUE(torch::allclose(actual, expected, 1e-5, 1e-6 * scale))
      << "max abs difference " << (actual - expected).abs().max().item<double>();
}

torch::Tensor leaf(torch::IntArrayRef sizes) { return torch::randn(sizes).requires_grad_(true); }

// Values and the gradients of every input that requires one, against LibTorch's.
template <typename Ours, typename Reference>
void expect_same_as_libtorch(std::vector<torch::Tensor> inputs, Ours ours, Reference reference) {
  std::vector<torch::Tensor> copies;
  for (const torch::Tensor& input : inputs)
    copies.push_back(input.defined() ? input.detach().clone().requires_grad_(input.requires_grad())
                                     : input);
  const torch::Tensor out = ours(inputs);
  const torch::Tensor expected = reference(copies);
  expect_close(out, expected);
  const torch::Tensor weights = torch::randn(out.sizes());
  (out * weights).sum().backward();
  (expected * weights).sum().backward();
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) {
      SCOPED_TRACE("gradient of input " + std::to_string(i));
      expect_close(inputs[i].grad(), copies[i].grad());
    }
}

TEST(CpuMatmul, LinearMatchesLibTorchWithAndWithoutBias) {
  torch::manual_seed(1);
  auto ours = [](const std::vector<torch::Tensor>& t) { return linear(t[0], t[1], t[2]); };
  auto reference = [](const std::vector<torch::Tensor>& t) {
    return torch::nn::functional::linear(t[0], t[1], t[2]);
  };
  expect_same_as_libtorch({leaf({37, 24}), leaf({19, 24}), leaf({19})}, ours, reference);
  expect_same_as_libtorch({leaf({3, 5, 24}), leaf({19, 24}), torch::Tensor()}, ours, reference);
  // Token ids' embeddings need no gradient; the weights still get theirs.
  expect_same_as_libtorch({torch::randn({300, 64}), leaf({256, 64}), leaf({256})}, ours, reference);
}

TEST(CpuMatmul, BatchedMatmulReadsHeadViewsInPlace) {
  torch::manual_seed(2);
  const int64_t sequences = 3, length = 11, heads = 4, head_size = 8;
  auto split_heads = [&](const torch::Tensor& rows) {
    return rows.view({sequences, length, heads, head_size}).transpose(1, 2);
  };
  // Attention's two products on the strided views self_attention.cpp makes.
  expect_same_as_libtorch(
      {leaf({sequences, length, heads * head_size}), leaf({sequences, length, heads * head_size})},
      [&](const std::vector<torch::Tensor>& t) {
        return batched_matmul(split_heads(t[0]), split_heads(t[1]).transpose(-1, -2));
      },
      [&](const std::vector<torch::Tensor>& t) {
        return torch::matmul(split_heads(t[0]), split_heads(t[1]).transpose(-1, -2));
      });
  expect_same_as_libtorch(
      {leaf({sequences, heads, length, length}), leaf({sequences, length, heads * head_size})},
      [&](const std::vector<torch::Tensor>& t) { return batched_matmul(t[0], split_heads(t[1])); },
      [&](const std::vector<torch::Tensor>& t) { return torch::matmul(t[0], split_heads(t[1])); });
}

TEST(CpuMatmul, ExpandedGradientsAndBroadcastOperandsAreHandled) {
  torch::manual_seed(3);
  // sum()'s backward hands over an expanded (zero-stride) gradient.
  const torch::Tensor input = leaf({9, 6}), weight = leaf({5, 6});
  linear(input, weight, torch::Tensor()).sum().backward();
  expect_close(input.grad(), weight.sum(0).expand({9, 6}));
  expect_close(weight.grad(), input.detach().sum(0).expand({5, 6}));
  // Operands that differ in their leading dimensions are LibTorch's broadcasting matmul.
  const torch::Tensor a = torch::randn({2, 3, 4}), b = torch::randn({4, 5});
  EXPECT_TRUE(torch::equal(batched_matmul(a, b), torch::matmul(a, b)));
}

TEST(CpuMatmul, OneDnnRunsTheEncodersLayouts) {
  if (!moe::model::onednn_built()) GTEST_SKIP() << "built without oneDNN";
  const torch::Tensor rows = torch::randn({50, 32}), weight = torch::randn({64, 32});
  const torch::Tensor heads = torch::randn({2, 7, 4, 8}).transpose(1, 2);
  const torch::Tensor bias = torch::randn({64});
  // An undefined result would mean a fall back to LibTorch (only a reference kernel found).
  EXPECT_TRUE(moe::model::onednn_product(rows, weight.t(), bias).defined());
  EXPECT_TRUE(moe::model::onednn_product(rows.t(), torch::randn({50, 16}), {}).defined());
  EXPECT_TRUE(moe::model::onednn_product(heads, heads.transpose(-1, -2), {}).defined());
}

TEST(CpuMatmul, OtherDtypesAndTheAtenChoiceAreLibTorchsOwnResults) {
  torch::manual_seed(4);
  const torch::Tensor a = torch::randn({6, 5}, torch::kFloat64),
                      w = torch::randn({4, 5}, torch::kFloat64);
  EXPECT_TRUE(torch::equal(linear(a, w, torch::Tensor()), torch::nn::functional::linear(a, w, {})));
  ChoiceGuard guard;
  moe::model::set_cpu_matmul(CpuMatmul::aten);
  const torch::Tensor x = torch::randn({33, 17}), y = torch::randn({17, 40}),
                      b = torch::randn({40});
  EXPECT_TRUE(torch::equal(linear(x, y.t(), b), torch::nn::functional::linear(x, y.t(), b)));
  EXPECT_TRUE(torch::equal(batched_matmul(x.unsqueeze(0), y.unsqueeze(0)),
                           torch::matmul(x.unsqueeze(0), y.unsqueeze(0))));
}

TEST(CpuMatmul, ChoicesParseAndAMissingOneDnnIsAnError) {
  EXPECT_EQ(moe::model::parse_cpu_matmul("aten"), CpuMatmul::aten);
  EXPECT_EQ(moe::model::parse_cpu_matmul("onednn"), CpuMatmul::onednn);
  EXPECT_STREQ(moe::model::to_string(CpuMatmul::onednn), "onednn");
  const std::string bad =
      moe::testing_support::error_of([] { moe::model::parse_cpu_matmul("mkl"); });
  EXPECT_MENTIONS(bad, "'mkl' is not one of aten, onednn");
  if (moe::model::onednn_built()) {
    EXPECT_EQ(moe::model::cpu_matmul(), CpuMatmul::onednn);  // the default where built
  } else {
    const std::string missing =
        moe::testing_support::error_of([] { moe::model::set_cpu_matmul(CpuMatmul::onednn); });
    EXPECT_MENTIONS(missing, "libdnnl-dev");
  }
}

TEST(CpuMatmul, GroupedLinearEqualsEachGroupsLinearAndLeavesAnEmptyGroupWithoutGradient) {
  ChoiceGuard guard;
  for (const CpuMatmul choice : {CpuMatmul::aten, CpuMatmul::onednn}) {
    if (choice == CpuMatmul::onednn && !moe::model::onednn_built()) continue;
    SCOPED_TRACE(moe::model::to_string(choice));
    moe::model::set_cpu_matmul(choice);
    torch::manual_seed(9);
    const std::vector<int64_t> counts = {5, 0, 7};
    std::vector<torch::nn::Linear> layers, references;
    for (size_t g = 0; g < counts.size(); ++g) {
      layers.emplace_back(6, 4);
      references.emplace_back(6, 4);
      torch::NoGradGuard no_grad;
      references.back()->weight.copy_(layers.back()->weight);
      references.back()->bias.copy_(layers.back()->bias);
    }
    const torch::Tensor rows = leaf({12, 6});
    const torch::Tensor reference_rows = rows.detach().clone().requires_grad_(true);
    const torch::Tensor out = moe::model::grouped_linear(rows, counts, layers);
    std::vector<torch::Tensor> blocks = reference_rows.split_with_sizes(counts);
    for (size_t g = 0; g < counts.size(); ++g) blocks[g] = references[g](blocks[g]);
    const torch::Tensor expected = torch::cat(blocks);
    expect_close(out, expected);
    const torch::Tensor weights = torch::randn(out.sizes());
    (out * weights).sum().backward();
    (expected * weights).sum().backward();
    expect_close(rows.grad(), reference_rows.grad());
    for (size_t g = 0; g < counts.size(); ++g) {
      SCOPED_TRACE("group " + std::to_string(g));
      if (counts[g] == 0) {
        EXPECT_FALSE(layers[g]->weight.grad().defined());
        EXPECT_FALSE(layers[g]->bias.grad().defined());
        continue;
      }
      expect_close(layers[g]->weight.grad(), references[g]->weight.grad());
      expect_close(layers[g]->bias.grad(), references[g]->bias.grad());
    }
  }
  const std::string bad = moe::testing_support::error_of([] {
    moe::model::grouped_linear(torch::randn({3, 2}), {1, 1},
                               {torch::nn::Linear(2, 2), torch::nn::Linear(2, 2)});
  });
  EXPECT_MENTIONS(bad, "grouped linear: the groups' row counts do not add up to the rows");
}

}  // namespace
