// The tokenizer files of a Hugging Face BERT model folder: reading tokenizer_config.json (and
// sentence_bert_config.json's truncation length) into moe-embed's tokenizer settings, and
// writing tokenizer_config.json and special_tokens_map.json for an export. vocab.txt is the
// vocabulary's own business (data/vocabulary.h).
#pragma once

#include <cstdint>
#include <string>

#include "data/wordpiece_tokenizer.h"

namespace moe::hf {

struct TokenizerSettings {
  data::TokenizerOptions options;
  // Tokens per text, [CLS] and [SEP] included, beyond which texts are truncated.
  int64_t model_max_length = 512;
};

// Reads <model_dir>/tokenizer_config.json and <model_dir>/sentence_bert_config.json; either may
// be absent (its settings keep the defaults, which are BertTokenizer's). tokenizer_config.json:
//  - do_lower_case (default true); strip_accents null or absent follows it, and any other value
//    must equal it: moe-embed's tokenizer strips accents exactly when it lower-cases;
//  - tokenize_chinese_chars (default true); do_basic_tokenize, when present, must be true;
//  - model_max_length: values above 1e6 mean "no limit" (HF writes 1000000000000000019884624838656)
//    and keep the default;
//  - tokenizer_class, when present, must be BertTokenizer or BertTokenizerFast.
// sentence_bert_config.json: max_seq_length overrides model_max_length (sentence-transformers
// truncates there); do_lower_case true needs a lower-casing tokenizer (sentence-transformers
// would lower-case without stripping accents, which moe-embed's tokenizer cannot do).
// Throws moe::Error naming the file and the key.
TokenizerSettings read_tokenizer_settings(const std::string& model_dir);

// Writes <dir>/tokenizer_config.json (tokenizer_class BertTokenizer with these settings and
// BERT's special tokens) and <dir>/special_tokens_map.json, each under name + ".tmp" first and
// then renamed, creating `dir` if needed. BertTokenizer fixes max_input_chars_per_word at 100, so
// any other value is a moe::Error, as is model_max_length < 1.
void write_tokenizer_files(const std::string& dir, const TokenizerSettings& settings);

}  // namespace moe::hf
