// Tests of the blocking DNS client: against a real QueryService on loopback
// (UDP and TCP answers, pipelining), and against small scripted peers in a
// thread (reply matching, retries, broken TCP streams). Every wait is bounded.
#include "net/dns_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "server/query_service.h"
#include "zone/zone.h"

namespace tandem::net {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kTimeoutMs = 2000;

dns::Name name(const std::string& text) {
  auto parsed = dns::Name::parse_absolute(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(dns::Name());
}

SocketAddress loopback(uint16_t port) {
  auto parsed = SocketAddress::parse("127.0.0.1@" + std::to_string(port), 53);
  EXPECT_TRUE(parsed.has_value());
  return parsed.value_or(SocketAddress());
}

int64_t elapsed_ms(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

// A socket bound to 127.0.0.1 on a kernel-chosen port; `port` receives it.
UniqueFd bound_socket(int type, uint16_t& port) {
  UniqueFd fd(::socket(AF_INET, type, 0));
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
  socklen_t len = sizeof(sin);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sin), &len);
  port = ntohs(sin.sin_port);
  timeval tv{kTimeoutMs / 1000, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// A port with no UDP or TCP socket on 127.0.0.1 (bound, then released). The
// UDP port the kernel picks may be taken over TCP by some other socket: try
// again then, rather than fail.
uint16_t unused_port() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    uint16_t port = 0;
    UniqueFd udp = bound_socket(SOCK_DGRAM, port);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port);
    UniqueFd tcp(::socket(AF_INET, SOCK_STREAM, 0));
    if (::bind(tcp.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0) return port;
  }
  ADD_FAILURE() << "no port free over both UDP and TCP after 100 tries";
  return 0;
}

struct Header {
  uint16_t id = 0;
  bool qr = false, aa = false, rd = false;
  int rcode = -1;
  uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
};

Header header(const std::vector<uint8_t>& m) {
  Header h;
  if (m.size() < 12) return h;
  h.id = dns::load_u16(m.data());
  h.qr = m[2] & 0x80;
  h.aa = m[2] & 0x04;
  h.rd = m[2] & 0x01;
  h.rcode = m[3] & 0x0f;
  h.qdcount = dns::load_u16(m.data() + 4);
  h.ancount = dns::load_u16(m.data() + 6);
  h.nscount = dns::load_u16(m.data() + 8);
  h.arcount = dns::load_u16(m.data() + 10);
  return h;
}

// A reply to `query` built by echoing it with QR set, with the ID moved by
// `id_delta`, the question type replaced by `qtype`, and `marker` in the
// flag octet that holds RA/Z/AD/CD (RCODE stays NOERROR) to tell them apart.
std::vector<uint8_t> echo_reply(std::vector<uint8_t> query, int id_delta, uint16_t qtype,
                                uint8_t marker) {
  query[2] |= 0x80;
  dns::store_u16(query.data(), static_cast<uint16_t>(dns::load_u16(query.data()) + id_delta));
  query[3] = marker;
  size_t pos = 12;
  pos += dns::wire_name_size(query.data() + pos);
  dns::store_u16(query.data() + pos, qtype);
  return query;
}

TEST(MakeQueryTest, BuildsHeaderQuestionAndOpt) {
  std::vector<uint8_t> q = make_query(name("www.Example.org."), dns::rrtype::kSOA, 0xbeef, true);
  Header h = header(q);
  EXPECT_EQ(h.id, 0xbeef);
  EXPECT_FALSE(h.qr);
  EXPECT_TRUE(h.rd);
  EXPECT_EQ(q[2] & 0x78, 0);  // opcode QUERY
  EXPECT_EQ(h.qdcount, 1);
  EXPECT_EQ(h.ancount, 0);
  EXPECT_EQ(h.nscount, 0);
  EXPECT_EQ(h.arcount, 1);

  dns::WireReader r(q.data(), q.size(), 12);
  uint8_t owner[dns::kMaxNameWire];
  size_t n = r.name(owner);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(dns::Name::from_wire(owner).to_text(), "www.Example.org.");
  EXPECT_EQ(r.u16(), dns::rrtype::kSOA);
  EXPECT_EQ(r.u16(), dns::rrclass::kIN);
  // OPT: root owner, type 41, CLASS = payload, TTL 0 (DO clear), no rdata.
  EXPECT_EQ(r.u8(), 0);
  EXPECT_EQ(r.u16(), dns::rrtype::kOPT);
  EXPECT_EQ(r.u16(), kClientEdnsPayload);
  EXPECT_EQ(r.u32(), 0u);
  EXPECT_EQ(r.u16(), 0);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(MakeQueryTest, WithoutEdnsOrRecursion) {
  dns::Name qname = name("example.");
  std::vector<uint8_t> q = make_query(qname, dns::rrtype::kAXFR, 7, false, false);
  Header h = header(q);
  EXPECT_EQ(h.id, 7);
  EXPECT_FALSE(h.rd);
  EXPECT_EQ(h.arcount, 0);
  EXPECT_EQ(q.size(), 12 + qname.size() + 4);
  EXPECT_EQ(dns::load_u16(q.data() + 12 + qname.size()), dns::rrtype::kAXFR);
}

// --- against the real server ----------------------------------------------

class DnsClientServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto origin = name("example.");
    zone::LoadResult loaded =
        zone::load_zone_text(origin,
                             "$TTL 3600\n"
                             "@    IN SOA ns1 hostmaster 2024010101 3600 900 604800 300\n"
                             "@    IN NS  ns1\n"
                             "ns1  IN A   192.0.2.1\n"
                             "www  IN A   192.0.2.10\n",
                             "example.zone");
    for (const zone::ParseError& e : loaded.errors) ADD_FAILURE() << e.to_string();
    ASSERT_NE(loaded.zone, nullptr);
    holder_.publish(std::make_shared<const zone::ZoneSet>(
        std::vector<std::shared_ptr<const zone::Zone>>{loaded.zone}));

    // Retry in case another process takes the port between probe and start.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = unused_port();
      server::QueryServiceOptions options;
      options.listen = {loopback(port_)};
      auto started = service_.start(options, holder_);
      if (started) return;
      last_error_ = started.error();
    }
    FAIL() << "cannot start the server: " << last_error_;
  }

  server::ZoneSetHolder holder_;
  server::QueryService service_;
  uint16_t port_ = 0;
  std::string last_error_;
};

TEST_F(DnsClientServerTest, UdpSoaQueryAnswered) {
  std::vector<uint8_t> query = make_query(name("example."), dns::rrtype::kSOA, 0x4242);
  auto reply = udp_exchange(loopback(port_), query, kTimeoutMs, 1);
  ASSERT_TRUE(reply.has_value()) << reply.error();
  Header h = header(*reply);
  EXPECT_EQ(h.id, 0x4242);
  EXPECT_TRUE(h.qr);
  EXPECT_TRUE(h.aa);
  EXPECT_EQ(h.rcode, dns::rcode::kNoError);
  EXPECT_EQ(h.qdcount, 1);
  EXPECT_EQ(h.ancount, 1);
}

TEST_F(DnsClientServerTest, UdpNxdomainAnswered) {
  std::vector<uint8_t> query = make_query(name("nope.example."), dns::rrtype::kA, 9, false, false);
  auto reply = udp_exchange(loopback(port_), query, kTimeoutMs, 0);
  ASSERT_TRUE(reply.has_value()) << reply.error();
  EXPECT_EQ(header(*reply).rcode, dns::rcode::kNXDomain);
  EXPECT_EQ(header(*reply).ancount, 0);
}

TEST_F(DnsClientServerTest, TcpQueryAnswered) {
  auto conn = TcpDnsConnection::connect(loopback(port_), kTimeoutMs);
  ASSERT_TRUE(conn.has_value()) << conn.error();
  EXPECT_TRUE(conn->is_open());
  ASSERT_TRUE(conn->send(make_query(name("www.example."), dns::rrtype::kA, 17)).has_value());
  auto reply = conn->receive(kTimeoutMs);
  ASSERT_TRUE(reply.has_value()) << reply.error();
  Header h = header(*reply);
  EXPECT_EQ(h.id, 17);
  EXPECT_TRUE(h.qr);
  EXPECT_EQ(h.rcode, dns::rcode::kNoError);
  EXPECT_EQ(h.ancount, 1);
}

TEST_F(DnsClientServerTest, TwoPipelinedQueriesOnOneTcpConnection) {
  auto conn = TcpDnsConnection::connect(loopback(port_), kTimeoutMs);
  ASSERT_TRUE(conn.has_value()) << conn.error();
  // A moved-to connection keeps working (the transfer engine stores them).
  TcpDnsConnection moved = std::move(*conn);
  ASSERT_TRUE(moved.send(make_query(name("example."), dns::rrtype::kSOA, 1)).has_value());
  ASSERT_TRUE(moved.send(make_query(name("example."), dns::rrtype::kNS, 2)).has_value());
  std::set<uint16_t> ids;
  for (int i = 0; i < 2; ++i) {
    auto reply = moved.receive(kTimeoutMs);
    ASSERT_TRUE(reply.has_value()) << reply.error();
    Header h = header(*reply);
    EXPECT_EQ(h.rcode, dns::rcode::kNoError);
    EXPECT_EQ(h.ancount, 1);
    ids.insert(h.id);
  }
  EXPECT_EQ(ids, (std::set<uint16_t>{1, 2}));
}

// --- error paths ------------------------------------------------------------

TEST(DnsClientTest, UdpToClosedPortFailsQuickly) {
  uint16_t port = unused_port();
  Clock::time_point start = Clock::now();
  auto reply =
      udp_exchange(loopback(port), make_query(name("example."), dns::rrtype::kSOA, 1), 300, 1);
  ASSERT_FALSE(reply.has_value());
  // Linux reports the ICMP port unreachable on loopback; a timeout is the
  // fallback where it is filtered.
  EXPECT_TRUE(reply.error().find("connection refused") != std::string::npos ||
              reply.error().find("timeout") != std::string::npos)
      << reply.error();
  EXPECT_NE(reply.error().find("127.0.0.1@" + std::to_string(port)), std::string::npos)
      << reply.error();
  EXPECT_LT(elapsed_ms(start), 1500);
}

TEST(DnsClientTest, UdpShortQueryRejected) {
  std::vector<uint8_t> query = {1, 2, 3};
  auto reply = udp_exchange(loopback(53), query, 100, 0);
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error(), "query too short");
}

// A UDP peer that answers the first query with a wrong ID, a wrong question,
// a datagram too short to be DNS and a query (QR clear), then the right reply.
TEST(DnsClientTest, UdpIgnoresMismatchedReplies) {
  uint16_t port = 0;
  UniqueFd peer = bound_socket(SOCK_DGRAM, port);
  std::thread responder([&] {
    uint8_t buf[512];
    sockaddr_storage from{};
    socklen_t len = sizeof(from);
    ssize_t n =
        ::recvfrom(peer.get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) return;
    std::vector<uint8_t> query(buf, buf + n);
    auto send = [&](const std::vector<uint8_t>& m) {
      ::sendto(peer.get(), m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    };
    send(echo_reply(query, 1, dns::rrtype::kSOA, 0x10));  // wrong ID
    send(echo_reply(query, 0, dns::rrtype::kA, 0x20));    // wrong question
    send({0x12, 0x34, 0x80});                             // runt
    std::vector<uint8_t> not_reply = query;
    send(not_reply);                                      // QR clear
    send(echo_reply(query, 0, dns::rrtype::kSOA, 0x40));  // the answer
  });
  std::vector<uint8_t> query = make_query(name("Example."), dns::rrtype::kSOA, 0x1234);
  auto reply = udp_exchange(loopback(port), query, kTimeoutMs, 0);
  responder.join();
  ASSERT_TRUE(reply.has_value()) << reply.error();
  EXPECT_EQ((*reply)[3], 0x40);
  EXPECT_EQ(header(*reply).id, 0x1234);
}

// The question matches case-insensitively (a server may change the case,
// RFC 4343), and a reply without a question is accepted for an error RCODE.
TEST(DnsClientTest, UdpAcceptsCaseChangeAndQuestionlessError) {
  uint16_t port = 0;
  UniqueFd peer = bound_socket(SOCK_DGRAM, port);
  std::thread responder([&] {
    for (int i = 0; i < 2; ++i) {
      uint8_t buf[512];
      sockaddr_storage from{};
      socklen_t len = sizeof(from);
      ssize_t n =
          ::recvfrom(peer.get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 12) return;
      std::vector<uint8_t> reply(buf, buf + n);
      reply[2] |= 0x80;
      if (i == 0) {
        for (size_t p = 12; p < reply.size() && reply[p] != 0; ++p) reply[p] = toupper(reply[p]);
      } else {
        reply.resize(12);
        reply[3] = dns::rcode::kFormErr;
        dns::store_u16(reply.data() + 4, 0);
        dns::store_u16(reply.data() + 10, 0);
      }
      ::sendto(peer.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  });
  auto first = udp_exchange(loopback(port), make_query(name("example."), dns::rrtype::kSOA, 5),
                            kTimeoutMs, 0);
  auto second = udp_exchange(loopback(port), make_query(name("example."), dns::rrtype::kSOA, 6),
                             kTimeoutMs, 0);
  responder.join();
  ASSERT_TRUE(first.has_value()) << first.error();
  EXPECT_EQ((*first)[13], 'E');
  ASSERT_TRUE(second.has_value()) << second.error();
  EXPECT_EQ(header(*second).rcode, dns::rcode::kFormErr);
}

// A peer that drops the first query and answers the second: one retry
// suffices; with no retries the exchange times out.
TEST(DnsClientTest, UdpRetriesAfterSilence) {
  uint16_t port = 0;
  UniqueFd peer = bound_socket(SOCK_DGRAM, port);
  std::thread responder([&] {
    for (int i = 0; i < 2; ++i) {
      uint8_t buf[512];
      sockaddr_storage from{};
      socklen_t len = sizeof(from);
      ssize_t n =
          ::recvfrom(peer.get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 12) return;
      if (i == 0) continue;  // drop the first try
      std::vector<uint8_t> reply(buf, buf + n);
      reply[2] |= 0x80;
      ::sendto(peer.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  });
  Clock::time_point start = Clock::now();
  auto reply =
      udp_exchange(loopback(port), make_query(name("example."), dns::rrtype::kSOA, 3), 200, 1);
  responder.join();
  ASSERT_TRUE(reply.has_value()) << reply.error();
  EXPECT_GE(elapsed_ms(start), 150);

  // Nobody answers now: two tries, then a clear error.
  start = Clock::now();
  reply = udp_exchange(loopback(port), make_query(name("example."), dns::rrtype::kSOA, 4), 150, 1);
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error(), "timeout after 2 tries to 127.0.0.1@" + std::to_string(port));
  EXPECT_GE(elapsed_ms(start), 280);
  EXPECT_LT(elapsed_ms(start), 1500);
}

TEST(DnsClientTest, TcpConnectToClosedPortFails) {
  uint16_t port = unused_port();
  Clock::time_point start = Clock::now();
  auto conn = TcpDnsConnection::connect(loopback(port), kTimeoutMs);
  ASSERT_FALSE(conn.has_value());
  EXPECT_EQ(conn.error(),
            "cannot connect to 127.0.0.1@" + std::to_string(port) + "/tcp: Connection refused");
  EXPECT_LT(elapsed_ms(start), 1000);
}

// A listener that never accepts: the kernel completes the handshake, and
// then nothing is ever sent.
TEST(DnsClientTest, ReceiveTimesOutOnSilentConnection) {
  uint16_t port = 0;
  UniqueFd listener = bound_socket(SOCK_STREAM, port);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  auto conn = TcpDnsConnection::connect(loopback(port), kTimeoutMs);
  ASSERT_TRUE(conn.has_value()) << conn.error();
  Clock::time_point start = Clock::now();
  auto reply = conn->receive(200);
  int64_t took = elapsed_ms(start);
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error(),
            "timeout after 200 ms waiting for 127.0.0.1@" + std::to_string(port) + "/tcp");
  EXPECT_GE(took, 190);
  EXPECT_LT(took, 1000);
  // Nothing of a message was read, so the connection stays usable.
  EXPECT_TRUE(conn->is_open());
}

// Runs `script` on the server side of one accepted connection while the
// client calls receive(); returns the client's result.
template <class Script>
Result<std::vector<uint8_t>, std::string> receive_from(Script script) {
  uint16_t port = 0;
  UniqueFd listener = bound_socket(SOCK_STREAM, port);
  EXPECT_EQ(::listen(listener.get(), 4), 0);
  auto conn = TcpDnsConnection::connect(loopback(port), kTimeoutMs);
  if (!conn) return fail(conn.error());
  UniqueFd accepted(::accept(listener.get(), nullptr, nullptr));
  EXPECT_TRUE(accepted.valid());
  std::thread server([&] { script(accepted); });
  auto reply = conn->receive(kTimeoutMs);
  server.join();
  if (!reply) {
    EXPECT_FALSE(conn->is_open());
  }
  return reply;
}

void write_all(int fd, const std::vector<uint8_t>& bytes) {
  EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
}

TEST(DnsClientTest, ReceiveReadsMessageSentInPieces) {
  auto reply = receive_from([](UniqueFd& fd) {
    write_all(fd.get(), {0});
    std::this_thread::sleep_for(milliseconds(20));
    write_all(fd.get(), {5, 'a', 'b'});
    std::this_thread::sleep_for(milliseconds(20));
    write_all(fd.get(), {'c', 'd', 'e'});
  });
  ASSERT_TRUE(reply.has_value()) << reply.error();
  EXPECT_EQ(*reply, (std::vector<uint8_t>{'a', 'b', 'c', 'd', 'e'}));
}

TEST(DnsClientTest, ReceiveEofMidMessageIsAnError) {
  auto reply = receive_from([](UniqueFd& fd) {
    write_all(fd.get(), {0, 10, 1, 2, 3});
    fd.reset();
  });
  ASSERT_FALSE(reply.has_value());
  EXPECT_NE(reply.error().find("connection closed"), std::string::npos) << reply.error();
  EXPECT_NE(reply.error().find("in the middle of a message"), std::string::npos);
}

TEST(DnsClientTest, ReceiveEofBetweenMessagesIsAnError) {
  auto reply = receive_from([](UniqueFd& fd) { fd.reset(); });
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().rfind("connection closed by 127.0.0.1@", 0), 0u) << reply.error();
}

TEST(DnsClientTest, ReceiveZeroLengthMessageIsAnError) {
  auto reply = receive_from([](UniqueFd& fd) { write_all(fd.get(), {0, 0}); });
  ASSERT_FALSE(reply.has_value());
  EXPECT_NE(reply.error().find("zero-length message"), std::string::npos) << reply.error();
  EXPECT_NE(reply.error().find("connection closed"), std::string::npos) << reply.error();
}

// Largest messages, more of them than the socket buffers hold while the
// peer is not reading: send() meets EAGAIN, waits, and resumes mid-message.
TEST(DnsClientTest, SendLargeMessagesThroughStalledWrites) {
  constexpr size_t kMessages = 128;  // 8 MiB: more than tcp_wmem allows by default
  uint16_t port = 0;
  UniqueFd listener = bound_socket(SOCK_STREAM, port);
  // A fixed receive buffer (inherited by the accepted socket) stops the
  // kernel from growing the window to swallow everything.
  int window = 65536;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_RCVBUF, &window, sizeof(window));
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  auto conn = TcpDnsConnection::connect(loopback(port), kTimeoutMs);
  ASSERT_TRUE(conn.has_value()) << conn.error();
  UniqueFd accepted(::accept(listener.get(), nullptr, nullptr));
  ASSERT_TRUE(accepted.valid());

  std::vector<uint8_t> message(65535);
  for (size_t i = 0; i < message.size(); ++i) message[i] = static_cast<uint8_t>(i * 7);
  const size_t total = kMessages * (message.size() + 2);
  std::vector<uint8_t> received;
  received.reserve(total);
  std::thread reader([&] {
    std::this_thread::sleep_for(milliseconds(100));  // let the writer stall
    std::vector<uint8_t> buf(1 << 16);
    while (received.size() < total) {
      ssize_t n = ::recv(accepted.get(), buf.data(), buf.size(), 0);
      if (n <= 0) return;
      received.insert(received.end(), buf.begin(), buf.begin() + n);
    }
  });
  bool all_sent = true;
  for (size_t i = 0; i < kMessages && all_sent; ++i) {
    auto sent = conn->send(message);
    EXPECT_TRUE(sent.has_value()) << sent.error();
    all_sent = sent.has_value();
  }
  reader.join();
  ASSERT_TRUE(all_sent);
  ASSERT_EQ(received.size(), total);
  for (size_t i = 0; i < kMessages; ++i) {
    const uint8_t* framed = received.data() + i * (message.size() + 2);
    ASSERT_EQ(dns::load_u16(framed), 65535) << "message " << i;
    ASSERT_TRUE(std::equal(message.begin(), message.end(), framed + 2)) << "message " << i;
  }

  std::vector<uint8_t> too_big(65536);
  auto refused = conn->send(too_big);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error(), "message too long for TCP (65536 octets)");
  EXPECT_TRUE(conn->is_open());
}

}  // namespace
}  // namespace tandem::net
