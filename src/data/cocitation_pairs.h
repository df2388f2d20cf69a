// Assembly of co-citation pairs (two papers cited together by a third) into leakage-free
// train / valid / test splits, the training data of the method in docs/PAPER.md.
//
// Pairs. Edges with an unknown citing or cited id, self-citations and repeated edges are
// dropped (in that order, each counted). For every citing paper each unordered pair of the
// distinct papers it cites is one co-citation; a pair's count is the number of papers citing
// both. Pairs whose papers lie in different domains are dropped (counted); so are pairs cited
// together fewer than min_cocitations times. The rest are the positives. The work is sorting
// packed 64-bit pair keys: time O(P log P) for P emitted pairs, no loop over all paper pairs.
//
// Splits and leakage. Splits are drawn over PAPERS, not pairs: within each domain the papers
// that occur in a positive are shuffled (seeded by the seed and the domain name, so adding a
// domain leaves the others' splits alone) and the first valid_fraction of them go to valid,
// the next test_fraction to test, the rest to train. Then
//   train pair: both papers in train;
//   valid pair: at least one paper in valid and none in test;
//   test pair:  at least one paper in test.
// Every positive lands in exactly one split, and no valid or test paper ever appears in a
// train pair, so the abstracts that make a pair held out are never seen in training. (Valid
// and test pairs may also contain train papers, and test pairs valid papers.)
//
// Labels. Train holds positives only (label 1): in-batch negatives do the rest. Valid and test
// are balanced 50/50: each positive gets one negative drawn from the same domain under the
// same split rule (one paper from the split's own papers, the other from those the rule
// allows), never co-cited at all (checked against every same-domain co-cited pair, whatever
// its count) and never drawn twice. A positive for which no such negative is found within a
// bounded number of draws is dropped with its would-be negative (counted), which can only
// happen on tiny, dense graphs.
//
// Order. In every record a < b for positives and negatives alike. Each split is shuffled with
// the seed. The result depends only on the inputs and the options, on every platform.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/paper_corpus.h"  // Paper, Citation

namespace moe::data {

struct CocitationOptions {
  int min_cocitations = 1;      // a positive is cited together by at least this many papers
  double valid_fraction = 0.1;  // share of each domain's papers held out for valid
  double test_fraction = 0.1;   // share of each domain's papers held out for test
  uint64_t seed = 11;
};

struct PairRecord {
  int64_t a;            // index into the papers vector
  int64_t b;            // index into the papers vector, a < b
  float label;          // 1 co-cited, 0 not
  int32_t cocitations;  // papers citing both; 0 for negatives
  std::string domain;
};

enum class PaperSplit : uint8_t { kNone = 0, kTrain, kValid, kTest };

// What the assembly read, dropped and kept.
struct CocitationStats {
  int64_t edges = 0;                  // citations given
  int64_t unknown_id_edges = 0;       // citing or cited id not among the papers (dropped)
  int64_t self_citations = 0;         // (dropped)
  int64_t duplicate_edges = 0;        // repeats of an edge already seen (dropped)
  int64_t citing_papers = 0;          // papers citing at least two distinct known papers
  int64_t cocited_pairs = 0;          // distinct same-domain pairs cited together at least once
  int64_t cross_domain_pairs = 0;     // distinct co-cited pairs spanning two domains (dropped)
  int64_t below_threshold_pairs = 0;  // same-domain pairs under min_cocitations (dropped)
  int64_t positive_pairs = 0;         // cocited_pairs - below_threshold_pairs
  int64_t positives_without_negative = 0;  // valid/test positives dropped: no negative found
  int64_t train_papers = 0;                // papers per split; papers in no positive are in none
  int64_t valid_papers = 0;
  int64_t test_papers = 0;
};

struct PairSplits {
  std::vector<PairRecord> train, valid, test;
  std::vector<PaperSplit> paper_split;  // one per paper; kNone if it is in no positive
  CocitationStats stats;
};

// Throws moe::Error for duplicate paper ids, more than 2^32 - 1 papers, or options out of
// range (min_cocitations < 1; fractions negative or summing to 1 or more).
PairSplits assemble_cocitation_pairs(const std::vector<Paper>& papers,
                                     const std::vector<Citation>& citations,
                                     const CocitationOptions& options);

}  // namespace moe::data
