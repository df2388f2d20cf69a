// Model FLOPs of the encoder, the count behind "model FLOPs utilisation" (MFU): the matrix
// products of the forward pass at 2 FLOPs per multiply-add, the backward pass twice that.
// Only real tokens count: no padding, recomputation, element-wise work, embedding lookups or
// loss, so the figure is comparable across implementations whatever they spend on top.
#pragma once

#include <cstdint>

#include "model/bert_config.h"

namespace moe::model {

// One text of `tokens` tokens through every layer: projections and attention output
// (4 hidden x hidden products per token), attention's scores and weighted values (2 products
// of tokens x tokens x hidden) and the feed-forward block (2 hidden x intermediate products).
double forward_flops(const BertConfig& config, int64_t tokens);

// Forward and backward (3x the forward).
double training_flops(const BertConfig& config, int64_t tokens);

}  // namespace moe::model
