// Reads and writes the tokenizer files of a BERT model folder (see tokenizer_files.h).
#include "hf/tokenizer_files.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>  // the tokenizer's JSON files
#include <optional>
#include <system_error>

#include "common/error.h"
#include "hf/json_file.h"

namespace moe::hf {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// HF writes int(1e30) as model_max_length when a tokenizer has no limit; any real limit is far
// below a million tokens.
constexpr double kNoLimitAbove = 1e6;
// transformers' BertTokenizer builds its WordpieceTokenizer with this fixed value.
constexpr int kBertMaxInputCharsPerWord = 100;

// Optional typed keys of one JSON file: absent (or null) keys give std::nullopt, wrong types
// are errors naming the file and the key.
class OptionalKeys {
 public:
  OptionalKeys(std::string path, Json root) : path_(std::move(path)), root_(std::move(root)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw Error(cat(path_, ": key '", key, "' ", why));
  }
  const Json* find(const std::string& key) const {
    auto found = root_.find(key);
    return found == root_.end() || found->is_null() ? nullptr : &*found;
  }
  std::optional<bool> boolean(const std::string& key) const {
    const Json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_boolean()) fail(key, cat("must be true or false, found ", value->dump()));
    return value->get<bool>();
  }
  std::optional<std::string> string(const std::string& key) const {
    const Json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) fail(key, cat("must be a string, found ", value->dump()));
    return value->get<std::string>();
  }
  // A positive integer; with `no_limit_above`, larger numbers (of any type) count as absent.
  std::optional<int64_t> length(const std::string& key,
                                std::optional<double> no_limit_above = std::nullopt) const {
    const Json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (no_limit_above && value->is_number() && value->get<double>() > *no_limit_above) {
      return std::nullopt;
    }
    const bool fits = value->is_number_integer() &&
                      !(value->is_number_unsigned() && value->get<uint64_t>() > INT64_MAX);
    if (!fits || value->get<int64_t>() < 1) {
      fail(key, cat("must be a positive integer, found ", value->dump()));
    }
    return value->get<int64_t>();
  }

 private:
  std::string path_;
  Json root_;
};

// The keys of `file` in `dir`, or nullopt when the file does not exist.
std::optional<OptionalKeys> read_if_present(const fs::path& dir, const std::string& file) {
  const fs::path path = dir / file;
  std::error_code error;
  if (!fs::exists(path, error)) return std::nullopt;
  return OptionalKeys(path.string(), read_json_object(path.string()));
}

void read_tokenizer_config(const OptionalKeys& keys, TokenizerSettings& settings) {
  const bool lowercase = keys.boolean("do_lower_case").value_or(true);
  const std::optional<bool> strip_accents = keys.boolean("strip_accents");
  if (strip_accents && *strip_accents != lowercase) {
    keys.fail("strip_accents",
              cat("is ", *strip_accents ? "true" : "false", " but do_lower_case is ",
                  lowercase ? "true" : "false",
                  ": moe-embed's tokenizer strips accents exactly when it lower-cases"));
  }
  if (!keys.boolean("do_basic_tokenize").value_or(true)) {
    keys.fail("do_basic_tokenize", "is false: moe-embed's tokenizer always splits words first");
  }
  if (auto name = keys.string("tokenizer_class")) {
    if (*name != "BertTokenizer" && *name != "BertTokenizerFast") {
      keys.fail("tokenizer_class",
                cat("is \"", *name, "\": unsupported tokenizer (moe-embed reads BertTokenizer, ",
                    "BertTokenizerFast)"));
    }
  }
  settings.options.lowercase = lowercase;
  settings.options.tokenize_chinese_chars = keys.boolean("tokenize_chinese_chars").value_or(true);
  if (auto length = keys.length("model_max_length", kNoLimitAbove)) {
    settings.model_max_length = *length;
  }
}

void read_sentence_bert_config(const OptionalKeys& keys, TokenizerSettings& settings) {
  if (keys.boolean("do_lower_case").value_or(false) && !settings.options.lowercase) {
    keys.fail("do_lower_case",
              "is true but the tokenizer is cased: sentence-transformers would lower-case "
              "without stripping accents, which moe-embed's tokenizer cannot do");
  }
  // Every number is a real limit here: sentence-transformers passes it on as max_length.
  if (auto length = keys.length("max_seq_length")) {
    settings.model_max_length = *length;
  }
}

// BERT's special tokens, under the attribute names transformers' tokenizers use.
nlohmann::ordered_json special_tokens() {
  return {{"cls_token", "[CLS]"},
          {"mask_token", "[MASK]"},
          {"pad_token", "[PAD]"},
          {"sep_token", "[SEP]"},
          {"unk_token", "[UNK]"}};
}

}  // namespace

TokenizerSettings read_tokenizer_settings(const std::string& model_dir) {
  TokenizerSettings settings;
  if (auto keys = read_if_present(model_dir, "tokenizer_config.json")) {
    read_tokenizer_config(*keys, settings);
  }
  if (auto keys = read_if_present(model_dir, "sentence_bert_config.json")) {
    read_sentence_bert_config(*keys, settings);
  }
  return settings;
}

void write_tokenizer_files(const std::string& dir, const TokenizerSettings& settings) {
  const data::TokenizerOptions& options = settings.options;
  MOE_REQUIRE(options.max_input_chars_per_word == kBertMaxInputCharsPerWord, dir,
              ": cannot export a tokenizer with max_input_chars_per_word = ",
              options.max_input_chars_per_word, ": transformers' BertTokenizer always uses ",
              kBertMaxInputCharsPerWord);
  MOE_REQUIRE(settings.model_max_length >= 1, dir, ": model_max_length must be positive, found ",
              settings.model_max_length);
  std::error_code error;
  fs::create_directories(dir, error);
  MOE_REQUIRE(!error, dir, ": cannot create the folder: ", error.message());

  nlohmann::ordered_json config;
  config["tokenizer_class"] = "BertTokenizer";
  config["do_lower_case"] = options.lowercase;
  config["do_basic_tokenize"] = true;
  config["strip_accents"] = nullptr;  // follows do_lower_case, as moe-embed's tokenizer does
  config["tokenize_chinese_chars"] = options.tokenize_chinese_chars;
  config["model_max_length"] = settings.model_max_length;
  config.update(special_tokens());
  config["clean_up_tokenization_spaces"] = true;
  write_json_file(fs::path(dir) / "tokenizer_config.json", config);
  write_json_file(fs::path(dir) / "special_tokens_map.json", special_tokens());
}

}  // namespace moe::hf
