// WordPiece vocabulary: the token <-> id table read from a BERT vocab.txt, with a content
// hash that data shards and checkpoints record so a mismatched vocabulary is caught early.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moe::data {

// Token strings indexed by id, plus an open-addressing hash index so that lookups take a
// string_view and never allocate (the tokenizer's inner loop does one lookup per candidate
// piece). Tokens are unique, and none contains '\n' or '\r' (they could not survive a
// save/load round trip). The empty string is a valid token: SciBERT's vocabulary has one.
class Vocabulary {
 public:
  // Reads a vocab.txt: one token per line, line number (0-based) = id. Lines are split on
  // '\n' only; one trailing '\r' per line is removed (CRLF files); the newline that ends
  // the last line, if any, does not start another token. Every other line, blank ones
  // included, is a token. Throws moe::Error naming the file when it cannot be read, is
  // empty, or repeats a token.
  static Vocabulary load(const std::string& path);

  // Builds a vocabulary whose ids are the positions in `tokens`. Throws moe::Error naming
  // the token on a duplicate or on a token containing '\n' or '\r'.
  static Vocabulary from_tokens(std::vector<std::string> tokens);

  Vocabulary() = default;

  std::optional<int32_t> find(std::string_view token) const;
  // The id of `token`; throws moe::Error naming the token when it is not in the vocabulary.
  int32_t id(std::string_view token) const;
  // The token with this id; throws moe::Error when id is outside [0, size()).
  const std::string& token(int32_t id) const;
  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }

  // Appends `token` (e.g. a domain token such as "[CARDIO]") and returns its new id; a token
  // already present keeps and returns its id. Changes hash().
  int32_t add_token(const std::string& token);

  // Content hash recorded in data shards and checkpoints: 64-bit FNV-1a (offset basis
  // 0xcbf29ce484222325, prime 0x100000001b3) over the bytes of every token, in id order,
  // each followed by one '\n' byte. That is the hash of the file save() writes, so
  //   python3 -c "h=0xcbf29ce484222325
  //   for b in open(p,'rb').read(): h=((h^b)*0x100000001b3)%2**64
  //   print(hex(h))"
  // reproduces it from a saved vocabulary. Never change this definition: stored hashes
  // would stop matching.
  uint64_t hash() const;

  // Writes one token per line ('\n' after each) to path + ".tmp", then renames it to path,
  // so readers never see a half-written file. Throws moe::Error naming the path on failure.
  void save(const std::string& path) const;

  // Ids of BERT's special tokens "[PAD]", "[UNK]", "[CLS]", "[SEP]"; each throws moe::Error
  // when the vocabulary lacks the token.
  int32_t pad_id() const;
  int32_t unk_id() const;
  int32_t cls_id() const;
  int32_t sep_id() const;

  // Length in bytes of the longest token (lets WordPiece skip candidates that cannot match).
  size_t max_token_bytes() const { return max_token_bytes_; }

 private:
  // One slot of the hash index: the upper bits of the token's hash (checked before the
  // string compare) and its id, or kEmpty.
  struct Slot {
    uint32_t hash_tag;
    int32_t id;
  };
  static constexpr int32_t kEmpty = -1;

  // from_tokens and load share this; `path` (null for from_tokens) goes into error messages.
  static Vocabulary build(std::vector<std::string> tokens, const std::string* path);
  static uint64_t index_hash(std::string_view bytes);
  // Inserts tokens_[id] into the index; returns the id already holding that token, if any.
  std::optional<int32_t> index_insert(int32_t id);
  void rebuild_index(size_t capacity);

  std::vector<std::string> tokens_;
  std::vector<Slot> slots_;  // size is a power of two, at most half full
  size_t max_token_bytes_ = 0;
};

}  // namespace moe::data
