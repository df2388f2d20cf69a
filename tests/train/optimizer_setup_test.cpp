// Checks the trainer's AdamW setup: BERT's decay groups (no decay on biases, LayerNorms or
// extra parameters), and release_gradients leaving gradients for the next backward pass to
// store rather than add to.
#include "train/optimizer_setup.h"

#include <gtest/gtest.h>

#include "model/parameter_names.h"
#include "support/small_bert.h"

namespace {

using moe::train::takes_weight_decay;

TEST(OptimizerSetup, DecaysWeightsAndEmbeddingsButNotBiasesOrLayerNorms) {
  EXPECT_TRUE(takes_weight_decay("encoder.layer.0.attention.self.query.weight"));
  EXPECT_TRUE(takes_weight_decay("embeddings.word_embeddings.weight"));
  EXPECT_FALSE(takes_weight_decay("encoder.layer.0.attention.self.query.bias"));
  EXPECT_FALSE(takes_weight_decay("encoder.layer.0.output.LayerNorm.weight"));
  EXPECT_FALSE(takes_weight_decay("embeddings.LayerNorm.bias"));
}

TEST(OptimizerSetup, GroupsEveryTrainableParameterOnceWithItsDecay) {
  moe::model::BertEncoder model = moe::testing_support::make_small_model({"a", "b"}, 3);
  const torch::Tensor extra = torch::zeros({1}, torch::requires_grad());
  const auto optimizer = moe::train::make_adamw(*model, 1e-3, 0.01, {extra});
  const auto& groups = optimizer->param_groups();
  ASSERT_EQ(groups.size(), 3u);
  auto decay_of = [&](size_t g) {
    return static_cast<const torch::optim::AdamWOptions&>(groups[g].options()).weight_decay();
  };
  EXPECT_DOUBLE_EQ(decay_of(0), 0.01);
  EXPECT_DOUBLE_EQ(decay_of(1), 0.0);
  EXPECT_DOUBLE_EQ(decay_of(2), 0.0);
  EXPECT_TRUE(groups[2].params()[0].is_same(extra));
  size_t trainable = 0;
  for (const auto& item : model->named_parameters()) {
    if (!item.value().requires_grad()) continue;
    ++trainable;
    const size_t expected =
        takes_weight_decay(moe::model::checkpoint_name(item.key()).name) ? 0 : 1;
    int found = 0;
    for (size_t g = 0; g < 2; ++g)
      for (const torch::Tensor& p : groups[g].params())
        if (p.is_same(item.value())) found += g == expected ? 1 : 100;
    EXPECT_EQ(found, 1) << item.key();
  }
  EXPECT_EQ(groups[0].params().size() + groups[1].params().size(), trainable);
}

TEST(OptimizerSetup, ReleasedGradientsAreStoredAfreshByTheNextBackward) {
  const torch::Tensor weight = torch::ones({3}, torch::requires_grad());
  const torch::Tensor extra = torch::ones({1}, torch::requires_grad());
  torch::optim::AdamW optimizer({weight, extra});
  (weight * 5.0).sum().backward();
  (extra * 2.0).sum().backward();
  moe::train::release_gradients(optimizer);
  EXPECT_FALSE(weight.grad().defined());
  EXPECT_FALSE(extra.grad().defined());
  (weight * 3.0).sum().backward();
  EXPECT_TRUE(torch::equal(weight.grad(), torch::full({3}, 3.0)));  // not 5 + 3
  EXPECT_FALSE(extra.grad().defined());
}

}  // namespace
