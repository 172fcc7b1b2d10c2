// XfrService: the server's slow path for what the query workers divert
// (RequestHandler), and the primary side of zone transfers.
//
//  - NOTIFY (RFC 1996): checked against the zone's ACL (address and TSIG
//    key), answered, and passed to the secondary engine through a callback.
//  - AXFR/IXFR (RFC 5936, RFC 1995): checked against the ACL, then the worker
//    hands the TCP connection over and a transfer thread streams the answer
//    from the snapshot current at that moment (a reload during the transfer
//    does not disturb it). At most `max_transfers` run at once; beyond that
//    the request gets SERVFAIL and the secondary retries later.
//  - TSIG-signed queries are verified and their answers signed (RFC 8945);
//    queries with the EDNS EXPIRE option get it (RFC 7314).
// All of it runs off the query fast path; the state it reads is an immutable
// XfrTable published by the main thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "config/config.h"
#include "dns/name.h"
#include "dns/tsig.h"
#include "server/request_handler.h"
#include "xfr/journal.h"
#include "zone/zone.h"

namespace tandem::server {

// What the transfer side needs to know about one zone.
struct ZoneXfrInfo {
  std::shared_ptr<const zone::Zone> zone;  // the served version (null: not served)
  std::shared_ptr<const xfr::Journal> journal;
  std::vector<config::Acl> acls;
  bool secondary = false;
  bool expired = false;
  int64_t expire_at_ms = 0;  // secondary: unix ms when it expires (EDNS EXPIRE answers)
};

struct XfrTable {
  std::map<dns::Name, ZoneXfrInfo> zones;  // by lower-cased origin
  std::vector<dns::TsigKey> keys;          // every key of the config
  std::shared_ptr<const zone::ZoneSet> zone_set;  // to answer signed queries
  const ZoneXfrInfo* find(const dns::Name& lowered_origin) const;
};

struct XfrServiceOptions {
  int max_transfers = 16;
  int timeout_ms = 10000;       // silence on a transfer connection (a stalled reader)
  int idle_timeout_ms = 10000;  // waiting for the next query after a transfer
};

class XfrService : public RequestHandler {
 public:
  // Called (from a worker thread) for every accepted NOTIFY.
  using NotifyCallback =
      std::function<void(const dns::Name& zone, std::optional<uint32_t> serial, const net::SocketAddress& from)>;

  XfrService(XfrServiceOptions options, NotifyCallback on_notify);
  ~XfrService() override;

  void publish(std::shared_ptr<const XfrTable> table);
  std::shared_ptr<const XfrTable> table() const;

  Outcome handle(std::span<const uint8_t> message, const net::SocketAddress& peer, Transport transport,
                 uint8_t* out, size_t cap, size_t* answer_size, Handoff* handoff) override;
  void take_connection(Handoff handoff) override;

  // Ends every transfer in progress and waits for their threads.
  void stop();

  int active_transfers() const { return active_.load(); }
  uint64_t transfers_done() const { return done_.load(); }

 private:
  struct Decision;
  // Answers what handle() answers inline; for an allowed TCP transfer fills
  // *decision instead.
  Outcome decide(std::span<const uint8_t> message, const net::SocketAddress& peer, Transport transport,
                 uint8_t* out, size_t cap, size_t* answer_size, std::shared_ptr<Decision>* decision);
  void serve_connection(Handoff handoff);
  bool stream(int fd, const Decision& decision, const net::SocketAddress& peer);

  XfrServiceOptions options_;
  NotifyCallback on_notify_;
  mutable std::mutex mutex_;
  std::shared_ptr<const XfrTable> table_;
  std::set<int> fds_;  // connections of running transfer threads (to shut down on stop)
  std::condition_variable idle_;
  std::atomic<int> active_{0};      // transfers reserved or running
  std::atomic<int> threads_{0};
  std::atomic<uint64_t> done_{0};
  bool stopping_ = false;
};

}  // namespace tandem::server
