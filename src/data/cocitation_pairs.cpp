// Co-citation pair counting, paper-level splitting and negative sampling, declared in
// cocitation_pairs.h.
#include "data/cocitation_pairs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>  // std::mt19937_64 only: its output is fixed by the standard
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"  // moe::Error, MOE_REQUIRE

namespace moe::data {
namespace {

constexpr int kNegativeDrawsPerPositive = 200;

// A pair (lo, hi) of paper indices, lo < hi, or an edge (citing, cited), as one sortable key.
uint64_t pack(uint32_t high, uint32_t low) { return (uint64_t{high} << 32) | low; }
uint32_t high_half(uint64_t key) { return static_cast<uint32_t>(key >> 32); }
uint32_t low_half(uint64_t key) { return static_cast<uint32_t>(key); }

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// One independent stream per purpose, so changing one use of randomness leaves the others.
std::mt19937_64 stream(uint64_t seed, std::string_view purpose) {
  return std::mt19937_64(splitmix64(seed ^ splitmix64(fnv1a(purpose))));
}

// Uniform integer in [0, n), n > 0; our own mapping so sequences match across libraries.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  const uint64_t threshold = (0 - n) % n;
  while (true) {
    const uint64_t x = rng();
    if (x >= threshold) return x % n;
  }
}

template <typename T>
void shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (std::size_t i = items.size(); i > 1; --i)
    std::swap(items[i - 1], items[uniform_below(rng, i)]);
}

void validate(const std::vector<Paper>& papers, const CocitationOptions& o) {
  MOE_REQUIRE(papers.size() < std::numeric_limits<uint32_t>::max(),
              "co-citation pairs: at most 2^32 - 1 papers are supported, got ", papers.size());
  MOE_REQUIRE(o.min_cocitations >= 1, "co-citation pairs: min_cocitations must be >= 1, got ",
              o.min_cocitations);
  MOE_REQUIRE(
      o.valid_fraction >= 0.0 && o.test_fraction >= 0.0 && o.valid_fraction + o.test_fraction < 1.0,
      "co-citation pairs: valid_fraction and test_fraction must be >= 0 and sum to "
      "less than 1, got ",
      o.valid_fraction, " and ", o.test_fraction);
}

// Known, distinct, non-self edges as sorted (citing, cited) keys.
std::vector<uint64_t> edge_keys(const std::vector<Paper>& papers,
                                const std::vector<Citation>& citations, CocitationStats& stats) {
  std::unordered_map<std::string_view, uint32_t> index_of;
  index_of.reserve(papers.size());
  for (std::size_t i = 0; i < papers.size(); ++i) {
    const auto [it, inserted] = index_of.emplace(papers[i].id, static_cast<uint32_t>(i));
    MOE_REQUIRE(inserted, "co-citation pairs: duplicate paper id '", papers[i].id, "' (papers[",
                it->second, "] and papers[", i, "])");
  }
  std::vector<uint64_t> edges;
  edges.reserve(citations.size());
  stats.edges = static_cast<int64_t>(citations.size());
  for (const Citation& c : citations) {
    const auto citing = index_of.find(c.citing_id);
    const auto cited = index_of.find(c.cited_id);
    if (citing == index_of.end() || cited == index_of.end()) {
      ++stats.unknown_id_edges;
      continue;
    }
    if (citing->second == cited->second) {
      ++stats.self_citations;
      continue;
    }
    edges.push_back(pack(citing->second, cited->second));
  }
  std::sort(edges.begin(), edges.end());
  const auto end = std::unique(edges.begin(), edges.end());
  stats.duplicate_edges = static_cast<int64_t>(edges.end() - end);
  edges.erase(end, edges.end());
  return edges;
}

// Emits every unordered pair of papers cited by one paper, same-domain and cross-domain apart.
void emit_pairs(const std::vector<uint64_t>& edges, const std::vector<int32_t>& domain_of,
                std::vector<uint64_t>& same_domain, std::vector<uint64_t>& cross_domain,
                CocitationStats& stats) {
  std::size_t total = 0;
  for (std::size_t begin = 0, end; begin < edges.size(); begin = end) {
    for (end = begin + 1; end < edges.size() && high_half(edges[end]) == high_half(edges[begin]);)
      ++end;
    const std::size_t k = end - begin;
    total += k * (k - 1) / 2;
  }
  same_domain.reserve(total);
  for (std::size_t begin = 0, end; begin < edges.size(); begin = end) {
    for (end = begin + 1; end < edges.size() && high_half(edges[end]) == high_half(edges[begin]);)
      ++end;
    if (end - begin >= 2) ++stats.citing_papers;
    // Cited papers of one citing paper come out ascending, so i < j gives lo < hi.
    for (std::size_t i = begin; i < end; ++i) {
      const uint32_t lo = low_half(edges[i]);
      for (std::size_t j = i + 1; j < end; ++j) {
        const uint32_t hi = low_half(edges[j]);
        (domain_of[lo] == domain_of[hi] ? same_domain : cross_domain).push_back(pack(lo, hi));
      }
    }
  }
}

PaperSplit split_of_pair(const std::vector<PaperSplit>& paper_split, uint64_t key) {
  const PaperSplit x = paper_split[high_half(key)];
  const PaperSplit y = paper_split[low_half(key)];
  if (x == PaperSplit::kTest || y == PaperSplit::kTest) return PaperSplit::kTest;
  if (x == PaperSplit::kValid || y == PaperSplit::kValid) return PaperSplit::kValid;
  return PaperSplit::kTrain;
}

// Assigns the papers of each domain that occur in a positive to train / valid / test.
std::vector<PaperSplit> split_papers(const std::vector<uint64_t>& positives,
                                     const std::vector<int32_t>& domain_of,
                                     const std::vector<std::string>& domain_names,
                                     const CocitationOptions& o, CocitationStats& stats) {
  std::vector<char> in_positive(domain_of.size(), 0);
  for (const uint64_t key : positives) in_positive[high_half(key)] = in_positive[low_half(key)] = 1;
  std::vector<std::vector<uint32_t>> members(domain_names.size());
  for (std::size_t i = 0; i < domain_of.size(); ++i)
    if (in_positive[i]) members[domain_of[i]].push_back(static_cast<uint32_t>(i));

  std::vector<PaperSplit> split(domain_of.size(), PaperSplit::kNone);
  for (std::size_t d = 0; d < domain_names.size(); ++d) {
    std::vector<uint32_t>& papers = members[d];
    std::mt19937_64 rng = stream(o.seed, "paper split: " + domain_names[d]);
    shuffle(papers, rng);
    const auto m = static_cast<double>(papers.size());
    const auto n_valid = static_cast<std::size_t>(std::llround(m * o.valid_fraction));
    const auto n_test = std::min(papers.size() - n_valid,
                                 static_cast<std::size_t>(std::llround(m * o.test_fraction)));
    for (std::size_t r = 0; r < papers.size(); ++r)
      split[papers[r]] = r < n_valid            ? PaperSplit::kValid
                         : r < n_valid + n_test ? PaperSplit::kTest
                                                : PaperSplit::kTrain;
    stats.valid_papers += static_cast<int64_t>(n_valid);
    stats.test_papers += static_cast<int64_t>(n_test);
    stats.train_papers += static_cast<int64_t>(papers.size() - n_valid - n_test);
  }
  return split;
}

// Pairs each held-out positive with a negative; returns the balanced, shuffled split.
std::vector<PairRecord> balance_with_negatives(
    PaperSplit target, const std::vector<uint64_t>& positives, const std::vector<int32_t>& counts,
    const std::vector<uint64_t>& cocited, const std::vector<PaperSplit>& paper_split,
    const std::vector<int32_t>& domain_of, const std::vector<std::string>& domain_names,
    const CocitationOptions& o, CocitationStats& stats) {
  // owned: papers of the target split; allowed: papers the split rule lets a pair contain.
  std::vector<std::vector<uint32_t>> owned(domain_names.size()), allowed(domain_names.size());
  for (std::size_t i = 0; i < paper_split.size(); ++i) {
    const PaperSplit s = paper_split[i];
    if (s == PaperSplit::kNone) continue;
    if (s == target) owned[domain_of[i]].push_back(static_cast<uint32_t>(i));
    if (target == PaperSplit::kTest || s != PaperSplit::kTest)
      allowed[domain_of[i]].push_back(static_cast<uint32_t>(i));
  }

  std::mt19937_64 rng =
      stream(o.seed, target == PaperSplit::kValid ? "negatives: valid" : "negatives: test");
  std::unordered_set<uint64_t> drawn;
  std::vector<PairRecord> records;
  for (std::size_t p = 0; p < positives.size(); ++p) {
    const uint64_t key = positives[p];
    if (split_of_pair(paper_split, key) != target) continue;
    const int32_t d = domain_of[high_half(key)];
    const std::vector<uint32_t>& from = owned[d];
    const std::vector<uint32_t>& to = allowed[d];
    bool found = false;
    uint64_t negative = 0;
    for (int draw = 0; draw < kNegativeDrawsPerPositive && !found; ++draw) {
      const uint32_t x = from[uniform_below(rng, from.size())];
      const uint32_t y = to[uniform_below(rng, to.size())];
      if (x == y) continue;
      negative = pack(std::min(x, y), std::max(x, y));
      found = !std::binary_search(cocited.begin(), cocited.end(), negative) &&
              drawn.insert(negative).second;
    }
    if (!found) {
      ++stats.positives_without_negative;
      continue;
    }
    records.push_back(PairRecord{high_half(key), low_half(key), 1.0f, counts[p], domain_names[d]});
    records.push_back(
        PairRecord{high_half(negative), low_half(negative), 0.0f, 0, domain_names[d]});
  }
  return records;
}

}  // namespace

PairSplits assemble_cocitation_pairs(const std::vector<Paper>& papers,
                                     const std::vector<Citation>& citations,
                                     const CocitationOptions& options) {
  validate(papers, options);
  PairSplits out;
  CocitationStats& stats = out.stats;

  std::vector<int32_t> domain_of(papers.size());
  std::vector<std::string> domain_names;
  {
    std::unordered_map<std::string_view, int32_t> domain_index;
    for (std::size_t i = 0; i < papers.size(); ++i) {
      const auto [it, inserted] =
          domain_index.emplace(papers[i].domain, static_cast<int32_t>(domain_names.size()));
      if (inserted) domain_names.push_back(papers[i].domain);
      domain_of[i] = it->second;
    }
  }

  std::vector<uint64_t> same_domain, cross_domain;
  {
    const std::vector<uint64_t> edges = edge_keys(papers, citations, stats);
    emit_pairs(edges, domain_of, same_domain, cross_domain, stats);
  }
  std::sort(cross_domain.begin(), cross_domain.end());
  stats.cross_domain_pairs =
      std::unique(cross_domain.begin(), cross_domain.end()) - cross_domain.begin();
  std::vector<uint64_t>().swap(cross_domain);

  // Run-length count the sorted keys: every co-cited pair, and the positives among them.
  std::sort(same_domain.begin(), same_domain.end());
  std::vector<uint64_t> cocited, positives;
  std::vector<int32_t> positive_counts;
  for (std::size_t begin = 0, end; begin < same_domain.size(); begin = end) {
    for (end = begin + 1; end < same_domain.size() && same_domain[end] == same_domain[begin];)
      ++end;
    const auto count = static_cast<int64_t>(end - begin);
    cocited.push_back(same_domain[begin]);
    if (count >= options.min_cocitations) {
      positives.push_back(same_domain[begin]);
      positive_counts.push_back(
          static_cast<int32_t>(std::min<int64_t>(count, std::numeric_limits<int32_t>::max())));
    }
  }
  std::vector<uint64_t>().swap(same_domain);
  stats.cocited_pairs = static_cast<int64_t>(cocited.size());
  stats.positive_pairs = static_cast<int64_t>(positives.size());
  stats.below_threshold_pairs = stats.cocited_pairs - stats.positive_pairs;

  out.paper_split = split_papers(positives, domain_of, domain_names, options, stats);

  for (std::size_t p = 0; p < positives.size(); ++p) {
    const uint64_t key = positives[p];
    if (split_of_pair(out.paper_split, key) != PaperSplit::kTrain) continue;
    out.train.push_back(PairRecord{high_half(key), low_half(key), 1.0f, positive_counts[p],
                                   domain_names[domain_of[high_half(key)]]});
  }
  out.valid = balance_with_negatives(PaperSplit::kValid, positives, positive_counts, cocited,
                                     out.paper_split, domain_of, domain_names, options, stats);
  out.test = balance_with_negatives(PaperSplit::kTest, positives, positive_counts, cocited,
                                    out.paper_split, domain_of, domain_names, options, stats);

  std::mt19937_64 order = stream(options.seed, "record order");
  shuffle(out.train, order);
  shuffle(out.valid, order);
  shuffle(out.test, order);
  return out;
}

}  // namespace moe::data
