// A Hugging Face config.json for BERT models: reading one into model::BertConfig (every key the
// encoder depends on is type- and range-checked) and writing the one an exported model carries.
#pragma once

#include <string>

#include "model/bert_config.h"

namespace moe::hf {

// Reads a BERT config.json (model_type "bert", or, without model_type, an "architectures" entry
// starting with "Bert"). Required: vocab_size, hidden_size, num_hidden_layers,
// num_attention_heads, intermediate_size, max_position_embeddings. Optional, with the defaults
// of transformers' BertConfig: type_vocab_size, layer_norm_eps, hidden_dropout_prob,
// attention_probs_dropout_prob, hidden_act, pad_token_id, initializer_range,
// position_embedding_type (only "absolute"). Other keys are ignored: real configs carry many.
// Throws moe::Error naming the file (and the key, where one is at fault).
model::BertConfig read_hf_config(const std::string& path);

// The config.json text (2-space indent, newline at the end) that lets transformers'
// AutoConfig / AutoModel.from_pretrained load `config` as a BertModel whose weights are stored
// as `torch_dtype` ("float32", "float16" or "bfloat16"; anything else is a moe::Error).
// read_hf_config of this text gives `config` back.
std::string hf_config_json(const model::BertConfig& config, const std::string& torch_dtype);

}  // namespace moe::hf
