#include "audit/query_engine.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "dns/rdata.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "net/dns_client.h"

namespace tandem::audit {

namespace {

constexpr size_t kHeaderSize = 12;

// Types whose rdata we decompress and validate; anything else is kept raw so
// that a record we do not read cannot make a whole answer "malformed".
bool decoded_type(uint16_t t) {
  using namespace dns::rrtype;
  return t == kA || t == kAAAA || t == kNS || t == kCNAME || t == kDNAME || t == kSOA;
}

std::string errno_text(int e) { return std::strerror(e); }

// Key for the per-server bound: family, address and port (no padding bytes).
std::string server_key(const net::SocketAddress& a) {
  std::string key;
  key.push_back(static_cast<char>(a.family()));
  if (a.family() == AF_INET) {
    auto* sin = reinterpret_cast<const sockaddr_in*>(a.sa());
    key.append(reinterpret_cast<const char*>(&sin->sin_addr), 4);
    key.append(reinterpret_cast<const char*>(&sin->sin_port), 2);
  } else if (a.family() == AF_INET6) {
    auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a.sa());
    key.append(reinterpret_cast<const char*>(&sin6->sin6_addr), 16);
    key.append(reinterpret_cast<const char*>(&sin6->sin6_port), 2);
  }
  return key;
}

net::SocketAddress with_port(const net::SocketAddress& a, uint16_t port) {
  sockaddr_storage ss{};
  std::memcpy(&ss, a.sa(), a.len());
  if (a.family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(port);
  } else if (a.family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(port);
  }
  return net::SocketAddress(reinterpret_cast<const sockaddr*>(&ss), a.len());
}

Result<void> parse_section(const uint8_t* data, size_t size, size_t& pos, uint16_t count,
                           std::vector<Record>& out) {
  out.reserve(count);
  uint8_t buf[dns::kMaxNameWire];
  for (uint16_t i = 0; i < count; ++i) {
    auto n = dns::read_name(data, size, pos, buf);
    if (!n) return fail(n.error());
    if (size - pos < 10) return fail(Errc::kTruncated);
    Record r;
    r.owner = dns::Name::from_wire(buf);
    r.type = dns::load_u16(data + pos);
    r.rclass = dns::load_u16(data + pos + 2);
    r.ttl = dns::load_u32(data + pos + 4);
    uint16_t rdlen = dns::load_u16(data + pos + 8);
    pos += 10;
    if (rdlen > size - pos) return fail(Errc::kTruncated);
    if (decoded_type(r.type)) {
      auto ok = dns::rdata_from_wire(r.type, data, size, pos, rdlen, r.rdata);
      if (!ok) return fail(ok.error());
    } else {
      r.rdata.assign(data + pos, data + pos + rdlen);
    }
    pos += rdlen;
    out.push_back(std::move(r));
  }
  return {};
}

}  // namespace

Result<Message> parse_message(const uint8_t* data, size_t size) {
  if (size < kHeaderSize) return fail(Errc::kTruncated);
  Message m;
  m.id = dns::load_u16(data);
  m.flags = dns::load_u16(data + 2);
  uint16_t qd = dns::load_u16(data + 4), an = dns::load_u16(data + 6), ns = dns::load_u16(data + 8),
           ar = dns::load_u16(data + 10);
  if (qd > 1) return fail(Errc::kUnsupported);
  size_t pos = kHeaderSize;
  if (qd == 1) {
    uint8_t buf[dns::kMaxNameWire];
    auto n = dns::read_name(data, size, pos, buf);
    if (!n) return fail(n.error());
    if (size - pos < 4) return fail(Errc::kTruncated);
    m.has_question = true;
    m.qname = dns::Name::from_wire(buf);
    m.qtype = dns::load_u16(data + pos);
    m.qclass = dns::load_u16(data + pos + 2);
    pos += 4;
  }
  if (auto r = parse_section(data, size, pos, an, m.answer); !r) return fail(r.error());
  if (auto r = parse_section(data, size, pos, ns, m.authority); !r) return fail(r.error());
  if (auto r = parse_section(data, size, pos, ar, m.additional); !r) return fail(r.error());
  return m;
}

const char* status_text(QueryResult::Status s) {
  switch (s) {
    case QueryResult::Status::kAnswer:
      return "answer";
    case QueryResult::Status::kTimeout:
      return "timeout";
    case QueryResult::Status::kNoListener:
      return "no listener";
    case QueryResult::Status::kMalformed:
      return "malformed";
  }
  return "?";
}

struct QueryEngine::Query {
  enum class Phase { kUdp, kTcpConnect, kTcpWrite, kTcpRead };
  uint64_t id = 0;
  net::SocketAddress server;  // port override applied
  std::string where;          // the address as given, for messages (stable across runs)
  std::string key;
  dns::Name qname;
  uint16_t qtype = 0;
  bool axfr = false;
  Callback done;
  AxfrCallback axfr_done;
  std::vector<uint8_t> wire;  // the query message
  uint16_t msg_id = 0;
  int fd = -1;  // the UDP socket, then the TCP socket
  Phase phase = Phase::kUdp;
  int tries = 0;
  uint32_t generation = 0;  // timers of older generations are stale
  int64_t sent_us = 0;
  size_t tcp_written = 0;
  std::vector<uint8_t> tcp_in;
  std::optional<QueryResult> truncated;  // the UDP answer with TC=1, kept if TCP fails
  std::optional<QueryResult> immediate;  // a failure found while starting, delivered by timer
};

QueryEngine::QueryEngine(EngineOptions options) : options_(options), rng_(std::random_device{}()) {
  if (options_.max_inflight < 1) options_.max_inflight = 1;
  if (options_.max_inflight_per_server < 1) options_.max_inflight_per_server = 1;
  if (options_.retries < 0) options_.retries = 0;
  if (options_.timeout_ms < 1) options_.timeout_ms = 1;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::runtime_error("epoll_create1: " + errno_text(errno));
}

QueryEngine::~QueryEngine() {
  for (auto& [id, q] : active_) {
    if (q->fd >= 0) ::close(q->fd);
  }
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

int64_t QueryEngine::now_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void QueryEngine::query(const net::SocketAddress& server, const dns::Name& qname, uint16_t qtype,
                        Callback done) {
  auto q = std::make_unique<Query>();
  q->server = options_.port_override ? with_port(server, options_.port_override) : server;
  q->where = server.to_string();
  q->qname = qname;
  q->qtype = qtype;
  q->done = std::move(done);
  submit(std::move(q));
}

void QueryEngine::axfr_probe(const net::SocketAddress& server, const dns::Name& zone,
                             AxfrCallback done) {
  auto q = std::make_unique<Query>();
  q->server = options_.port_override ? with_port(server, options_.port_override) : server;
  q->where = server.to_string();
  q->qname = zone;
  q->qtype = dns::rrtype::kAXFR;
  q->axfr = true;
  q->axfr_done = std::move(done);
  submit(std::move(q));
}

void QueryEngine::submit(std::unique_ptr<Query> q) {
  q->id = next_id_++;
  q->key = server_key(q->server);
  Server& s = servers_[q->key];
  if (s.waiting.empty() && s.inflight < options_.max_inflight_per_server &&
      active_.size() < static_cast<size_t>(options_.max_inflight)) {
    start(std::move(q));
    return;
  }
  // FIFO per server: a query never overtakes an earlier one to the same server.
  std::string key = q->key;
  s.waiting.push_back(std::move(q));
  ++queued_;
  if (s.inflight < options_.max_inflight_per_server && !s.in_ready_list) {
    s.in_ready_list = true;
    ready_servers_.push_back(std::move(key));
  }
}

void QueryEngine::pump() {
  // Round robin over servers that have waiting queries and free slots.
  while (active_.size() < static_cast<size_t>(options_.max_inflight) && !ready_servers_.empty()) {
    std::string key = std::move(ready_servers_.front());
    ready_servers_.pop_front();
    auto it = servers_.find(key);
    if (it == servers_.end()) continue;
    Server& s = it->second;
    s.in_ready_list = false;
    if (s.waiting.empty() || s.inflight >= options_.max_inflight_per_server) continue;
    std::unique_ptr<Query> q = std::move(s.waiting.front());
    s.waiting.pop_front();
    --queued_;
    bool more = !s.waiting.empty();
    start(std::move(q));  // may insert into servers_: do not use `s` after this
    if (more) {
      Server& s2 = servers_[key];
      if (s2.inflight < options_.max_inflight_per_server && !s2.in_ready_list) {
        s2.in_ready_list = true;
        ready_servers_.push_back(key);
      }
    }
  }
}

void QueryEngine::start(std::unique_ptr<Query> q) {
  Server& s = servers_[q->key];
  ++s.inflight;
  if (s.inflight > max_server_inflight_seen_) max_server_inflight_seen_ = s.inflight;
  q->msg_id = static_cast<uint16_t>(rng_());
  Query& ref = *q;
  active_.emplace(q->id, std::move(q));
  if (options_.down_after_timeouts > 0) {
    auto h = health_.find(ref.key);
    if (h != health_.end() && !h->second.answered &&
        h->second.timeouts >= options_.down_after_timeouts) {
      ++short_circuited_;
      QueryResult r;
      r.status = QueryResult::Status::kTimeout;
      r.tries = ref.axfr ? 0 : 1 + options_.retries;
      r.detail = ref.axfr ? "timeout over TCP to " + ref.where
                          : "timeout after " + std::to_string(r.tries) +
                                (r.tries == 1 ? " try" : " tries");
      ref.immediate = std::move(r);
      arm_timer(ref, 0);
      return;
    }
  }
  if (ref.axfr) {
    ref.wire = net::make_query(ref.qname, dns::rrtype::kAXFR, ref.msg_id, false, false);
    start_tcp(ref);
  } else {
    ref.wire = net::make_query(ref.qname, ref.qtype, ref.msg_id, false, true);
    send_udp_try(ref);
  }
}

void QueryEngine::arm_timer(Query& q, int ms) {
  ++q.generation;
  timers_.push(Timer{now_us() + static_cast<int64_t>(ms) * 1000, q.id, q.generation});
}

void QueryEngine::send_udp_try(Query& q) {
  auto fail_now = [&](QueryResult::Status st, std::string detail) {
    QueryResult r;
    r.status = st;
    r.tries = q.tries;
    r.detail = std::move(detail);
    q.immediate = std::move(r);
    arm_timer(q, 0);  // deliver from the loop, never from inside query()
  };
  if (q.fd < 0) {
    // A fresh socket per query: the kernel picks a random ephemeral port
    // (RFC 5452 9.2), and connect() makes it drop datagrams from any other
    // address and report ICMP port unreachable as ECONNREFUSED.
    int fd = ::socket(q.server.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail_now(QueryResult::Status::kNoListener, "socket: " + errno_text(errno));
    q.fd = fd;
    if (::connect(fd, q.server.sa(), q.server.len()) != 0) {
      return fail_now(QueryResult::Status::kNoListener,
                      "cannot reach " + q.where + ": " + errno_text(errno));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = q.id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      return fail_now(QueryResult::Status::kNoListener, "epoll_ctl: " + errno_text(errno));
    }
  }
  ++q.tries;
  ++queries_sent_;
  q.sent_us = now_us();
  ssize_t n = ::send(q.fd, q.wire.data(), q.wire.size(), 0);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    int e = errno;
    return fail_now(QueryResult::Status::kNoListener,
                    e == ECONNREFUSED ? "connection refused by " + q.where
                                      : "cannot send to " + q.where + ": " + errno_text(e));
  }
  arm_timer(q, options_.timeout_ms);
}

void QueryEngine::start_tcp(Query& q) {
  if (q.fd >= 0) {
    ::close(q.fd);  // also leaves the epoll set
    q.fd = -1;
  }
  q.phase = Query::Phase::kTcpConnect;
  q.tcp_written = 0;
  q.tcp_in.clear();
  q.sent_us = now_us();
  ++queries_sent_;
  auto fail_now = [&](std::string detail) {
    QueryResult r;
    r.status = QueryResult::Status::kNoListener;
    r.tries = q.tries;
    r.detail = std::move(detail);
    q.immediate = std::move(r);
    arm_timer(q, 0);
  };
  int fd = ::socket(q.server.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_now("socket: " + errno_text(errno));
  q.fd = fd;
  if (::connect(fd, q.server.sa(), q.server.len()) != 0 && errno != EINPROGRESS) {
    return fail_now("cannot connect to " + q.where + "/tcp: " + errno_text(errno));
  }
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLIN;
  ev.data.u64 = q.id;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return fail_now("epoll_ctl: " + errno_text(errno));
  }
  arm_timer(q, options_.timeout_ms);
}

void QueryEngine::run() {
  while (pending() > 0) poll_once(1000);
}

void QueryEngine::poll_once(int timeout_ms) {
  int wait = timeout_ms;
  if (!timers_.empty()) {
    int64_t left = timers_.top().deadline_us - now_us();
    int ms = left <= 0 ? 0 : static_cast<int>((left + 999) / 1000);
    if (ms < wait) wait = ms;
  }
  epoll_event events[256];
  int n = epoll_wait(epoll_fd_, events, 256, wait);
  for (int i = 0; i < n; ++i) on_event(events[i].data.u64, events[i].events);
  int64_t now = now_us();
  while (!timers_.empty() && timers_.top().deadline_us <= now) {
    Timer t = timers_.top();
    timers_.pop();
    on_timer(t.id, t.generation);
  }
}

void QueryEngine::on_event(uint64_t id, uint32_t events) {
  auto it = active_.find(id);
  if (it == active_.end()) return;  // finished earlier in this batch
  Query& q = *it->second;
  if (q.immediate) return;
  if (q.phase == Query::Phase::kUdp) {
    on_udp_readable(q);
  } else {
    on_tcp_event(q, events);
  }
}

void QueryEngine::on_udp_readable(Query& q) {
  uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::recv(q.fd, buf, sizeof buf, 0);
    if (n < 0) {
      int e = errno;
      if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR) return;
      QueryResult r;
      r.status = QueryResult::Status::kNoListener;
      r.tries = q.tries;
      r.detail = e == ECONNREFUSED ? "connection refused by " + q.where
                                   : "error from " + q.where + ": " + errno_text(e);
      return finish(q.id, std::move(r));
    }
    // Too short to carry our ID, another ID, or not a response: not for us
    // (RFC 5452 9.1). Keep waiting for the real answer.
    if (static_cast<size_t>(n) < kHeaderSize || dns::load_u16(buf) != q.msg_id ||
        !(buf[2] & 0x80)) {
      continue;
    }
    QueryResult r;
    r.tries = q.tries;
    r.rtt_ms = static_cast<double>(now_us() - q.sent_us) / 1000.0;
    auto m = parse_message(buf, static_cast<size_t>(n));
    if (!m) {
      r.status = QueryResult::Status::kMalformed;
      r.detail = std::string("malformed response from ") + q.where + ": " + errc_text(m.error());
      return finish(q.id, std::move(r));
    }
    bool question_ok = m->has_question ? (m->qname == q.qname && m->qtype == q.qtype &&
                                          m->qclass == dns::rrclass::kIN)
                                       : m->rcode() != dns::rcode::kNoError;
    if (!question_ok) {
      r.status = QueryResult::Status::kMalformed;
      r.detail = "response from " + q.where + " does not match the question";
      return finish(q.id, std::move(r));
    }
    r.status = QueryResult::Status::kAnswer;
    bool tc = m->tc();
    r.message = std::move(*m);
    if (tc) {
      q.truncated = std::move(r);
      start_tcp(q);
      return;
    }
    return finish(q.id, std::move(r));
  }
}

void QueryEngine::on_tcp_event(Query& q, uint32_t events) {
  auto fail_tcp = [&](std::string detail, QueryResult::Status st) {
    QueryResult r;
    if (q.truncated) {
      // Keep what UDP gave us: a partial answer is better than none.
      r = std::move(*q.truncated);
      r.detail = "truncated answer; TCP retry failed: " + detail;
    } else {
      r.status = st;
      r.tries = q.tries;
      r.detail = std::move(detail);
    }
    finish(q.id, std::move(r));
  };
  const std::string where = q.where + "/tcp";
  if (q.phase == Query::Phase::kTcpConnect) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(q.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      return fail_tcp("cannot connect to " + where + ": " + errno_text(err),
                      QueryResult::Status::kNoListener);
    }
    q.phase = Query::Phase::kTcpWrite;
    std::vector<uint8_t> framed(2 + q.wire.size());
    dns::store_u16(framed.data(), static_cast<uint16_t>(q.wire.size()));
    std::memcpy(framed.data() + 2, q.wire.data(), q.wire.size());
    q.wire = std::move(framed);
  }
  if (q.phase == Query::Phase::kTcpWrite) {
    while (q.tcp_written < q.wire.size()) {
      ssize_t n =
          ::send(q.fd, q.wire.data() + q.tcp_written, q.wire.size() - q.tcp_written, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return fail_tcp("cannot send to " + where + ": " + errno_text(errno),
                        QueryResult::Status::kNoListener);
      }
      q.tcp_written += static_cast<size_t>(n);
    }
    q.phase = Query::Phase::kTcpRead;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = q.id;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, q.fd, &ev);
  }
  if (q.phase != Query::Phase::kTcpRead) return;
  uint8_t buf[16384];
  for (;;) {
    size_t need = q.tcp_in.size() < 2 ? 2 : 2 + dns::load_u16(q.tcp_in.data());
    if (q.tcp_in.size() >= 2 && q.tcp_in.size() >= need) break;
    ssize_t n = ::recv(q.fd, buf, std::min(sizeof buf, need - q.tcp_in.size()), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      return fail_tcp("error reading from " + where + ": " + errno_text(errno),
                      QueryResult::Status::kNoListener);
    }
    if (n == 0) {
      return fail_tcp("connection closed by " + where, QueryResult::Status::kMalformed);
    }
    q.tcp_in.insert(q.tcp_in.end(), buf, buf + n);
  }
  const uint8_t* msg = q.tcp_in.data() + 2;
  size_t size = q.tcp_in.size() - 2;
  QueryResult r;
  r.tries = q.tries;
  r.over_tcp = true;
  r.rtt_ms = static_cast<double>(now_us() - q.sent_us) / 1000.0;
  auto m = parse_message(msg, size);
  if (!m || m->id != q.msg_id || !m->qr()) {
    return fail_tcp("malformed response from " + where, QueryResult::Status::kMalformed);
  }
  r.status = QueryResult::Status::kAnswer;
  r.message = std::move(*m);
  finish(q.id, std::move(r));
}

void QueryEngine::on_timer(uint64_t id, uint32_t generation) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  Query& q = *it->second;
  if (q.generation != generation) return;  // superseded by a later try
  if (q.immediate) {
    QueryResult r = std::move(*q.immediate);
    return finish(id, std::move(r));
  }
  if (q.phase == Query::Phase::kUdp) {
    if (q.tries < 1 + options_.retries) return send_udp_try(q);
    QueryResult r;
    r.status = QueryResult::Status::kTimeout;
    r.tries = q.tries;
    r.detail = "timeout after " + std::to_string(q.tries) + (q.tries == 1 ? " try" : " tries");
    return finish(id, std::move(r));
  }
  QueryResult r;
  if (q.truncated) {
    r = std::move(*q.truncated);
    r.detail = "truncated answer; TCP retry timed out";
  } else {
    r.status = QueryResult::Status::kTimeout;
    r.tries = q.tries;
    r.detail = "timeout over TCP to " + q.where;
  }
  finish(id, std::move(r));
}

void QueryEngine::finish(uint64_t id, QueryResult result) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  std::unique_ptr<Query> q = std::move(it->second);
  active_.erase(it);
  if (q->fd >= 0) {
    ::close(q->fd);  // closing the last reference also removes it from the epoll set
    q->fd = -1;
  }
  if (!q->immediate) {
    if (result.status == QueryResult::Status::kTimeout) {
      ++health_[q->key].timeouts;
    } else if (result.status == QueryResult::Status::kAnswer ||
               result.status == QueryResult::Status::kMalformed) {
      health_[q->key].answered = true;
    }
  }
  auto sit = servers_.find(q->key);
  if (sit != servers_.end()) {
    Server& s = sit->second;
    --s.inflight;
    if (!s.waiting.empty()) {
      if (!s.in_ready_list) {
        s.in_ready_list = true;
        ready_servers_.push_front(q->key);  // its own slot just freed: keep its queue moving
      }
    } else if (s.inflight == 0 && !s.in_ready_list) {
      servers_.erase(sit);
    }
  }
  pump();
  if (q->axfr) {
    bool open = false;
    std::string detail;
    if (result.status == QueryResult::Status::kAnswer) {
      const Message& m = result.message;
      if (m.rcode() != dns::rcode::kNoError) {
        detail = "AXFR refused (" + dns::rcode_to_text(m.rcode()) + ")";
      } else if (!m.answer.empty() && m.answer.front().type == dns::rrtype::kSOA &&
                 m.answer.front().owner == q->qname) {
        open = true;
        detail = "AXFR allowed by " + q->where;
      } else {
        detail = "AXFR answer without the zone's SOA";
      }
    } else {
      detail = "AXFR " + std::string(status_text(result.status)) + ": " + result.detail;
    }
    q->axfr_done(open, std::move(detail));
  } else {
    q->done(std::move(result));
  }
}

}  // namespace tandem::audit
