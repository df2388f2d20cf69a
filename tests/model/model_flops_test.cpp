// Checks the model FLOPs count against BERT-base worked out by hand.
#include "model/model_flops.h"

#include <gtest/gtest.h>

namespace {

TEST(ModelFlops, BertBaseAt128TokensIsTheHandCount) {
  moe::model::BertConfig base;
  base.hidden_size = 768;
  base.num_layers = 12;
  base.num_heads = 12;
  base.intermediate_size = 3072;
  // Per layer: projections 4 x 2 x 128 x 768^2 = 603,979,776; attention 2 x 2 x 128^2 x 768
  // = 50,331,648; feed-forward 2 x 2 x 128 x 768 x 3072 = 1,207,959,552.
  const double per_layer = 603979776.0 + 50331648.0 + 1207959552.0;
  EXPECT_DOUBLE_EQ(moe::model::forward_flops(base, 128), 12.0 * per_layer);
  EXPECT_DOUBLE_EQ(moe::model::training_flops(base, 128), 36.0 * per_layer);
  EXPECT_DOUBLE_EQ(moe::model::forward_flops(base, 0), 0.0);
}

}  // namespace
