// End-to-end tests of the listeners and workers: a QueryService on loopback
// with a real Responder and a small zone, driven by plain UDP and TCP client
// sockets. Every read has a timeout, so a broken server fails the test
// instead of hanging it.
#include "server/query_service.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dns/name.h"
#include "dns/types.h"
#include "net/socket.h"
#include "zone/zone.h"

namespace tandem::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kReadTimeoutMs = 2000;
constexpr int kBigRecords = 40;

std::string example_zone() {
  std::string text =
      "$TTL 3600\n"
      "@    IN SOA ns1 hostmaster 2024010101 3600 900 604800 300\n"
      "@    IN NS  ns1\n"
      "ns1  IN A   192.0.2.1\n"
      "www  IN A   192.0.2.10\n";
  // An RRset far larger than a UDP answer may be: about 8 KiB.
  for (int i = 0; i < kBigRecords; ++i) {
    text += "big  IN TXT \"" + std::to_string(1000 + i) + std::string(196, 'x') + "\"\n";
  }
  return text;
}

std::shared_ptr<const zone::Zone> load(const std::string& origin, const std::string& text) {
  auto name = dns::Name::parse_absolute(origin);
  EXPECT_TRUE(name.has_value());
  zone::LoadResult result = zone::load_zone_text(*name, text, origin + "zone");
  for (const zone::ParseError& e : result.errors) ADD_FAILURE() << e.to_string();
  EXPECT_NE(result.zone, nullptr);
  return result.zone;
}

std::vector<uint8_t> make_query(uint16_t id, const std::string& qname, uint16_t qtype) {
  std::vector<uint8_t> q = {
      static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  auto name = dns::Name::parse_absolute(qname);
  EXPECT_TRUE(name.has_value());
  q.insert(q.end(), name->data(), name->data() + name->size());
  q.push_back(static_cast<uint8_t>(qtype >> 8));
  q.push_back(static_cast<uint8_t>(qtype));
  q.push_back(0);
  q.push_back(dns::rrclass::kIN);
  return q;
}

// The two-octet length prefix of DNS over TCP (RFC 7766 8).
std::vector<uint8_t> framed(const std::vector<uint8_t>& message) {
  std::vector<uint8_t> out = {static_cast<uint8_t>(message.size() >> 8),
                              static_cast<uint8_t>(message.size())};
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

struct Reply {
  uint16_t id = 0;
  bool qr = false, aa = false, tc = false;
  int rcode = -1;
  uint16_t ancount = 0;
  size_t size = 0;
};

Reply parse_reply(const std::vector<uint8_t>& m) {
  Reply r;
  r.size = m.size();
  if (m.size() < 12) return r;
  r.id = static_cast<uint16_t>(m[0] << 8 | m[1]);
  r.qr = m[2] & 0x80;
  r.aa = m[2] & 0x04;
  r.tc = m[2] & 0x02;
  r.rcode = m[3] & 0x0f;
  r.ancount = static_cast<uint16_t>(m[6] << 8 | m[7]);
  return r;
}

net::SocketAddress address(const std::string& host, uint16_t port) {
  auto parsed = net::SocketAddress::parse(host + "@" + std::to_string(port), 53);
  EXPECT_TRUE(parsed.has_value()) << host;
  return parsed.value_or(net::SocketAddress());
}

void set_timeout(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// True when no socket is bound to `host`@`port`, UDP or TCP. (For TCP,
// SO_REUSEADDR ignores connections in TIME_WAIT but not a listener.)
bool port_is_free(const std::string& host, uint16_t port) {
  net::SocketAddress a = address(host, port);
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    net::UniqueFd fd(::socket(a.family(), type, 0));
    int one = 1;
    if (a.family() == AF_INET6) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (type == SOCK_STREAM) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd.get(), a.sa(), a.len()) != 0) return false;
  }
  return true;
}

// A port free on every host in `hosts` (the kernel's choice for the first).
uint16_t pick_free_port(const std::vector<std::string>& hosts) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    net::UniqueFd probe(::socket(AF_INET, SOCK_DGRAM, 0));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(probe.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) != 0) continue;
    socklen_t len = sizeof(sin);
    getsockname(probe.get(), reinterpret_cast<sockaddr*>(&sin), &len);
    uint16_t port = ntohs(sin.sin_port);
    probe.reset();
    bool free = true;
    for (const std::string& h : hosts) free = free && port_is_free(h, port);
    if (free) return port;
  }
  ADD_FAILURE() << "no free port";
  return 0;
}

// Sends one query over UDP and waits for one reply (nullopt on timeout).
// A connected socket only accepts datagrams from the address it sent to.
std::optional<std::vector<uint8_t>> udp_exchange(const net::SocketAddress& server,
                                                 const std::vector<uint8_t>& query) {
  net::UniqueFd fd(::socket(server.family(), SOCK_DGRAM, 0));
  set_timeout(fd.get(), kReadTimeoutMs);
  if (::connect(fd.get(), server.sa(), server.len()) != 0) return std::nullopt;
  if (::send(fd.get(), query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) {
    return std::nullopt;
  }
  std::vector<uint8_t> buf(65535);
  ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
  if (n < 0) return std::nullopt;
  buf.resize(static_cast<size_t>(n));
  return buf;
}

// `receive_buffer` > 0 shrinks the client's receive window, so that the
// server's answers back up into its own buffers instead of the client's.
net::UniqueFd tcp_connect(const net::SocketAddress& server, int receive_buffer = 0) {
  net::UniqueFd fd(::socket(server.family(), SOCK_STREAM, 0));
  set_timeout(fd.get(), kReadTimeoutMs);
  int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (receive_buffer > 0) {
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  EXPECT_EQ(::connect(fd.get(), server.sa(), server.len()), 0) << strerror(errno);
  return fd;
}

void send_all(int fd, const std::vector<uint8_t>& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << strerror(errno);
    done += static_cast<size_t>(n);
  }
}

bool read_exact(int fd, uint8_t* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::recv(fd, out + done, n - done, 0);
    if (r <= 0) return false;  // EOF, reset or timeout
    done += static_cast<size_t>(r);
  }
  return true;
}

std::optional<std::vector<uint8_t>> tcp_read_message(int fd) {
  uint8_t prefix[2];
  if (!read_exact(fd, prefix, 2)) return std::nullopt;
  std::vector<uint8_t> message(static_cast<size_t>(prefix[0] << 8 | prefix[1]));
  if (!read_exact(fd, message.data(), message.size())) return std::nullopt;
  return message;
}

// True when the server closed the connection within the read timeout set
// on `fd` (EOF or reset); false when the read timed out.
bool closed_by_server(int fd) {
  uint8_t byte;
  for (;;) {
    ssize_t n = ::recv(fd, &byte, 1, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
    // Data (a late answer) is skipped: only the close matters here.
  }
}

class QueryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    example_ = load("example.", example_zone());
    holder_.publish(std::make_shared<const zone::ZoneSet>(
        std::vector<std::shared_ptr<const zone::Zone>>{example_}));
  }

  // Starts on 127.0.0.1 and ::1 (or `hosts`) with a free port.
  void start(QueryServiceOptions options = {},
             const std::vector<std::string>& hosts = {"127.0.0.1", "::1"}) {
    port_ = pick_free_port(hosts);
    ASSERT_NE(port_, 0);
    options.listen.clear();
    for (const std::string& h : hosts) options.listen.push_back(address(h, port_));
    auto started = service_.start(options, holder_);
    ASSERT_TRUE(started.has_value()) << started.error();
  }

  net::SocketAddress v4() const { return address("127.0.0.1", port_); }
  net::SocketAddress v6() const { return address("::1", port_); }

  // Declared before the service, which must stop before the zones go away.
  ZoneSetHolder holder_;
  std::shared_ptr<const zone::Zone> example_;
  QueryService service_;
  uint16_t port_ = 0;
};

TEST_F(QueryServiceTest, UdpAnswersOnIpv4AndIpv6) {
  start();
  for (const net::SocketAddress& server : {v4(), v6()}) {
    SCOPED_TRACE(server.to_string());
    auto answer = udp_exchange(server, make_query(0x1234, "www.example.", dns::rrtype::kA));
    ASSERT_TRUE(answer.has_value()) << "no UDP answer";
    Reply r = parse_reply(*answer);
    EXPECT_EQ(r.id, 0x1234);
    EXPECT_TRUE(r.qr);
    EXPECT_TRUE(r.aa);
    EXPECT_EQ(r.rcode, dns::rcode::kNoError);
    EXPECT_EQ(r.ancount, 1);

    answer = udp_exchange(server, make_query(7, "nope.example.", dns::rrtype::kA));
    ASSERT_TRUE(answer.has_value());
    r = parse_reply(*answer);
    EXPECT_EQ(r.id, 7);
    EXPECT_EQ(r.rcode, dns::rcode::kNXDomain);

    answer = udp_exchange(server, make_query(8, "www.example.org.", dns::rrtype::kA));
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(parse_reply(*answer).rcode, dns::rcode::kRefused);
  }
}

TEST_F(QueryServiceTest, UdpBurstsAreAnsweredCompletely) {
  start();
  net::SocketAddress server = v4();
  // Two clients take turns, so each recvmmsg batch mixes senders, and every
  // 7th message is a response (QR set), which gets no answer: the answers
  // after it in a batch must still reach the right sender.
  net::UniqueFd clients[2] = {net::UniqueFd(::socket(AF_INET, SOCK_DGRAM, 0)),
                              net::UniqueFd(::socket(AF_INET, SOCK_DGRAM, 0))};
  for (auto& c : clients) {
    set_timeout(c.get(), kReadTimeoutMs);
    ASSERT_EQ(::connect(c.get(), server.sa(), server.len()), 0);
  }
  // Bursts of 60 arrive faster than a batch is answered, so the worker sees
  // full and partial batches; 30 small replies per client fit its buffer.
  constexpr int kRounds = 4, kPerRound = 60;
  std::set<uint16_t> expected[2], answered[2];
  uint64_t sent = 0, ignored = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kPerRound; ++i) {
      uint16_t id = static_cast<uint16_t>(round * kPerRound + i);
      auto q = make_query(id, "www.example.", dns::rrtype::kA);
      if (id % 7 == 3) {
        q[2] |= 0x80;
        ++ignored;
      } else {
        expected[i % 2].insert(id);
      }
      ASSERT_EQ(::send(clients[i % 2].get(), q.data(), q.size(), 0),
                static_cast<ssize_t>(q.size()));
      ++sent;
    }
    for (int c = 0; c < 2; ++c) {
      while (answered[c].size() < expected[c].size()) {
        uint8_t buf[512];
        ssize_t n = ::recv(clients[c].get(), buf, sizeof(buf), 0);
        ASSERT_GT(n, 12) << "client " << c << " round " << round << ": answers missing";
        EXPECT_TRUE(buf[2] & 0x80);
        uint16_t id = static_cast<uint16_t>(buf[0] << 8 | buf[1]);
        EXPECT_TRUE(expected[c].count(id)) << "client " << c << " got the answer to " << id;
        answered[c].insert(id);
      }
    }
  }
  EXPECT_EQ(answered[0], expected[0]);
  EXPECT_EQ(answered[1], expected[1]);
  service_.stop();
  QueryStats stats = service_.stats();
  EXPECT_EQ(stats.udp_queries, sent);
  EXPECT_EQ(stats.responses, sent - ignored);
  EXPECT_EQ(stats.dropped, ignored);
}

TEST_F(QueryServiceTest, EveryWorkerAnswers) {
  QueryServiceOptions options;
  options.workers = 3;
  start(options);
  // Each client socket has its own source port, which SO_REUSEPORT hashes to
  // one of the workers' sockets: with 30 clients every worker gets some.
  for (int i = 0; i < 30; ++i) {
    auto answer = udp_exchange(
        i % 2 ? v4() : v6(), make_query(static_cast<uint16_t>(i), "www.example.", dns::rrtype::kA));
    ASSERT_TRUE(answer.has_value()) << "query " << i;
    EXPECT_EQ(parse_reply(*answer).id, i);
    EXPECT_EQ(parse_reply(*answer).rcode, dns::rcode::kNoError);
  }
}

TEST_F(QueryServiceTest, UdpResponseMessageIsNotAnswered) {
  start();
  std::vector<uint8_t> q = make_query(99, "www.example.", dns::rrtype::kA);
  q[2] |= 0x80;  // QR: a response must never be answered (no reflection loops)
  net::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM, 0));
  set_timeout(fd.get(), 300);
  net::SocketAddress server = v4();
  ASSERT_EQ(::connect(fd.get(), server.sa(), server.len()), 0);
  ASSERT_EQ(::send(fd.get(), q.data(), q.size(), 0), static_cast<ssize_t>(q.size()));
  uint8_t buf[512];
  EXPECT_LT(::recv(fd.get(), buf, sizeof(buf), 0), 0);
  // The worker goes on answering.
  auto answer = udp_exchange(server, make_query(100, "www.example.", dns::rrtype::kA));
  ASSERT_TRUE(answer.has_value());
  service_.stop();
  EXPECT_EQ(service_.stats().dropped, 1u);
}

TEST_F(QueryServiceTest, TcpTwoPipelinedQueriesInOneWrite) {
  start();
  for (const net::SocketAddress& server : {v4(), v6()}) {
    SCOPED_TRACE(server.to_string());
    net::UniqueFd fd = tcp_connect(server);
    std::vector<uint8_t> bytes = framed(make_query(1, "www.example.", dns::rrtype::kA));
    std::vector<uint8_t> second = framed(make_query(2, "nope.example.", dns::rrtype::kA));
    bytes.insert(bytes.end(), second.begin(), second.end());
    send_all(fd.get(), bytes);
    auto a = tcp_read_message(fd.get());
    auto b = tcp_read_message(fd.get());
    ASSERT_TRUE(a.has_value() && b.has_value());
    EXPECT_EQ(parse_reply(*a).id, 1);
    EXPECT_EQ(parse_reply(*a).rcode, dns::rcode::kNoError);
    EXPECT_EQ(parse_reply(*b).id, 2);
    EXPECT_EQ(parse_reply(*b).rcode, dns::rcode::kNXDomain);
  }
}

TEST_F(QueryServiceTest, TcpQuerySplitAcrossWrites) {
  start();
  net::UniqueFd fd = tcp_connect(v4());
  std::vector<uint8_t> bytes = framed(make_query(0xbeef, "www.example.", dns::rrtype::kA));
  // First octet of the length, then the rest of the length with half the
  // query, then the end: each in its own segment (TCP_NODELAY, pauses).
  size_t cuts[] = {0, 1, 2 + (bytes.size() - 2) / 2, bytes.size()};
  for (int i = 0; i < 3; ++i) {
    send_all(fd.get(), std::vector<uint8_t>(bytes.begin() + static_cast<ptrdiff_t>(cuts[i]),
                                            bytes.begin() + static_cast<ptrdiff_t>(cuts[i + 1])));
    std::this_thread::sleep_for(milliseconds(30));
  }
  auto answer = tcp_read_message(fd.get());
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(parse_reply(*answer).id, 0xbeef);
  EXPECT_EQ(parse_reply(*answer).ancount, 1);
}

TEST_F(QueryServiceTest, TcpCarriesLargeResponsesUdpTruncates) {
  start();
  net::UniqueFd fd = tcp_connect(v6());
  send_all(fd.get(), framed(make_query(5, "big.example.", dns::rrtype::kTXT)));
  auto answer = tcp_read_message(fd.get());
  ASSERT_TRUE(answer.has_value());
  Reply r = parse_reply(*answer);
  EXPECT_EQ(r.rcode, dns::rcode::kNoError);
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.ancount, kBigRecords);
  EXPECT_GT(r.size, static_cast<size_t>(kBigRecords * 200));

  auto udp = udp_exchange(v6(), make_query(6, "big.example.", dns::rrtype::kTXT));
  ASSERT_TRUE(udp.has_value());
  EXPECT_TRUE(parse_reply(*udp).tc);
  EXPECT_LE(udp->size(), 512u);  // no EDNS in the query: RFC 1035 4.2.1 limit
}

TEST_F(QueryServiceTest, TcpPipelinedBeyondTheBudgetKeepsOrder) {
  QueryServiceOptions options;
  options.tcp_max_pipelined = 4;  // the rest waits for the next round
  start(options);
  net::UniqueFd fd = tcp_connect(v4());
  std::vector<uint8_t> bytes;
  for (uint16_t id = 0; id < 50; ++id) {
    std::vector<uint8_t> q = framed(make_query(id, "www.example.", dns::rrtype::kA));
    bytes.insert(bytes.end(), q.begin(), q.end());
  }
  send_all(fd.get(), bytes);
  for (uint16_t id = 0; id < 50; ++id) {
    auto answer = tcp_read_message(fd.get());
    ASSERT_TRUE(answer.has_value()) << "answer " << id;
    EXPECT_EQ(parse_reply(*answer).id, id);
  }
}

TEST_F(QueryServiceTest, TcpSlowReaderGetsEveryAnswerInOrder) {
  start();
  net::UniqueFd fd = tcp_connect(v4(), 4096);
  // About 17 MiB of answers: beyond the socket buffers (loopback autotunes
  // the send buffer up to net.ipv4.tcp_wmem's maximum, 4 MiB by default), so
  // the server has to queue output, stop reading, and resume on EPOLLOUT.
  constexpr uint16_t kQueries = 2000;
  std::vector<uint8_t> bytes;
  for (uint16_t id = 0; id < kQueries; ++id) {
    std::vector<uint8_t> q = framed(make_query(id, "big.example.", dns::rrtype::kTXT));
    bytes.insert(bytes.end(), q.begin(), q.end());
  }
  send_all(fd.get(), bytes);
  std::this_thread::sleep_for(milliseconds(200));
  // While the client does not read, the server stops answering: its queue
  // for this connection is bounded.
  EXPECT_LT(service_.stats().tcp_queries, kQueries);
  for (uint16_t id = 0; id < kQueries; ++id) {
    auto answer = tcp_read_message(fd.get());
    ASSERT_TRUE(answer.has_value()) << "answer " << id;
    Reply r = parse_reply(*answer);
    ASSERT_EQ(r.id, id);
    ASSERT_EQ(r.ancount, kBigRecords);
  }
}

TEST_F(QueryServiceTest, TcpHalfCloseStillGetsEveryAnswer) {
  start();
  net::UniqueFd fd = tcp_connect(v4(), 4096);
  // Queries, then FIN (RFC 7766 6.2.4: the client is done sending). The
  // answers (about 8 MiB) are still queued when the server sees the FIN; it
  // must deliver them all before closing.
  constexpr uint16_t kQueries = 1000;
  std::vector<uint8_t> bytes;
  for (uint16_t id = 0; id < kQueries; ++id) {
    std::vector<uint8_t> q = framed(make_query(id, "big.example.", dns::rrtype::kTXT));
    bytes.insert(bytes.end(), q.begin(), q.end());
  }
  send_all(fd.get(), bytes);
  ASSERT_EQ(::shutdown(fd.get(), SHUT_WR), 0);
  std::this_thread::sleep_for(milliseconds(100));
  for (uint16_t id = 0; id < kQueries; ++id) {
    auto answer = tcp_read_message(fd.get());
    ASSERT_TRUE(answer.has_value()) << "answer " << id;
    ASSERT_EQ(parse_reply(*answer).id, id);
  }
  EXPECT_TRUE(closed_by_server(fd.get()));
}

TEST_F(QueryServiceTest, TcpZeroLengthMessageClosesTheConnection) {
  start();
  net::UniqueFd fd = tcp_connect(v4());
  send_all(fd.get(), {0, 0});
  EXPECT_TRUE(closed_by_server(fd.get()));
}

TEST_F(QueryServiceTest, TcpIdleConnectionIsClosed) {
  QueryServiceOptions options;
  options.tcp_idle_timeout_ms = 200;
  start(options);
  net::UniqueFd idle = tcp_connect(v4());
  net::UniqueFd busy = tcp_connect(v6());
  Clock::time_point begin = Clock::now();
  // The busy connection asks every 60 ms for 600 ms: never idle for 200 ms.
  for (uint16_t id = 0; id < 10; ++id) {
    send_all(busy.get(), framed(make_query(id, "www.example.", dns::rrtype::kA)));
    auto answer = tcp_read_message(busy.get());
    ASSERT_TRUE(answer.has_value()) << "busy connection closed at query " << id;
    EXPECT_EQ(parse_reply(*answer).id, id);
    std::this_thread::sleep_for(milliseconds(60));
  }
  EXPECT_TRUE(closed_by_server(idle.get()));
  auto elapsed = Clock::now() - begin;
  EXPECT_GE(elapsed, milliseconds(150));
  EXPECT_LT(elapsed, milliseconds(kReadTimeoutMs));

  // Measured alone: closed after about the timeout, not at once.
  net::UniqueFd second = tcp_connect(v4());
  begin = Clock::now();
  EXPECT_TRUE(closed_by_server(second.get()));
  elapsed = Clock::now() - begin;
  EXPECT_GE(elapsed, milliseconds(150));
  EXPECT_LT(elapsed, milliseconds(1000));
}

TEST_F(QueryServiceTest, TcpConnectionLimitIsServerWide) {
  QueryServiceOptions options;
  options.workers = 2;
  options.tcp_max_connections = 2;
  start(options);
  auto works = [](int fd, uint16_t id) {
    send_all(fd, framed(make_query(id, "www.example.", dns::rrtype::kA)));
    auto answer = tcp_read_message(fd);
    return answer.has_value() && parse_reply(*answer).id == id;
  };
  net::UniqueFd first = tcp_connect(v4());
  net::UniqueFd second = tcp_connect(v6());
  ASSERT_TRUE(works(first.get(), 1));
  ASSERT_TRUE(works(second.get(), 2));
  net::UniqueFd third = tcp_connect(v4());
  EXPECT_TRUE(closed_by_server(third.get()));
  EXPECT_TRUE(works(first.get(), 3));  // the others are untouched

  // Once one closes, a new connection is accepted again (the worker that
  // held it must first see the close: retry for a while).
  first.reset();
  bool accepted = false;
  for (int attempt = 0; attempt < 50 && !accepted; ++attempt) {
    net::UniqueFd next = tcp_connect(v4());
    accepted = works(next.get(), 4);
    if (!accepted) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(accepted);
}

TEST_F(QueryServiceTest, PublishedZoneSetIsUsedForTheNextQuery) {
  start();
  auto query = make_query(11, "www.example.org.", dns::rrtype::kA);
  auto before = udp_exchange(v4(), query);
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(parse_reply(*before).rcode, dns::rcode::kRefused);

  auto org = load("example.org.",
                  "$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 900 604800 300\n@ IN NS ns1\n"
                  "ns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\n");
  holder_.publish(std::make_shared<const zone::ZoneSet>(
      std::vector<std::shared_ptr<const zone::Zone>>{example_, org}));
  // publish() happened before the query was sent, so the worker's check
  // before the batch must see it: no retry.
  auto after = udp_exchange(v4(), query);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(parse_reply(*after).rcode, dns::rcode::kNoError);
  EXPECT_EQ(parse_reply(*after).ancount, 1);

  net::UniqueFd fd = tcp_connect(v6());
  send_all(fd.get(), framed(query));
  auto tcp = tcp_read_message(fd.get());
  ASSERT_TRUE(tcp.has_value());
  EXPECT_EQ(parse_reply(*tcp).rcode, dns::rcode::kNoError);
}

TEST_F(QueryServiceTest, IdleWorkersReleaseASupersededZoneSet) {
  QueryServiceOptions options;
  options.workers = 3;
  options.tcp_idle_timeout_ms = 200;  // also sets the workers' tick to 50 ms
  start(options);
  ASSERT_TRUE(udp_exchange(v4(), make_query(1, "www.example.", dns::rrtype::kA)).has_value());
  std::weak_ptr<const zone::ZoneSet> old = holder_.current();
  holder_.publish(std::make_shared<const zone::ZoneSet>(
      std::vector<std::shared_ptr<const zone::Zone>>{example_}));
  // No more queries: the workers must still let go of the old set (a large
  // zone must not stay in memory twice until traffic happens to arrive).
  Clock::time_point deadline = Clock::now() + milliseconds(kReadTimeoutMs);
  while (!old.expired() && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_TRUE(old.expired());
}

TEST_F(QueryServiceTest, StopIsPromptClosesEverythingAndIsIdempotent) {
  QueryServiceOptions options;
  options.workers = 2;
  start(options);
  net::UniqueFd fd = tcp_connect(v4());
  send_all(fd.get(), {0, 40, 0, 1});  // a partial query is pending
  ASSERT_TRUE(udp_exchange(v4(), make_query(1, "www.example.", dns::rrtype::kA)).has_value());

  Clock::time_point begin = Clock::now();
  service_.stop();
  EXPECT_LT(Clock::now() - begin, milliseconds(1000));
  EXPECT_TRUE(closed_by_server(fd.get()));
  // Every socket is closed: the port can be bound exclusively again.
  EXPECT_TRUE(port_is_free("127.0.0.1", port_));
  EXPECT_TRUE(port_is_free("::1", port_));
  service_.stop();
  EXPECT_EQ(service_.stats().udp_queries, 1u);
}

TEST_F(QueryServiceTest, StatsCountQueriesAndConnections) {
  start();
  ASSERT_TRUE(udp_exchange(v4(), make_query(1, "www.example.", dns::rrtype::kA)).has_value());
  ASSERT_TRUE(udp_exchange(v6(), make_query(2, "www.example.", dns::rrtype::kA)).has_value());
  net::UniqueFd fd = tcp_connect(v4());
  std::vector<uint8_t> bytes = framed(make_query(3, "www.example.", dns::rrtype::kA));
  bytes.insert(bytes.end(), bytes.begin(), bytes.end());
  send_all(fd.get(), bytes);
  ASSERT_TRUE(tcp_read_message(fd.get()).has_value());
  ASSERT_TRUE(tcp_read_message(fd.get()).has_value());
  service_.stop();
  QueryStats stats = service_.stats();
  EXPECT_EQ(stats.udp_queries, 2u);
  EXPECT_EQ(stats.tcp_queries, 2u);
  EXPECT_EQ(stats.responses, 4u);
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_EQ(stats.tcp_connections, 1u);
}

TEST_F(QueryServiceTest, WildcardListenerRepliesFromTheQueriedAddress) {
  start({}, {"0.0.0.0", "::"});
  // 127.0.0.2 is a loopback address that is not the default source: without
  // IP_PKTINFO the reply would come from 127.0.0.1 and the connected client
  // socket would never see it.
  for (const char* host : {"127.0.0.2", "127.0.0.1", "::1"}) {
    SCOPED_TRACE(host);
    auto answer =
        udp_exchange(address(host, port_), make_query(21, "www.example.", dns::rrtype::kA));
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(parse_reply(*answer).id, 21);
    net::UniqueFd fd = tcp_connect(address(host, port_));
    send_all(fd.get(), framed(make_query(22, "www.example.", dns::rrtype::kA)));
    auto tcp = tcp_read_message(fd.get());
    ASSERT_TRUE(tcp.has_value());
    EXPECT_EQ(parse_reply(*tcp).id, 22);
  }
}

TEST_F(QueryServiceTest, BindErrorNamesTheAddress) {
  uint16_t port = pick_free_port({"127.0.0.1"});
  // Another program holds the TCP port without SO_REUSEPORT.
  net::UniqueFd holder(::socket(AF_INET, SOCK_STREAM, 0));
  net::SocketAddress taken = address("127.0.0.1", port);
  ASSERT_EQ(::bind(holder.get(), taken.sa(), taken.len()), 0);
  ASSERT_EQ(::listen(holder.get(), 1), 0);
  QueryServiceOptions options;
  options.listen = {taken};
  auto started = service_.start(options, holder_);
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error(),
            "cannot bind 127.0.0.1@" + std::to_string(port) + "/tcp: Address already in use");
  // Nothing is left half-open: with the port released, start succeeds.
  holder.reset();
  started = service_.start(options, holder_);
  EXPECT_TRUE(started.has_value()) << started.error();
}

TEST_F(QueryServiceTest, SecondServiceOnTheSameAddressIsRefused) {
  start();
  // SO_REUSEPORT would let the second one share the port and take part of
  // the traffic without anyone noticing.
  QueryService second;
  QueryServiceOptions options;
  options.listen = {v6()};
  auto started = second.start(options, holder_);
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error(),
            "cannot bind ::1@" + std::to_string(port_) + "/udp: Address already in use");
  // The first one is unaffected.
  EXPECT_TRUE(udp_exchange(v6(), make_query(3, "www.example.", dns::rrtype::kA)).has_value());
}

TEST_F(QueryServiceTest, InvalidOptionsAreRejected) {
  QueryServiceOptions options;
  EXPECT_EQ(service_.start(options, holder_).error(), "no listen address");
  options.listen = {address("127.0.0.1", 5300)};
  options.workers = 0;
  EXPECT_EQ(service_.start(options, holder_).error(), "workers must be at least 1");
}

TEST_F(QueryServiceTest, StartTwiceIsAnError) {
  start();
  QueryServiceOptions options;
  options.listen = {v4()};
  auto again = service_.start(options, holder_);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error(), "the query service is already running");
}

}  // namespace
}  // namespace tandem::server
