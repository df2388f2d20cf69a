// Maps the model's parameter names to checkpoint/Hugging Face names:
//   "encoder.layer.3.ffn.intermediate.dense.weight"            (dense model)
//       -> shared  "encoder.layer.3.intermediate.dense.weight"
//   "encoder.layer.3.experts.cardio.output.dense.bias"          (expert of domain cardio)
//       -> expert "cardio", "encoder.layer.3.output.dense.bias"
//   anything else keeps its name and is shared.
// Merging the shared names with one domain's expert names gives exactly the parameter
// names of a plain Hugging Face BertModel (the basis of export).
#pragma once

#include <string>

namespace moe::model {

struct CheckpointName {
  std::string expert;  // empty for shared parameters
  std::string name;    // Hugging Face name
};

CheckpointName checkpoint_name(const std::string& parameter_name);

// The inverse: where a Hugging Face name of `expert` lives in the model.
std::string parameter_name(const CheckpointName& name, bool mixture_of_experts);

}  // namespace moe::model
