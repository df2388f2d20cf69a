// The heartbeat's choice of where to reach a peer: loopback on the same host, the address on
// a shared subnet across hosts, and the listing of this host's own interfaces.
#include "dist/network_interfaces.h"

#include <gtest/gtest.h>

namespace moe::dist {
namespace {

constexpr uint32_t kLoopback = 0x7f000001;

uint32_t ip(int a, int b, int c, int d) {
  return static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 |
         static_cast<uint32_t>(c) << 8 | static_cast<uint32_t>(d);
}

TEST(NetworkInterfaces, SameInterfacesMeanTheSameHostAndLoopback) {
  const std::vector<Ipv4Interface> host{{ip(10, 77, 0, 11), ip(255, 255, 255, 0)}};
  EXPECT_EQ(address_to_reach(host, host), kLoopback);
  EXPECT_EQ(address_to_reach({}, {}), kLoopback);  // no network at all: one machine
}

TEST(NetworkInterfaces, PicksThePeerAddressOnASharedSubnet) {
  const uint32_t mask24 = ip(255, 255, 255, 0);
  const std::vector<Ipv4Interface> mine{{ip(10, 77, 0, 11), mask24}, {ip(192, 168, 5, 2), mask24}};
  const std::vector<Ipv4Interface> theirs{{ip(172, 16, 0, 9), mask24},
                                          {ip(192, 168, 5, 7), mask24}};
  EXPECT_EQ(address_to_reach(mine, theirs), ip(192, 168, 5, 7));
  // No shared subnet: their first address, and routing decides.
  const std::vector<Ipv4Interface> apart{{ip(172, 16, 0, 9), mask24}};
  EXPECT_EQ(address_to_reach(mine, apart), ip(172, 16, 0, 9));
}

TEST(NetworkInterfaces, ListsUpInterfacesWithoutLoopbackInOrder) {
  const std::vector<Ipv4Interface> found = ipv4_interfaces();
  for (size_t i = 0; i < found.size(); ++i) {
    EXPECT_NE(found[i].address >> 24, 127u) << ipv4_text(found[i].address);
    if (i > 0) {
      EXPECT_LT(found[i - 1].address, found[i].address);
    }
  }
  EXPECT_EQ(ipv4_text(ip(10, 77, 0, 11)), "10.77.0.11");
}

}  // namespace
}  // namespace moe::dist
