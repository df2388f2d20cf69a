// Ranking metrics of a retrieval run: recall@k (the share of a query's relevant documents
// among its k best, averaged over queries) and MRR@k (1/rank of the first relevant document
// within the k best, 0 when none), as BEIR and MTEB report them.
#pragma once

#include <cstdint>
#include <vector>

namespace moe::index {

struct RetrievalScores {
  std::vector<int64_t> ks;     // the cut-offs of `recall`
  std::vector<double> recall;  // recall@ks[i]
  double mrr = 0;              // MRR@mrr_k
  int64_t mrr_k = 10;
  int64_t queries = 0;
};

// ranked[q]: document indices, best first (at least max(ks, mrr_k) where possible);
// relevant[q]: the documents that answer query q (queries with none are left out).
RetrievalScores score_rankings(const std::vector<std::vector<int64_t>>& ranked,
                               const std::vector<std::vector<int64_t>>& relevant,
                               const std::vector<int64_t>& ks, int64_t mrr_k);

}  // namespace moe::index
