// Implementation of load_parameters (see parameter_loading.h).
#include "model/parameter_loading.h"

#include <algorithm>
#include <set>

#include "common/error.h"
#include "model/parameter_names.h"

namespace moe::model {
namespace {

// Parameters a plain BERT checkpoint does not have.
bool is_moe_embed_addition(const std::string& name) {
  return name == "embeddings.domain_token_embeddings.weight" || name.rfind("router.", 0) == 0 ||
         name.rfind("head.", 0) == 0;
}

std::string shape_text(const torch::Tensor& t) {
  std::string text = "[";
  for (int64_t i = 0; i < t.dim(); ++i) text += (i ? ", " : "") + std::to_string(t.size(i));
  return text + "]";
}

std::string listed(const std::vector<std::string>& items) {
  constexpr size_t kShown = 8;
  std::string text;
  for (size_t i = 0; i < items.size() && i < kShown; ++i) text += (i ? ", " : "") + items[i];
  if (items.size() > kShown) text += cat(" and ", items.size() - kShown, " more");
  return text;
}

}  // namespace

std::vector<std::string> load_parameters(BertEncoderImpl& model, const NamedTensors& shared,
                                         const std::map<std::string, NamedTensors>& experts,
                                         SourceKind kind, const std::string& source) {
  torch::NoGradGuard no_grad;
  std::vector<std::string> missing, mismatched, kept;
  std::set<std::string> used_shared;
  std::map<std::string, std::set<std::string>> used_experts;
  for (auto& item : model.named_parameters()) {
    const CheckpointName name = checkpoint_name(item.key());
    const torch::Tensor* found = nullptr;
    if (name.expert.empty() || kind == SourceKind::dense_bert) {
      const auto it = shared.find(name.name);
      if (it != shared.end()) {
        found = &it->second;
        used_shared.insert(name.name);
      }
    } else {
      const auto group = experts.find(name.expert);
      if (group != experts.end()) {
        const auto it = group->second.find(name.name);
        if (it != group->second.end()) {
          found = &it->second;
          used_experts[name.expert].insert(name.name);
        }
      }
    }
    const std::string shown = name.expert.empty() ? name.name : name.expert + "/" + name.name;
    if (found == nullptr) {
      const bool may_keep = kind == SourceKind::dense_bert && (is_moe_embed_addition(name.name) ||
                                                               name.name.rfind("pooler.", 0) == 0);
      (may_keep ? kept : missing).push_back(shown);
      continue;
    }
    if (!found->sizes().equals(item.value().sizes())) {
      mismatched.push_back(
          cat(shown, " is ", shape_text(*found), ", the model needs ", shape_text(item.value())));
      continue;
    }
    item.value().copy_(*found);
  }

  std::vector<std::string> unexpected;
  for (const auto& [name, tensor] : shared)
    if (!used_shared.count(name)) unexpected.push_back(name);
  const std::vector<int32_t> held = model.layout().held_domains();
  if (kind == SourceKind::same_layout) {
    for (const auto& [domain, tensors] : experts) {
      const bool is_held = model.layout().mixture_of_experts() &&
                           std::find_if(held.begin(), held.end(), [&](int32_t d) {
                             return model.layout().domains[d] == domain;
                           }) != held.end();
      if (!is_held) continue;  // held by another process, or not an expert of this layout
      for (const auto& [name, tensor] : tensors)
        if (!used_experts[domain].count(name)) unexpected.push_back(domain + "/" + name);
    }
  }
  MOE_REQUIRE(missing.empty(), source, ": ", missing.size(),
              " tensor(s) the model needs are missing: ", listed(missing));
  MOE_REQUIRE(unexpected.empty(), source, ": ", unexpected.size(),
              " tensor(s) the model does not have: ", listed(unexpected));
  MOE_REQUIRE(mismatched.empty(), source, ": ", mismatched.size(),
              " tensor(s) of the wrong shape: ", listed(mismatched));
  return kept;
}

BertEncoder encoder_from_checkpoint(const CheckpointContents& checkpoint, const std::string& source,
                                    const std::vector<int32_t>& local_domains) {
  EncoderLayout layout = checkpoint.layout;
  layout.local_domains = local_domains;
  BertEncoder encoder(checkpoint.config, layout);
  load_parameters(*encoder, checkpoint.shared, checkpoint.experts, SourceKind::same_layout, source);
  encoder->eval();
  return encoder;
}

}  // namespace moe::model
