// Checks WordPieceTokenizer against Hugging Face's slow BertTokenizer behaviour on the real
// vocabularies in ../shared/data/vocab. Every expected id was looked up in the vocab file with
// `grep -n -x -F TOKEN FILE` (id = line number - 1); every expected piece sequence follows
// from HF's algorithm (clean, CJK split, NFC, per-character lower-casing, NFD + drop Mn,
// punctuation split, greedy longest-match WordPiece).
#include "data/wordpiece_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/error.h"

namespace moe::data {
namespace {

using Pieces = std::vector<std::string>;
using Ids = std::vector<int32_t>;

const std::string kVocabDir = "../shared/data/vocab/";

// The tokenizers are loaded on first use, inside a test, so a missing vocabulary file fails
// that test loudly (an exception in SetUpTestSuite would only mark the tests skipped).
class WordPieceTokenizerTest : public ::testing::Test {
 protected:
  static const WordPieceTokenizer& uncased() {
    static const WordPieceTokenizer tokenizer(
        Vocabulary::load(kVocabDir + "bert-base-uncased.vocab.txt"), TokenizerOptions{});
    return tokenizer;
  }
  static const WordPieceTokenizer& cased() {
    static const WordPieceTokenizer tokenizer = [] {
      TokenizerOptions options;
      options.lowercase = false;
      return WordPieceTokenizer(Vocabulary::load(kVocabDir + "bert-base-cased.vocab.txt"),
                                options);
    }();
    return tokenizer;
  }
  static const WordPieceTokenizer& scibert() {
    static const WordPieceTokenizer tokenizer(
        Vocabulary::load(kVocabDir + "scibert-scivocab-uncased.vocab.txt"), TokenizerOptions{});
    return tokenizer;
  }
};

// bert-base-uncased ids used below (grep -n -x -F on bert-base-uncased.vocab.txt):
constexpr int32_t kUnk = 100, kCls = 101, kSep = 102, kMask = 103;

TEST_F(WordPieceTokenizerTest, PlainWords) {
  EXPECT_EQ(uncased().tokenize("the quick brown fox"), (Pieces{"the", "quick", "brown", "fox"}));
  EXPECT_EQ(uncased().encode_words("the quick brown fox"), (Ids{1996, 4248, 2829, 4419}));
  EXPECT_EQ(uncased().encode_words("HELLO World"), (Ids{7592, 2088}));
  EXPECT_TRUE(uncased().tokenize("").empty());
  EXPECT_TRUE(uncased().tokenize(" \t\n\u3000 ").empty());
}

TEST_F(WordPieceTokenizerTest, GreedyLongestMatchContinuations) {
  // Longest first piece wins: "una" (14477) is in the vocabulary, so not "un" + "##aff" +
  // "##able" (the example from Google's README uses another vocabulary; "##aff" is absent).
  EXPECT_EQ(uncased().tokenize("unaffable"), (Pieces{"una", "##ffa", "##ble"}));
  EXPECT_EQ(uncased().encode_words("unaffable"), (Ids{14477, 20961, 3468}));
  EXPECT_EQ(uncased().tokenize("foobar"), (Pieces{"foo", "##bar"}));
  EXPECT_EQ(uncased().encode_words("Straße"), (Ids{2358, 27807}));  // st ##raße
}

TEST_F(WordPieceTokenizerTest, UncasedStripsAccents) {
  EXPECT_EQ(uncased().tokenize("Café résumé"), (Pieces{"cafe", "resume"}));
  EXPECT_EQ(uncased().encode_words("Café résumé"), (Ids{7668, 13746}));
  EXPECT_EQ(uncased().encode_words("naïve café"), (Ids{15743, 7668}));
  // Decomposed input (e + U+0301) gives the same as precomposed.
  EXPECT_EQ(uncased().encode_words("Cafe\u0301"), (Ids{7668}));
}

TEST_F(WordPieceTokenizerTest, CasedKeepsCaseAndAccents) {
  EXPECT_EQ(cased().tokenize("Hello World"), (Pieces{"Hello", "World"}));
  EXPECT_EQ(cased().encode_words("Hello World"), (Ids{8667, 1291}));
  EXPECT_EQ(cased().tokenize("HELLO"), (Pieces{"H", "##EL", "##L", "##O"}));
  EXPECT_EQ(cased().encode_words("HELLO"), (Ids{145, 21678, 2162, 2346}));
  EXPECT_EQ(cased().tokenize("Café résumé"), (Pieces{"Café", "r", "##és", "##um", "##é"}));
  EXPECT_EQ(cased().encode_words("Café résumé"), (Ids{21036, 187, 10051, 1818, 2744}));
  EXPECT_EQ(cased().encode_words("naïve"), (Ids{9468, 28203, 2707}));  // na ##ï ##ve
  // HF NFC-normalizes first, so decomposed "Cafe" + U+0301 is the vocabulary's "Café".
  EXPECT_EQ(cased().encode_words("Cafe\u0301"), (Ids{21036}));
}

TEST_F(WordPieceTokenizerTest, Punctuation) {
  EXPECT_EQ(uncased().tokenize("Hello, world!"), (Pieces{"hello", ",", "world", "!"}));
  EXPECT_EQ(uncased().encode_words("Hello, world!"), (Ids{7592, 1010, 2088, 999}));
  EXPECT_EQ(uncased().encode_words("don't"), (Ids{2123, 1005, 1056}));  // don ' t
  // Unicode punctuation (categories Pd, Pi, Pf, Po) splits like ASCII.
  EXPECT_EQ(uncased().tokenize("a—b «c» ¿d?"),
            (Pieces{"a", "—", "b", "«", "c", "»", "¿", "d", "?"}));
  EXPECT_EQ(uncased().encode_words("a—b «c» ¿d?"),
            (Ids{1037, 1517, 1038, 1077, 1039, 1090, 1094, 1040, 1029}));
  // Punctuation is judged after normalization: uncased NFD turns '≠' into '=' + U+0338 and
  // the mark is stripped; cased NFC keeps '≠', a math symbol (Sm), not punctuation.
  EXPECT_EQ(uncased().encode_words("a≠b"), (Ids{1037, 1027, 1038}));  // a = b
  EXPECT_EQ(cased().tokenize("a≠b"), (Pieces{"a", "##≠", "##b"}));
  EXPECT_EQ(cased().encode_words("a=\u0338b"), (Ids{170, 28755, 1830}));  // composes to '≠'
}

TEST_F(WordPieceTokenizerTest, ChineseCharactersAreWords) {
  // 中 1746, 文 1861, abc 5925; 字 is not in bert-base-uncased, so it is [UNK].
  EXPECT_EQ(uncased().tokenize("中文abc字"), (Pieces{"中", "文", "abc", "[UNK]"}));
  EXPECT_EQ(uncased().encode_words("中文abc字"), (Ids{1746, 1861, 5925, kUnk}));
  TokenizerOptions no_split;
  no_split.tokenize_chinese_chars = false;
  const WordPieceTokenizer joined(uncased().vocabulary(), no_split);
  EXPECT_EQ(joined.tokenize("中文"), (Pieces{"中", "##文"}));
  EXPECT_EQ(joined.encode_words("中文"), (Ids{1746, 30387}));
}

TEST_F(WordPieceTokenizerTest, ControlAndFormatCharactersAreDropped) {
  // NUL, U+0001 (Cc) and U+200B (Cf) vanish without splitting: "abcd" -> abc ##d.
  EXPECT_EQ(uncased().encode_words(std::string("a\0b\x01", 4) + "c\u200bd"), (Ids{5925, 2094}));
  EXPECT_EQ(uncased().encode_words("ab\u00adcd"), (Ids{5925, 2094}));  // soft hyphen (Cf)
  // U+0085 and \v are whitespace to Python's str.split(), but they are Cc, and cleaning
  // removes them before the split: one word "ab" (11113).
  EXPECT_EQ(uncased().encode_words("a\u0085b"), (Ids{11113}));
  EXPECT_EQ(uncased().encode_words("a\vb"), (Ids{11113}));
  // U+FFFD (what Python decodes bad bytes to) is dropped the same way.
  EXPECT_EQ(uncased().tokenize("foo\uFFFDbar"), (Pieces{"foo", "##bar"}));
}

TEST_F(WordPieceTokenizerTest, InvalidUtf8IsDropped) {
  const Ids abcd{5925, 2094};  // abc ##d
  for (const std::string bad : {"\xff", "\x80", "\xc0\x80" /* overlong */,
                                "\xed\xa0\x80" /* surrogate */, "\xf4\x90\x80\x80" /* >10FFFF */,
                                "\xe2\x82" /* truncated */, "\xf0\x9f\x98" /* truncated */}) {
    EXPECT_EQ(uncased().encode_words("ab" + bad + "cd"), abcd) << "bytes of length " << bad.size();
  }
  EXPECT_EQ(uncased().encode_words("abcd\xe2\x82"), abcd);  // truncated at the very end
  // A bad lead byte does not swallow the valid character after it.
  EXPECT_EQ(uncased().encode_words(std::string("\xe2") + "a"), (Ids{1037}));
}

TEST_F(WordPieceTokenizerTest, WhitespaceVariantsSeparateWords) {
  // NBSP, ideographic space, tab, LF, line separator U+2028, CRLF.
  EXPECT_EQ(uncased().tokenize("a\u00a0b\u3000c\td\ne\u2028f\r\ng"),
            (Pieces{"a", "b", "c", "d", "e", "f", "g"}));
  EXPECT_EQ(uncased().encode_words("a\u00a0b\u3000c\td\ne\u2028f\r\ng"),
            (Ids{1037, 1038, 1039, 1040, 1041, 1042, 1043}));
}

TEST_F(WordPieceTokenizerTest, SigmaIsLowerCasedCharacterByCharacter) {
  // HF's PreTrainedTokenizer.tokenize lower-cases one character at a time (re.sub with
  // "(.+?)"), so Python's final-sigma rule never applies: "ΟΔΟΣ" -> "οδοσ", not "οδος".
  EXPECT_EQ(uncased().tokenize("ΟΔΟΣ"), (Pieces{"ο", "##δ", "##ο", "##σ"}));
  EXPECT_EQ(uncased().encode_words("ΟΔΟΣ"), (Ids{1169, 29722, 29730, 29733}));
  // Written in lower case with a final sigma, the word matches "##ος" (15297).
  EXPECT_EQ(uncased().tokenize("οδος"), (Pieces{"ο", "##δ", "##ος"}));
  EXPECT_EQ(uncased().encode_words("οδος"), (Ids{1169, 29722, 15297}));
}

TEST_F(WordPieceTokenizerTest, DottedCapitalI) {
  // 'İ' lowers to "i" + U+0307 (full case mapping); the mark is then stripped.
  EXPECT_EQ(uncased().tokenize("İstanbul"), (Pieces{"istanbul"}));
  EXPECT_EQ(uncased().encode_words("İstanbul"), (Ids{9960}));
}

TEST_F(WordPieceTokenizerTest, UnknownAndOverlongWords) {
  EXPECT_EQ(uncased().encode_words("😀"), (Ids{kUnk}));
  // A word that cannot be matched completely is one [UNK], not a partial match.
  EXPECT_EQ(uncased().tokenize("abc😀 foo"), (Pieces{"[UNK]", "foo"}));
  // Over max_input_chars_per_word (100) code points: [UNK] without matching.
  EXPECT_EQ(uncased().encode_words(std::string(101, 'a')), (Ids{kUnk}));
  const Ids hundred = uncased().encode_words(std::string(100, 'a'));
  ASSERT_EQ(hundred.size(), 50u);  // aaa, 48 x ##aa, ##a
  EXPECT_EQ(hundred.front(), 13360);
  EXPECT_EQ(hundred[1], 11057);
  // The limit counts code points, not bytes: 60 'é' (120 bytes) are matched in cased mode.
  std::string accents;
  for (int i = 0; i < 60; ++i) accents += "é";
  const Ids matched = cased().encode_words(accents);
  ASSERT_EQ(matched.size(), 60u);
  EXPECT_EQ(matched[0], 255);   // é
  EXPECT_EQ(matched[1], 2744);  // ##é
  TokenizerOptions short_words;
  short_words.max_input_chars_per_word = 4;
  const WordPieceTokenizer strict(uncased().vocabulary(), short_words);
  EXPECT_EQ(strict.tokenize("fox quick"), (Pieces{"fox", "[UNK]"}));
}

TEST_F(WordPieceTokenizerTest, SpecialTokensInTextStayWhole) {
  EXPECT_EQ(uncased().tokenize("[CLS] Hello [SEP]"), (Pieces{"[CLS]", "hello", "[SEP]"}));
  EXPECT_EQ(uncased().encode_words("[CLS] Hello [SEP]"), (Ids{kCls, 7592, kSep}));
  EXPECT_EQ(uncased().encode_words("hello[MASK]world"), (Ids{7592, kMask, 2088}));
  EXPECT_EQ(uncased().encode_words("x[UNK]y"), (Ids{1060, kUnk, 1061}));
  EXPECT_EQ(uncased().encode_words("[PAD][PAD]"), (Ids{0, 0}));
  // Matching is case-sensitive and happens before cleaning: these are ordinary text.
  EXPECT_EQ(uncased().tokenize("[cls]"), (Pieces{"[", "cl", "##s", "]"}));
  EXPECT_EQ(uncased().encode_words(std::string("[CL\0S]", 6)), (Ids{1031, 18856, 2015, 1033}));
  EXPECT_EQ(cased().encode_words("[CLS]x[SEP]"), (Ids{101, 193, 102}));
  // Cased only: a word that equals a special token after cleaning/NFC is HF's never_split
  // (in uncased mode HF has lower-cased it by then).
  EXPECT_EQ(cased().encode_words(std::string("[CL\0S]", 6)), (Ids{101}));
  EXPECT_EQ(cased().encode_words("[UN\u212a]"), (Ids{100}));  // KELVIN SIGN -> K under NFC
  // That word still goes through WordPiece, so its length limit applies (HF does the same).
  TokenizerOptions short_cased;
  short_cased.lowercase = false;
  short_cased.max_input_chars_per_word = 4;
  const WordPieceTokenizer strict(cased().vocabulary(), short_cased);
  EXPECT_EQ(strict.encode_words(std::string("[CL\0S] [CLS]", 12)), (Ids{100, 101}));
  // SciBERT's special ids differ from BERT's.
  EXPECT_EQ(scibert().encode_words("[CLS] the protein kinase inhibitor [SEP]"),
            (Ids{102, 111, 787, 4655, 4773, 103}));
}

TEST_F(WordPieceTokenizerTest, EncodeAddsClsSepAndTruncates) {
  EXPECT_EQ(uncased().encode("hello world", 512), (Ids{kCls, 7592, 2088, kSep}));
  EXPECT_EQ(uncased().encode("hello world", 4), (Ids{kCls, 7592, 2088, kSep}));
  EXPECT_EQ(uncased().encode("hello world", 3), (Ids{kCls, 7592, kSep}));
  EXPECT_EQ(uncased().encode("hello world", 2), (Ids{kCls, kSep}));
  EXPECT_EQ(uncased().encode("", 8), (Ids{kCls, kSep}));
  // Truncation cuts word pieces, not words: una ##ffa | ##ble.
  EXPECT_EQ(uncased().encode("unaffable", 4), (Ids{kCls, 14477, 20961, kSep}));
  EXPECT_EQ(scibert().encode("the protein", 8), (Ids{102, 111, 787, 103}));
  EXPECT_THROW(uncased().encode("hello", 1), Error);
  EXPECT_THROW(uncased().encode("hello", 0), Error);
}

TEST_F(WordPieceTokenizerTest, TokenizeEncodeAndAppendAgree) {
  const std::string text = "Résumé of Dr. Σμίθ: 42 papers on kinase-inhibitor 中文 synergy!";
  const Ids ids = uncased().encode_words(text);
  const Pieces pieces = uncased().tokenize(text);
  ASSERT_EQ(ids.size(), pieces.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(uncased().vocabulary().token(ids[i]), pieces[i]);
  }
  Ids appended{7};
  uncased().append_word_ids(text, appended);
  EXPECT_EQ(appended.size(), ids.size() + 1);
  EXPECT_EQ(Ids(appended.begin() + 1, appended.end()), ids);
}

TEST_F(WordPieceTokenizerTest, ConcurrentCallsAgree) {
  const std::string text = "Myocardial infarction (MI) — «naïve» patients’ résumé, 中文 ΟΔΟΣ.";
  const Ids expected = uncased().encode_words(text);
  std::vector<Ids> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) results[t] = uncased().encode_words(text);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Ids& result : results) EXPECT_EQ(result, expected);
}

TEST(WordPieceTokenizerSetup, RejectsVocabularyWithoutUnkAndBadOptions) {
  EXPECT_THROW(WordPieceTokenizer(Vocabulary::from_tokens({"[PAD]", "a"}), TokenizerOptions{}),
               Error);
  TokenizerOptions zero;
  zero.max_input_chars_per_word = 0;
  EXPECT_THROW(WordPieceTokenizer(Vocabulary::from_tokens({"[UNK]"}), zero), Error);
  // A small vocabulary without [CLS]/[SEP] still tokenizes; only encode() needs them.
  const WordPieceTokenizer tiny(Vocabulary::from_tokens({"[UNK]", "ab", "##c"}),
                                TokenizerOptions{});
  EXPECT_EQ(tiny.tokenize("ABC abd"), (Pieces{"ab", "##c", "[UNK]"}));
  EXPECT_THROW(tiny.encode("abc", 8), Error);
  EXPECT_EQ(tiny.options().max_input_chars_per_word, 100);
  EXPECT_EQ(tiny.vocabulary().size(), 3);
}

TEST(WordPieceTokenizerSetup, DomainTokensAddedToTheVocabularyAreUsable) {
  Vocabulary vocab = Vocabulary::load(kVocabDir + "bert-base-uncased.vocab.txt");
  const int32_t cardio = vocab.add_token("[CARDIO]");
  const WordPieceTokenizer tokenizer(std::move(vocab), TokenizerOptions{});
  EXPECT_EQ(cardio, 30522);
  EXPECT_EQ(tokenizer.vocabulary().id("[CARDIO]"), cardio);
  // Only HF's five special tokens are cut out of text; "[CARDIO]" in text is plain words.
  EXPECT_EQ(tokenizer.tokenize("[CARDIO]").front(), "[");
}

}  // namespace
}  // namespace moe::data
