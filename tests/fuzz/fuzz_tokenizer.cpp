// Fuzz target: the WordPiece tokenizer on arbitrary bytes (invalid UTF-8, control and
// combining characters, CJK, special tokens). Byte 0 picks the options, byte 1 the length
// limit; the rest is the text. tokenize, encode_words and encode must agree, and every id
// must name its piece in the vocabulary.
#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "common/error.h"
#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"
#include "fuzz_support.h"

namespace {

moe::data::Vocabulary small_vocabulary() {
  return moe::data::Vocabulary::from_tokens(
      {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the",  "heart", "lung", "cancer",
       "skin",  "##s",   "##ing", "##ed",  "card",   "##io", "pul",   "##mo", "##nary",
       ".",     ",",     "(",     ")",     "-",      "é",    "ü",     "中",   "国",
       "1",     "##0",   "##1",   "a",     "##a",    "b",    "##b"});
}

const moe::data::WordPieceTokenizer& tokenizer(int choice) {
  static const auto make = [](bool lowercase, bool chinese, int max_chars) {
    moe::data::TokenizerOptions options;
    options.lowercase = lowercase;
    options.tokenize_chinese_chars = chinese;
    options.max_input_chars_per_word = max_chars;
    return moe::data::WordPieceTokenizer(small_vocabulary(), options);
  };
  static const moe::data::WordPieceTokenizer tokenizers[4] = {
      make(true, true, 100), make(false, true, 100), make(true, false, 5), make(false, false, 1)};
  return tokenizers[choice % 4];
}

}  // namespace

namespace moe::fuzz {
std::vector<std::string> fuzz_seeds() {
  return {std::string("\x00\x10", 2) + "The hearts of cardiopulmonary patients (COPD) [SEP] 10",
          std::string("\x01\x40", 2) + "Ünïcödé café 中国人 \xe2\x80\x8b zero-width",
          std::string("\x02\x08", 2) + "[CLS] skin-cancer [MASK] lung\tcancer\r\n",
          std::string("\x03\x02", 2) + "\xff\xfe broken \xc3 utf-8 \xe4\xb8"};
}
}  // namespace moe::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const moe::data::WordPieceTokenizer& t = tokenizer(data[0]);
  const int max_length = 2 + data[1] % 62;
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  try {
    // The three entry points agree: pieces, their ids, and [CLS] ids [SEP] cut to the limit.
    const std::vector<std::string> pieces = t.tokenize(text);
    const std::vector<int32_t> words = t.encode_words(text);
    const std::vector<int32_t> encoded = t.encode(text, max_length);
    if (pieces.size() != words.size()) std::abort();
    for (size_t i = 0; i < pieces.size(); ++i)
      if (pieces[i].empty() || t.vocabulary().token(words[i]) != pieces[i]) std::abort();
    const size_t kept = std::min(words.size(), static_cast<size_t>(max_length - 2));
    if (encoded.size() != kept + 2) std::abort();
    if (!std::equal(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(kept),
                    encoded.begin() + 1))
      std::abort();
  } catch (const moe::Error&) {
    // Refusing an input with a clear error is allowed.
  }
  return 0;
}
