#include "net/address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>

namespace tandem::net {
namespace {

sockaddr_in v4(const char* text, uint16_t port = 53) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET, text, &sin.sin_addr), 1) << text;
  return sin;
}

sockaddr_in6 v6(const char* text, uint16_t port = 53) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET6, text, &sin6.sin6_addr), 1) << text;
  return sin6;
}

const sockaddr* sa(const sockaddr_in& s) { return reinterpret_cast<const sockaddr*>(&s); }
const sockaddr* sa(const sockaddr_in6& s) { return reinterpret_cast<const sockaddr*>(&s); }

TEST(SocketAddress, ParsesIpv4WithAndWithoutPort) {
  auto a = SocketAddress::parse("127.0.0.1@5300", 53);
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(a->family(), AF_INET);
  EXPECT_EQ(a->port(), 5300);
  EXPECT_EQ(a->len(), sizeof(sockaddr_in));
  EXPECT_EQ(a->to_string(), "127.0.0.1@5300");

  auto b = SocketAddress::parse("192.0.2.1", 53);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port(), 53);
  EXPECT_EQ(b->to_string(), "192.0.2.1@53");
}

TEST(SocketAddress, ParsesIpv6WithoutBrackets) {
  auto a = SocketAddress::parse("::1@5300", 53);
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(a->family(), AF_INET6);
  EXPECT_EQ(a->port(), 5300);
  EXPECT_EQ(a->len(), sizeof(sockaddr_in6));
  EXPECT_EQ(a->to_string(), "::1@5300");

  auto b = SocketAddress::parse("2001:DB8::53", 853);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->to_string(), "2001:db8::53@853");
}

TEST(SocketAddress, RejectsBadInput) {
  for (const char* bad : {"", "@53", "127.0.0.1@", "127.0.0.1@0", "127.0.0.1@65536",
                          "127.0.0.1@53x", "127.0.0.1@-1", "localhost", "256.0.0.1", "1.2.3",
                          "::1::2@53", "[::1]:53", "127.0.0.1:53", "10.0.0.0/8"}) {
    EXPECT_FALSE(SocketAddress::parse(bad, 53)) << "'" << bad << "'";
  }
  auto e = SocketAddress::parse("127.0.0.1@99999", 53);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), "invalid port '99999' in '127.0.0.1@99999' (expected 1-65535)");
  e = SocketAddress::parse("example.com", 53);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), "invalid IPv4 address 'example.com'");
}

TEST(SocketAddress, AnyAndEquality) {
  EXPECT_TRUE(SocketAddress::parse("0.0.0.0", 53)->is_any());
  EXPECT_TRUE(SocketAddress::parse("::", 53)->is_any());
  EXPECT_FALSE(SocketAddress::parse("127.0.0.1", 53)->is_any());
  EXPECT_EQ(*SocketAddress::parse("127.0.0.1@53", 1), *SocketAddress::parse("127.0.0.1", 53));
  EXPECT_FALSE(*SocketAddress::parse("127.0.0.1@54", 1) == *SocketAddress::parse("127.0.0.1", 53));
  EXPECT_FALSE(*SocketAddress::parse("::1", 53) == *SocketAddress::parse("127.0.0.1", 53));
  EXPECT_FALSE(*SocketAddress::parse("::1", 53) == *SocketAddress::parse("::2", 53));
}

TEST(SocketAddress, FromKernelSockaddr) {
  sockaddr_in6 s = v6("2001:db8::1", 4242);
  SocketAddress a(sa(s), sizeof s);
  EXPECT_EQ(a.to_string(), "2001:db8::1@4242");
  EXPECT_EQ(a, *SocketAddress::parse("2001:db8::1@4242", 53));
  SocketAddress empty;
  EXPECT_EQ(empty.family(), 0);
  EXPECT_EQ(empty.to_string(), "(none)");
}

TEST(Prefix, ParsesAndNormalizes) {
  EXPECT_EQ(Prefix::parse("10.0.0.0/8")->to_string(), "10.0.0.0/8");
  EXPECT_EQ(Prefix::parse("10.1.2.3/8")->to_string(), "10.0.0.0/8");  // host bits cleared
  EXPECT_EQ(Prefix::parse("192.0.2.1")->to_string(), "192.0.2.1/32");
  EXPECT_EQ(Prefix::parse("::1")->to_string(), "::1/128");
  EXPECT_EQ(Prefix::parse("2001:db8:ffff::/33")->to_string(), "2001:db8:8000::/33");
  EXPECT_EQ(Prefix::parse("0.0.0.0/0")->to_string(), "0.0.0.0/0");
  EXPECT_EQ(Prefix::parse("::/0")->to_string(), "::/0");
  // An IPv4-mapped IPv6 prefix is the IPv4 prefix it spells.
  EXPECT_EQ(Prefix::parse("::ffff:10.0.0.0/104")->to_string(), "10.0.0.0/8");
}

TEST(Prefix, RejectsBadInput) {
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/x",
                          "10.0.0.0/8/8", "10.0.0/8", "host.example/8", "10.0.0.0/-1"}) {
    EXPECT_FALSE(Prefix::parse(bad)) << "'" << bad << "'";
  }
  auto e = Prefix::parse("10.0.0.0/33");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), "invalid prefix length 33 for IPv4 in '10.0.0.0/33' (max 32)");
}

TEST(Prefix, MatchesIpv4) {
  Prefix p = *Prefix::parse("192.0.2.0/25");
  EXPECT_TRUE(p.contains(sa(v4("192.0.2.0"))));
  EXPECT_TRUE(p.contains(sa(v4("192.0.2.127"))));
  EXPECT_FALSE(p.contains(sa(v4("192.0.2.128"))));
  EXPECT_FALSE(p.contains(sa(v4("192.0.3.1"))));
  EXPECT_FALSE(p.contains(sa(v6("2001:db8::1"))));
  Prefix host = *Prefix::parse("127.0.0.1");
  EXPECT_TRUE(host.contains(sa(v4("127.0.0.1"))));
  EXPECT_FALSE(host.contains(sa(v4("127.0.0.2"))));
  Prefix all = *Prefix::parse("0.0.0.0/0");
  EXPECT_TRUE(all.contains(sa(v4("203.0.113.9"))));
  EXPECT_FALSE(all.contains(sa(v6("::1"))));
  EXPECT_FALSE(all.contains(nullptr));
}

TEST(Prefix, MatchesIpv6) {
  Prefix p = *Prefix::parse("2001:db8::/32");
  EXPECT_TRUE(p.contains(sa(v6("2001:db8::1"))));
  EXPECT_TRUE(p.contains(sa(v6("2001:db8:ffff:ffff::1"))));
  EXPECT_FALSE(p.contains(sa(v6("2001:db9::1"))));
  EXPECT_FALSE(p.contains(sa(v4("32.1.13.184"))));
  Prefix odd = *Prefix::parse("2001:db8:8000::/33");
  EXPECT_TRUE(odd.contains(sa(v6("2001:db8:8000::1"))));
  EXPECT_FALSE(odd.contains(sa(v6("2001:db8:7fff::1"))));
  Prefix loop = *Prefix::parse("::1");
  EXPECT_TRUE(loop.contains(sa(v6("::1"))));
  EXPECT_FALSE(loop.contains(sa(v6("::2"))));
  EXPECT_TRUE(Prefix::parse("::/0")->contains(sa(v6("fe80::1"))));
}

TEST(Prefix, MappedAddressesMatchIpv4Prefixes) {
  // A dual-stack socket reports 10.1.2.3 as ::ffff:10.1.2.3.
  Prefix p = *Prefix::parse("10.0.0.0/8");
  EXPECT_TRUE(p.contains(sa(v6("::ffff:10.1.2.3"))));
  EXPECT_FALSE(p.contains(sa(v6("::ffff:11.1.2.3"))));
  // ...and a mapped prefix matches plain IPv4 clients.
  Prefix mapped = *Prefix::parse("::ffff:10.0.0.0/104");
  EXPECT_TRUE(mapped.contains(sa(v4("10.9.9.9"))));
  EXPECT_TRUE(mapped.contains(sa(v6("::ffff:10.9.9.9"))));
  EXPECT_FALSE(mapped.contains(sa(v4("12.0.0.1"))));
  // An IPv6 prefix does not match IPv4 clients.
  EXPECT_FALSE(Prefix::parse("::/0")->contains(sa(v4("10.0.0.1"))));
}

}  // namespace
}  // namespace tandem::net
