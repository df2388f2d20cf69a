// How moe_index search prints its answers: text for people, JSON lines for programs (one
// object per query), plus the snippet each record keeps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "index/index_search.h"

namespace moe::index {

struct QueryAnswer {
  std::string query_id;
  std::string query;  // the text; "" for a query given as a vector
  std::string part;
  bool routed = false;
  std::vector<SearchHit> hits;
};

// "query q1 (part cardio, routed): <query>\n   1  0.8731  doc-17  year: 2019  <snippet>\n..."
std::string render_text(const QueryAnswer& answer);
// {"query_id":..,"query":..,"part":..,"routed":..,"hits":[{"rank":1,"id":..,"score":..,
// "snippet":..,"metadata":{"year":..}}]} and a newline.
std::string render_json_line(const QueryAnswer& answer);

// The start of `text` for a record's snippet: whitespace runs (line breaks included) become
// one space, and it is cut to at most `max_bytes` bytes on a UTF-8 character boundary, with
// "..." when cut. max_bytes 0: "".
std::string make_snippet(const std::string& text, int64_t max_bytes);

}  // namespace moe::index
