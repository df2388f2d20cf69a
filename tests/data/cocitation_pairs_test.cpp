// Checks co-citation pair assembly: exact pairs and counts on hand-built graphs, the threshold,
// dropped edges and cross-domain pairs, leakage-free paper-level splits, balanced negatives,
// determinism, and speed on a few hundred thousand edges.
#include "data/cocitation_pairs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "data/synthetic_corpus.h"

namespace {

using moe::data::Citation;
using moe::data::CocitationOptions;
using moe::data::PairRecord;
using moe::data::PairSplits;
using moe::data::Paper;
using moe::data::PaperSplit;

// Papers named by id with a domain each; the text is irrelevant here.
std::vector<Paper> papers_of(const std::vector<std::pair<std::string, std::string>>& ids) {
  std::vector<Paper> papers;
  for (const auto& [id, domain] : ids) papers.push_back(Paper{id, domain, "abstract of " + id});
  return papers;
}

CocitationOptions all_train(int min_cocitations = 1) {
  CocitationOptions o;
  o.min_cocitations = min_cocitations;
  o.valid_fraction = 0.0;
  o.test_fraction = 0.0;
  return o;
}

// (a id, b id, cocitations) of every record, sorted.
std::vector<std::tuple<std::string, std::string, int>> named(const std::vector<Paper>& papers,
                                                             const std::vector<PairRecord>& rs) {
  std::vector<std::tuple<std::string, std::string, int>> out;
  for (const auto& r : rs) out.emplace_back(papers[r.a].id, papers[r.b].id, r.cocitations);
  std::sort(out.begin(), out.end());
  return out;
}

// Naive reference: same-domain co-citation counts from citing-paper reference sets.
std::map<std::pair<int64_t, int64_t>, int> reference_counts(const std::vector<Paper>& papers,
                                                            const std::vector<Citation>& cites) {
  std::unordered_map<std::string, int64_t> index;
  for (std::size_t i = 0; i < papers.size(); ++i) index[papers[i].id] = static_cast<int64_t>(i);
  std::map<int64_t, std::set<int64_t>> refs;
  for (const auto& c : cites) {
    if (!index.count(c.citing_id) || !index.count(c.cited_id)) continue;
    if (c.citing_id == c.cited_id) continue;
    refs[index[c.citing_id]].insert(index[c.cited_id]);
  }
  std::map<std::pair<int64_t, int64_t>, int> counts;
  for (const auto& [citing, cited] : refs)
    for (auto i = cited.begin(); i != cited.end(); ++i)
      for (auto j = std::next(i); j != cited.end(); ++j)
        if (papers[*i].domain == papers[*j].domain) ++counts[{*i, *j}];
  return counts;
}

TEST(Cocitation, ExactPairsAndCountsOnATinyGraph) {
  const auto papers = papers_of({{"A", "d"}, {"B", "d"}, {"C", "d"}, {"P", "d"}, {"Q", "d"}});
  const std::vector<Citation> cites = {{"P", "A"}, {"P", "B"}, {"P", "C"}, {"Q", "B"}, {"Q", "A"}};
  const PairSplits s = moe::data::assemble_cocitation_pairs(papers, cites, all_train());
  using T = std::tuple<std::string, std::string, int>;
  EXPECT_EQ(named(papers, s.train), (std::vector<T>{{"A", "B", 2}, {"A", "C", 1}, {"B", "C", 1}}));
  for (const auto& r : s.train) {
    EXPECT_EQ(r.label, 1.0f);
    EXPECT_EQ(r.domain, "d");
    EXPECT_LT(r.a, r.b);
  }
  EXPECT_TRUE(s.valid.empty());
  EXPECT_TRUE(s.test.empty());
  EXPECT_EQ(s.stats.edges, 5);
  EXPECT_EQ(s.stats.citing_papers, 2);
  EXPECT_EQ(s.stats.cocited_pairs, 3);
  EXPECT_EQ(s.stats.positive_pairs, 3);
  EXPECT_EQ(s.stats.below_threshold_pairs, 0);
  EXPECT_EQ(s.stats.train_papers, 3);  // A, B, C; P and Q are in no pair
  ASSERT_EQ(s.paper_split.size(), papers.size());
  EXPECT_EQ(s.paper_split[0], PaperSplit::kTrain);
  EXPECT_EQ(s.paper_split[3], PaperSplit::kNone);
}

TEST(Cocitation, ThresholdKeepsPairsCitedTogetherOftenEnough) {
  const auto papers =
      papers_of({{"A", "d"}, {"B", "d"}, {"C", "d"}, {"P", "d"}, {"Q", "d"}, {"R", "d"}});
  const std::vector<Citation> cites = {{"P", "A"}, {"P", "B"}, {"P", "C"}, {"Q", "A"},
                                       {"Q", "B"}, {"R", "A"}, {"R", "B"}, {"R", "C"}};
  using T = std::tuple<std::string, std::string, int>;
  // Counts: AB 3, AC 2, BC 2.
  EXPECT_EQ(named(papers, moe::data::assemble_cocitation_pairs(papers, cites, all_train(2)).train),
            (std::vector<T>{{"A", "B", 3}, {"A", "C", 2}, {"B", "C", 2}}));
  const PairSplits k3 = moe::data::assemble_cocitation_pairs(papers, cites, all_train(3));
  EXPECT_EQ(named(papers, k3.train), (std::vector<T>{{"A", "B", 3}}));
  EXPECT_EQ(k3.stats.cocited_pairs, 3);
  EXPECT_EQ(k3.stats.below_threshold_pairs, 2);
  EXPECT_EQ(k3.stats.positive_pairs, 1);
  const PairSplits k4 = moe::data::assemble_cocitation_pairs(papers, cites, all_train(4));
  EXPECT_TRUE(k4.train.empty());
  EXPECT_EQ(k4.stats.below_threshold_pairs, 3);
}

TEST(Cocitation, DropsAndCountsBadEdgesAndCrossDomainPairs) {
  const auto papers = papers_of({{"A", "x"}, {"B", "x"}, {"X", "y"}, {"Y", "y"}, {"P", "x"}});
  const std::vector<Citation> cites = {
      {"P", "A"},      {"P", "B"},     {"P", "X"}, {"P", "Y"},  // AB, XY same-domain; 4 cross pairs
      {"P", "A"},      {"P", "B"},                              // duplicates
      {"P", "P"},                                               // self-citation
      {"P", "nobody"}, {"ghost", "A"},                          // unknown ids
  };
  const PairSplits s = moe::data::assemble_cocitation_pairs(papers, cites, all_train());
  using T = std::tuple<std::string, std::string, int>;
  EXPECT_EQ(named(papers, s.train), (std::vector<T>{{"A", "B", 1}, {"X", "Y", 1}}));
  EXPECT_EQ(s.stats.edges, 9);
  EXPECT_EQ(s.stats.duplicate_edges, 2);
  EXPECT_EQ(s.stats.self_citations, 1);
  EXPECT_EQ(s.stats.unknown_id_edges, 2);
  EXPECT_EQ(s.stats.cross_domain_pairs, 4);
  EXPECT_EQ(s.stats.cocited_pairs, 2);
  for (const auto& r : s.train) EXPECT_EQ(r.domain, papers[r.a].domain);
}

TEST(Cocitation, CrossDomainPairsAreCountedOncePerDistinctPair) {
  const auto papers = papers_of({{"A", "x"}, {"X", "y"}, {"P", "x"}, {"Q", "y"}});
  const std::vector<Citation> cites = {{"P", "A"}, {"P", "X"}, {"Q", "A"}, {"Q", "X"}};
  const PairSplits s = moe::data::assemble_cocitation_pairs(papers, cites, all_train());
  EXPECT_TRUE(s.train.empty());
  EXPECT_EQ(s.stats.cross_domain_pairs, 1);
  EXPECT_EQ(s.stats.cocited_pairs, 0);
}

// Shared checks for a real-sized split: leakage, balance, negatives, and agreement with the
// naive reference counts.
void check_splits(const std::vector<Paper>& papers, const std::vector<Citation>& cites,
                  const CocitationOptions& o, const PairSplits& s) {
  const auto reference = reference_counts(papers, cites);

  // Leakage: train pairs hold train papers only; valid pairs no test paper.
  std::set<int64_t> train_papers_in_pairs;
  for (const auto& r : s.train) {
    EXPECT_EQ(s.paper_split[r.a], PaperSplit::kTrain);
    EXPECT_EQ(s.paper_split[r.b], PaperSplit::kTrain);
    train_papers_in_pairs.insert(r.a);
    train_papers_in_pairs.insert(r.b);
  }
  for (const auto* split : {&s.valid, &s.test}) {
    const PaperSplit own = split == &s.valid ? PaperSplit::kValid : PaperSplit::kTest;
    for (const auto& r : *split) {
      const PaperSplit x = s.paper_split[r.a], y = s.paper_split[r.b];
      EXPECT_NE(x, PaperSplit::kNone);
      EXPECT_NE(y, PaperSplit::kNone);
      EXPECT_TRUE(x == own || y == own);
      if (own == PaperSplit::kValid) {
        EXPECT_NE(x, PaperSplit::kTest);
        EXPECT_NE(y, PaperSplit::kTest);
      }
    }
  }
  for (std::size_t i = 0; i < s.paper_split.size(); ++i) {
    if (s.paper_split[i] == PaperSplit::kValid || s.paper_split[i] == PaperSplit::kTest) {
      EXPECT_FALSE(train_papers_in_pairs.count(static_cast<int64_t>(i))) << papers[i].id;
    }
  }

  // Positives match the reference; negatives are never co-cited, same-domain, distinct.
  std::set<std::pair<int64_t, int64_t>> positives;
  for (const auto& r : s.train) {
    EXPECT_EQ(r.label, 1.0f);
    ASSERT_TRUE(reference.count({r.a, r.b}));
    EXPECT_EQ(r.cocitations, reference.at({r.a, r.b}));
    EXPECT_TRUE(positives.emplace(r.a, r.b).second);
  }
  for (const auto* split : {&s.valid, &s.test}) {
    std::map<std::string, std::pair<int, int>> per_domain;  // positives, negatives
    std::set<std::pair<int64_t, int64_t>> negatives;
    for (const auto& r : *split) {
      EXPECT_LT(r.a, r.b);
      EXPECT_EQ(papers[r.a].domain, r.domain);
      EXPECT_EQ(papers[r.b].domain, r.domain);
      if (r.label == 1.0f) {
        ASSERT_TRUE(reference.count({r.a, r.b}));
        EXPECT_EQ(r.cocitations, reference.at({r.a, r.b}));
        EXPECT_TRUE(positives.emplace(r.a, r.b).second);
        ++per_domain[r.domain].first;
      } else {
        EXPECT_EQ(r.label, 0.0f);
        EXPECT_EQ(r.cocitations, 0);
        EXPECT_FALSE(reference.count({r.a, r.b})) << "negative is co-cited";
        EXPECT_TRUE(negatives.emplace(r.a, r.b).second) << "duplicate negative";
        ++per_domain[r.domain].second;
      }
    }
    for (const auto& [domain, n] : per_domain) EXPECT_EQ(n.first, n.second) << domain;
  }
  // Every kept pair is somewhere, unless it had to be dropped for want of a negative.
  std::size_t expected = 0;
  for (const auto& [key, count] : reference) expected += count >= o.min_cocitations;
  EXPECT_EQ(static_cast<int64_t>(expected), s.stats.positive_pairs);
  EXPECT_EQ(positives.size() + s.stats.positives_without_negative, expected);
  EXPECT_EQ(s.stats.cocited_pairs, static_cast<int64_t>(reference.size()));
}

TEST(Cocitation, SplitsOfTheSyntheticCorpusHaveNoLeakageAndBalancedLabels) {
  const auto corpus = moe::data::generate_synthetic_corpus({});
  const CocitationOptions o;
  const PairSplits s = moe::data::assemble_cocitation_pairs(corpus.papers, corpus.citations, o);
  ASSERT_FALSE(s.train.empty());
  ASSERT_FALSE(s.valid.empty());
  ASSERT_FALSE(s.test.empty());
  check_splits(corpus.papers, corpus.citations, o, s);
  EXPECT_EQ(s.stats.positives_without_negative, 0);
  // Paper shares follow the fractions.
  const double papers_in_pairs = s.stats.train_papers + s.stats.valid_papers + s.stats.test_papers;
  EXPECT_NEAR(s.stats.valid_papers / papers_in_pairs, 0.1, 0.01);
  EXPECT_NEAR(s.stats.test_papers / papers_in_pairs, 0.1, 0.01);
  // Pair shares as the rule implies: train about 0.8^2 of the positives.
  const double train_share = static_cast<double>(s.train.size()) / s.stats.positive_pairs;
  EXPECT_GT(train_share, 0.5);
  EXPECT_LT(train_share, 0.8);
}

TEST(Cocitation, ThresholdAndLargeHoldOutKeepTheRules) {
  const auto corpus = moe::data::generate_synthetic_corpus({});
  CocitationOptions o;
  o.min_cocitations = 2;
  o.valid_fraction = 0.25;
  o.test_fraction = 0.3;
  o.seed = 5;
  const PairSplits s = moe::data::assemble_cocitation_pairs(corpus.papers, corpus.citations, o);
  ASSERT_FALSE(s.valid.empty());
  check_splits(corpus.papers, corpus.citations, o, s);
  for (const auto& r : s.train) EXPECT_GE(r.cocitations, 2);
}

TEST(Cocitation, DeterministicForASeedAndDifferentForAnother) {
  const auto corpus = moe::data::generate_synthetic_corpus({});
  const CocitationOptions o;
  const PairSplits a = moe::data::assemble_cocitation_pairs(corpus.papers, corpus.citations, o);
  const PairSplits b = moe::data::assemble_cocitation_pairs(corpus.papers, corpus.citations, o);
  auto same = [](const std::vector<PairRecord>& x, const std::vector<PairRecord>& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (x[i].a != y[i].a || x[i].b != y[i].b || x[i].label != y[i].label ||
          x[i].cocitations != y[i].cocitations || x[i].domain != y[i].domain)
        return false;
    return true;
  };
  EXPECT_TRUE(same(a.train, b.train));
  EXPECT_TRUE(same(a.valid, b.valid));
  EXPECT_TRUE(same(a.test, b.test));
  EXPECT_EQ(a.paper_split, b.paper_split);

  CocitationOptions other = o;
  other.seed = 12;
  const PairSplits c = moe::data::assemble_cocitation_pairs(corpus.papers, corpus.citations, other);
  EXPECT_NE(a.paper_split, c.paper_split);
  EXPECT_EQ(a.stats.positive_pairs, c.stats.positive_pairs);
}

TEST(Cocitation, AddingADomainLeavesTheOtherDomainsSplitAlone) {
  moe::data::SyntheticCorpusOptions one;
  one.domains = {"cardio"};
  moe::data::SyntheticCorpusOptions two;
  two.domains = {"cardio", "pulmo"};
  const auto c1 = moe::data::generate_synthetic_corpus(one);
  const auto c2 = moe::data::generate_synthetic_corpus(two);
  // Same cardio graph in both (texts differ, the graph is what the split sees).
  std::vector<Paper> papers2 = c2.papers;
  std::vector<Citation> cites2;
  for (std::size_t i = 0; i < 600; ++i) papers2[i] = c1.papers[i];
  for (const auto& c : c1.citations) cites2.push_back(c);
  for (const auto& c : c2.citations)
    if (c.citing_id.rfind("pulmo", 0) == 0) cites2.push_back(c);
  const CocitationOptions o;
  const PairSplits s1 = moe::data::assemble_cocitation_pairs(c1.papers, c1.citations, o);
  const PairSplits s2 = moe::data::assemble_cocitation_pairs(papers2, cites2, o);
  for (std::size_t i = 0; i < 600; ++i) EXPECT_EQ(s1.paper_split[i], s2.paper_split[i]) << i;
}

TEST(Cocitation, PositivesWithoutAnyPossibleNegativeAreDroppedNotUnbalanced) {
  // P cites all of A..F: every pair among them is co-cited, so no negative exists.
  std::vector<std::pair<std::string, std::string>> ids;
  std::vector<Citation> cites;
  for (const char* id : {"A", "B", "C", "D", "E", "F"}) {
    ids.emplace_back(id, "d");
    cites.push_back({"P", id});
  }
  ids.emplace_back("P", "d");
  const auto papers = papers_of(ids);
  CocitationOptions o;
  o.valid_fraction = 0.2;
  o.test_fraction = 0.2;
  const PairSplits s = moe::data::assemble_cocitation_pairs(papers, cites, o);
  EXPECT_TRUE(s.valid.empty());
  EXPECT_TRUE(s.test.empty());
  EXPECT_EQ(s.stats.positive_pairs, 15);
  EXPECT_EQ(s.stats.valid_papers, 1);
  EXPECT_EQ(s.stats.test_papers, 1);
  EXPECT_EQ(static_cast<int64_t>(s.train.size()), 6);  // C(4, 2) among the 4 train papers
  EXPECT_EQ(s.stats.positives_without_negative, 15 - 6);
}

TEST(Cocitation, RejectsDuplicateIdsAndBadOptions) {
  auto message = [](const std::vector<Paper>& papers, const CocitationOptions& o) -> std::string {
    try {
      moe::data::assemble_cocitation_pairs(papers, {}, o);
    } catch (const moe::Error& e) {
      return e.what();
    }
    return "no error";
  };
  const auto good = papers_of({{"A", "d"}, {"B", "d"}});
  EXPECT_NE(message(papers_of({{"A", "d"}, {"A", "e"}}), {}).find("duplicate paper id 'A'"),
            std::string::npos);
  CocitationOptions o;
  o.min_cocitations = 0;
  EXPECT_NE(message(good, o).find("min_cocitations"), std::string::npos);
  o = {};
  o.valid_fraction = 0.6;
  o.test_fraction = 0.4;
  EXPECT_NE(message(good, o).find("valid_fraction"), std::string::npos);
  o = {};
  o.test_fraction = -0.1;
  EXPECT_NE(message(good, o).find("test_fraction"), std::string::npos);
  EXPECT_EQ(message(good, {}), "no error");
}

TEST(Cocitation, ScaleSmokeTwoHundredThousandEdges) {
  moe::data::SyntheticCorpusOptions big;
  big.papers_per_domain = 12500;
  big.topics_per_domain = 40;
  big.words_per_abstract = 5;
  const auto corpus = moe::data::generate_synthetic_corpus(big);
  ASSERT_EQ(corpus.citations.size(), 200000u);
  const auto start = std::chrono::steady_clock::now();
  const PairSplits s =
      moe::data::assemble_cocitation_pairs(corpus.papers, corpus.citations, CocitationOptions{});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(s.stats.citing_papers, 25000);
  EXPECT_GT(s.stats.positive_pairs, 500000);  // about 25000 * C(8, 2), few repeats
  EXPECT_FALSE(s.valid.empty());
  EXPECT_EQ(std::count_if(s.test.begin(), s.test.end(),
                          [](const PairRecord& r) { return r.label == 1.0f; }) *
                2,
            static_cast<std::ptrdiff_t>(s.test.size()));
  EXPECT_LT(seconds, 3.0);
  RecordProperty("seconds", std::to_string(seconds));
}

}  // namespace
