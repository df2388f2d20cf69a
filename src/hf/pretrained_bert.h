// Reading a Hugging Face BERT model folder (what `save_pretrained` writes, or a hub
// download): config.json, the weights (model.safetensors, else pytorch_model.bin), vocab.txt
// and the tokenizer settings.
#pragma once

#include <string>
#include <vector>

#include "data/vocabulary.h"
#include "hf/tokenizer_files.h"
#include "model/bert_config.h"
#include "model/checkpoint_file.h"

namespace moe::hf {

struct PretrainedBert {
  model::BertConfig config;
  // BertModel's tensors under its names ("embeddings.*", "encoder.layer.N.*", "pooler.*"):
  // a "bert." prefix (BertForMaskedLM, BertForPreTraining) is removed and old
  // "LayerNorm.gamma/beta" names are renamed.
  model::NamedTensors tensors;
  std::vector<std::string> ignored;  // pre-training heads left out ("cls.*", position_ids)
  // A sentence-transformers folder's LayerNorm -> Dense (Tanh) -> Dense (Identity) modules, as
  // the projection head's tensors ("head.LayerNorm.weight", "head.dense.weight", "head.out.*");
  // empty when the folder has no such chain.
  model::NamedTensors head;
  data::Vocabulary vocabulary;
  TokenizerSettings tokenizer;
  std::string weights_path;  // the file the tensors came from
};

// Throws moe::Error naming the file at fault: a missing file, an unsupported architecture,
// a vocab.txt whose size differs from config.json's vocab_size, a corrupt weight file, a
// tensor present twice. Which tensors are missing, unexpected or mis-shaped is checked (and
// listed) when they are loaded into a model: model::load_parameters.
PretrainedBert read_pretrained_bert(const std::string& dir);

}  // namespace moe::hf
