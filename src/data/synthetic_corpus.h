// A synthetic co-citation corpus for tests and demos: per-domain papers whose abstracts mix
// topic words with background words, and citations that mostly stay within a topic, so that
// co-cited pairs share vocabulary the way real co-cited abstracts share subject matter.
// Everything follows from the seed, identically on every platform and standard library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/paper_corpus.h"  // Paper, Citation

namespace moe::data {

struct SyntheticCorpusOptions {
  std::vector<std::string> domains{"cardio", "pulmo"};
  int papers_per_domain = 600;
  int topics_per_domain = 8;
  int words_per_abstract = 60;
  // Share of an abstract's words drawn from its topic's word list; the rest come half from
  // domain-wide and half from corpus-wide background words.
  double topic_word_fraction = 0.25;
  // Each paper cites this many distinct other papers of its own domain.
  int references_per_paper = 8;
  // Chance that one reference goes to a paper of the citing paper's topic.
  double same_topic_citation_probability = 0.9;
  uint64_t seed = 7;
};

struct SyntheticCorpus {
  // Grouped by domain in the order of options.domains; ids "<domain>-<6-digit index>".
  std::vector<Paper> papers;
  // paper_topics[i]: primary topic of papers[i], 0..topics_per_domain-1 within its domain.
  std::vector<int32_t> paper_topics;
  // Citing and cited paper always share a domain; no self-citations, no duplicate edges.
  std::vector<Citation> citations;
  // Every distinct word that occurs in some abstract, in generation order: lowercase a-z,
  // 4 to 10 letters, built from syllables.
  std::vector<std::string> words;
};

// Throws moe::Error naming the option when an option is out of range.
SyntheticCorpus generate_synthetic_corpus(const SyntheticCorpusOptions& options);

// A WordPiece vocabulary under which every corpus word is a single token: "[PAD]", "[UNK]",
// "[CLS]", "[SEP]", "[MASK]" (ids 0..4), then corpus.words, then "a".."z", "0".."9",
// "##a".."##z", "##0".."##9" and every other printable ASCII character, so any ASCII text
// tokenizes without [UNK]. No entry appears twice.
std::vector<std::string> synthetic_vocabulary(const SyntheticCorpus& corpus);

}  // namespace moe::data
