// One transformer layer: self-attention, then the feed-forward block — either one dense
// block ("ffn") or one expert per domain ("experts.<domain>") chosen per sequence
// (enforced routing) — then dropout, residual and the shared "output.LayerNorm".
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/bert_config.h"
#include "model/expert_dispatch.h"
#include "model/feed_forward.h"
#include "model/parallel_dropout.h"
#include "model/self_attention.h"

namespace moe::model {

// "output": the LayerNorm (and dropout) after the feed-forward residual, shared by experts.
class LayerOutputImpl : public torch::nn::Module {
 public:
  explicit LayerOutputImpl(const BertConfig& config);
  torch::nn::LayerNorm layer_norm{nullptr};
  ParallelDropout dropout{nullptr};
};
TORCH_MODULE(LayerOutput);

// How the packed tokens of a batch reach their experts (each token goes where its
// sequence's domain says).
struct Routing {
  // Local execution: packed rows of each of this process's experts, in slot order (the rows
  // come grouped by expert, token_packing.h).
  std::vector<int64_t> expert_rows;
  // Layer dispatch (dispatcher set): tokens travel to the expert's rank and back.
  ExpertDispatcher* dispatcher = nullptr;
  torch::Tensor token_domains;   // [tokens] int64
  torch::Tensor slot_of_domain;  // [domains] int64: local slot, -1 where held elsewhere
};

class EncoderLayerImpl : public torch::nn::Module {
 public:
  // expert_names empty: a dense layer. Otherwise the experts this process holds, in the
  // order of the expert slots passed to forward().
  EncoderLayerImpl(const BertConfig& config, const std::vector<std::string>& expert_names);

  // rows [tokens, hidden]: the real tokens packed by `packing`. routing.expert_rows: rows
  // per expert (ignored when dense); with routing.dispatcher the expert block runs wherever
  // each token's expert is.
  torch::Tensor forward(const torch::Tensor& rows, const Routing& routing,
                        const TokenPacking& packing);
  void set_attention_kernel(AttentionKernel kernel) { attention_->set_kernel(kernel); }

 private:
  torch::Tensor feed_forward(const torch::Tensor& hidden, const Routing& routing);
  // This process's experts on rows that come in blocks: rows_per_slot[s] rows of slot s, then
  // slot s + 1's (missing trailing slots: no rows).
  torch::Tensor run_expert_blocks(const torch::Tensor& rows, std::vector<int64_t> rows_per_slot);
  // This process's experts on rows in any order, slots [rows] int64 (sorted once).
  torch::Tensor run_experts(const torch::Tensor& rows, const torch::Tensor& slots);
  torch::Tensor dispatch_tokens(const torch::Tensor& rows, const Routing& routing);

  SelfAttention attention_{nullptr};
  FeedForward dense_ffn_{nullptr};
  std::vector<FeedForward> experts_;
  LayerOutput output_{nullptr};
};
TORCH_MODULE(EncoderLayer);

}  // namespace moe::model
