// Socket addresses and address prefixes as written in the config:
// "127.0.0.1", "127.0.0.1@5300", "::1@5300", "10.0.0.0/8", "2001:db8::/32".
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace tandem::net {

class SocketAddress {
 public:
  SocketAddress() = default;
  // From a sockaddr returned by the kernel (recvfrom, accept, ...).
  SocketAddress(const sockaddr* sa, socklen_t len);

  // "ADDR" or "ADDR@PORT" (Knot style; IPv6 without brackets). Errors are
  // human-readable.
  static Result<SocketAddress, std::string> parse(std::string_view text, uint16_t default_port);

  int family() const { return storage_.ss_family; }
  uint16_t port() const;
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t len() const { return len_; }
  bool is_any() const;  // 0.0.0.0 or ::
  // "127.0.0.1@53", "::1@53"
  std::string to_string() const;
  bool operator==(const SocketAddress& o) const;

 private:
  sockaddr_storage storage_{};
  socklen_t len_ = 0;
};

// An address prefix for ACLs: "10.0.0.0/8", "::1" (= /128), "192.0.2.1" (= /32).
class Prefix {
 public:
  static Result<Prefix, std::string> parse(std::string_view text);
  // True when `sa` (AF_INET or AF_INET6; IPv4-mapped IPv6 matches IPv4
  // prefixes) lies inside the prefix.
  bool contains(const sockaddr* sa) const;
  std::string to_string() const;

 private:
  int family_ = 0;
  uint8_t bytes_[16] = {};
  int length_ = 0;
};

}  // namespace tandem::net
