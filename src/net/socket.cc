#include "net/socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tandem::net {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

namespace {

std::string describe(const SocketAddress& address, const char* proto) {
  return address.to_string() + "/" + proto;
}

tl::unexpected<std::string> failure(const char* what, const SocketAddress& address,
                                    const char* proto, int err) {
  return tl::unexpected<std::string>(std::string("cannot ") + what + " " +
                                     describe(address, proto) + ": " + strerror(err));
}

bool set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof(value)) == 0;
}

// The steps shared by UDP and TCP: socket(), V6ONLY, SO_REUSEPORT, buffers.
Result<UniqueFd, std::string> open_socket(const SocketAddress& address, int type,
                                          const ListenOptions& options, const char* proto) {
  int family = address.family();
  if (family != AF_INET && family != AF_INET6) {
    return tl::unexpected<std::string>("cannot bind " + describe(address, proto) +
                                       ": not an IPv4 or IPv6 address");
  }
  UniqueFd fd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return failure("create a socket for", address, proto, errno);
  // Without V6ONLY a "::" socket would also take IPv4 traffic and collide
  // with a separate 0.0.0.0 listener on the same port.
  if (family == AF_INET6 && !set_int(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1)) {
    return failure("set IPV6_V6ONLY on", address, proto, errno);
  }
  if (options.reuse_port && !set_int(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1)) {
    return failure("set SO_REUSEPORT on", address, proto, errno);
  }
  // Buffer sizes are hints: a smaller buffer than asked for is not an error.
  if (options.receive_buffer > 0) set_int(fd.get(), SOL_SOCKET, SO_RCVBUF, options.receive_buffer);
  if (options.send_buffer > 0) set_int(fd.get(), SOL_SOCKET, SO_SNDBUF, options.send_buffer);
  return fd;
}

}  // namespace

Result<UniqueFd, std::string> open_udp_listener(const SocketAddress& address,
                                                const ListenOptions& options) {
  auto fd = open_socket(address, SOCK_DGRAM, options, "udp");
  if (!fd) return fd;
  int s = fd->get();
  if (address.family() == AF_INET) {
    // Let large responses fragment instead of trusting a path MTU that an
    // off-path attacker can lower with forged ICMP (fragmentation attacks on
    // DNS); same choice as Knot and BIND. Best effort: older kernels lack it.
    set_int(s, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_OMIT);
    if (options.packet_info && !set_int(s, IPPROTO_IP, IP_PKTINFO, 1)) {
      return failure("set IP_PKTINFO on", address, "udp", errno);
    }
  } else {
    set_int(s, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_OMIT);
    if (options.packet_info && !set_int(s, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)) {
      return failure("set IPV6_RECVPKTINFO on", address, "udp", errno);
    }
  }
  if (::bind(s, address.sa(), address.len()) != 0) return failure("bind", address, "udp", errno);
  return fd;
}

Result<UniqueFd, std::string> open_tcp_listener(const SocketAddress& address,
                                                const ListenOptions& options) {
  auto fd = open_socket(address, SOCK_STREAM, options, "tcp");
  if (!fd) return fd;
  int s = fd->get();
  // Restart without waiting for TIME_WAIT connections of a previous run.
  if (!set_int(s, SOL_SOCKET, SO_REUSEADDR, 1)) {
    return failure("set SO_REUSEADDR on", address, "tcp", errno);
  }
  if (::bind(s, address.sa(), address.len()) != 0) return failure("bind", address, "tcp", errno);
  if (::listen(s, options.backlog) != 0) return failure("listen on", address, "tcp", errno);
  // RFC 7766 9 encourages TCP Fast Open: a client may put its query in the
  // SYN. Only effective when net.ipv4.tcp_fastopen enables the server side.
  set_int(s, IPPROTO_TCP, TCP_FASTOPEN, 64);
  return fd;
}

Result<void, std::string> check_address_unused(const SocketAddress& address) {
  ListenOptions exclusive;
  exclusive.reuse_port = false;
  // Bound exclusively, then closed at once: only the bind result matters.
  auto udp = open_udp_listener(address, exclusive);
  if (!udp) return tl::unexpected(udp.error());
  auto tcp = open_socket(address, SOCK_STREAM, exclusive, "tcp");
  if (!tcp) return tl::unexpected(tcp.error());
  if (!set_int(tcp->get(), SOL_SOCKET, SO_REUSEADDR, 1)) {
    return failure("set SO_REUSEADDR on", address, "tcp", errno);
  }
  if (::bind(tcp->get(), address.sa(), address.len()) != 0) {
    return failure("bind", address, "tcp", errno);
  }
  return {};
}

}  // namespace tandem::net
