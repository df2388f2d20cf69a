// Implementation of UdpSocket (see udp_socket.h).
#include "dist/udp_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/error.h"

namespace moe::dist {

UdpSocket::UdpSocket() {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  MOE_REQUIRE(fd_ >= 0, "cannot open a UDP socket: ", std::strerror(errno));
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_ANY);
  any.sin_port = 0;
  socklen_t length = sizeof(any);
  if (bind(fd_, reinterpret_cast<const sockaddr*>(&any), sizeof(any)) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&any), &length) != 0) {
    const int code = errno;
    close(fd_);
    throw Error(cat("cannot bind a UDP socket: ", std::strerror(code)));
  }
  port_ = ntohs(any.sin_port);
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) close(fd_);
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(other.port_) {}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    port_ = other.port_;
  }
  return *this;
}

void UdpSocket::send(uint32_t address, uint16_t port, const void* data, size_t size) const {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(address);
  to.sin_port = htons(port);
  // The result is ignored on purpose (see the header).
  (void)sendto(fd_, data, size, MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
}

size_t UdpSocket::receive(void* buffer, size_t capacity, std::chrono::milliseconds timeout) const {
  pollfd waiting{fd_, POLLIN, 0};
  if (poll(&waiting, 1, static_cast<int>(timeout.count())) <= 0) return 0;
  const ssize_t size = recv(fd_, buffer, capacity, MSG_TRUNC);
  return size > 0 ? static_cast<size_t>(size) : 0;
}

}  // namespace moe::dist
