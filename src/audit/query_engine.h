// An asynchronous, single-threaded DNS client for the audit: thousands of
// non-recursive queries in flight from one epoll loop, with per-try timeouts,
// retries, a bound on queries in flight per server address (so the audit is
// polite to every nameserver it visits), TCP fallback for truncated answers
// and a TCP AXFR probe. No threads: callbacks run inside run()/poll_once().
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "dns/name.h"
#include "net/address.h"
#include "util/result.h"

namespace tandem::audit {

// One resource record of a parsed message. Names inside the rdata of the
// types the audit reads (NS, CNAME, DNAME, SOA, A, AAAA) are decompressed;
// other rdata is kept as it was on the wire.
struct Record {
  dns::Name owner;
  uint16_t type = 0;
  uint16_t rclass = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;
};

// A DNS response, parsed (RFC 1035 4.1).
struct Message {
  uint16_t id = 0;
  uint16_t flags = 0;  // second header word: QR, opcode, AA, TC, RD, RA, RCODE
  bool qr() const { return flags & 0x8000; }
  bool aa() const { return flags & 0x0400; }
  bool tc() const { return flags & 0x0200; }
  uint8_t rcode() const { return flags & 0x000f; }  // header RCODE (EDNS bits ignored)
  bool has_question = false;
  dns::Name qname;
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  std::vector<Record> answer, authority, additional;
};

// Parses a complete message. Errors: Errc::kTruncated / kMalformed /
// kBadPointer for bytes that are not a DNS message, kUnsupported for more
// than one question.
[[nodiscard]] Result<Message> parse_message(const uint8_t* data, size_t size);

struct EngineOptions {
  int timeout_ms = 1000;            // per try (--timeout)
  int retries = 2;                  // tries after the first (--retries)
  int max_inflight = 256;           // queries in flight in all
  int max_inflight_per_server = 8;  // queries in flight per server address
  uint16_t port_override = 0;       // tests: send every query to this port instead
  // A server address that has timed out on this many queries without ever
  // answering anything is taken as down: later queries to it time out at
  // once (same result, tries and detail as a real timeout) instead of each
  // holding one of its few slots for (1 + retries) * timeout_ms. 0 disables.
  int down_after_timeouts = 4;
};

struct QueryResult {
  enum class Status {
    kAnswer,      // a matching response arrived (see message)
    kTimeout,     // no response after every try
    kNoListener,  // ICMP port unreachable, connection refused, or no route
    kMalformed,   // a response with our ID that does not parse or does not match the question
  };
  Status status = Status::kTimeout;
  Message message;        // when kAnswer
  double rtt_ms = 0;      // of the try that got the answer (TCP: connect to answer)
  int tries = 0;          // UDP datagrams sent
  bool over_tcp = false;  // the answer came over TCP (after TC=1)
  std::string detail;     // human-readable, for kTimeout/kNoListener/kMalformed
};

class QueryEngine {
 public:
  using Callback = std::function<void(QueryResult)>;
  using AxfrCallback = std::function<void(bool open, std::string detail)>;

  // Throws std::runtime_error when epoll cannot be created (startup only).
  explicit QueryEngine(EngineOptions options);
  ~QueryEngine();
  QueryEngine(const QueryEngine&) = delete;
  QueryEngine& operator=(const QueryEngine&) = delete;

  // Queues a query for qname/qtype/IN to `server` (RD clear, EDNS0 with a
  // 1232-octet payload, a random ID, a fresh UDP socket on a random
  // ephemeral port). `done` is called exactly once, from run()/poll_once(),
  // never from inside query(). Responses are accepted only from the server
  // address with our ID and question (RFC 5452 9.1); other datagrams are
  // ignored. A truncated answer is asked again over TCP (RFC 7766 5).
  void query(const net::SocketAddress& server, const dns::Name& qname, uint16_t qtype,
             Callback done);

  // Asks `server` over TCP for an AXFR of `zone` and reads the first message:
  // open = a NOERROR answer whose first record is the zone's SOA (RFC 5936
  // 2.2). `detail` says what happened ("REFUSED", "timeout", ...). Counts
  // against the per-server bound like a query.
  void axfr_probe(const net::SocketAddress& server, const dns::Name& zone, AxfrCallback done);

  // Runs the loop until no query is queued or in flight.
  void run();
  // Waits at most timeout_ms for events, handles them and any expired
  // timers, and returns (for callers with their own loop).
  void poll_once(int timeout_ms);
  // Queries queued or in flight.
  size_t pending() const { return active_.size() + queued_; }

  // Counters, for benchmarks and tests.
  uint64_t queries_sent() const { return queries_sent_; }
  int max_server_inflight_seen() const { return max_server_inflight_seen_; }
  uint64_t short_circuited() const { return short_circuited_; }
  const EngineOptions& options() const { return options_; }

 private:
  struct Query;
  struct Server {
    int inflight = 0;
    std::deque<std::unique_ptr<Query>> waiting;
    bool in_ready_list = false;
  };
  struct Health {
    bool answered = false;  // some response ever came from it
    int timeouts = 0;
  };
  struct Timer {
    int64_t deadline_us;
    uint64_t id;
    uint32_t generation;
    bool operator>(const Timer& o) const { return deadline_us > o.deadline_us; }
  };

  void submit(std::unique_ptr<Query> q);
  void start(std::unique_ptr<Query> q);
  void pump();
  void send_udp_try(Query& q);
  void start_tcp(Query& q);
  void on_event(uint64_t id, uint32_t events);
  void on_udp_readable(Query& q);
  void on_tcp_event(Query& q, uint32_t events);
  void on_timer(uint64_t id, uint32_t generation);
  void arm_timer(Query& q, int ms);
  // Finishes q: releases its slot and sockets, starts waiting queries, then
  // calls the callback (after the engine is consistent again, so the
  // callback may submit more queries).
  void finish(uint64_t id, QueryResult result);
  int64_t now_us() const;

  EngineOptions options_;
  int epoll_fd_ = -1;
  std::mt19937 rng_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Query>> active_;
  std::unordered_map<std::string, Server> servers_;  // key: address bytes + port
  std::unordered_map<std::string, Health> health_;   // kept for the whole run
  std::deque<std::string> ready_servers_;            // servers with waiting queries and free slots
  size_t queued_ = 0;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  uint64_t queries_sent_ = 0;
  int max_server_inflight_seen_ = 0;
  uint64_t short_circuited_ = 0;
};

const char* status_text(QueryResult::Status s);

}  // namespace tandem::audit
