// Implementation of make_adamw (see optimizer_setup.h).
#include "train/optimizer_setup.h"

#include "model/parameter_names.h"
#include "train/fused_adamw.h"

namespace moe::train {

bool takes_weight_decay(const std::string& name) {
  return name.find("LayerNorm") == std::string::npos &&
         !(name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0);
}

std::unique_ptr<torch::optim::AdamW> make_adamw(model::BertEncoderImpl& encoder, double lr,
                                                double weight_decay,
                                                const std::vector<torch::Tensor>& undecayed_extra) {
  std::vector<torch::Tensor> decayed, not_decayed;
  for (const auto& item : encoder.named_parameters())
    if (item.value().requires_grad())
      (takes_weight_decay(model::checkpoint_name(item.key()).name) ? decayed : not_decayed)
          .push_back(item.value());
  auto with_decay = [&](double decay) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(lr).weight_decay(decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed, with_decay(weight_decay));
  groups.emplace_back(not_decayed, with_decay(0.0));
  if (!undecayed_extra.empty()) groups.emplace_back(undecayed_extra, with_decay(0.0));
  return std::make_unique<FusedAdamW>(groups, torch::optim::AdamWOptions(lr));
}

void release_gradients(torch::optim::Optimizer& optimizer) {
  for (torch::optim::OptimizerParamGroup& group : optimizer.param_groups())
    for (torch::Tensor& parameter : group.params()) parameter.mutable_grad() = torch::Tensor();
}

}  // namespace moe::train
