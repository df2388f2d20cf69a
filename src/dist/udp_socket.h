// A UDP socket for small datagrams between ranks (the peer heartbeat): bound to every
// address of this host on a port the system picks, closed when it goes out of scope.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace moe::dist {

class UdpSocket {
 public:
  UdpSocket();  // throws moe::Error naming the failed call
  ~UdpSocket();
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  uint16_t port() const { return port_; }

  // Best effort, like the network under it: a datagram that cannot leave (a link that is
  // down, a full buffer) is dropped, which is what the heartbeat exists to notice.
  void send(uint32_t address, uint16_t port, const void* data, size_t size) const;

  // Waits up to `timeout` for one datagram and copies at most `capacity` bytes of it;
  // returns its size, or 0 when none arrived.
  size_t receive(void* buffer, size_t capacity, std::chrono::milliseconds timeout) const;

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace moe::dist
