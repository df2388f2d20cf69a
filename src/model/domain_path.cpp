// Implementation of domain_path_tensors (see domain_path.h).
#include "model/domain_path.h"

#include "common/error.h"
#include "model/parameter_names.h"

namespace moe::model {

NamedTensors domain_path_tensors(const CheckpointContents& checkpoint, const std::string& domain,
                                 int64_t cls_token_id) {
  const EncoderLayout& layout = checkpoint.layout;
  const int32_t id = layout.domains.empty() && domain.empty() ? -1 : layout.domain_id(domain);
  NamedTensors tensors;
  for (const auto& [name, tensor] : checkpoint.shared) {
    const bool bert = name.rfind("embeddings.domain_token_embeddings", 0) != 0 &&
                      name.rfind("router.", 0) != 0 && name.rfind("head.", 0) != 0;
    if (bert) tensors[name] = tensor.clone();
  }
  if (layout.mixture_of_experts()) {
    const auto group = checkpoint.experts.find(domain);
    MOE_REQUIRE(group != checkpoint.experts.end(), "checkpoint has no experts for domain ", domain);
    for (const auto& [name, tensor] : group->second) tensors[name] = tensor.clone();
  }
  if (layout.domain_tokens) {
    const auto tokens = checkpoint.shared.find("embeddings.domain_token_embeddings.weight");
    MOE_REQUIRE(tokens != checkpoint.shared.end(), "checkpoint lacks the domain token embeddings");
    torch::Tensor& words = tensors.at("embeddings.word_embeddings.weight");
    MOE_REQUIRE(cls_token_id >= 0 && cls_token_id < words.size(0), "[CLS] id ", cls_token_id,
                " is outside the vocabulary");
    words[cls_token_id].copy_(tokens->second[id]);
  }
  return tensors;
}

NamedTensors projection_head_tensors(const CheckpointContents& checkpoint) {
  NamedTensors tensors;
  for (const auto& [name, tensor] : checkpoint.shared)
    if (name.rfind("head.", 0) == 0) tensors[name.substr(5)] = tensor;
  return tensors;
}

}  // namespace moe::model
