// Implementation of BertEncoder and initialisation (see bert_encoder.h).
#include "model/bert_encoder.h"

#include <ATen/CPUGeneratorImpl.h>

#include "common/error.h"
#include "model/parameter_names.h"
#include "model/self_attention.h"

namespace moe::model {
namespace {

bool needs_domain_ids(const EncoderLayout& layout) {
  return layout.mixture_of_experts() || layout.domain_tokens;
}

}  // namespace

LayerStackImpl::LayerStackImpl(const BertConfig& config, const EncoderLayout& layout) {
  std::vector<std::string> held;
  for (int32_t d : layout.held_domains()) held.push_back(layout.domains[d]);
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_layers; ++i)
    layer->push_back(
        EncoderLayer(config, layout.has_experts(i) ? held : std::vector<std::string>{}));
}

BertEncoderImpl::BertEncoderImpl(const BertConfig& config, EncoderLayout layout)
    : config_(config), layout_(std::move(layout)) {
  MOE_REQUIRE(config.vocab_size > 0 && config.hidden_size > 0 && config.num_layers > 0,
              "model: vocab_size, hidden_size and num_layers must be positive");
  MOE_REQUIRE(config.pad_token_id >= 0 && config.pad_token_id < config.vocab_size,
              "model: pad_token_id ", config.pad_token_id, " is outside the vocabulary");
  validate_layout(config_, layout_);
  const int64_t domains = static_cast<int64_t>(layout_.domains.size());
  slot_of_domain_ = torch::full({domains}, -1, torch::kInt64);
  const std::vector<int32_t> held = layout_.held_domains();
  for (size_t slot = 0; slot < held.size(); ++slot)
    slot_of_domain_[held[slot]] = static_cast<int64_t>(slot);

  embeddings_ =
      register_module("embeddings", BertEmbeddings(config, layout_.domain_tokens ? domains : 0));
  encoder_ = register_module("encoder", LayerStack(config, layout_));
  pooler_ = register_module("pooler", DenseHolder(config.hidden_size, config.hidden_size));
  for (auto& p : pooler_->parameters()) p.set_requires_grad(false);
  if (layout_.router)
    router_ = register_module("router", torch::nn::Linear(config.hidden_size, domains));
  if (layout_.projection_head)
    head_ =
        register_module("head", ProjectionHead(config.hidden_size, layout_.sentence_size(config)));
}

torch::Tensor BertEncoderImpl::expert_slots(const torch::Tensor& domain_ids) const {
  const int64_t domains = slot_of_domain_.size(0);
  MOE_REQUIRE(
      domain_ids.numel() == 0 || !((domain_ids < 0) | (domain_ids >= domains)).any().item<bool>(),
      "model: a domain id is outside 0..", domains - 1);
  torch::Tensor slots = slot_of_domain_.to(domain_ids.device()).index_select(0, domain_ids);
  if (slots.numel() > 0 && (slots < 0).any().item<bool>()) {
    const int64_t missing = domain_ids.masked_select(slots < 0)[0].item<int64_t>();
    throw Error(cat("model: the expert of domain ", layout_.domains[missing],
                    " is not held by this process"));
  }
  return slots;
}

EncoderOutput BertEncoderImpl::encode(const torch::Tensor& input_ids,
                                      const torch::Tensor& attention_mask,
                                      const torch::Tensor& domain_ids) {
  EncoderOutput out;
  const int64_t batch = input_ids.size(0);
  torch::Tensor plain;
  torch::Tensor* router_input = router_.is_empty() ? nullptr : &plain;
  if (!domain_ids.defined()) {
    MOE_REQUIRE(router_input != nullptr || !needs_domain_ids(layout_),
                "model: this model has domain experts or domain tokens but no router, so each "
                "sequence needs its domain");
    // Routing decides the domain first: the router reads the embeddings without domain
    // tokens, which do not depend on the domain.
    if (router_input != nullptr) {
      torch::NoGradGuard no_grad;
      out.router_logits = router_(
          mean_pool(embeddings_->forward(input_ids, torch::Tensor(), nullptr), attention_mask));
      out.domain_ids = out.router_logits.argmax(1);
    }
  } else {
    MOE_REQUIRE(domain_ids.dim() == 1 && domain_ids.size(0) == batch,
                "model: need one domain id per sequence (", batch, ")");
    out.domain_ids = domain_ids.to(torch::kInt64);
  }
  // Every layer works on the real tokens only, grouped by local expert (token_packing.h).
  const bool local_experts = is_mixture_of_experts() && !dispatches_experts();
  const TokenPacking packing(attention_mask,
                             local_experts ? expert_slots(out.domain_ids) : torch::Tensor());
  Routing routing;
  if (local_experts) {
    routing.expert_rows = packing.expert_rows();
  } else if (is_mixture_of_experts()) {
    routing.dispatcher = dispatcher_.get();
    routing.token_domains = packing.per_token(out.domain_ids);
    routing.slot_of_domain = slot_of_domain_.to(out.domain_ids.device());
  }
  const torch::Tensor embedded =
      embeddings_(input_ids, layout_.domain_tokens ? out.domain_ids : torch::Tensor(),
                  domain_ids.defined() ? router_input : nullptr);
  if (domain_ids.defined() && router_input != nullptr)
    out.router_logits = router_(mean_pool(plain, attention_mask));

  torch::Tensor rows = packing.pack(embedded);
  for (const auto& module : *encoder_->layer)
    rows = module->as<EncoderLayerImpl>()->forward(rows, routing, packing);
  // Padding positions of the last hidden states are zeros (nothing reads them).
  const torch::Tensor hidden = packing.unpack(rows);
  out.sentence = sentence_embedding(hidden, attention_mask, layout_, head_);
  out.hidden = hidden;
  return out;
}

void BertEncoderImpl::set_attention_kernel(AttentionKernel kernel) {
  for (const auto& module : *encoder_->layer)
    module->as<EncoderLayerImpl>()->set_attention_kernel(kernel);
}

void BertEncoderImpl::copy_domain_tokens_from(int64_t token_id) {
  if (embeddings_->domain_token_embeddings.is_empty()) return;
  MOE_REQUIRE(token_id >= 0 && token_id < config_.vocab_size, "model: token id ", token_id,
              " is outside the vocabulary");
  torch::NoGradGuard no_grad;
  torch::Tensor rows = embeddings_->domain_token_embeddings->weight;
  rows.copy_(embeddings_->word_embeddings->weight[token_id].unsqueeze(0).expand_as(rows));
}

void initialize_like_bert(BertEncoderImpl& model, uint64_t seed, int64_t cls_token_id) {
  torch::NoGradGuard no_grad;
  const double std_dev = model.config().initializer_range;
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
      if (name == "embeddings.word_embeddings.weight") p[model.config().pad_token_id].zero_();
    }
  }
  if (cls_token_id >= 0) model.copy_domain_tokens_from(cls_token_id);
}

}  // namespace moe::model
