// Generator of the synthetic co-citation corpus and its WordPiece vocabulary, declared in
// synthetic_corpus.h.
#include "data/synthetic_corpus.h"

#include <algorithm>
#include <cstdio>
#include <iterator>  // std::size
#include <random>    // std::mt19937_64 only: its output is fixed by the standard
#include <unordered_set>
#include <utility>

#include "common/error.h"  // MOE_REQUIRE

namespace moe::data {
namespace {

constexpr int kWordsPerTopic = 25;
constexpr int kDomainBackgroundWords = 80;
constexpr int kCorpusBackgroundWords = 200;
constexpr std::size_t kMinWordLength = 4;
constexpr std::size_t kMaxWordLength = 10;

// Uniform integer in [0, n), n > 0. Rejection keeps it unbiased; unlike
// std::uniform_int_distribution the mapping is ours, so sequences match across libraries.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  const uint64_t threshold = (0 - n) % n;  // 2^64 mod n: low values drawn one time too many
  while (true) {
    const uint64_t x = rng();
    if (x >= threshold) return x % n;
  }
}

// Uniform double in [0, 1) from the top 53 bits.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Fisher-Yates with our own index mapping (std::shuffle's is implementation-defined).
template <typename T>
void shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (std::size_t i = items.size(); i > 1; --i)
    std::swap(items[i - 1], items[uniform_below(rng, i)]);
}

// Draws pronounceable lowercase pseudo-words, each distinct from every word drawn before.
class PseudoWordSource {
 public:
  explicit PseudoWordSource(std::mt19937_64& rng) : rng_(rng) {}

  std::string next() {
    static const char* const kOnsets[] = {"b",  "c",  "d",  "f",  "g",  "h",  "k",  "l",  "m",
                                          "n",  "p",  "r",  "s",  "t",  "v",  "z",  "br", "cr",
                                          "dr", "gl", "pl", "pr", "st", "tr", "th", "sh"};
    static const char* const kVowels[] = {"a", "e", "i", "o", "u", "ai", "ea", "io", "ou"};
    static const char* const kCodas[] = {"", "", "", "", "n", "r", "s", "l", "m", "x"};
    constexpr int kMaxAttempts = 100000;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      std::string word;
      const uint64_t syllables = 2 + uniform_below(rng_, 2);
      for (uint64_t s = 0; s < syllables; ++s) {
        word += kOnsets[uniform_below(rng_, std::size(kOnsets))];
        word += kVowels[uniform_below(rng_, std::size(kVowels))];
        word += kCodas[uniform_below(rng_, std::size(kCodas))];
      }
      if (word.size() < kMinWordLength || word.size() > kMaxWordLength) continue;
      if (seen_.insert(word).second) return word;
    }
    throw Error(cat("synthetic corpus: ran out of distinct pseudo-words after ", seen_.size(),
                    "; use fewer domains or topics"));
  }

 private:
  std::mt19937_64& rng_;
  std::unordered_set<std::string> seen_;
};

void validate(const SyntheticCorpusOptions& o) {
  MOE_REQUIRE(!o.domains.empty(), "synthetic corpus: domains must not be empty");
  std::unordered_set<std::string> names;
  for (const std::string& d : o.domains) {
    MOE_REQUIRE(!d.empty(), "synthetic corpus: domains contains an empty name");
    MOE_REQUIRE(d.find_first_of(",\"\r\n") == std::string::npos, "synthetic corpus: domain '", d,
                "' contains a comma, quote or line break");
    MOE_REQUIRE(names.insert(d).second, "synthetic corpus: domain '", d, "' is listed twice");
  }
  MOE_REQUIRE(o.papers_per_domain >= 2, "synthetic corpus: papers_per_domain must be >= 2, got ",
              o.papers_per_domain);
  MOE_REQUIRE(o.topics_per_domain >= 1, "synthetic corpus: topics_per_domain must be >= 1, got ",
              o.topics_per_domain);
  MOE_REQUIRE(o.words_per_abstract >= 1, "synthetic corpus: words_per_abstract must be >= 1, got ",
              o.words_per_abstract);
  MOE_REQUIRE(o.topic_word_fraction >= 0.0 && o.topic_word_fraction <= 1.0,
              "synthetic corpus: topic_word_fraction must be in [0, 1], got ",
              o.topic_word_fraction);
  MOE_REQUIRE(o.references_per_paper >= 0 && o.references_per_paper < o.papers_per_domain,
              "synthetic corpus: references_per_paper must be in [0, papers_per_domain), got ",
              o.references_per_paper);
  MOE_REQUIRE(o.same_topic_citation_probability >= 0.0 && o.same_topic_citation_probability <= 1.0,
              "synthetic corpus: same_topic_citation_probability must be in [0, 1], got ",
              o.same_topic_citation_probability);
}

std::string paper_id(const std::string& domain, int index) {
  char digits[16];
  std::snprintf(digits, sizeof(digits), "%06d", index);
  return domain + "-" + digits;
}

// Word lists as indices into one table of words.
struct WordLists {
  std::vector<std::string> words;
  std::vector<int32_t> corpus_background;
  std::vector<std::vector<int32_t>> domain_background;   // [domain]
  std::vector<std::vector<std::vector<int32_t>>> topic;  // [domain][topic]
};

WordLists make_word_lists(const SyntheticCorpusOptions& o, std::mt19937_64& rng) {
  PseudoWordSource source(rng);
  WordLists lists;
  auto draw = [&](int count) {
    std::vector<int32_t> ids;
    for (int i = 0; i < count; ++i) {
      ids.push_back(static_cast<int32_t>(lists.words.size()));
      lists.words.push_back(source.next());
    }
    return ids;
  };
  lists.corpus_background = draw(kCorpusBackgroundWords);
  for (std::size_t d = 0; d < o.domains.size(); ++d) {
    lists.domain_background.push_back(draw(kDomainBackgroundWords));
    lists.topic.emplace_back();
    for (int t = 0; t < o.topics_per_domain; ++t)
      lists.topic.back().push_back(draw(kWordsPerTopic));
  }
  return lists;
}

// Sentences of 8 to 14 words, each ending in a period.
std::string make_abstract(const SyntheticCorpusOptions& o, const WordLists& lists,
                          std::size_t domain, int topic, std::mt19937_64& rng,
                          std::vector<char>& word_used) {
  const std::vector<int32_t>& topic_words = lists.topic[domain][topic];
  const std::vector<int32_t>& domain_words = lists.domain_background[domain];
  std::string text;
  uint64_t sentence_left = 8 + uniform_below(rng, 7);
  for (int w = 0; w < o.words_per_abstract; ++w) {
    const std::vector<int32_t>* list = &topic_words;
    if (uniform01(rng) >= o.topic_word_fraction)
      list = uniform01(rng) < 0.5 ? &domain_words : &lists.corpus_background;
    const int32_t word = (*list)[uniform_below(rng, list->size())];
    word_used[word] = 1;
    if (!text.empty()) text += ' ';
    text += lists.words[word];
    if (--sentence_left == 0 || w + 1 == o.words_per_abstract) {
      text += '.';
      sentence_left = 8 + uniform_below(rng, 7);
    }
  }
  return text;
}

// References of one domain as (citing, cited) local indices. Each paper cites
// references_per_paper distinct others: a topic is picked (its own with the configured
// probability, else another), then an earlier paper of that topic, or any paper of the topic
// while too few earlier ones exist.
std::vector<std::pair<int, int>> make_references(const SyntheticCorpusOptions& o,
                                                 const std::vector<int32_t>& topics,
                                                 std::mt19937_64& rng) {
  const int n = o.papers_per_domain;
  const int refs = o.references_per_paper;
  std::vector<std::vector<int>> members(o.topics_per_domain);
  for (int i = 0; i < n; ++i) members[topics[i]].push_back(i);

  std::vector<std::pair<int, int>> edges;
  edges.reserve(static_cast<std::size_t>(n) * refs);
  std::vector<int> cited;
  const std::size_t enough_earlier = std::max<std::size_t>(1, 2 * static_cast<std::size_t>(refs));
  for (int i = 0; i < n; ++i) {
    cited.clear();
    for (int r = 0; r < refs; ++r) {
      int chosen = -1;
      for (int attempt = 0; attempt < 64 && chosen < 0; ++attempt) {
        int topic = topics[i];
        if (o.topics_per_domain > 1 && uniform01(rng) >= o.same_topic_citation_probability)
          topic = static_cast<int>((topic + 1 + uniform_below(rng, o.topics_per_domain - 1)) %
                                   o.topics_per_domain);
        const std::vector<int>& pool = members[topic];
        if (pool.empty()) continue;
        const auto earlier =
            static_cast<std::size_t>(std::lower_bound(pool.begin(), pool.end(), i) - pool.begin());
        const std::size_t range = earlier >= enough_earlier ? earlier : pool.size();
        const int candidate = pool[uniform_below(rng, range)];
        if (candidate == i || std::find(cited.begin(), cited.end(), candidate) != cited.end())
          continue;
        chosen = candidate;
      }
      if (chosen < 0) {  // tiny topics: take any free paper of the domain
        const int start = static_cast<int>(uniform_below(rng, n));
        for (int k = 0; k < n && chosen < 0; ++k) {
          const int candidate = (start + k) % n;
          if (candidate != i && std::find(cited.begin(), cited.end(), candidate) == cited.end())
            chosen = candidate;
        }
      }
      cited.push_back(chosen);
      edges.emplace_back(i, chosen);
    }
  }
  return edges;
}

}  // namespace

SyntheticCorpus generate_synthetic_corpus(const SyntheticCorpusOptions& options) {
  validate(options);
  std::mt19937_64 rng(options.seed);
  const WordLists lists = make_word_lists(options, rng);
  std::vector<char> word_used(lists.words.size(), 0);

  SyntheticCorpus corpus;
  const std::size_t total =
      options.domains.size() * static_cast<std::size_t>(options.papers_per_domain);
  corpus.papers.reserve(total);
  corpus.paper_topics.reserve(total);
  corpus.citations.reserve(total * static_cast<std::size_t>(options.references_per_paper));
  for (std::size_t d = 0; d < options.domains.size(); ++d) {
    const std::string& domain = options.domains[d];
    // Balanced topics, in a seeded order.
    std::vector<int32_t> topics(options.papers_per_domain);
    for (int i = 0; i < options.papers_per_domain; ++i) topics[i] = i % options.topics_per_domain;
    shuffle(topics, rng);

    const std::size_t first = corpus.papers.size();
    for (int i = 0; i < options.papers_per_domain; ++i) {
      corpus.papers.push_back(Paper{paper_id(domain, i), domain,
                                    make_abstract(options, lists, d, topics[i], rng, word_used)});
      corpus.paper_topics.push_back(topics[i]);
    }
    for (const auto& [citing, cited] : make_references(options, topics, rng))
      corpus.citations.push_back(
          Citation{corpus.papers[first + citing].id, corpus.papers[first + cited].id});
  }
  for (std::size_t w = 0; w < lists.words.size(); ++w)
    if (word_used[w]) corpus.words.push_back(lists.words[w]);
  return corpus;
}

std::vector<std::string> synthetic_vocabulary(const SyntheticCorpus& corpus) {
  std::vector<std::string> vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  std::unordered_set<std::string> seen(vocab.begin(), vocab.end());
  auto add = [&](const std::string& token) {
    if (seen.insert(token).second) vocab.push_back(token);
  };
  for (const std::string& word : corpus.words) add(word);
  const std::string alphanumerics = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (const char c : alphanumerics) add(std::string(1, c));
  for (const char c : alphanumerics) add("##" + std::string(1, c));
  for (char c = '!'; c <= '~'; ++c)
    if (alphanumerics.find(c) == std::string::npos && !(c >= 'A' && c <= 'Z'))
      add(std::string(1, c));
  return vocab;
}

}  // namespace moe::data
