// AdamW as BERT fine-tuning sets it up, shared by the trainer and the benchmarks: weight
// decay on weight matrices and embeddings, none on biases and LayerNorm parameters, none on
// extra parameters such as a learned loss scale.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "model/bert_encoder.h"

namespace moe::train {

// Whether a parameter (checkpoint name) takes weight decay.
bool takes_weight_decay(const std::string& checkpoint_name);

// AdamW (FusedAdamW: one pass per parameter) over the encoder's trainable parameters
// (requires_grad) in two groups, plus `undecayed_extra` in a third group without decay.
std::unique_ptr<torch::optim::AdamW> make_adamw(model::BertEncoderImpl& encoder, double lr,
                                                double weight_decay,
                                                const std::vector<torch::Tensor>& undecayed_extra);

// Drops every parameter's gradient (PyTorch's zero_grad(set_to_none=True)), so the next
// backward pass stores its gradients instead of adding them to zero-filled ones (a fill and
// an add per parameter). sum_gradients zero-fills the ones no backward pass reached.
void release_gradients(torch::optim::Optimizer& optimizer);

}  // namespace moe::train
