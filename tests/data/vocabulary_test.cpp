// Checks Vocabulary against the real BERT vocab files in ../shared/data/vocab: ids are line
// numbers, blank lines are tokens, the hash is stable, and user errors name their cause.
// Expected ids were read off the files with `grep -n -x -F TOKEN FILE` (id = line - 1).
#include "data/vocabulary.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/error.h"
#include "support/scoped_temp_dir.h"  // ScopedTempDir

namespace moe::data {
namespace {

const std::string kVocabDir = "../shared/data/vocab/";
const std::string kUncased = kVocabDir + "bert-base-uncased.vocab.txt";
const std::string kCased = kVocabDir + "bert-base-cased.vocab.txt";
const std::string kSciBert = kVocabDir + "scibert-scivocab-uncased.vocab.txt";

using moe::testing_support::ScopedTempDir;

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Independent FNV-1a 64 over raw bytes: a saved vocabulary's file hashes to Vocabulary::hash().
uint64_t fnv1a(const std::string& bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// Expects `fn` to throw moe::Error whose message contains every one of `parts`.
template <typename Fn>
void expect_error(Fn fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected moe::Error";
  } catch (const Error& e) {
    for (const std::string& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "message \"" << e.what() << "\" lacks \"" << part << "\"";
    }
  }
}

TEST(Vocabulary, LoadsBertBaseUncased) {
  const Vocabulary vocab = Vocabulary::load(kUncased);
  EXPECT_EQ(vocab.size(), 30522);
  EXPECT_EQ(vocab.pad_id(), 0);
  EXPECT_EQ(vocab.unk_id(), 100);
  EXPECT_EQ(vocab.cls_id(), 101);
  EXPECT_EQ(vocab.sep_id(), 102);
  EXPECT_EQ(vocab.id("[MASK]"), 103);
  EXPECT_EQ(vocab.id("the"), 1996);
  EXPECT_EQ(vocab.id("##able"), 3085);
  EXPECT_EQ(vocab.token(7592), "hello");
  EXPECT_EQ(vocab.token(30521), "##～");  // last line of the file
  EXPECT_FALSE(vocab.find("Hello").has_value());
  EXPECT_FALSE(vocab.find("").has_value());
}

TEST(Vocabulary, LoadsBertBaseCased) {
  const Vocabulary vocab = Vocabulary::load(kCased);
  EXPECT_EQ(vocab.size(), 28996);
  EXPECT_EQ(vocab.unk_id(), 100);
  EXPECT_EQ(vocab.cls_id(), 101);
  EXPECT_EQ(vocab.id("Hello"), 8667);
  EXPECT_EQ(vocab.id("Café"), 21036);
}

TEST(Vocabulary, SciBertBlankLineIsAToken) {
  const Vocabulary vocab = Vocabulary::load(kSciBert);
  EXPECT_EQ(vocab.size(), 31090);
  EXPECT_EQ(vocab.token(30106), "");
  EXPECT_EQ(vocab.find(""), std::optional<int32_t>(30106));
  EXPECT_EQ(vocab.token(30107), "##e");  // ids after the blank line are not shifted
  EXPECT_EQ(vocab.unk_id(), 101);
  EXPECT_EQ(vocab.cls_id(), 102);
  EXPECT_EQ(vocab.sep_id(), 103);
  EXPECT_EQ(vocab.id("protein"), 787);
}

TEST(Vocabulary, HashIsFnv1aOfTheFileAndPinned) {
  const Vocabulary uncased = Vocabulary::load(kUncased);
  // The vocab files end with '\n', so the file bytes are exactly what the hash covers.
  EXPECT_EQ(uncased.hash(), fnv1a(read_file(kUncased)));
  // Pinned: changing the definition would orphan every shard and checkpoint written so far.
  EXPECT_EQ(uncased.hash(), 0x1a8955ef43215668ULL);
  EXPECT_EQ(Vocabulary::load(kSciBert).hash(), 0x2581e44e1b6e254cULL);
  EXPECT_NE(Vocabulary::load(kCased).hash(), uncased.hash());
  EXPECT_EQ(Vocabulary::from_tokens({}).hash(), 0xcbf29ce484222325ULL);
}

TEST(Vocabulary, SaveLoadRoundTripKeepsHashAndBlankToken) {
  ScopedTempDir dir("moe_vocab_test");
  const Vocabulary original = Vocabulary::load(kSciBert);
  const std::string path = dir.path("scibert.txt");
  original.save(path);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(read_file(path), read_file(kSciBert));
  const Vocabulary reloaded = Vocabulary::load(path);
  EXPECT_EQ(reloaded.size(), original.size());
  EXPECT_EQ(reloaded.hash(), original.hash());
  EXPECT_EQ(reloaded.token(30106), "");

  // A blank token in last place survives too (its line is "" followed by '\n').
  const Vocabulary tail_blank = Vocabulary::from_tokens({"[UNK]", "a", ""});
  tail_blank.save(path);  // overwrites
  const Vocabulary tail_reloaded = Vocabulary::load(path);
  EXPECT_EQ(tail_reloaded.size(), 3);
  EXPECT_EQ(tail_reloaded.token(2), "");
  EXPECT_EQ(tail_reloaded.hash(), tail_blank.hash());
}

TEST(Vocabulary, LineEndings) {
  ScopedTempDir dir("moe_vocab_test");
  const std::string path = dir.path("v.txt");
  write_file(path, "[PAD]\r\nb\r\n\r\nd");  // CRLF, a blank line, no final newline
  const Vocabulary vocab = Vocabulary::load(path);
  ASSERT_EQ(vocab.size(), 4);
  EXPECT_EQ(vocab.token(0), "[PAD]");
  EXPECT_EQ(vocab.token(1), "b");
  EXPECT_EQ(vocab.token(2), "");
  EXPECT_EQ(vocab.token(3), "d");

  write_file(path, "a\nb\n\n");  // the final newline closes the blank line, adds nothing
  const Vocabulary trailing = Vocabulary::load(path);
  ASSERT_EQ(trailing.size(), 3);
  EXPECT_EQ(trailing.token(2), "");

  write_file(path, "\n");  // one blank token
  EXPECT_EQ(Vocabulary::load(path).size(), 1);
}

TEST(Vocabulary, LoadErrorsNameTheFile) {
  ScopedTempDir dir("moe_vocab_test");
  const std::string missing = dir.path("missing.txt");
  expect_error([&] { Vocabulary::load(missing); }, {missing, "cannot open"});

  const std::string empty = dir.path("empty.txt");
  write_file(empty, "");
  expect_error([&] { Vocabulary::load(empty); }, {empty, "empty"});

  const std::string duplicated = dir.path("dup.txt");
  write_file(duplicated, "a\nb\nc\nb\n");
  expect_error([&] { Vocabulary::load(duplicated); }, {duplicated, "\"b\"", "line 2", "line 4"});
}

TEST(Vocabulary, FromTokensRejectsDuplicatesAndLineBreaks) {
  expect_error(
      [] {
        Vocabulary::from_tokens({"x", "[CARDIO]", "y", "[CARDIO]"});
      },
      {"\"[CARDIO]\"", "id 1", "id 3"});
  expect_error([] { Vocabulary::from_tokens({"a\nb"}); }, {"line break"});
  expect_error([] { Vocabulary::from_tokens({"a\r"}); }, {"line break"});
  const Vocabulary vocab = Vocabulary::from_tokens({"[PAD]", "", "z"});
  EXPECT_EQ(vocab.id(""), 1);
  EXPECT_EQ(vocab.id("z"), 2);
}

TEST(Vocabulary, LookupErrors) {
  const Vocabulary vocab = Vocabulary::from_tokens({"[PAD]", "hello"});
  expect_error([&] { vocab.id("missing-token"); }, {"\"missing-token\""});
  expect_error([&] { vocab.token(2); }, {"2", "out of range"});
  expect_error([&] { vocab.token(-1); }, {"-1", "out of range"});
  EXPECT_EQ(vocab.pad_id(), 0);
  expect_error([&] { vocab.unk_id(); }, {"\"[UNK]\""});
  expect_error([&] { vocab.cls_id(); }, {"\"[CLS]\""});
  expect_error([&] { vocab.sep_id(); }, {"\"[SEP]\""});
}

TEST(Vocabulary, AddTokenAppendsAndChangesHash) {
  Vocabulary vocab = Vocabulary::load(kUncased);
  const uint64_t before = vocab.hash();
  EXPECT_EQ(vocab.add_token("[CARDIO]"), 30522);
  EXPECT_EQ(vocab.add_token("[NEURO]"), 30523);
  EXPECT_EQ(vocab.add_token("[CARDIO]"), 30522);  // existing: same id, nothing appended
  EXPECT_EQ(vocab.add_token("the"), 1996);
  EXPECT_EQ(vocab.size(), 30524);
  EXPECT_EQ(vocab.id("[NEURO]"), 30523);
  EXPECT_EQ(vocab.token(30522), "[CARDIO]");
  EXPECT_NE(vocab.hash(), before);
  expect_error([&] { vocab.add_token("bad\ntoken"); }, {"line break"});

  // Growing far past the initial index keeps every lookup right.
  Vocabulary grown = Vocabulary::from_tokens({});
  for (int i = 0; i < 5000; ++i) EXPECT_EQ(grown.add_token("t" + std::to_string(i)), i);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(grown.id("t" + std::to_string(i)), i);
  EXPECT_FALSE(grown.find("t5000").has_value());
  EXPECT_EQ(grown.max_token_bytes(), 5u);
}

}  // namespace
}  // namespace moe::data
