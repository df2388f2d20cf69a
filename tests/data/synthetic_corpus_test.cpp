// Checks the synthetic corpus generator (determinism, shape, citation structure, speed) and
// the WordPiece vocabulary built for it (also through the project's WordPiece tokenizer).
#include "data/synthetic_corpus.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/error.h"
#include "data/vocabulary.h"
#include "data/wordpiece_tokenizer.h"

namespace {

using moe::data::SyntheticCorpus;
using moe::data::SyntheticCorpusOptions;

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    if (!w.empty() && w.back() == '.') w.pop_back();
    words.push_back(w);
  }
  return words;
}

bool is_pseudo_word(const std::string& w) {
  return w.size() >= 4 && w.size() <= 10 &&
         std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

const SyntheticCorpus& default_corpus() {
  static const SyntheticCorpus corpus = moe::data::generate_synthetic_corpus({});
  return corpus;
}

TEST(SyntheticCorpus, SameSeedSameCorpusOtherSeedOtherCorpus) {
  const SyntheticCorpus& a = default_corpus();
  const SyntheticCorpus b = moe::data::generate_synthetic_corpus({});
  ASSERT_EQ(a.papers.size(), b.papers.size());
  for (std::size_t i = 0; i < a.papers.size(); ++i) {
    EXPECT_EQ(a.papers[i].id, b.papers[i].id);
    EXPECT_EQ(a.papers[i].text, b.papers[i].text);
  }
  ASSERT_EQ(a.citations.size(), b.citations.size());
  for (std::size_t i = 0; i < a.citations.size(); ++i) {
    EXPECT_EQ(a.citations[i].citing_id, b.citations[i].citing_id);
    EXPECT_EQ(a.citations[i].cited_id, b.citations[i].cited_id);
  }
  EXPECT_EQ(a.words, b.words);
  EXPECT_EQ(a.paper_topics, b.paper_topics);

  SyntheticCorpusOptions other;
  other.seed = 8;
  const SyntheticCorpus c = moe::data::generate_synthetic_corpus(other);
  EXPECT_NE(a.papers[0].text, c.papers[0].text);
  EXPECT_NE(a.words, c.words);
}

TEST(SyntheticCorpus, ShapeIdsAndDomains) {
  const SyntheticCorpus& corpus = default_corpus();
  const SyntheticCorpusOptions o;
  ASSERT_EQ(corpus.papers.size(), 1200u);
  ASSERT_EQ(corpus.paper_topics.size(), 1200u);
  EXPECT_EQ(corpus.papers[0].id, "cardio-000000");
  EXPECT_EQ(corpus.papers[599].id, "cardio-000599");
  EXPECT_EQ(corpus.papers[600].id, "pulmo-000000");
  std::unordered_set<std::string> ids;
  std::vector<std::vector<int>> topic_sizes(2, std::vector<int>(o.topics_per_domain, 0));
  for (std::size_t i = 0; i < corpus.papers.size(); ++i) {
    const auto& p = corpus.papers[i];
    EXPECT_TRUE(ids.insert(p.id).second) << p.id;
    const std::size_t d = i / 600;
    EXPECT_EQ(p.domain, o.domains[d]);
    EXPECT_EQ(p.id.rfind(p.domain + "-", 0), 0u) << p.id;
    EXPECT_EQ(static_cast<int>(words_of(p.text).size()), o.words_per_abstract);
    EXPECT_EQ(p.text.back(), '.');
    ASSERT_GE(corpus.paper_topics[i], 0);
    ASSERT_LT(corpus.paper_topics[i], o.topics_per_domain);
    ++topic_sizes[d][corpus.paper_topics[i]];
  }
  for (const auto& sizes : topic_sizes)
    for (const int n : sizes) EXPECT_EQ(n, 600 / 8);  // balanced topics
}

TEST(SyntheticCorpus, CitationsStayInDomainAndMostlyInTopic) {
  const SyntheticCorpus& corpus = default_corpus();
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < corpus.papers.size(); ++i) index[corpus.papers[i].id] = i;
  EXPECT_EQ(corpus.citations.size(), 1200u * 8u);
  std::set<std::pair<std::size_t, std::size_t>> edges;
  std::vector<int> references(corpus.papers.size(), 0);
  int same_topic = 0;
  for (const auto& c : corpus.citations) {
    ASSERT_TRUE(index.count(c.citing_id)) << c.citing_id;
    ASSERT_TRUE(index.count(c.cited_id)) << c.cited_id;
    const std::size_t a = index[c.citing_id], b = index[c.cited_id];
    EXPECT_NE(a, b);
    EXPECT_TRUE(edges.emplace(a, b).second)
        << "duplicate edge " << c.citing_id << "->" << c.cited_id;
    EXPECT_EQ(corpus.papers[a].domain, corpus.papers[b].domain);
    ++references[a];
    same_topic += corpus.paper_topics[a] == corpus.paper_topics[b];
  }
  for (const int r : references) EXPECT_EQ(r, 8);
  const double rate = static_cast<double>(same_topic) / corpus.citations.size();
  EXPECT_NEAR(rate, 0.9, 0.03);

  SyntheticCorpusOptions spread;
  spread.same_topic_citation_probability = 0.5;
  spread.papers_per_domain = 300;
  const SyntheticCorpus other = moe::data::generate_synthetic_corpus(spread);
  std::unordered_map<std::string, std::size_t> other_index;
  for (std::size_t i = 0; i < other.papers.size(); ++i) other_index[other.papers[i].id] = i;
  int other_same = 0;
  for (const auto& c : other.citations)
    other_same +=
        other.paper_topics[other_index[c.citing_id]] == other.paper_topics[other_index[c.cited_id]];
  EXPECT_NEAR(static_cast<double>(other_same) / other.citations.size(), 0.5, 0.04);
}

TEST(SyntheticCorpus, WordsArePseudoWordsAndCoverTheText) {
  const SyntheticCorpus& corpus = default_corpus();
  const std::unordered_set<std::string> words(corpus.words.begin(), corpus.words.end());
  EXPECT_EQ(words.size(), corpus.words.size()) << "words are not distinct";
  for (const std::string& w : corpus.words) EXPECT_TRUE(is_pseudo_word(w)) << w;
  std::unordered_set<std::string> used;
  for (const auto& p : corpus.papers)
    for (const std::string& w : words_of(p.text)) {
      EXPECT_TRUE(words.count(w)) << "'" << w << "' missing from corpus.words";
      used.insert(w);
    }
  EXPECT_EQ(used.size(), words.size()) << "corpus.words lists words no abstract uses";
}

TEST(SyntheticCorpus, SameTopicAbstractsShareMoreWords) {
  const SyntheticCorpus& corpus = default_corpus();
  std::vector<std::set<std::string>> word_sets;
  for (const auto& p : corpus.papers) {
    const auto words = words_of(p.text);
    word_sets.emplace_back(words.begin(), words.end());
  }
  auto overlap = [&](std::size_t i, std::size_t j) {  // Jaccard index of the word sets
    const std::set<std::string>& sa = word_sets[i];
    const std::set<std::string>& sb = word_sets[j];
    int shared = 0;
    for (const auto& w : sa) shared += sb.count(w);
    return static_cast<double>(shared) / (sa.size() + sb.size() - shared);
  };
  double same = 0, other_topic = 0, other_domain = 0;
  int n_same = 0, n_other = 0, n_domain = 0;
  for (std::size_t i = 0; i < 200; ++i)
    for (std::size_t j = i + 1; j < 200; ++j) {
      if (corpus.paper_topics[i] == corpus.paper_topics[j]) {
        same += overlap(i, j);
        ++n_same;
      } else {
        other_topic += overlap(i, j);
        ++n_other;
      }
      other_domain += overlap(i, 600 + j);
      ++n_domain;
    }
  same /= n_same;
  other_topic /= n_other;
  other_domain /= n_domain;
  EXPECT_GT(same, 1.5 * other_topic) << same << " vs " << other_topic;
  EXPECT_GT(other_topic, other_domain) << other_topic << " vs " << other_domain;
}

TEST(SyntheticCorpus, DefaultSizeIsFast) {
  const auto start = std::chrono::steady_clock::now();
  const SyntheticCorpus corpus = moe::data::generate_synthetic_corpus({});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(corpus.papers.size(), 1200u);
  EXPECT_LT(seconds, 1.0);
  RecordProperty("seconds", std::to_string(seconds));
}

TEST(SyntheticCorpus, TinyAndSingleTopicOptionsStillGiveFullReferenceLists) {
  SyntheticCorpusOptions o;
  o.domains = {"only"};
  o.papers_per_domain = 5;
  o.topics_per_domain = 3;
  o.references_per_paper = 4;  // every other paper
  const SyntheticCorpus corpus = moe::data::generate_synthetic_corpus(o);
  EXPECT_EQ(corpus.citations.size(), 20u);
  std::set<std::pair<std::string, std::string>> edges;
  for (const auto& c : corpus.citations) {
    EXPECT_NE(c.citing_id, c.cited_id);
    EXPECT_TRUE(edges.emplace(c.citing_id, c.cited_id).second);
  }
  o.topics_per_domain = 1;
  o.same_topic_citation_probability = 0.0;  // no other topic exists: still the one topic
  EXPECT_EQ(moe::data::generate_synthetic_corpus(o).citations.size(), 20u);
}

TEST(SyntheticCorpus, RejectsBadOptionsNamingThem) {
  auto message = [](SyntheticCorpusOptions o) -> std::string {
    try {
      moe::data::generate_synthetic_corpus(o);
    } catch (const moe::Error& e) {
      return e.what();
    }
    return "no error";
  };
  SyntheticCorpusOptions o;
  o.references_per_paper = o.papers_per_domain;
  EXPECT_NE(message(o).find("references_per_paper"), std::string::npos);
  o = {};
  o.topic_word_fraction = 1.5;
  EXPECT_NE(message(o).find("topic_word_fraction"), std::string::npos);
  o = {};
  o.domains = {"a", "a"};
  EXPECT_NE(message(o).find("domain 'a' is listed twice"), std::string::npos);
  o = {};
  o.domains.clear();
  EXPECT_NE(message(o).find("domains"), std::string::npos);
  o = {};
  o.papers_per_domain = 1;
  EXPECT_NE(message(o).find("papers_per_domain"), std::string::npos);
  o = {};
  o.same_topic_citation_probability = -0.1;
  EXPECT_NE(message(o).find("same_topic_citation_probability"), std::string::npos);
}

TEST(SyntheticVocabulary, SpecialsFirstThenEveryWordAndAllAscii) {
  const SyntheticCorpus& corpus = default_corpus();
  const std::vector<std::string> vocab = moe::data::synthetic_vocabulary(corpus);
  ASSERT_GE(vocab.size(), 5u);
  EXPECT_EQ(vocab[0], "[PAD]");
  EXPECT_EQ(vocab[1], "[UNK]");
  EXPECT_EQ(vocab[2], "[CLS]");
  EXPECT_EQ(vocab[3], "[SEP]");
  EXPECT_EQ(vocab[4], "[MASK]");
  const std::unordered_set<std::string> tokens(vocab.begin(), vocab.end());
  EXPECT_EQ(tokens.size(), vocab.size()) << "duplicate vocabulary entries";
  for (std::size_t i = 0; i < corpus.words.size(); ++i) EXPECT_EQ(vocab[5 + i], corpus.words[i]);
  for (const char c : std::string("abcdefghijklmnopqrstuvwxyz0123456789")) {
    EXPECT_TRUE(tokens.count(std::string(1, c))) << c;
    EXPECT_TRUE(tokens.count("##" + std::string(1, c))) << c;
  }
  for (const char c : std::string(".,;:!?'\"()[]{}-_/\\&%+=*<>@#$^`~|"))
    EXPECT_TRUE(tokens.count(std::string(1, c))) << c;
  EXPECT_EQ(vocab.size(), 5 + corpus.words.size() + 36 + 36 + 32);
}

TEST(SyntheticVocabulary, TokenizesEveryWordWholeAndAnyAsciiWithoutUnk) {
  const SyntheticCorpus& corpus = default_corpus();
  const moe::data::WordPieceTokenizer tokenizer(
      moe::data::Vocabulary::from_tokens(moe::data::synthetic_vocabulary(corpus)),
      moe::data::TokenizerOptions{});
  const int32_t unk = tokenizer.vocabulary().unk_id();
  for (std::size_t i = 0; i < 100; ++i) {
    const std::string& text = corpus.papers[i].text;
    const std::vector<std::string> pieces = tokenizer.tokenize(text);
    const auto periods = std::count(text.begin(), text.end(), '.');
    EXPECT_EQ(pieces.size(), words_of(text).size() + periods) << text;  // one token per word
  }
  std::string ascii;
  for (char c = ' '; c <= '~'; ++c) ascii += c;
  ascii += " Fig. 3b: p<0.05, n=42; see https://example.org/x_y?z=1 \"quoted\" [MASK] #tag";
  for (const int32_t id : tokenizer.encode_words(ascii)) EXPECT_NE(id, unk) << ascii;
}

}  // namespace
