// The BERT-family sentence encoder: embeddings (with optional domain tokens), a stack of
// encoder layers (dense, or one feed-forward expert per domain in the layout's expert
// layers), the optional domain router, and the sentence head. Parameter names follow Hugging
// Face's BertModel ("embeddings.*", "encoder.layer.N.*", "pooler.dense.*"); expert
// parameters sit under "encoder.layer.N.experts.<domain>.*", dense feed-forward blocks under
// "encoder.layer.N.ffn.*" (see parameter_names.h for the mapping to checkpoint names).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "model/bert_config.h"
#include "model/bert_embeddings.h"
#include "model/encoder_layer.h"
#include "model/encoder_layout.h"
#include "model/expert_dispatch.h"
#include "model/feed_forward.h"
#include "model/sentence_head.h"

namespace moe::model {

class LayerStackImpl : public torch::nn::Module {
 public:
  LayerStackImpl(const BertConfig& config, const EncoderLayout& layout);
  torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(LayerStack);

struct EncoderOutput {
  torch::Tensor hidden;         // last hidden states [batch, length, hidden]
  torch::Tensor sentence;       // sentence embeddings [batch, sentence size]
  torch::Tensor router_logits;  // [batch, domains] with a router, else undefined
  torch::Tensor domain_ids;     // the domain each sequence ran as (given or routed)
};

class BertEncoderImpl : public torch::nn::Module {
 public:
  BertEncoderImpl(const BertConfig& config, EncoderLayout layout);

  // input_ids, attention_mask [batch, length] int64. domain_ids [batch] int64 (ids into
  // layout().domains): which expert and domain token each sequence uses. Undefined: the
  // router chooses (a model without router needs them when it has experts or domain tokens).
  // Throws moe::Error when a sequence's expert is not held by this process (data dispatch).
  EncoderOutput encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                       const torch::Tensor& domain_ids);

  // Last hidden states only.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        const torch::Tensor& domain_ids) {
    return encode(input_ids, attention_mask, domain_ids).hidden;
  }

  // Sentence embeddings only.
  torch::Tensor embed(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                      const torch::Tensor& domain_ids) {
    return encode(input_ids, attention_mask, domain_ids).sentence;
  }

  void set_attention_kernel(AttentionKernel kernel);

  // Layer dispatch: expert blocks run on the ranks that hold each token's expert (see
  // expert_dispatch.h); every rank must then call encode() the same number of times.
  // Null: every expert a batch needs must be held here (data dispatch).
  void set_expert_dispatcher(std::shared_ptr<ExpertDispatcher> dispatcher) {
    dispatcher_ = std::move(dispatcher);
  }
  // Suspends layer dispatch (e.g. while one rank evaluates its own experts alone).
  void pause_expert_dispatch(bool paused) { dispatch_paused_ = paused; }
  bool dispatches_experts() const { return dispatcher_ && !dispatch_paused_; }

  // Sets every domain token's embedding to the word embedding of `token_id` ([CLS]), as the
  // paper initialises them. No-op without domain tokens.
  void copy_domain_tokens_from(int64_t token_id);

  const BertConfig& config() const { return config_; }
  const EncoderLayout& layout() const { return layout_; }
  bool is_mixture_of_experts() const { return layout_.mixture_of_experts(); }

 private:
  // Domain id -> index among this process's experts (-1: held elsewhere).
  torch::Tensor expert_slots(const torch::Tensor& domain_ids) const;

  BertConfig config_;
  EncoderLayout layout_;
  torch::Tensor slot_of_domain_;  // [domains] int64
  std::shared_ptr<ExpertDispatcher> dispatcher_;
  bool dispatch_paused_ = false;
  BertEmbeddings embeddings_{nullptr};
  LayerStack encoder_{nullptr};
  torch::nn::Linear router_{nullptr};  // "router": hidden -> domains
  // "pooler.dense": Hugging Face's BertPooler. Not used for embeddings and not trained
  // (requires_grad off); kept so imported models export unchanged.
  DenseHolder pooler_{nullptr};
  ProjectionHead head_{nullptr};
};
TORCH_MODULE(BertEncoder);

// Hugging Face's initialisation: normal(0, initializer_range) weights, zero biases, unit
// LayerNorm, zero padding embedding. Each parameter draws from its own generator seeded by
// (seed, Hugging Face name), so every rank builds identical shared parameters, every
// expert starts as an exact copy of the same feed-forward block (as in the paper), and
// the result does not depend on how experts are spread over ranks. Domain tokens start as
// copies of `cls_token_id`'s embedding when it is >= 0.
void initialize_like_bert(BertEncoderImpl& model, uint64_t seed, int64_t cls_token_id = -1);

}  // namespace moe::model
