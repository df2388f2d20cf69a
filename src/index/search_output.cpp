// Rendering search answers and snippets (see search_output.h).
#include "index/search_output.h"

#include <nlohmann/json.hpp>

#include "common/number_format.h"

namespace moe::index {

std::string make_snippet(const std::string& text, int64_t max_bytes) {
  if (max_bytes <= 0) return "";
  std::string squeezed;
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !squeezed.empty();
      continue;
    }
    if (space) squeezed += ' ';
    space = false;
    squeezed += c;
  }
  if (static_cast<int64_t>(squeezed.size()) <= max_bytes) return squeezed;
  auto cut = static_cast<size_t>(max_bytes);
  // Never end inside a UTF-8 sequence: back off over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(squeezed[cut]) & 0xC0) == 0x80) --cut;
  return squeezed.substr(0, cut) + "...";
}

std::string render_text(const QueryAnswer& answer) {
  std::string text = "query " + answer.query_id + " (part " + answer.part +
                     (answer.routed ? ", routed" : "") + ")";
  text += answer.query.empty() ? "\n" : ": " + make_snippet(answer.query, 100) + "\n";
  if (answer.hits.empty()) text += "   no hits\n";
  for (size_t i = 0; i < answer.hits.size(); ++i) {
    const SearchHit& hit = answer.hits[i];
    const std::string rank = std::to_string(i + 1);
    text += std::string(rank.size() < 4 ? 4 - rank.size() : 0, ' ') + rank + "  " +
            fixed(hit.score, 4) + "  " + hit.id;
    for (const auto& [name, value] : hit.metadata) text += "  " + name + ": " + value;
    if (!hit.snippet.empty()) text += "  " + hit.snippet;
    text += "\n";
  }
  return text;
}

std::string render_json_line(const QueryAnswer& answer) {
  nlohmann::ordered_json line;
  line["query_id"] = answer.query_id;
  if (!answer.query.empty()) line["query"] = answer.query;
  line["part"] = answer.part;
  line["routed"] = answer.routed;
  nlohmann::ordered_json hits = nlohmann::ordered_json::array();
  for (size_t i = 0; i < answer.hits.size(); ++i) {
    const SearchHit& hit = answer.hits[i];
    nlohmann::ordered_json item = {{"rank", i + 1}, {"id", hit.id}, {"score", hit.score}};
    if (!hit.snippet.empty()) item["snippet"] = hit.snippet;
    if (!hit.metadata.empty()) {
      nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
      for (const auto& [name, value] : hit.metadata) metadata[name] = value;
      item["metadata"] = metadata;
    }
    hits.push_back(item);
  }
  line["hits"] = hits;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace moe::index
