// Texts to sentence embeddings with a trained encoder: tokenizes like the training data
// (the checkpoint's vocabulary and casing), sorts each chunk by length so batches carry
// little padding, runs the encoder without gradients and returns rows in input order.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/wordpiece_tokenizer.h"
#include "model/bert_encoder.h"

namespace moe::embed {

// Domain id meaning "let the router choose".
inline constexpr int32_t kRouted = -1;

struct TextEmbedderOptions {
  int64_t batch_size = 64;  // texts per forward pass
  int max_length = 128;     // tokens per text including [CLS] and [SEP]; longer texts are cut
  bool normalize = false;   // L2-normalise each embedding (after the model's own head)
};

struct EmbeddedTexts {
  torch::Tensor embeddings;  // [texts, dimension] float32 on the CPU, input order
  torch::Tensor domains;     // [texts] int64: the path each text ran as (given or routed)
  int64_t truncated = 0;     // texts cut to max_length
};

class TextEmbedder {
 public:
  // The encoder's parameters decide the device batches run on.
  TextEmbedder(model::BertEncoder encoder, data::WordPieceTokenizer tokenizer,
               TextEmbedderOptions options);

  // domains: one id per text, an index into the model's layout().domains, or kRouted (the
  // model needs a router then). A model without per-domain paths ignores them. The ids are
  // checked by the caller (embedding_job.h names the offending input line).
  EmbeddedTexts embed(const std::vector<std::string>& texts, const std::vector<int32_t>& domains);

  int64_t dimension() const { return dimension_; }
  const model::BertEncoder& encoder() const { return encoder_; }

 private:
  model::BertEncoder encoder_;
  data::WordPieceTokenizer tokenizer_;
  TextEmbedderOptions options_;
  torch::Device device_;
  int64_t dimension_ = 0;
};

}  // namespace moe::embed
