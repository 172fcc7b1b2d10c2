#include "net/socket.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace tandem::net {
namespace {

// Without "@port" the address gets port 0: the kernel picks a free one.
SocketAddress address(const std::string& text) {
  auto parsed = SocketAddress::parse(text, 0);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(SocketAddress());
}

// The port the kernel picked for a socket bound to port 0.
uint16_t local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len), 0);
  return SocketAddress(reinterpret_cast<sockaddr*>(&ss), len).port();
}

int int_option(int fd, int level, int name) {
  int value = -1;
  socklen_t len = sizeof(value);
  EXPECT_EQ(getsockopt(fd, level, name, &value, &len), 0);
  return value;
}

TEST(UniqueFd, ClosesAndMoves) {
  int raw = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(raw, 0);
  {
    UniqueFd a(raw);
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(b.get(), raw);
  }
  EXPECT_EQ(fcntl(raw, F_GETFD), -1);  // closed by b's destructor
  UniqueFd c(::socket(AF_INET, SOCK_DGRAM, 0));
  int kept = c.release();
  EXPECT_FALSE(c.valid());
  EXPECT_GE(fcntl(kept, F_GETFD), 0);
  ::close(kept);
}

TEST(Listener, UdpIsNonBlockingWithReusePort) {
  auto fd = open_udp_listener(address("127.0.0.1"), ListenOptions{});
  ASSERT_TRUE(fd.has_value()) << fd.error();
  EXPECT_TRUE(fcntl(fd->get(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(fd->get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_EQ(int_option(fd->get(), SOL_SOCKET, SO_REUSEPORT), 1);
  EXPECT_EQ(int_option(fd->get(), IPPROTO_IP, IP_PKTINFO), 0);
  // A second socket on the same address and port: what each worker does.
  uint16_t port = local_port(fd->get());
  auto second = open_udp_listener(address("127.0.0.1@" + std::to_string(port)), ListenOptions{});
  EXPECT_TRUE(second.has_value()) << second.error();
}

TEST(Listener, Ipv6IsV6Only) {
  auto udp = open_udp_listener(address("::1"), ListenOptions{});
  ASSERT_TRUE(udp.has_value()) << udp.error();
  EXPECT_EQ(int_option(udp->get(), IPPROTO_IPV6, IPV6_V6ONLY), 1);
  auto tcp = open_tcp_listener(address("::1"), ListenOptions{});
  ASSERT_TRUE(tcp.has_value()) << tcp.error();
  EXPECT_EQ(int_option(tcp->get(), IPPROTO_IPV6, IPV6_V6ONLY), 1);
}

TEST(Listener, PacketInfoIsEnabledOnRequest) {
  ListenOptions options;
  options.packet_info = true;
  auto v4 = open_udp_listener(address("127.0.0.1"), options);
  ASSERT_TRUE(v4.has_value()) << v4.error();
  EXPECT_EQ(int_option(v4->get(), IPPROTO_IP, IP_PKTINFO), 1);
  auto v6 = open_udp_listener(address("::1"), options);
  ASSERT_TRUE(v6.has_value()) << v6.error();
  EXPECT_EQ(int_option(v6->get(), IPPROTO_IPV6, IPV6_RECVPKTINFO), 1);
}

TEST(Listener, TcpListensWithReuseAddrAndPort) {
  auto fd = open_tcp_listener(address("127.0.0.1"), ListenOptions{});
  ASSERT_TRUE(fd.has_value()) << fd.error();
  EXPECT_TRUE(fcntl(fd->get(), F_GETFL) & O_NONBLOCK);
  EXPECT_EQ(int_option(fd->get(), SOL_SOCKET, SO_REUSEADDR), 1);
  EXPECT_EQ(int_option(fd->get(), SOL_SOCKET, SO_REUSEPORT), 1);
  EXPECT_EQ(int_option(fd->get(), SOL_SOCKET, SO_ACCEPTCONN), 1);
}

TEST(Listener, BindErrorNamesAddressAndProtocol) {
  // A port held by a socket without SO_REUSEPORT cannot be shared.
  int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  uint16_t port = local_port(holder);
  auto fd = open_tcp_listener(address("127.0.0.1@" + std::to_string(port)), ListenOptions{});
  ::close(holder);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error(),
            "cannot bind 127.0.0.1@" + std::to_string(port) + "/tcp: Address already in use");
}

TEST(Listener, AddressNotOnThisHostIsAnError) {
  // 192.0.2.1 (TEST-NET-1, RFC 5737) is not configured on any test machine.
  auto fd = open_udp_listener(address("192.0.2.1@5300"), ListenOptions{});
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error(), "cannot bind 192.0.2.1@5300/udp: Cannot assign requested address");
}

TEST(Listener, CheckAddressUnusedSeesReusePortHolders) {
  // A listener with SO_REUSEPORT would let a second one bind silently; the
  // check (an exclusive bind) must refuse instead.
  auto udp = open_udp_listener(address("127.0.0.1"), ListenOptions{});
  ASSERT_TRUE(udp.has_value()) << udp.error();
  uint16_t port = local_port(udp->get());
  SocketAddress taken = address("127.0.0.1@" + std::to_string(port));
  // The check also tries TCP on that port number, which another process (a
  // test suite running beside this one) may hold: keep it ourselves until
  // the end, so the last check cannot see a stranger.
  int tcp_guard = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in guard_addr{};
  guard_addr.sin_family = AF_INET;
  guard_addr.sin_port = htons(port);
  guard_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool guarded =
      ::bind(tcp_guard, reinterpret_cast<sockaddr*>(&guard_addr), sizeof guard_addr) == 0;
  auto checked = check_address_unused(taken);
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error(),
            "cannot bind 127.0.0.1@" + std::to_string(port) + "/udp: Address already in use");

  auto tcp = open_tcp_listener(address("::1"), ListenOptions{});
  ASSERT_TRUE(tcp.has_value()) << tcp.error();
  port = local_port(tcp->get());
  checked = check_address_unused(address("::1@" + std::to_string(port)));
  ASSERT_FALSE(checked.has_value());
  // Usually refused on /tcp (our holder); /udp if another process happens
  // to hold the same port number over UDP. Either way it must refuse.
  EXPECT_NE(checked.error().find("cannot bind ::1@" + std::to_string(port) + "/"), std::string::npos)
      << checked.error();
  EXPECT_NE(checked.error().find("Address already in use"), std::string::npos) << checked.error();

  // Once the holders are closed the address is free again.
  udp->reset();
  ::close(tcp_guard);
  if (guarded) EXPECT_TRUE(check_address_unused(taken).has_value());
}

}  // namespace
}  // namespace tandem::net
