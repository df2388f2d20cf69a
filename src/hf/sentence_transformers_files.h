// The sentence-transformers files of an exported model folder: modules.json (the module chain),
// sentence_bert_config.json, config_sentence_transformers.json and the config.json of each
// module after the Transformer. Weights are the caller's: <dir>/model.safetensors for the
// encoder, and <folder>/model.safetensors in each head folder, holding exactly:
//   layer_norm  "norm.weight" [hidden], "norm.bias" [hidden]
//   dense_tanh  "linear.weight" [hidden, hidden], "linear.bias" [hidden]
//   dense_out   "linear.weight" [head_size, hidden], "linear.bias" [head_size]
// (weights as torch.nn.Linear stores them: [out_features, in_features]).
//
// Facts checked against sentence-transformers' sources (sentence_transformers/models/ in v3-v5;
// sentence_transformer/modules/ and base/modules/ on the main branch):
//  - SentenceTransformer.py _load_sbert_model: modules.json is a list of {idx, name, path, type};
//    type is imported by name ("sentence_transformers.models.Pooling"); path "" is the
//    Transformer, read from the root with sentence_bert_config.json's keys as its arguments;
//    every other module loads from its folder. Normalize loads without any folder (v3: skipped
//    explicitly; later: an absent config.json means defaults), so none is written for it.
//    save() names folders "<idx>_<ClassName>".
//  - Dense.py: config.json {in_features, out_features, bias, activation_function}, the
//    activation as module.class ("torch.nn.modules.activation.Tanh",
//    "torch.nn.modules.linear.Identity"; main refuses names not starting with "torch." without
//    trust_remote_code); the layer is self.linear = nn.Linear. v4+ also save
//    module_input_name/module_output_name with defaults; they are left out because v3's
//    Dense(**config) rejects unknown keys.
//  - LayerNorm.py: config.json {"dimension"}; self.norm = nn.LayerNorm(dimension), eps 1e-5
//    (model::kHeadLayerNormEps).
//  - Module.py load_torch_weights (v4+) and v3's Dense/LayerNorm.load: model.safetensors is
//    preferred over pytorch_model.bin and loaded strictly (missing or extra tensors fail).
//  - Pooling.py: config keys word_embedding_dimension and pooling_mode_{cls_token, mean_tokens,
//    max_tokens, mean_sqrt_len_tokens, weightedmean_tokens, lasttoken}, include_prompt (main
//    converts these legacy flags to its pooling_mode).
//  - config_sentence_transformers.json: __version__.sentence_transformers is only compared with
//    the installed version (a newer one warns); similarity_fn_name, prompts and
//    default_prompt_name are read since v3.0, model_type since v5.
// The files therefore load with sentence-transformers >= 3.0.
#pragma once

#include <cstdint>
#include <string>

namespace moe::hf {

struct SentenceTransformerLayout {
  int64_t hidden_size = 0;
  std::string pooling;  // "mean" or "cls"
  // LayerNorm(hidden) -> Dense(hidden -> hidden, tanh) -> Dense(hidden -> head_size, identity),
  // after pooling.
  bool projection_head = false;
  int64_t head_size = 0;   // used only with projection_head
  bool normalize = false;  // L2-normalise the result
  int64_t max_seq_length = 512;
  // The tokenizer's casing. sentence_bert_config.json's do_lower_case is false either way: the
  // tokenizer lower-cases itself (and strips accents, which sentence-transformers' own
  // lower-casing would not).
  bool lowercase = true;
};

// The head's module folders relative to the model folder ("2_LayerNorm", "3_Dense", "4_Dense");
// all empty without a projection head.
struct ModuleFolders {
  std::string layer_norm;
  std::string dense_tanh;
  std::string dense_out;
};

// Writes the files listed above into `dir` (created if needed), each under name + ".tmp" first
// and then renamed. Module order: Transformer (path ""), Pooling ("1_Pooling"), then with the
// head LayerNorm, Dense (Tanh), Dense (Identity), then Normalize when asked. Throws moe::Error
// (naming `dir` or the file) for an invalid layout or a failed write.
ModuleFolders write_sentence_transformers_files(const std::string& dir,
                                                const SentenceTransformerLayout& layout);

}  // namespace moe::hf
