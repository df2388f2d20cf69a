// Implementation of BertEncoder, mean pooling and initialisation (see bert_encoder.h).
#include "model/bert_encoder.h"

#include <ATen/CPUGeneratorImpl.h>

#include "common/error.h"
#include "model/parameter_names.h"
#include "model/self_attention.h"

namespace moe::model {
namespace {

// Checked here, once per batch, because a layer holding a single expert skips routing (and
// with it the per-layer check) and would send a sequence of any slot to that expert.
void check_expert_slots(const torch::Tensor& expert_slot, int64_t batch, size_t experts) {
  MOE_REQUIRE(expert_slot.defined() && expert_slot.dim() == 1 && expert_slot.size(0) == batch,
              "mixture-of-experts model: need one expert slot per sequence (", batch, ")");
  if (batch == 0) return;
  const int64_t count = static_cast<int64_t>(experts);
  MOE_REQUIRE(!((expert_slot < 0) | (expert_slot >= count)).any().item<bool>(),
              "mixture-of-experts model: an expert slot is outside 0..", count - 1);
}

}  // namespace

LayerStackImpl::LayerStackImpl(const BertConfig& config,
                               const std::vector<std::string>& expert_names) {
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_layers; ++i)
    layer->push_back(EncoderLayer(config, expert_names));
}

BertEncoderImpl::BertEncoderImpl(const BertConfig& config, std::vector<std::string> expert_names)
    : config_(config), expert_names_(std::move(expert_names)) {
  MOE_REQUIRE(config.vocab_size > 0 && config.hidden_size > 0 && config.num_layers > 0,
              "model: vocab_size, hidden_size and num_layers must be positive");
  embeddings_ = register_module("embeddings", BertEmbeddings(config));
  encoder_ = register_module("encoder", LayerStack(config, expert_names_));
}

torch::Tensor BertEncoderImpl::forward(const torch::Tensor& input_ids,
                                       const torch::Tensor& attention_mask,
                                       const torch::Tensor& expert_slot) {
  if (is_mixture_of_experts())
    check_expert_slots(expert_slot, input_ids.size(0), expert_names_.size());
  torch::Tensor hidden = embeddings_(input_ids);
  const torch::Tensor additive_mask = additive_attention_mask(attention_mask, hidden.scalar_type());
  for (const auto& module : *encoder_->layer)
    hidden = module->as<EncoderLayerImpl>()->forward(hidden, additive_mask, expert_slot);
  return hidden;
}

torch::Tensor BertEncoderImpl::embed(const torch::Tensor& input_ids,
                                     const torch::Tensor& attention_mask,
                                     const torch::Tensor& expert_slot) {
  return mean_pool(forward(input_ids, attention_mask, expert_slot), attention_mask);
}

torch::Tensor mean_pool(const torch::Tensor& hidden, const torch::Tensor& attention_mask) {
  torch::Tensor mask = attention_mask.to(hidden.scalar_type()).unsqueeze(-1);
  torch::Tensor summed = (hidden * mask).sum(1);
  torch::Tensor counts = mask.sum(1).clamp_min(1e-9);
  return summed / counts;
}

void initialize_like_bert(BertEncoderImpl& model, uint64_t seed, double std_dev) {
  torch::NoGradGuard no_grad;
  for (auto& item : model.named_parameters()) {
    const std::string name = checkpoint_name(item.key()).name;
    torch::Tensor& p = item.value();
    if (name.find("LayerNorm.weight") != std::string::npos) {
      p.fill_(1.0);
    } else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {
      p.zero_();
    } else {
      // FNV-1a of the name mixed with the run seed: stable across builds and platforms.
      uint64_t h = 1469598103934665603ull ^ seed;
      for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
      at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(h);
      torch::Tensor values = torch::empty(p.sizes(), torch::kFloat32);
      values.normal_(0.0, std_dev, generator);
      p.copy_(values);
      if (name == "embeddings.word_embeddings.weight") p[0].zero_();  // padding token
    }
  }
}

}  // namespace moe::model
