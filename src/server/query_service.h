// QueryService: the listeners and query workers. Each worker owns one UDP and
// one TCP socket per listen address (SO_REUSEPORT), its own buffers and its
// own Responder, and shares nothing writable with the other workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/address.h"
#include "util/result.h"
#include "zone/zone.h"

namespace tandem::server {

class RequestHandler;

// Publishes the current ZoneSet to the workers. Readers check generation()
// (one atomic load) once per batch of queries and take the mutex only when it
// changed, so the query path never contends on a lock.
class ZoneSetHolder {
 public:
  ZoneSetHolder() : current_(std::make_shared<zone::ZoneSet>()) {}
  void publish(std::shared_ptr<const zone::ZoneSet> set) {
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = std::move(set);
    generation_.fetch_add(1, std::memory_order_release);
  }
  std::shared_ptr<const zone::ZoneSet> current() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return current_;
  }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const zone::ZoneSet> current_;
  std::atomic<uint64_t> generation_{1};
};

struct QueryServiceOptions {
  std::vector<net::SocketAddress> listen;
  int workers = 1;
  size_t tcp_max_connections = 1000;   // per server; beyond it new connections are closed
  int tcp_idle_timeout_ms = 10000;     // RFC 7766 6.2.3: close idle connections
  size_t tcp_max_pipelined = 100;      // queries answered per connection read burst
  // The slow path for NOTIFY, transfers and signed queries; must outlive the
  // service. Null: the workers answer those themselves (REFUSED/NOTIMP).
  class RequestHandler* handler = nullptr;
};

struct QueryStats {
  uint64_t udp_queries = 0, tcp_queries = 0, responses = 0, dropped = 0, tcp_connections = 0;
};

class QueryService {
 public:
  QueryService();
  ~QueryService();
  // Binds every listen address (UDP + TCP) for every worker and starts the
  // worker threads. Errors name the address that failed.
  Result<void, std::string> start(const QueryServiceOptions& options, ZoneSetHolder& zones);
  // Stops the workers and closes every socket; returns when all threads ended.
  void stop();
  // Sums the per-worker counters.
  QueryStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::server
