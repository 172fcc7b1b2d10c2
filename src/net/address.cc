#include "net/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace tandem::net {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_v4_mapped(const uint8_t* a16) { return std::memcmp(a16, kMappedPrefix, 12) == 0; }

// Parses a decimal integer that must use every character of `text`.
bool parse_uint(std::string_view text, unsigned long& out) {
  if (text.empty() || text.size() > 10) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

}  // namespace

SocketAddress::SocketAddress(const sockaddr* sa, socklen_t len) {
  if (sa == nullptr) return;
  size_t n = std::min<size_t>(len, sizeof storage_);
  std::memcpy(&storage_, sa, n);
  len_ = static_cast<socklen_t>(n);
}

Result<SocketAddress, std::string> SocketAddress::parse(std::string_view text,
                                                        uint16_t default_port) {
  std::string_view host = text;
  uint16_t port = default_port;
  // IPv6 addresses contain ':' but never '@', so '@' separates the port
  // unambiguously (the Knot convention; no brackets needed).
  if (size_t at = text.find('@'); at != std::string_view::npos) {
    host = text.substr(0, at);
    std::string_view port_text = text.substr(at + 1);
    unsigned long value = 0;
    if (!parse_uint(port_text, value) || value == 0 || value > 65535) {
      return fail("invalid port '" + std::string(port_text) + "' in '" + std::string(text) +
                  "' (expected 1-65535)");
    }
    port = static_cast<uint16_t>(value);
  }
  if (host.empty()) return fail("missing address in '" + std::string(text) + "'");
  std::string host_str(host);
  SocketAddress out;
  if (host_str.find(':') == std::string::npos) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    if (inet_pton(AF_INET, host_str.c_str(), &sin.sin_addr) != 1) {
      return fail("invalid IPv4 address '" + host_str + "'");
    }
    std::memcpy(&out.storage_, &sin, sizeof sin);
    out.len_ = sizeof sin;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    if (inet_pton(AF_INET6, host_str.c_str(), &sin6.sin6_addr) != 1) {
      return fail("invalid IPv6 address '" + host_str + "'");
    }
    std::memcpy(&out.storage_, &sin6, sizeof sin6);
    out.len_ = sizeof sin6;
  }
  return out;
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

bool SocketAddress::is_any() const {
  if (family() == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  if (family() == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
  }
  return false;
}

std::string SocketAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
  } else if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
              sizeof buf);
  } else {
    return "(none)";
  }
  return std::string(buf) + "@" + std::to_string(port());
}

bool SocketAddress::operator==(const SocketAddress& o) const {
  if (family() != o.family()) return false;
  if (family() == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
    const auto* b = reinterpret_cast<const sockaddr_in*>(&o.storage_);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (family() == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
    const auto* b = reinterpret_cast<const sockaddr_in6*>(&o.storage_);
    return a->sin6_port == b->sin6_port &&
           std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0 &&
           a->sin6_scope_id == b->sin6_scope_id;
  }
  return len_ == o.len_ && std::memcmp(&storage_, &o.storage_, len_) == 0;
}

Result<Prefix, std::string> Prefix::parse(std::string_view text) {
  std::string_view host = text;
  int length = -1;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    host = text.substr(0, slash);
    std::string_view len_text = text.substr(slash + 1);
    unsigned long value = 0;
    if (!parse_uint(len_text, value) || value > 128) {
      return fail("invalid prefix length '" + std::string(len_text) + "' in '" +
                  std::string(text) + "'");
    }
    length = static_cast<int>(value);
  }
  std::string host_str(host);
  if (host_str.empty()) return fail("missing address in '" + std::string(text) + "'");
  Prefix out;
  if (host_str.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, host_str.c_str(), out.bytes_) != 1) {
      return fail("invalid IPv4 address '" + host_str + "'");
    }
    out.family_ = AF_INET;
    if (length < 0) length = 32;
    if (length > 32) {
      return fail("invalid prefix length " + std::to_string(length) + " for IPv4 in '" +
                  std::string(text) + "' (max 32)");
    }
  } else {
    if (inet_pton(AF_INET6, host_str.c_str(), out.bytes_) != 1) {
      return fail("invalid IPv6 address '" + host_str + "'");
    }
    out.family_ = AF_INET6;
    if (length < 0) length = 128;
    // "::ffff:10.0.0.0/104" means the IPv4 prefix 10.0.0.0/8: store it as
    // IPv4 so one comparison path serves both spellings.
    if (length >= 96 && is_v4_mapped(out.bytes_)) {
      std::memmove(out.bytes_, out.bytes_ + 12, 4);
      std::memset(out.bytes_ + 4, 0, 12);
      out.family_ = AF_INET;
      length -= 96;
    }
  }
  out.length_ = length;
  // Clear host bits so that to_string() and contains() see the network only.
  int full = length / 8;
  int rest = length % 8;
  int total = out.family_ == AF_INET ? 4 : 16;
  if (full < total) {
    if (rest != 0) out.bytes_[full] &= static_cast<uint8_t>(0xff << (8 - rest));
    for (int i = full + (rest != 0 ? 1 : 0); i < total; ++i) out.bytes_[i] = 0;
  }
  return out;
}

bool Prefix::contains(const sockaddr* sa) const {
  if (sa == nullptr) return false;
  const uint8_t* addr = nullptr;
  int family = sa->sa_family;
  if (family == AF_INET) {
    addr = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
  } else if (family == AF_INET6) {
    addr = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; match them
    // against IPv4 prefixes (RFC 4291 2.5.5.2).
    if (is_v4_mapped(addr)) {
      addr += 12;
      family = AF_INET;
    }
  } else {
    return false;
  }
  if (family != family_) return false;
  int full = length_ / 8;
  int rest = length_ % 8;
  if (std::memcmp(addr, bytes_, static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (addr[full] & mask) == bytes_[full];
}

std::string Prefix::to_string() const {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (family_ == 0) return "(none)";
  inet_ntop(family_, bytes_, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(length_);
}

}  // namespace tandem::net
