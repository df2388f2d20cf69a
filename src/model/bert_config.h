// Hyper-parameters of a BERT-family encoder (the fields of Hugging Face's BertConfig that
// change the computation, plus the few that config.json must carry for export).
#pragma once

#include <cstdint>
#include <string>

namespace moe::model {

struct BertConfig {
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_layers = 12;
  int64_t num_heads = 12;
  int64_t intermediate_size = 3072;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  double hidden_dropout = 0.1;
  double attention_dropout = 0.1;
  // Feed-forward activation under its Hugging Face name (see is_supported_activation).
  std::string hidden_act = "gelu";
  int64_t pad_token_id = 0;
  double initializer_range = 0.02;
};

// The hidden_act values the encoder implements: "gelu" (exact, erf), "gelu_new" and
// "gelu_pytorch_tanh" (tanh approximation), "relu".
bool is_supported_activation(const std::string& name);

}  // namespace moe::model
