// BERT WordPiece tokenization matching Hugging Face's slow BertTokenizer; the header lists
// the pipeline, the notes below say where Python's behaviour had to be reproduced by hand.
//
// Notes on Python vs utf8proc (each checked code point by code point against CPython 3.11's
// unicodedata, which differs from utf8proc 2.8 only in characters new in Unicode 15):
//
// * Lower-casing. PreTrainedTokenizer.tokenize() lower-cases with
//   re.sub(r"(<special tokens>)|(.+?)", lambda m: m[1] or m[2].lower(), text): the lazy
//   `.+?` matches ONE character, so every character is lower-cased alone. Python's
//   context-dependent Final_Sigma rule therefore never fires: 'Σ' becomes 'σ' even at the
//   end of a word (HF's fast tokenizer agrees). BasicTokenizer's later token.lower() sees
//   text that is already lower-case. str.lower() of one character is the full lowercase
//   mapping (SpecialCasing.txt); utf8proc_tolower() is the simple one (UnicodeData.txt).
//   They differ for exactly one character: U+0130 'İ' -> U+0069 U+0307 in Python, U+0069 in
//   utf8proc. We emit both code points (the U+0307 is Mn and stripped right after).
// * NFC. BasicTokenizer NFC-normalizes the whole cleaned text before the whitespace split.
//   We normalize each word instead: the separators (space, U+2028, U+2029, and the spaces
//   put around CJK ideographs) are starters that never compose with a neighbour and stop
//   canonical reordering, so NFC per word equals NFC of the text. In lowercase mode NFC is
//   skipped: NFD follows and NFD(NFC(x)) == NFD(x).
// * NFD. utf8proc_decompose_char() decomposes one code point fully (recursively, Hangul
//   included) but does not reorder; utf8proc reorders only inside utf8proc_decompose(), which
//   wants UTF-8 input. canonical_order() does the reordering on our UTF-32 buffer.
// * Punctuation is judged after normalization, as in Python: NFD turns U+2260 '≠' into
//   '=' U+0338 and U+1FEF into '`' (both punctuation once the mark is stripped), and NFC
//   turns '=' / '<' / '>' followed by U+0338 into a symbol that is not punctuation. So ASCII
//   punctuation stays inside the scanned word until its word is normalized.
// * Whitespace. Python's str.split() also splits on U+2028 and U+2029 (Zl, Zp), which
//   cleaning keeps. Its other extra whitespace (\v, \f, U+001C-U+001F, U+0085) is Cc and
//   removed by cleaning first, so "a\vb" is one word "ab", as in HF.
// * Categories. utf8proc_category() reports unassigned code points as Cn, like Python.
#include "data/wordpiece_tokenizer.h"

#include <utf8proc.h>  // categories, canonical (de)composition, simple case mapping

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "common/error.h"

namespace moe::data {
namespace {

constexpr int32_t kDottedCapitalI = 0x0130;     // 'İ'
constexpr int32_t kCombiningDotAbove = 0x0307;  // second half of its lowercase form

// Byte classes of the scanning loop for ASCII (punctuation is a word byte here; it is split
// off after normalization, see the notes above).
enum class AsciiClass : uint8_t { kWord, kSpace, kDrop };

constexpr std::array<AsciiClass, 128> make_ascii_classes() {
  std::array<AsciiClass, 128> classes{};
  for (int c = 0; c < 128; ++c) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      classes[c] = AsciiClass::kSpace;
    } else if (c < 0x20 || c == 0x7f) {  // NUL and the other Cc controls
      classes[c] = AsciiClass::kDrop;
    } else {
      classes[c] = AsciiClass::kWord;
    }
  }
  return classes;
}
constexpr std::array<AsciiClass, 128> kAsciiClasses = make_ascii_classes();

constexpr bool is_ascii_punctuation(int32_t c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

bool is_punctuation(int32_t cp) {
  if (cp < 0x80) return is_ascii_punctuation(cp);
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
      return true;
    default:
      return false;
  }
}

// HF's _is_chinese_char: the CJK Unified Ideographs blocks and extensions A-E plus the
// compatibility ideographs (not Hangul, kana or CJK punctuation).
constexpr bool is_cjk_ideograph(int32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

enum class CharClass : uint8_t { kWord, kSpace, kDrop, kIdeograph };

// Cleaning (HF _clean_text + str.split) for a non-ASCII code point.
CharClass classify(int32_t cp, bool split_ideographs) {
  if (cp == 0xFFFD) return CharClass::kDrop;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
      return CharClass::kDrop;
    case UTF8PROC_CATEGORY_ZS:
      return CharClass::kSpace;
    default:
      break;
  }
  if (cp == 0x2028 || cp == 0x2029) return CharClass::kSpace;
  if (split_ideographs && is_cjk_ideograph(cp)) return CharClass::kIdeograph;
  return CharClass::kWord;
}

constexpr bool is_continuation_byte(unsigned char b) { return (b & 0xC0) == 0x80; }

// Decodes the UTF-8 sequence starting at p (n > 0 bytes available) strictly, as Python does:
// overlong forms, surrogates, code points above U+10FFFF and truncated sequences are invalid.
// Returns the code point and its length, or -1 and length 1 for an invalid lead byte or
// sequence (the caller skips one byte; stray continuation bytes are then skipped one by one,
// and no byte that starts a valid sequence is ever swallowed).
int32_t decode_utf8(const unsigned char* p, size_t n, size_t& length) {
  length = 1;
  const unsigned char b0 = p[0];
  if (b0 < 0x80) return b0;
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < n && p[i] >= lo && p[i] <= hi;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return -1;
    length = 2;
    return ((b0 & 0x1F) << 6) | (p[1] & 0x3F);
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;  // no overlongs
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;  // no surrogates
    if (!cont(1, lo, hi) || !cont(2)) return -1;
    length = 3;
    return ((b0 & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;  // no overlongs
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    if (!cont(1, lo, hi) || !cont(2) || !cont(3)) return -1;
    length = 4;
    return ((b0 & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
  }
  return -1;
}

void append_utf8(int32_t cp, std::string& out) {
  const auto c = static_cast<uint32_t>(cp);
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Appends the full canonical decomposition of cp (NFD before reordering).
void append_canonical_decomposition(int32_t cp, std::vector<int32_t>& out) {
  if (cp < 0xC0) {  // nothing below U+00C0 decomposes
    out.push_back(cp);
    return;
  }
  int32_t buffer[16];
  int unused_boundclass = 0;
  utf8proc_ssize_t n =
      utf8proc_decompose_char(cp, buffer, 16, UTF8PROC_DECOMPOSE, &unused_boundclass);
  if (n <= 0) {  // cannot happen for a valid code point; keep it unchanged
    out.push_back(cp);
  } else if (n <= 16) {
    out.insert(out.end(), buffer, buffer + n);
  } else {  // longer than any decomposition in Unicode 15 (at most 4); stay correct anyway
    std::vector<int32_t> big(static_cast<size_t>(n));
    n = utf8proc_decompose_char(cp, big.data(), n, UTF8PROC_DECOMPOSE, &unused_boundclass);
    out.insert(out.end(), big.begin(), big.begin() + n);
  }
}

int combining_class(int32_t cp) { return utf8proc_get_property(cp)->combining_class; }

// Canonical ordering: a stable sort by combining class of every run of non-starters.
void canonical_order(std::vector<int32_t>& cps) {
  for (size_t i = 1; i < cps.size(); ++i) {
    const int32_t cp = cps[i];
    const int ccc = combining_class(cp);
    if (ccc == 0) continue;
    size_t j = i;
    while (j > 0 && combining_class(cps[j - 1]) > ccc) {
      cps[j] = cps[j - 1];
      --j;
    }
    cps[j] = cp;
  }
}

}  // namespace

// Buffers reused across the words of one call (no per-character allocation).
struct WordPieceTokenizer::Scratch {
  std::string word;  // the current whitespace-delimited word, cleaned UTF-8
  bool word_is_ascii = true;
  std::vector<int32_t> code_points;
  std::vector<int32_t> normalized;
  std::string piece;      // one punctuation-free piece of a non-ASCII word
  std::string candidate;  // "##" + the word being matched; see word_piece()
};

WordPieceTokenizer::WordPieceTokenizer(Vocabulary vocab, TokenizerOptions options)
    : vocab_(std::move(vocab)), options_(options) {
  MOE_REQUIRE(options_.max_input_chars_per_word >= 1,
              "tokenizer: max_input_chars_per_word must be at least 1, got ",
              options_.max_input_chars_per_word);
  auto unk = vocab_.find("[UNK]");
  MOE_REQUIRE(unk, "tokenizer: the vocabulary (", vocab_.size(),
              " tokens) has no \"[UNK]\" token, which WordPiece needs for unknown words");
  unk_id_ = *unk;
  // HF's special tokens for BERT; ones the vocabulary lacks are treated as plain text.
  for (const char* text : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
    if (auto id = vocab_.find(text)) {
      specials_.push_back(Special{text, *id});
      special_first_byte_[static_cast<unsigned char>(text[0])] = true;
    }
  }
}

size_t WordPieceTokenizer::match_special(std::string_view text, size_t pos, int32_t& id) const {
  for (const Special& special : specials_) {
    if (text.compare(pos, special.text.size(), special.text) == 0) {
      id = special.id;
      return special.text.size();
    }
  }
  return 0;
}

std::vector<std::string> WordPieceTokenizer::tokenize(std::string_view utf8_text) const {
  std::vector<int32_t> ids;
  append_word_ids(utf8_text, ids);
  std::vector<std::string> pieces;
  pieces.reserve(ids.size());
  for (int32_t id : ids) pieces.push_back(vocab_.token(id));
  return pieces;
}

std::vector<int32_t> WordPieceTokenizer::encode_words(std::string_view utf8_text) const {
  std::vector<int32_t> ids;
  append_word_ids(utf8_text, ids);
  return ids;
}

std::vector<int32_t> WordPieceTokenizer::encode(std::string_view utf8_text, int max_length) const {
  MOE_REQUIRE(max_length >= 2, "tokenizer: encode max_length must be at least 2 (room for [CLS] ",
              "and [SEP]), got ", max_length);
  const int32_t cls = vocab_.cls_id();
  const int32_t sep = vocab_.sep_id();
  std::vector<int32_t> ids{cls};
  const size_t limit = static_cast<size_t>(max_length) - 1;  // [CLS] + word ids
  append_ids(utf8_text, ids, limit);
  if (ids.size() > limit) ids.resize(limit);
  ids.push_back(sep);
  return ids;
}

void WordPieceTokenizer::append_word_ids(std::string_view utf8_text,
                                         std::vector<int32_t>& ids) const {
  append_ids(utf8_text, ids, SIZE_MAX);
}

void WordPieceTokenizer::append_ids(std::string_view text, std::vector<int32_t>& ids,
                                    size_t limit) const {
  Scratch scratch;
  std::string& word = scratch.word;
  auto end_word = [&] {
    if (!word.empty()) process_word(scratch, ids);
    word.clear();
    scratch.word_is_ascii = true;
  };
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t pos = 0;
  while (pos < n && ids.size() < limit) {
    const unsigned char b = bytes[pos];
    if (special_first_byte_[b]) {
      int32_t id = 0;
      if (size_t length = match_special(text, pos, id)) {
        end_word();
        ids.push_back(id);
        pos += length;
        continue;
      }
    }
    if (b < 0x80) {
      switch (kAsciiClasses[b]) {
        case AsciiClass::kWord:
          word.push_back(static_cast<char>(b));
          break;
        case AsciiClass::kSpace:
          end_word();
          break;
        case AsciiClass::kDrop:
          break;
      }
      ++pos;
      continue;
    }
    size_t length = 0;
    const int32_t cp = decode_utf8(bytes + pos, n - pos, length);
    const std::string_view encoded = text.substr(pos, length);
    pos += length;
    if (cp < 0) continue;  // invalid UTF-8: Python's U+FFFD, which cleaning drops
    switch (classify(cp, options_.tokenize_chinese_chars)) {
      case CharClass::kWord:
        word.append(encoded);
        scratch.word_is_ascii = false;
        break;
      case CharClass::kSpace:
        end_word();
        break;
      case CharClass::kDrop:
        break;
      case CharClass::kIdeograph:
        end_word();
        word.append(encoded);
        scratch.word_is_ascii = false;
        end_word();
        break;
    }
  }
  end_word();
}

bool WordPieceTokenizer::is_special_text(std::string_view word) const {
  for (const Special& special : specials_) {
    if (word == special.text) return true;
  }
  return false;
}

void WordPieceTokenizer::process_word(Scratch& scratch, std::vector<int32_t>& ids) const {
  if (!scratch.word_is_ascii) {
    process_unicode_word(scratch, ids);
    return;
  }
  std::string& word = scratch.word;  // ASCII: NFC and NFD leave it unchanged
  if (options_.lowercase) {
    for (char& c : word) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  } else if (is_special_text(word)) {
    // HF's never_split check, reachable only when cleaning joined one ("[CL\0S]"): the word
    // skips the punctuation split and goes to WordPiece whole.
    word_piece(word, scratch, ids);
    return;
  }
  const std::string_view view(word);
  size_t piece_start = 0;
  for (size_t i = 0; i < view.size(); ++i) {
    if (is_ascii_punctuation(static_cast<unsigned char>(view[i]))) {
      if (i > piece_start) word_piece(view.substr(piece_start, i - piece_start), scratch, ids);
      word_piece(view.substr(i, 1), scratch, ids);
      piece_start = i + 1;
    }
  }
  if (piece_start < view.size()) word_piece(view.substr(piece_start), scratch, ids);
}

void WordPieceTokenizer::process_unicode_word(Scratch& scratch, std::vector<int32_t>& ids) const {
  const bool lowercase = options_.lowercase;
  std::vector<int32_t>& cps = scratch.code_points;
  cps.clear();
  const auto* bytes = reinterpret_cast<const unsigned char*>(scratch.word.data());
  const size_t n = scratch.word.size();
  // Below this no code point changes under NFD (U+00C0 is the first with a decomposition) or
  // NFC (nothing below U+0300 composes with a neighbour below U+0300).
  const int32_t normalization_floor = lowercase ? 0xC0 : 0x300;
  bool needs_normalization = false;
  for (size_t pos = 0; pos < n;) {
    size_t length = 0;
    int32_t cp = decode_utf8(bytes + pos, n - pos, length);  // valid: checked while scanning
    pos += length;
    if (lowercase) {
      if (cp == kDottedCapitalI) {
        cps.push_back('i');
        cp = kCombiningDotAbove;
      } else {
        cp = utf8proc_tolower(cp);
      }
    }
    needs_normalization |= cp >= normalization_floor;
    cps.push_back(cp);
  }

  if (needs_normalization) {
    std::vector<int32_t>& out = scratch.normalized;
    out.clear();
    for (int32_t cp : cps) append_canonical_decomposition(cp, out);
    canonical_order(out);
    if (lowercase) {  // strip accents: drop nonspacing marks
      out.erase(
          std::remove_if(out.begin(), out.end(),
                         [](int32_t cp) { return utf8proc_category(cp) == UTF8PROC_CATEGORY_MN; }),
          out.end());
    } else {
      const utf8proc_ssize_t composed = utf8proc_normalize_utf32(
          out.data(), static_cast<utf8proc_ssize_t>(out.size()),
          static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
      if (composed >= 0) out.resize(static_cast<size_t>(composed));
    }
    std::swap(cps, out);
  }

  std::string& piece = scratch.piece;
  // HF's never_split check (cased only: uncased text is lower-case by now, specials are not).
  if (!lowercase && !cps.empty() && cps.front() < 0x80 && special_first_byte_[cps.front()]) {
    piece.clear();
    for (int32_t cp : cps) append_utf8(cp, piece);
    if (is_special_text(piece)) {
      word_piece(piece, scratch, ids);
      return;
    }
  }

  piece.clear();
  std::string punctuation;
  for (int32_t cp : cps) {
    if (is_punctuation(cp)) {
      if (!piece.empty()) word_piece(piece, scratch, ids);
      piece.clear();
      punctuation.clear();
      append_utf8(cp, punctuation);
      word_piece(punctuation, scratch, ids);
    } else {
      append_utf8(cp, piece);
    }
  }
  if (!piece.empty()) word_piece(piece, scratch, ids);
}

void WordPieceTokenizer::word_piece(std::string_view word, Scratch& scratch,
                                    std::vector<int32_t>& ids) const {
  size_t chars = 0;
  for (char c : word) chars += !is_continuation_byte(static_cast<unsigned char>(c));
  if (chars > static_cast<size_t>(options_.max_input_chars_per_word)) {
    ids.push_back(unk_id_);
    return;
  }
  // candidate = "##" + word. The piece starting at byte `start` is looked up in place: for
  // start > 0 the two bytes before it (already consumed) are overwritten with "##".
  std::string& candidate = scratch.candidate;
  candidate.assign("##");
  candidate.append(word);
  char* buffer = candidate.data();
  const size_t n = word.size();
  const size_t max_bytes = vocab_.max_token_bytes();
  const size_t first_new = ids.size();
  for (size_t start = 0; start < n;) {
    const size_t prefix = start == 0 ? 0 : 2;
    if (prefix != 0) {
      buffer[start] = '#';
      buffer[start + 1] = '#';
    }
    // Longest candidate that could be in the vocabulary, cut back to a code point boundary.
    size_t end = max_bytes <= prefix ? start : std::min(n, start + (max_bytes - prefix));
    while (end > start && end < n && is_continuation_byte(static_cast<unsigned char>(word[end]))) {
      --end;
    }
    bool matched = false;
    while (end > start) {
      if (auto id =
              vocab_.find(std::string_view(buffer + start + 2 - prefix, end - start + prefix))) {
        ids.push_back(*id);
        matched = true;
        break;
      }
      do {
        --end;
      } while (end > start && is_continuation_byte(static_cast<unsigned char>(word[end])));
    }
    if (!matched) {  // HF: a word that cannot be matched completely is one [UNK]
      ids.resize(first_new);
      ids.push_back(unk_id_);
      return;
    }
    start = end;
  }
}

}  // namespace moe::data
