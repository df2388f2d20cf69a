// What a moe-embed encoder adds to a plain BERT (BertConfig): the domains, which layers have
// one feed-forward expert per domain, which experts this process holds, domain tokens, the
// learned router and the sentence-embedding head. Stored in checkpoints with the weights.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/bert_config.h"

namespace moe::model {

struct EncoderLayout {
  // Every domain of the model; a domain's id is its index. May be empty for a dense model
  // with neither domain tokens nor router.
  std::vector<std::string> domains;
  // Layers (0-based, sorted, unique) whose feed-forward block is one expert per domain;
  // empty: a dense model.
  std::vector<int64_t> expert_layers;
  // Domain ids whose experts this process holds; empty means all (what a checkpoint or an
  // export holds). Experts held elsewhere are not built.
  std::vector<int32_t> local_domains;
  // One learned token per domain replaces the token at position 0 ([CLS]).
  bool domain_tokens = false;
  // A linear gate on the mean-pooled embedding output that predicts the domain.
  bool router = false;
  // Sentence embedding: "mean" over non-padding tokens or the "cls" token's hidden state,
  // then optionally the projection head LayerNorm -> Linear -> tanh -> Linear
  // (projection_size outputs; 0 = hidden size), then optionally L2 normalisation.
  std::string pooling = "mean";
  bool projection_head = false;
  int64_t projection_size = 0;
  bool normalize = false;

  bool mixture_of_experts() const { return !expert_layers.empty(); }
  bool has_experts(int64_t layer) const;
  // The domains whose experts are built here (local_domains, or all when it is empty).
  std::vector<int32_t> held_domains() const;
  int32_t domain_id(const std::string& name) const;  // throws moe::Error for an unknown name
  int64_t sentence_size(const BertConfig& config) const;
};

// "all", "middle" (layer num_layers / 2), "none", or a comma-separated list of layer
// indices ("0,5,11"). Throws moe::Error naming `key` on anything else or an index out of
// range.
std::vector<int64_t> parse_expert_layers(const std::string& spec, int64_t num_layers,
                                         const std::string& key);

// Throws moe::Error describing the first inconsistency (unknown pooling, duplicate domain,
// experts or domain tokens without domains, a router with fewer than two domains, ...).
void validate_layout(const BertConfig& config, const EncoderLayout& layout);

}  // namespace moe::model
