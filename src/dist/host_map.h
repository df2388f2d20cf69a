// Which ranks share a host, for the start-up log: "node1 -> ranks 0,1; node2 -> ranks 2,3".
#pragma once

#include <string>
#include <vector>

namespace moe::dist {

// Hosts in the order of their first rank; `host_of_rank[r]` is rank r's host.
std::string describe_host_map(const std::vector<std::string>& host_of_rank);

}  // namespace moe::dist
