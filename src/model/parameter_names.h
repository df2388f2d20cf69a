// Maps the model's parameter names to checkpoint/Hugging Face names:
//   "encoder.layer.3.ffn.intermediate.dense.weight"            (dense model)
//       -> shared  "encoder.layer.3.intermediate.dense.weight"
//   "encoder.layer.3.experts.cardio.output.dense.bias"          (expert of domain cardio)
//       -> expert "cardio", "encoder.layer.3.output.dense.bias"
//   anything else keeps its name and is shared (domain tokens, router and projection head
//   included: "embeddings.domain_token_embeddings.weight", "router.*", "head.*").
// Merging the shared names with one domain's expert names gives exactly the parameter
// names of a plain Hugging Face BertModel (the basis of export).
#pragma once

#include <cstdint>
#include <string>

#include "model/encoder_layout.h"

namespace moe::model {

struct CheckpointName {
  std::string expert;  // empty for shared parameters
  std::string name;    // Hugging Face name
};

CheckpointName checkpoint_name(const std::string& parameter_name);

// The inverse: where a Hugging Face name of `expert` lives in a model of this layout
// (feed-forward names of an expert layer need an expert).
std::string parameter_name(const CheckpointName& name, const EncoderLayout& layout);

// The layer index of "encoder.layer.N.<...>" names, -1 for any other name.
int64_t layer_of(const std::string& name);
// Whether a Hugging Face name belongs to a feed-forward block ("encoder.layer.N.intermediate.*"
// or "encoder.layer.N.output.dense.*"): the parameters experts copy.
bool is_feed_forward_name(const std::string& name);

}  // namespace moe::model
