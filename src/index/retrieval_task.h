// A retrieval benchmark: queries, documents, and for each query the documents that answer it.
// halves_task builds the one the paper's data allows without labels: each abstract's first
// half is a query whose only relevant document is the same abstract's second half, searched
// among every second half (of the query's domain, when domains are given).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::index {

struct RetrievalTask {
  std::vector<std::string> query_ids, queries, query_domains;  // domains: "" when none
  std::vector<std::string> document_ids, documents, document_domains;
  std::vector<std::vector<int64_t>> relevant;  // per query: indices into documents
  int64_t skipped = 0;                         // texts too short to halve
};

struct TextWithDomain {
  std::string id, text, domain;
};

// Splits each text at its middle word (whitespace-separated); texts of fewer than
// `min_words` words are skipped (counted in `skipped`). Query q's relevant document is q.
RetrievalTask halves_task(const std::vector<TextWithDomain>& texts, int64_t min_words = 8);

}  // namespace moe::index
