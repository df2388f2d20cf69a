// Implementation of the interface listing and address choice (see network_interfaces.h).
#include "dist/network_interfaces.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "common/error.h"

namespace moe::dist {
namespace {

constexpr uint32_t kLoopback = 0x7f000001;  // 127.0.0.1

uint32_t host_order(const sockaddr* address) {
  return ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr);
}

}  // namespace

std::vector<Ipv4Interface> ipv4_interfaces() {
  ifaddrs* list = nullptr;
  MOE_REQUIRE(getifaddrs(&list) == 0,
              "cannot list this host's network interfaces: ", std::strerror(errno));
  const std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner(list, &freeifaddrs);
  std::vector<Ipv4Interface> found;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
    if ((entry->ifa_flags & IFF_UP) == 0 || (entry->ifa_flags & IFF_LOOPBACK) != 0) continue;
    Ipv4Interface item;
    item.address = host_order(entry->ifa_addr);
    item.netmask = entry->ifa_netmask != nullptr ? host_order(entry->ifa_netmask) : 0xffffffff;
    found.push_back(item);
  }
  std::sort(found.begin(), found.end(),
            [](const Ipv4Interface& a, const Ipv4Interface& b) { return a.address < b.address; });
  return found;
}

uint32_t address_to_reach(const std::vector<Ipv4Interface>& mine,
                          const std::vector<Ipv4Interface>& theirs) {
  if (theirs.empty() || mine == theirs) return kLoopback;
  for (const Ipv4Interface& their : theirs)
    for (const Ipv4Interface& my : mine)
      if ((their.address & my.netmask) == (my.address & my.netmask)) return their.address;
  return theirs.front().address;
}

std::string ipv4_text(uint32_t address) {
  return cat(address >> 24, '.', (address >> 16) & 0xff, '.', (address >> 8) & 0xff, '.',
             address & 0xff);
}

}  // namespace moe::dist
