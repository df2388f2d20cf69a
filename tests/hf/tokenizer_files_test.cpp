// read_tokenizer_settings / write_tokenizer_files: defaults, precedence, errors, round trips.
#include "hf/tokenizer_files.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/expect_error.h"
#include "support/scoped_temp_dir.h"

namespace moe::hf {
namespace {

using moe::testing_support::error_of;
using moe::testing_support::ScopedTempDir;
using Json = nlohmann::json;

// sentence-transformers/all-MiniLM-L6-v2's tokenizer_config.json.
const char* kMiniLmTokenizer =
    R"({"do_lower_case": true, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", )"
    R"("cls_token": "[CLS]", "mask_token": "[MASK]", "tokenize_chinese_chars": true, )"
    R"("strip_accents": null, "name_or_path": "nreimers/MiniLM-L6-H384-uncased", )"
    R"("do_basic_tokenize": true, "never_split": null, "tokenizer_class": "BertTokenizer", )"
    R"("model_max_length": 512})";

// What newer transformers write for a tokenizer without a length limit.
const char* kNoLimitTokenizer = R"({
  "clean_up_tokenization_spaces": true,
  "do_lower_case": false,
  "model_max_length": 1000000000000000019884624838656,
  "strip_accents": null,
  "tokenize_chinese_chars": true,
  "tokenizer_class": "BertTokenizerFast"
})";

Json read_json(const std::string& path) {
  std::ifstream in(path);
  return Json::parse(in);
}

TEST(TokenizerFiles, DefaultsWithoutFiles) {
  ScopedTempDir dir("tokenizer_files");
  const TokenizerSettings settings = read_tokenizer_settings(dir.dir().string());
  EXPECT_TRUE(settings.options.lowercase);
  EXPECT_TRUE(settings.options.tokenize_chinese_chars);
  EXPECT_EQ(settings.options.max_input_chars_per_word, 100);
  EXPECT_EQ(settings.model_max_length, 512);
}

TEST(TokenizerFiles, ReadsMiniLmTokenizerConfig) {
  ScopedTempDir dir("tokenizer_files");
  dir.write_file("tokenizer_config.json", kMiniLmTokenizer);
  dir.write_file("sentence_bert_config.json", R"({"max_seq_length": 256, "do_lower_case": false})");
  const TokenizerSettings settings = read_tokenizer_settings(dir.dir().string());
  EXPECT_TRUE(settings.options.lowercase);
  EXPECT_TRUE(settings.options.tokenize_chinese_chars);
  EXPECT_EQ(settings.model_max_length, 256);  // sentence-transformers truncates there
}

TEST(TokenizerFiles, HugeModelMaxLengthMeansNoLimit) {
  ScopedTempDir dir("tokenizer_files");
  dir.write_file("tokenizer_config.json", kNoLimitTokenizer);
  TokenizerSettings settings = read_tokenizer_settings(dir.dir().string());
  EXPECT_FALSE(settings.options.lowercase);
  EXPECT_EQ(settings.model_max_length, 512);

  dir.write_file("sentence_bert_config.json", R"({"max_seq_length": 128})");
  settings = read_tokenizer_settings(dir.dir().string());
  EXPECT_EQ(settings.model_max_length, 128);
}

TEST(TokenizerFiles, SentenceBertMaxSeqLengthWinsOverModelMaxLength) {
  ScopedTempDir dir("tokenizer_files");
  dir.write_file("tokenizer_config.json", R"({"model_max_length": 128})");
  EXPECT_EQ(read_tokenizer_settings(dir.dir().string()).model_max_length, 128);
  dir.write_file("sentence_bert_config.json", R"({"max_seq_length": 384})");
  EXPECT_EQ(read_tokenizer_settings(dir.dir().string()).model_max_length, 384);
  dir.write_file("sentence_bert_config.json", R"({"max_seq_length": null})");
  EXPECT_EQ(read_tokenizer_settings(dir.dir().string()).model_max_length, 128);
}

TEST(TokenizerFiles, CasedAndChineseSettings) {
  ScopedTempDir dir("tokenizer_files");
  dir.write_file("tokenizer_config.json",
                 R"({"do_lower_case": false, "strip_accents": false,
                     "tokenize_chinese_chars": false})");
  const TokenizerSettings settings = read_tokenizer_settings(dir.dir().string());
  EXPECT_FALSE(settings.options.lowercase);
  EXPECT_FALSE(settings.options.tokenize_chinese_chars);

  dir.write_file("tokenizer_config.json", R"({"do_lower_case": true, "strip_accents": true})");
  EXPECT_TRUE(read_tokenizer_settings(dir.dir().string()).options.lowercase);
}

// One bad key: the error names the file, the key and the problem.
struct BadSetting {
  const char* file;
  const char* content;
  const char* key;
  const char* expected;
};

class TokenizerFilesBadSetting : public ::testing::TestWithParam<BadSetting> {};

TEST_P(TokenizerFilesBadSetting, ErrorNamesFileAndKey) {
  const BadSetting& bad = GetParam();
  ScopedTempDir dir("tokenizer_files");
  const std::string path = dir.write_file(bad.file, bad.content);
  const std::string message = error_of([&] { read_tokenizer_settings(dir.dir().string()); });
  EXPECT_MENTIONS(message, path + ": key '" + bad.key + "'");
  EXPECT_MENTIONS(message, bad.expected);
}

INSTANTIATE_TEST_SUITE_P(
    AllKeys, TokenizerFilesBadSetting,
    ::testing::Values(
        BadSetting{"tokenizer_config.json", R"({"do_lower_case": true, "strip_accents": false})",
                   "strip_accents",
                   "is false but do_lower_case is true: moe-embed's tokenizer strips accents "
                   "exactly when it lower-cases"},
        BadSetting{"tokenizer_config.json", R"({"do_lower_case": false, "strip_accents": true})",
                   "strip_accents", "is true but do_lower_case is false"},
        BadSetting{"tokenizer_config.json", R"({"tokenizer_class": "RobertaTokenizer"})",
                   "tokenizer_class", "\"RobertaTokenizer\": unsupported tokenizer"},
        BadSetting{"tokenizer_config.json", R"({"do_lower_case": "yes"})", "do_lower_case",
                   "must be true or false, found \"yes\""},
        BadSetting{"tokenizer_config.json", R"({"tokenize_chinese_chars": 1})",
                   "tokenize_chinese_chars", "must be true or false"},
        BadSetting{"tokenizer_config.json", R"({"model_max_length": 0})", "model_max_length",
                   "must be a positive integer, found 0"},
        BadSetting{"tokenizer_config.json", R"({"model_max_length": 512.5})", "model_max_length",
                   "must be a positive integer, found 512.5"},
        BadSetting{"tokenizer_config.json", R"({"do_basic_tokenize": false})", "do_basic_tokenize",
                   "is false"},
        BadSetting{"tokenizer_config.json", R"({"tokenizer_class": 7})", "tokenizer_class",
                   "must be a string"},
        BadSetting{"sentence_bert_config.json", R"({"max_seq_length": -5})", "max_seq_length",
                   "must be a positive integer, found -5"},
        BadSetting{"sentence_bert_config.json", R"({"max_seq_length": "256"})", "max_seq_length",
                   "must be a positive integer"}),
    // Readable test names: <index>_<key>.
    [](const auto& info) {
      std::string name = std::to_string(info.index) + "_";
      for (const char* c = info.param.key; *c != '\0'; ++c)
        name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
      return name;
    });

TEST(TokenizerFiles, SentenceBertLowerCasingNeedsALowerCasingTokenizer) {
  ScopedTempDir dir("tokenizer_files");
  dir.write_file("tokenizer_config.json", R"({"do_lower_case": false})");
  const std::string path = dir.write_file("sentence_bert_config.json",
                                          R"({"max_seq_length": 256, "do_lower_case": true})");
  const std::string message = error_of([&] { read_tokenizer_settings(dir.dir().string()); });
  EXPECT_MENTIONS(message, path + ": key 'do_lower_case' is true but the tokenizer is cased");

  dir.write_file("tokenizer_config.json", R"({"do_lower_case": true})");
  EXPECT_EQ(read_tokenizer_settings(dir.dir().string()).model_max_length, 256);
}

TEST(TokenizerFiles, InvalidJsonNamesTheFile) {
  ScopedTempDir dir("tokenizer_files");
  const std::string path = dir.write_file("tokenizer_config.json", "{\"do_lower_case\": tru}");
  const std::string message = error_of([&] { read_tokenizer_settings(dir.dir().string()); });
  EXPECT_MENTIONS(message, path + ": not valid JSON at column ");
}

TEST(TokenizerFiles, WritesWhatTransformersReads) {
  ScopedTempDir dir("tokenizer_files");
  const std::string out = dir.path("export");  // created by the writer
  TokenizerSettings settings;
  settings.options.lowercase = false;
  settings.model_max_length = 384;
  write_tokenizer_files(out, settings);

  const Json config = read_json(out + "/tokenizer_config.json");
  EXPECT_EQ(config.at("tokenizer_class"), "BertTokenizer");
  EXPECT_EQ(config.at("do_lower_case"), false);
  EXPECT_TRUE(config.at("strip_accents").is_null());
  EXPECT_EQ(config.at("tokenize_chinese_chars"), true);
  EXPECT_EQ(config.at("model_max_length"), 384);
  EXPECT_EQ(config.at("clean_up_tokenization_spaces"), true);
  EXPECT_EQ(config.at("cls_token"), "[CLS]");
  EXPECT_EQ(config.at("sep_token"), "[SEP]");
  EXPECT_EQ(config.at("pad_token"), "[PAD]");
  EXPECT_EQ(config.at("unk_token"), "[UNK]");
  EXPECT_EQ(config.at("mask_token"), "[MASK]");

  const Json special = read_json(out + "/special_tokens_map.json");
  EXPECT_EQ(special, Json::parse(R"({"cls_token": "[CLS]", "mask_token": "[MASK]",
      "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"})"));

  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
  }
}

TEST(TokenizerFiles, RoundTrips) {
  ScopedTempDir dir("tokenizer_files");
  for (bool lowercase : {true, false}) {
    for (bool chinese : {true, false}) {
      TokenizerSettings settings;
      settings.options.lowercase = lowercase;
      settings.options.tokenize_chinese_chars = chinese;
      settings.model_max_length = lowercase ? 128 : 2048;
      write_tokenizer_files(dir.dir().string(), settings);
      const TokenizerSettings read = read_tokenizer_settings(dir.dir().string());
      EXPECT_EQ(read.options.lowercase, lowercase);
      EXPECT_EQ(read.options.tokenize_chinese_chars, chinese);
      EXPECT_EQ(read.options.max_input_chars_per_word, 100);
      EXPECT_EQ(read.model_max_length, settings.model_max_length);
    }
  }
}

TEST(TokenizerFiles, WriterRejectsWhatBertTokenizerCannotExpress) {
  ScopedTempDir dir("tokenizer_files");
  TokenizerSettings settings;
  settings.options.max_input_chars_per_word = 50;
  EXPECT_MENTIONS(error_of([&] { write_tokenizer_files(dir.dir().string(), settings); }),
                  "max_input_chars_per_word = 50");
  settings.options.max_input_chars_per_word = 100;
  settings.model_max_length = 0;
  EXPECT_MENTIONS(error_of([&] { write_tokenizer_files(dir.dir().string(), settings); }),
                  "model_max_length must be positive");
}

}  // namespace
}  // namespace moe::hf
