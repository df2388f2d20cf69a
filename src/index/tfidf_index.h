// The lexical baseline of the retrieval evaluation: TF-IDF vectors compared by cosine, as
// a search engine without a model would rank documents. Terms are words: runs of ASCII
// letters and digits, lower-cased, with any non-ASCII byte kept inside its word (so accented
// and Greek words stay whole). Weights: (1 + ln tf) * idf, idf = ln((1 + N) / (1 + df)) + 1
// (scikit-learn's smoothed form), every vector L2-normalised.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace moe::index {

// The words of `text` as TfIdfIndex counts them.
std::vector<std::string> tfidf_terms(const std::string& text);

struct ScoredDocument {
  int64_t document = 0;
  float score = 0;  // cosine of the TF-IDF vectors
};

class TfIdfIndex {
 public:
  explicit TfIdfIndex(const std::vector<std::string>& documents);

  // The k best documents, best first (ties: the lower index first); documents sharing no term
  // with the query are never returned.
  std::vector<ScoredDocument> search(const std::string& query, int64_t k) const;
  int64_t terms() const { return static_cast<int64_t>(idf_.size()); }

 private:
  std::unordered_map<std::string, int32_t> term_ids_;
  std::vector<float> idf_;
  std::vector<std::vector<std::pair<int32_t, float>>> postings_;  // term -> (document, weight)
  int64_t documents_ = 0;
};

}  // namespace moe::index
