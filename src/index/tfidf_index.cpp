// TfIdfIndex (see tfidf_index.h).
#include "index/tfidf_index.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

namespace moe::index {
namespace {

bool is_word_byte(unsigned char c) { return c >= 0x80 || std::isalnum(c) != 0; }

// term -> (1 + ln tf) for the terms `ids` knows (unknown terms dropped when ids is const).
std::map<int32_t, float> log_counts(const std::vector<std::string>& words,
                                    const std::unordered_map<std::string, int32_t>& ids) {
  std::map<int32_t, float> counts;
  for (const std::string& word : words) {
    const auto found = ids.find(word);
    if (found != ids.end()) counts[found->second] += 1.0f;
  }
  for (auto& [term, count] : counts) count = 1.0f + std::log(count);
  return counts;
}

}  // namespace

std::vector<std::string> tfidf_terms(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_word_byte(byte)) {
      word += static_cast<char>(byte < 0x80 ? std::tolower(byte) : byte);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

TfIdfIndex::TfIdfIndex(const std::vector<std::string>& documents)
    : documents_(static_cast<int64_t>(documents.size())) {
  std::vector<std::vector<std::string>> words;
  words.reserve(documents.size());
  std::vector<int64_t> frequency;
  for (const std::string& document : documents) {
    words.push_back(tfidf_terms(document));
    std::vector<int32_t> seen;
    for (const std::string& word : words.back()) {
      const auto [it, added] = term_ids_.emplace(word, static_cast<int32_t>(term_ids_.size()));
      if (added) frequency.push_back(0);
      seen.push_back(it->second);
    }
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (const int32_t term : seen) ++frequency[static_cast<size_t>(term)];
  }
  idf_.resize(frequency.size());
  for (size_t t = 0; t < frequency.size(); ++t) {
    idf_[t] = static_cast<float>(std::log((1.0 + static_cast<double>(documents_)) /
                                          (1.0 + static_cast<double>(frequency[t]))) +
                                 1.0);
  }
  postings_.resize(idf_.size());
  for (size_t d = 0; d < words.size(); ++d) {
    std::map<int32_t, float> weights = log_counts(words[d], term_ids_);
    double norm = 0;
    for (auto& [term, weight] : weights) {
      weight *= idf_[static_cast<size_t>(term)];
      norm += static_cast<double>(weight) * weight;
    }
    const auto scale = static_cast<float>(norm > 0 ? 1.0 / std::sqrt(norm) : 0.0);
    for (const auto& [term, weight] : weights)
      postings_[static_cast<size_t>(term)].emplace_back(static_cast<int32_t>(d), weight * scale);
  }
}

std::vector<ScoredDocument> TfIdfIndex::search(const std::string& query, int64_t k) const {
  std::map<int32_t, float> weights = log_counts(tfidf_terms(query), term_ids_);
  double norm = 0;
  for (auto& [term, weight] : weights) {
    weight *= idf_[static_cast<size_t>(term)];
    norm += static_cast<double>(weight) * weight;
  }
  std::vector<float> scores(static_cast<size_t>(documents_), 0.0f);
  std::vector<bool> touched(static_cast<size_t>(documents_), false);
  const auto scale = static_cast<float>(norm > 0 ? 1.0 / std::sqrt(norm) : 0.0);
  for (const auto& [term, weight] : weights) {
    for (const auto& [document, value] : postings_[static_cast<size_t>(term)]) {
      scores[static_cast<size_t>(document)] += weight * scale * value;
      touched[static_cast<size_t>(document)] = true;
    }
  }
  std::vector<ScoredDocument> hits;
  for (int64_t d = 0; d < documents_; ++d) {
    if (touched[static_cast<size_t>(d)]) hits.push_back({d, scores[static_cast<size_t>(d)]});
  }
  const auto better = [](const ScoredDocument& a, const ScoredDocument& b) {
    return a.score != b.score ? a.score > b.score : a.document < b.document;
  };
  const auto keep = std::min<size_t>(hits.size(), static_cast<size_t>(std::max<int64_t>(k, 0)));
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(keep), hits.end(),
                    better);
  hits.resize(keep);
  return hits;
}

}  // namespace moe::index
