// halves_task (see retrieval_task.h).
#include "index/retrieval_task.h"

#include <sstream>

namespace moe::index {

RetrievalTask halves_task(const std::vector<TextWithDomain>& texts, int64_t min_words) {
  RetrievalTask task;
  for (const TextWithDomain& text : texts) {
    std::istringstream stream(text.text);
    std::vector<std::string> words;
    for (std::string word; stream >> word;) words.push_back(word);
    if (static_cast<int64_t>(words.size()) < min_words) {
      ++task.skipped;
      continue;
    }
    const size_t middle = words.size() / 2;
    std::string first, second;
    for (size_t i = 0; i < words.size(); ++i) {
      std::string& half = i < middle ? first : second;
      half += (half.empty() ? "" : " ") + words[i];
    }
    task.relevant.push_back({static_cast<int64_t>(task.documents.size())});
    task.query_ids.push_back(text.id);
    task.queries.push_back(std::move(first));
    task.query_domains.push_back(text.domain);
    task.document_ids.push_back(text.id);
    task.documents.push_back(std::move(second));
    task.document_domains.push_back(text.domain);
  }
  return task;
}

}  // namespace moe::index
