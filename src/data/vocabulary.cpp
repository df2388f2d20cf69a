// WordPiece vocabulary: loading, saving, hashing and allocation-free lookups.
#include "data/vocabulary.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "common/error.h"

namespace moe::data {
namespace {

constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// Validates one token against the rules in the class comment; `where` prefixes the message.
void require_storable(const std::string& token, const std::string& where) {
  MOE_REQUIRE(token.find_first_of("\r\n") == std::string::npos, where, "token \"", token,
              "\" contains a line break; vocabulary tokens are single lines");
}

}  // namespace

uint64_t Vocabulary::index_hash(std::string_view bytes) {
  // FNV-1a then a final avalanche step (FNV's low bits alone cluster on short keys, and the
  // index masks with the low bits).
  uint64_t h = kFnvOffsetBasis;
  for (unsigned char c : bytes) h = (h ^ c) * kFnvPrime;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

void Vocabulary::rebuild_index(size_t capacity) {
  slots_.assign(capacity, Slot{0, kEmpty});
  for (int32_t id = 0; id < size(); ++id) index_insert(id);
}

std::optional<int32_t> Vocabulary::index_insert(int32_t id) {
  const std::string& token = tokens_[static_cast<size_t>(id)];
  const uint64_t h = index_hash(token);
  const auto tag = static_cast<uint32_t>(h >> 32);
  const size_t mask = slots_.size() - 1;
  for (size_t i = static_cast<size_t>(h) & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.id == kEmpty) {
      slot = Slot{tag, id};
      return std::nullopt;
    }
    if (slot.hash_tag == tag && tokens_[static_cast<size_t>(slot.id)] == token) return slot.id;
  }
}

Vocabulary Vocabulary::build(std::vector<std::string> tokens, const std::string* path) {
  // Messages name the file and line (line = id + 1) when the tokens come from a file.
  const std::string source = path ? cat("vocabulary ", *path) : std::string("vocabulary");
  auto where = [&](int32_t id) { return path ? cat("line ", id + 1) : cat("id ", id); };
  Vocabulary vocab;
  vocab.tokens_ = std::move(tokens);
  size_t capacity = 16;
  while (capacity < 2 * vocab.tokens_.size()) capacity *= 2;
  vocab.slots_.assign(capacity, Slot{0, kEmpty});
  for (int32_t id = 0; id < vocab.size(); ++id) {
    const std::string& token = vocab.tokens_[static_cast<size_t>(id)];
    require_storable(token, cat(source, ", ", where(id), ": "));
    if (auto previous = vocab.index_insert(id)) {
      throw Error(cat(source, ": token \"", token, "\" appears twice (", where(*previous), " and ",
                      where(id), "); every token must be unique"));
    }
    vocab.max_token_bytes_ = std::max(vocab.max_token_bytes_, token.size());
  }
  return vocab;
}

Vocabulary Vocabulary::from_tokens(std::vector<std::string> tokens) {
  return build(std::move(tokens), nullptr);
}

Vocabulary Vocabulary::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  MOE_REQUIRE(in, "vocabulary ", path, ": cannot open (", std::strerror(errno), ")");
  std::ostringstream content_stream;
  content_stream << in.rdbuf();
  MOE_REQUIRE(!in.bad(), "vocabulary ", path, ": read failed");
  const std::string content = content_stream.str();
  MOE_REQUIRE(!content.empty(), "vocabulary ", path,
              ": file is empty; expected one token per line");

  // The newline ending the last line closes it; it does not open a new (blank) token.
  const size_t end = content.back() == '\n' ? content.size() - 1 : content.size();
  std::vector<std::string> tokens;
  size_t line_start = 0;
  while (true) {
    size_t line_end = content.find('\n', line_start);
    if (line_end == std::string::npos || line_end > end) line_end = end;
    size_t token_end = line_end;
    if (token_end > line_start && content[token_end - 1] == '\r') --token_end;
    tokens.emplace_back(content, line_start, token_end - line_start);
    if (line_end == end) break;
    line_start = line_end + 1;
  }
  return build(std::move(tokens), &path);
}

std::optional<int32_t> Vocabulary::find(std::string_view token) const {
  if (slots_.empty()) return std::nullopt;
  const uint64_t h = index_hash(token);
  const auto tag = static_cast<uint32_t>(h >> 32);
  const size_t mask = slots_.size() - 1;
  for (size_t i = static_cast<size_t>(h) & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.id == kEmpty) return std::nullopt;
    if (slot.hash_tag == tag && tokens_[static_cast<size_t>(slot.id)] == token) return slot.id;
  }
}

int32_t Vocabulary::id(std::string_view token) const {
  auto found = find(token);
  MOE_REQUIRE(found, "vocabulary: token \"", token, "\" is not in the vocabulary (", size(),
              " tokens)");
  return *found;
}

const std::string& Vocabulary::token(int32_t id) const {
  MOE_REQUIRE(id >= 0 && id < size(), "vocabulary: token id ", id, " is out of range [0, ", size(),
              ")");
  return tokens_[static_cast<size_t>(id)];
}

int32_t Vocabulary::add_token(const std::string& token) {
  if (auto existing = find(token)) return *existing;
  require_storable(token, "vocabulary: cannot add token: ");
  tokens_.push_back(token);
  max_token_bytes_ = std::max(max_token_bytes_, token.size());
  const int32_t new_id = size() - 1;
  if (2 * tokens_.size() > slots_.size()) {
    rebuild_index(std::max<size_t>(16, 2 * slots_.size()));  // also indexes new_id
  } else {
    index_insert(new_id);
  }
  return new_id;
}

uint64_t Vocabulary::hash() const {
  uint64_t h = kFnvOffsetBasis;
  for (const std::string& token : tokens_) {
    for (unsigned char c : token) h = (h ^ c) * kFnvPrime;
    h = (h ^ static_cast<unsigned char>('\n')) * kFnvPrime;
  }
  return h;
}

void Vocabulary::save(const std::string& path) const {
  const std::string tmp_path = path + ".tmp";
  {
    std::ofstream out(tmp_path, std::ios::binary | std::ios::trunc);
    MOE_REQUIRE(out, "vocabulary: cannot write ", tmp_path, " (", std::strerror(errno), ")");
    for (const std::string& token : tokens_) {
      out.write(token.data(), static_cast<std::streamsize>(token.size()));
      out.put('\n');
    }
    out.flush();
    MOE_REQUIRE(out, "vocabulary: writing ", tmp_path, " failed (", std::strerror(errno), ")");
  }
  if (std::rename(tmp_path.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    std::remove(tmp_path.c_str());
    throw Error(cat("vocabulary: cannot rename ", tmp_path, " to ", path, " (",
                    std::strerror(rename_errno), ")"));
  }
}

int32_t Vocabulary::pad_id() const { return id("[PAD]"); }
int32_t Vocabulary::unk_id() const { return id("[UNK]"); }
int32_t Vocabulary::cls_id() const { return id("[CLS]"); }
int32_t Vocabulary::sep_id() const { return id("[SEP]"); }

}  // namespace moe::data
