// BERT WordPiece tokenizer that reproduces Hugging Face transformers' slow BertTokenizer
// (PreTrainedTokenizer.tokenize -> BasicTokenizer -> WordpieceTokenizer) id for id.
//
// Pipeline, in the order the Python code applies it:
//  1. Special tokens present in the vocabulary ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
//     are cut out of the raw text first, case-sensitively, and kept whole; the text between
//     them is tokenized piece by piece, so they always end a word. Tokens added with
//     Vocabulary::add_token() are not cut out of text.
//  2. Text cleaning: U+0000, U+FFFD and control characters (Unicode categories Cc and Cf,
//     except tab, LF and CR) are dropped; tab, LF, CR, space and category Zs separate words,
//     and so do U+2028 and U+2029 (Python's str.split() treats them as whitespace).
//  3. CJK ideographs (HF's _is_chinese_char ranges) become words of their own.
//  4. Per word: lowercase=true lower-cases every character on its own (HF lower-cases
//     character by character, see the .cpp), decomposes to NFD and drops category Mn;
//     lowercase=false only composes to NFC. A cased word that now equals a special token
//     (cleaning joined "[CL\0S]") skips step 5, as HF's never_split does.
//  5. Punctuation (ASCII 33-47, 58-64, 91-96, 123-126 and categories P*) splits words, each
//     punctuation character becoming a word.
//  6. Greedy longest-match-first WordPiece, continuations prefixed "##"; a word longer than
//     max_input_chars_per_word code points, or one that cannot be matched completely,
//     becomes a single "[UNK]".
//
// Invalid UTF-8 is never an error: each invalid byte sequence is dropped, which is what
// Python does with text decoded with errors="replace" (the U+FFFD it inserts is cleaned
// away in step 2).
//
// Unicode data comes from utf8proc; the result matches Python whose unicodedata has the same
// Unicode version (utf8proc 2.8 = Unicode 15.0 = Python 3.12). Characters assigned in other
// versions may be classified differently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/vocabulary.h"

namespace moe::data {

struct TokenizerOptions {
  // Uncased vocabulary: lower-case and strip accents (HF: do_lower_case=True with
  // strip_accents=None, which follows do_lower_case).
  bool lowercase = true;
  // Split CJK ideographs into single-character words (HF: tokenize_chinese_chars).
  bool tokenize_chinese_chars = true;
  // Longer words (in code points, after normalization and punctuation splitting) -> "[UNK]".
  int max_input_chars_per_word = 100;
};

// Immutable after construction; every method is const and safe to call from many threads.
class WordPieceTokenizer {
 public:
  // Throws moe::Error when the vocabulary has no "[UNK]" or max_input_chars_per_word < 1.
  WordPieceTokenizer(Vocabulary vocab, TokenizerOptions options);

  // Word pieces ("##" marks continuations), without [CLS]/[SEP].
  std::vector<std::string> tokenize(std::string_view utf8_text) const;
  // Ids of tokenize(), without [CLS]/[SEP] and without truncation.
  std::vector<int32_t> encode_words(std::string_view utf8_text) const;
  // Appends the ids of tokenize() to `ids` (lets a caller reuse one buffer across texts).
  void append_word_ids(std::string_view utf8_text, std::vector<int32_t>& ids) const;
  // [CLS] ids [SEP], the ids cut at the end so the total is at most max_length. Throws
  // moe::Error when max_length < 2 or the vocabulary lacks "[CLS]" or "[SEP]".
  std::vector<int32_t> encode(std::string_view utf8_text, int max_length) const;

  const Vocabulary& vocabulary() const { return vocab_; }
  const TokenizerOptions& options() const { return options_; }

 private:
  struct Special {
    std::string text;
    int32_t id;
  };
  struct Scratch;

  // Appends ids until at least `limit` are in `ids` (encode() stops early that way).
  void append_ids(std::string_view text, std::vector<int32_t>& ids, size_t limit) const;
  // Length in bytes of the special token starting at text[pos], or 0.
  size_t match_special(std::string_view text, size_t pos, int32_t& id) const;
  // Whether `word` is one of the special tokens (HF's never_split set).
  bool is_special_text(std::string_view word) const;
  // Steps 4-6 for one whitespace-delimited word (bytes of valid UTF-8, cleaned).
  void process_word(Scratch& scratch, std::vector<int32_t>& ids) const;
  void process_unicode_word(Scratch& scratch, std::vector<int32_t>& ids) const;
  // Step 6 for one word with no punctuation left in it.
  void word_piece(std::string_view word, Scratch& scratch, std::vector<int32_t>& ids) const;

  Vocabulary vocab_;
  TokenizerOptions options_;
  int32_t unk_id_;
  std::vector<Special> specials_;
  bool special_first_byte_[256] = {};
};

}  // namespace moe::data
