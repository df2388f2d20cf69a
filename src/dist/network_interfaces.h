// This host's IPv4 addresses, and the choice of the address to reach a peer at: the peer
// heartbeat (peer_heartbeat.h) runs beside MPI, so it finds its own way between hosts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::dist {

struct Ipv4Interface {
  uint32_t address = 0;  // host byte order
  uint32_t netmask = 0;  // host byte order
  bool operator==(const Ipv4Interface& other) const {
    return address == other.address && netmask == other.netmask;
  }
};

// The interfaces that are up, loopback excluded, in a stable order (sorted by address).
std::vector<Ipv4Interface> ipv4_interfaces();

// Where to send to a peer whose interfaces are `theirs`, seen from `mine`: loopback when
// both lists are equal (the same host, or the same network namespace); else the first of
// their addresses on a subnet of one of mine (the network both are on); else their first
// address; loopback when they have none.
uint32_t address_to_reach(const std::vector<Ipv4Interface>& mine,
                          const std::vector<Ipv4Interface>& theirs);

// "10.77.0.11" for messages.
std::string ipv4_text(uint32_t address);

}  // namespace moe::dist
