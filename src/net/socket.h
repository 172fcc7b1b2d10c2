// Listening sockets for the query workers: an owning file descriptor and the
// two constructors (UDP and TCP) with the options every listener needs.
#pragma once

#include <string>
#include <utility>

#include "net/address.h"
#include "util/result.h"

namespace tandem::net {

// Owns a file descriptor and closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }
  // Closes the current descriptor (if any) and takes `fd`.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

struct ListenOptions {
  // SO_REUSEPORT, so that every worker binds its own socket to the same
  // address and the kernel spreads datagrams and connections over them.
  bool reuse_port = true;
  // UDP on a wildcard address: ask for IP_PKTINFO / IPV6_RECVPKTINFO so that
  // a reply can leave from the address the query was sent to.
  bool packet_info = false;
  // Socket buffer sizes to request (0: keep the system default). Best effort:
  // the kernel caps them at net.core.{r,w}mem_max.
  int receive_buffer = 0;
  int send_buffer = 0;
  int backlog = 1024;  // TCP listen queue
};

// Opens a non-blocking, close-on-exec UDP socket bound to `address`, IPv6
// sockets with IPV6_V6ONLY. Errors name the address and the failing step:
// "cannot bind 127.0.0.1@53/udp: Permission denied".
Result<UniqueFd, std::string> open_udp_listener(const SocketAddress& address,
                                                const ListenOptions& options);

// Same for a listening TCP socket (also SO_REUSEADDR, and TCP_FASTOPEN when
// the kernel offers it). Errors: "cannot bind ::1@53/tcp: Address already in use".
Result<UniqueFd, std::string> open_tcp_listener(const SocketAddress& address,
                                                const ListenOptions& options);

// Fails when some socket is already bound to `address`, UDP or TCP (a TCP
// listener; connections in TIME_WAIT do not count). Call it before opening
// SO_REUSEPORT listeners: otherwise a second server started by the same user
// on the same address would bind successfully and silently take half of the
// traffic. Errors: "cannot bind 127.0.0.1@53/udp: Address already in use".
Result<void, std::string> check_address_unused(const SocketAddress& address);

}  // namespace tandem::net
