// A small trained-looking checkpoint for embedding tests: small_bert_config() with a
// 100-token vocabulary (the specials, then "word0".."word94"), optional experts, domain tokens
// and router, parameters from `seed`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/vocabulary.h"
#include "model/checkpoint_file.h"
#include "model/parameter_names.h"
#include "support/small_bert.h"

namespace moe::testing_support {

struct SmallCheckpointOptions {
  std::vector<std::string> domains = {"cardio", "pulmo"};
  bool experts = true;  // false: a dense model that still knows its domains
  bool router = false;
  bool domain_tokens = false;
  uint64_t seed = 5;
};

inline std::vector<std::string> small_vocabulary() {
  std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int i = 0; tokens.size() < 100; ++i) tokens.push_back("word" + std::to_string(i));
  return tokens;
}

inline moe::model::CheckpointContents small_checkpoint(const SmallCheckpointOptions& options) {
  moe::model::CheckpointContents contents;
  contents.config = small_bert_config();
  contents.config.pad_token_id = 0;
  contents.layout = expert_layout(options.experts ? options.domains : std::vector<std::string>{});
  contents.layout.domains = options.domains;
  contents.layout.router = options.router;
  contents.layout.domain_tokens = options.domain_tokens;
  contents.vocab_tokens = small_vocabulary();
  contents.vocab_hash = moe::data::Vocabulary::from_tokens(contents.vocab_tokens).hash();
  contents.max_length = 16;
  contents.step = 42;
  moe::model::BertEncoder model(contents.config, contents.layout);
  moe::model::initialize_like_bert(*model, options.seed, 2);
  // Experts start as copies of one block; move each off it so domains embed differently.
  torch::manual_seed(static_cast<int64_t>(options.seed));
  for (const auto& item : model->named_parameters()) {
    const torch::Tensor value = item.value().detach() + torch::randn_like(item.value()) * 0.05;
    const auto mapped = moe::model::checkpoint_name(item.key());
    if (mapped.expert.empty())
      contents.shared[mapped.name] = value;
    else
      contents.experts[mapped.expert][mapped.name] = value;
  }
  return contents;
}

}  // namespace moe::testing_support
