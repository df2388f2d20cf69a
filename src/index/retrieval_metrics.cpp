// score_rankings (see retrieval_metrics.h).
#include "index/retrieval_metrics.h"

#include <algorithm>
#include <set>

#include "common/error.h"

namespace moe::index {

RetrievalScores score_rankings(const std::vector<std::vector<int64_t>>& ranked,
                               const std::vector<std::vector<int64_t>>& relevant,
                               const std::vector<int64_t>& ks, int64_t mrr_k) {
  MOE_REQUIRE(ranked.size() == relevant.size(), "score_rankings: ", ranked.size(), " rankings for ",
              relevant.size(), " queries");
  RetrievalScores scores;
  scores.ks = ks;
  scores.mrr_k = mrr_k;
  scores.recall.assign(ks.size(), 0.0);
  for (size_t q = 0; q < ranked.size(); ++q) {
    if (relevant[q].empty()) continue;
    const std::set<int64_t> answers(relevant[q].begin(), relevant[q].end());
    ++scores.queries;
    for (size_t i = 0; i < ks.size(); ++i) {
      const auto cut = std::min<size_t>(ranked[q].size(), static_cast<size_t>(ks[i]));
      int64_t found = 0;
      for (size_t r = 0; r < cut; ++r) found += answers.count(ranked[q][r]) > 0 ? 1 : 0;
      scores.recall[i] += static_cast<double>(found) / static_cast<double>(answers.size());
    }
    const auto cut = std::min<size_t>(ranked[q].size(), static_cast<size_t>(mrr_k));
    for (size_t r = 0; r < cut; ++r) {
      if (answers.count(ranked[q][r]) > 0) {
        scores.mrr += 1.0 / static_cast<double>(r + 1);
        break;
      }
    }
  }
  if (scores.queries > 0) {
    for (double& value : scores.recall) value /= static_cast<double>(scores.queries);
    scores.mrr /= static_cast<double>(scores.queries);
  }
  return scores;
}

}  // namespace moe::index
