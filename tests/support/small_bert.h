// A BERT encoder small enough for unit tests: its config and a seeded, initialised model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/bert_config.h"
#include "model/bert_encoder.h"
#include "model/encoder_layout.h"

namespace moe::testing_support {

// Two layers, hidden size 32, no dropout (so forward passes are deterministic).
inline moe::model::BertConfig small_bert_config() {
  moe::model::BertConfig c;
  c.vocab_size = 100;
  c.hidden_size = 32;
  c.num_layers = 2;
  c.num_heads = 4;
  c.intermediate_size = 64;
  c.max_position_embeddings = 32;
  c.hidden_dropout = 0.0;
  c.attention_dropout = 0.0;
  return c;
}

// One expert per domain in every layer (no domains: a dense model), no domain tokens.
inline moe::model::EncoderLayout expert_layout(const std::vector<std::string>& domains,
                                               int64_t num_layers = 2) {
  moe::model::EncoderLayout layout;
  layout.domains = domains;
  if (!domains.empty())
    for (int64_t i = 0; i < num_layers; ++i) layout.expert_layers.push_back(i);
  return layout;
}

// A small_bert_config() model with `experts` (none: dense), initialised from `seed`, in eval
// mode.
inline moe::model::BertEncoder make_small_model(const std::vector<std::string>& experts,
                                                uint64_t seed) {
  moe::model::BertEncoder model(small_bert_config(), expert_layout(experts));
  moe::model::initialize_like_bert(*model, seed);
  model->eval();
  return model;
}

}  // namespace moe::testing_support
