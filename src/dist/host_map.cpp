// Implementation of describe_host_map (see host_map.h).
#include "dist/host_map.h"

#include <map>

#include "common/error.h"

namespace moe::dist {

std::string describe_host_map(const std::vector<std::string>& host_of_rank) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<int>> ranks;
  for (size_t r = 0; r < host_of_rank.size(); ++r) {
    auto& list = ranks[host_of_rank[r]];
    if (list.empty()) order.push_back(host_of_rank[r]);
    list.push_back(static_cast<int>(r));
  }
  std::string text;
  for (const std::string& host : order) {
    const std::vector<int>& list = ranks[host];
    text += cat(text.empty() ? "" : "; ", host, " -> rank", list.size() > 1 ? "s " : " ");
    for (size_t i = 0; i < list.size(); ++i) text += cat(i > 0 ? "," : "", list[i]);
  }
  return text;
}

}  // namespace moe::dist
