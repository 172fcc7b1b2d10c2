// Worker: one query-serving thread of the QueryService. It owns an epoll set
// with its UDP sockets, TCP listening sockets and TCP connections, its
// buffers and its Responder, and shares nothing writable with other workers
// except the server-wide TCP connection count (touched on accept and close
// only) and its counters (written by this thread alone, read by stats()).
#pragma once

#include <sys/epoll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/socket.h"
#include "server/query_service.h"
#include "server/request_handler.h"
#include "server/responder.h"
#include "server/tcp_connection.h"
#include "util/result.h"

namespace tandem::server {

struct WorkerOptions {
  size_t tcp_max_connections = 1000;  // server-wide, compared with the shared count
  int tcp_idle_timeout_ms = 10000;
  size_t tcp_max_pipelined = 100;
  RequestHandler* handler = nullptr;  // see QueryServiceOptions::handler
};

// Counters of one worker. Only the owning thread writes them (plain
// load + store, no locked instruction); other threads read them with relaxed
// loads, so a sum is approximate while the worker runs and exact after it
// stopped.
struct WorkerCounters {
  std::atomic<uint64_t> udp_queries{0};
  std::atomic<uint64_t> tcp_queries{0};
  std::atomic<uint64_t> responses{0};
  std::atomic<uint64_t> dropped{0};
  std::atomic<uint64_t> tcp_connections{0};  // accepted and kept (not over the limit)
};

class Worker {
 public:
  // `zones` and `tcp_open` must outlive the worker. `tcp_open` counts the
  // open TCP connections of the whole server.
  Worker(int index, const WorkerOptions& options, ZoneSetHolder& zones,
         std::atomic<size_t>& tcp_open);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Creates the epoll set, the stop eventfd and the sweep timer. Errors are
  // human-readable.
  Result<void, std::string> init();
  // Hands a bound UDP socket to the worker (after init(), before run()).
  // `packet_info`: the socket has IP_PKTINFO / IPV6_RECVPKTINFO on, and
  // replies must carry the query's destination address as their source.
  Result<void, std::string> add_udp(net::UniqueFd fd, bool packet_info);
  // Hands a listening TCP socket to the worker (after init(), before run()).
  Result<void, std::string> add_tcp_listener(net::UniqueFd fd);

  // The thread body: serves until request_stop(), then closes every
  // connection of this worker. Sockets are closed by the destructor.
  void run();
  // Asks run() to return soon; callable from any thread, any number of times.
  void request_stop();

  // Adds this worker's counters to `stats`.
  void add_counters(QueryStats& stats) const;

  // UDP messages taken per recvmmsg / sendmmsg call.
  static constexpr unsigned kBatch = 32;
  // Room per UDP message: the largest datagram (RFC 768 length field).
  static constexpr size_t kUdpBufferSize = 65536;
  // Room per TCP connection for unsent responses before the worker stops
  // reading its queries (the client is not reading its answers).
  static constexpr size_t kMaxPendingOutput = 128 * 1024;

 private:
  enum class Kind : uint8_t { kUdp, kTcpListener, kTcpConnection, kWake, kTimer };
  // First member of everything registered in the epoll set; epoll_event.data.ptr
  // points at it and `kind` selects the handler (no virtual call).
  struct Source {
    Kind kind;
  };
  struct UdpSocket;
  struct TcpListener;
  struct Connection;

  void on_udp(UdpSocket& socket);
  void on_accept(TcpListener& listener);
  void on_connection(Connection* c, uint32_t events);
  // Answers the complete queries buffered on `c` (at most tcp_max_pipelined),
  // reading once from the socket when none is left; flushes the answers and
  // updates the epoll interest. Returns false when `c` was closed.
  bool serve(Connection* c);
  // Sends the staged responses, queueing what the socket does not take.
  // Returns false when `c` was closed (the peer reset it).
  bool flush(Connection* c);
  // Writes queued output until the socket is full. False when `c` was closed.
  bool write_pending(Connection* c);
  void set_interest(Connection* c, uint32_t events);
  void close_connection(Connection* c);
  void touch(Connection* c, int64_t now_ms);
  void sweep(int64_t now_ms);
  void on_tick();
  // The slow path for a message the Responder diverted (RequestHandler).
  size_t divert_udp(UdpSocket& s, unsigned i, uint8_t* out);
  // Same over TCP; may hand the connection over (then *handed is set and
  // `c` is gone).
  size_t divert_tcp(Connection* c, const uint8_t* query, size_t size, uint8_t* out, bool* handed);

  // One atomic load; fetches the new ZoneSet only when a new one was published.
  void refresh_zones() {
    uint64_t generation = holder_.generation();
    if (generation != generation_) [[unlikely]] {
      zones_ = holder_.current();
      generation_ = generation;
    }
  }

  const int index_;
  const WorkerOptions options_;
  ZoneSetHolder& holder_;
  std::atomic<size_t>& tcp_open_;

  net::UniqueFd epoll_;
  Source wake_{Kind::kWake};
  net::UniqueFd wake_fd_;
  Source timer_{Kind::kTimer};
  net::UniqueFd timer_fd_;
  int tick_ms_ = 1000;
  std::atomic<bool> stop_{false};

  std::vector<std::unique_ptr<UdpSocket>> udp_;
  std::vector<std::unique_ptr<TcpListener>> listeners_;
  bool listeners_paused_ = false;

  std::shared_ptr<const zone::ZoneSet> zones_;
  uint64_t generation_ = 0;
  Responder responder_;
  // kBatch UDP query slots, then kBatch response slots, shared by this
  // worker's UDP sockets (it serves one batch at a time).
  std::unique_ptr<uint8_t[]> udp_data_;

  // TCP responses of one serve() burst are built here, then written with one
  // send(); only what the socket does not take is copied to the connection.
  std::unique_ptr<uint8_t[]> stage_;
  size_t stage_size_ = 0;
  static constexpr size_t kStageCapacity = 4 * (2 + kMaxTcpMessage);

  // Connections in order of last activity (oldest first) for the idle sweep.
  Connection* lru_head_ = nullptr;
  Connection* lru_tail_ = nullptr;
  // Connections that still hold complete queries after using their
  // pipelining budget; served again before the next blocking wait.
  std::vector<Connection*> ready_;
  std::vector<Connection*> ready_work_;

  static constexpr int kMaxEvents = 64;
  epoll_event events_[kMaxEvents];

  alignas(64) WorkerCounters counters_;
};

}  // namespace tandem::server
