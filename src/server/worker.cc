#include "server/worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/log.h"

namespace tandem::server {

namespace {

// Room for one IP_PKTINFO or IPV6_PKTINFO control message.
constexpr size_t kControlSize = CMSG_SPACE(sizeof(in6_pktinfo));
static_assert(CMSG_SPACE(sizeof(in_pktinfo)) <= kControlSize);

// Full UDP batches handled per readiness event before the worker looks at
// its other sockets again (level-triggered epoll reports the rest).
constexpr int kMaxUdpRounds = 8;
constexpr int kMaxAcceptsPerEvent = 64;

inline void bump(std::atomic<uint64_t>& counter, uint64_t n) {
  // Single writer: a plain load + store is enough and avoids a locked add.
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// Milliseconds on a monotonic clock. The coarse clock (a few ms resolution)
// is plenty for idle timeouts and costs no system call.
int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

// glibc's recvmmsg, sendmmsg and epoll_wait are cancellation points: each call
// switches the thread's cancellation state twice, about 90 instructions, more
// than the rest of the per-batch work. Workers are never cancelled, so the
// hot loop enters the kernel directly.
inline int sys_recvmmsg(int fd, mmsghdr* messages, unsigned count) {
  return static_cast<int>(syscall(SYS_recvmmsg, fd, messages, count, 0, nullptr));
}
inline int sys_sendmmsg(int fd, mmsghdr* messages, unsigned count) {
  return static_cast<int>(syscall(SYS_sendmmsg, fd, messages, count, 0));
}
inline int sys_epoll_wait(int epoll, epoll_event* events, int max, int timeout_ms) {
  return static_cast<int>(syscall(SYS_epoll_pwait, epoll, events, max, timeout_ms, nullptr, 0));
}

}  // namespace

struct Worker::TcpListener : Source {
  explicit TcpListener(net::UniqueFd f) : Source{Kind::kTcpListener}, fd(std::move(f)) {}
  net::UniqueFd fd;
};

struct Worker::Connection : Source {
  Connection(int f, int64_t now) : Source{Kind::kTcpConnection}, fd(f), last_active_ms(now) {}
  int fd;
  TcpInput input;
  TcpOutput output;
  uint32_t events = EPOLLIN;   // current epoll interest
  int64_t last_active_ms;      // accept or last complete query
  bool eof = false;            // the peer sent FIN: answer what is buffered, then close
  bool ready = false;          // listed in ready_
  Connection* prev = nullptr;  // LRU links
  Connection* next = nullptr;
};

// A UDP socket with its preallocated recvmmsg / sendmmsg headers. Slot i of
// the worker's buffer holds the i-th datagram of a batch and, kBatch slots
// further, its response; sendmmsg entry i is preset to that response and to
// the sender's address, so answering only fills in the length. When a query
// gets no response, later entries move down to keep the sendmmsg vector
// dense (and are put back afterwards). The headers are per socket so that
// the address length is fixed (one family per socket) and only wildcard
// sockets carry control messages.
struct Worker::UdpSocket : Source {
  static constexpr size_t kResponseOffset = kBatch * kUdpBufferSize;

  UdpSocket(net::UniqueFd f, bool pi, int family, uint8_t* buffers)
      : Source{Kind::kUdp},
        fd(std::move(f)),
        packet_info(pi),
        peer_len(family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in)),
        data(buffers) {
    memset(rx, 0, sizeof(rx));
    memset(tx, 0, sizeof(tx));
    for (unsigned i = 0; i < kBatch; ++i) {
      rx_iov[i] = {query(i), kUdpBufferSize};
      rx[i].msg_hdr.msg_iov = &rx_iov[i];
      rx[i].msg_hdr.msg_iovlen = 1;
      rx[i].msg_hdr.msg_name = &peer[i];
      rx[i].msg_hdr.msg_control = packet_info ? rx_control[i] : nullptr;
      reset_rx(i);
      tx[i].msg_hdr.msg_iov = &tx_iov[i];
      tx[i].msg_hdr.msg_iovlen = 1;
      tx[i].msg_hdr.msg_namelen = peer_len;
      restore_tx(i);
    }
  }
  // The kernel overwrites these lengths on receive; restore them before reuse.
  void reset_rx(unsigned i) {
    rx[i].msg_hdr.msg_namelen = peer_len;
    rx[i].msg_hdr.msg_controllen = packet_info ? kControlSize : 0;
  }
  // Moves sendmmsg entry i (the response to query i) down to `out` < i.
  void move_tx(unsigned i, unsigned out) {
    tx[out].msg_hdr.msg_name = &peer[i];
    tx_iov[out] = tx_iov[i];
  }
  // Undoes move_tx and drops any control message.
  void restore_tx(unsigned i) {
    tx[i].msg_hdr.msg_name = &peer[i];
    tx[i].msg_hdr.msg_control = nullptr;
    tx[i].msg_hdr.msg_controllen = 0;
    tx_iov[i] = {response(i), 0};
  }
  uint8_t* query(unsigned i) { return data + i * kUdpBufferSize; }
  uint8_t* response(unsigned i) { return query(i) + kResponseOffset; }

  // Makes response entry `out` leave from the address query i was sent to
  // (the query arrived on a wildcard socket). Without packet info the kernel
  // picks the source by routing, which may differ, and then the client
  // drops the reply.
  void set_source(unsigned i, unsigned out) {
    msghdr& in = rx[i].msg_hdr;
    msghdr& reply = tx[out].msg_hdr;
    auto* o = reinterpret_cast<cmsghdr*>(tx_control[out]);
    for (cmsghdr* c = CMSG_FIRSTHDR(&in); c != nullptr; c = CMSG_NXTHDR(&in, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo received;
        memcpy(&received, CMSG_DATA(c), sizeof(received));
        // ipi_spec_dst is the local address the query reached (for unicast
        // the destination itself). Interface 0: let routing choose it.
        in_pktinfo source{};
        source.ipi_spec_dst = received.ipi_spec_dst;
        o->cmsg_level = IPPROTO_IP;
        o->cmsg_type = IP_PKTINFO;
        o->cmsg_len = CMSG_LEN(sizeof(source));
        memcpy(CMSG_DATA(o), &source, sizeof(source));
        reply.msg_control = o;
        reply.msg_controllen = CMSG_SPACE(sizeof(source));
        return;
      }
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo received;
        memcpy(&received, CMSG_DATA(c), sizeof(received));
        in6_pktinfo source{};
        source.ipi6_addr = received.ipi6_addr;
        // A link-local source is only meaningful with its interface.
        if (IN6_IS_ADDR_LINKLOCAL(&received.ipi6_addr)) source.ipi6_ifindex = received.ipi6_ifindex;
        o->cmsg_level = IPPROTO_IPV6;
        o->cmsg_type = IPV6_PKTINFO;
        o->cmsg_len = CMSG_LEN(sizeof(source));
        memcpy(CMSG_DATA(o), &source, sizeof(source));
        reply.msg_control = o;
        reply.msg_controllen = CMSG_SPACE(sizeof(source));
        return;
      }
    }
  }
  mmsghdr rx[kBatch];
  iovec rx_iov[kBatch];
  sockaddr_storage peer[kBatch];
  alignas(cmsghdr) uint8_t rx_control[kBatch][kControlSize];
  mmsghdr tx[kBatch];
  iovec tx_iov[kBatch];
  alignas(cmsghdr) uint8_t tx_control[kBatch][kControlSize];

  net::UniqueFd fd;
  const bool packet_info;
  const socklen_t peer_len;
  uint8_t* const data;  // the worker's UDP buffers
};

Worker::Worker(int index, const WorkerOptions& options, ZoneSetHolder& zones,
               std::atomic<size_t>& tcp_open)
    : index_(index), options_(options), holder_(zones), tcp_open_(tcp_open) {
  responder_.set_divert(options.handler != nullptr);
}

Worker::~Worker() {
  while (lru_head_ != nullptr) close_connection(lru_head_);
}

Result<void, std::string> Worker::init() {
  auto error = [this](const char* what) {
    return tl::unexpected<std::string>("worker " + std::to_string(index_) + ": cannot create " +
                                       what + ": " + strerror(errno));
  };
  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) return error("epoll set");
  wake_fd_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd_.valid()) return error("eventfd");
  timer_fd_.reset(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!timer_fd_.valid()) return error("timerfd");

  // The tick drives the idle sweep (a connection closes between timeout and
  // timeout + tick) and lets an idle worker drop a superseded ZoneSet.
  tick_ms_ = std::clamp(options_.tcp_idle_timeout_ms / 4, 10, 1000);
  itimerspec period{};
  period.it_interval.tv_sec = tick_ms_ / 1000;
  period.it_interval.tv_nsec = static_cast<long>(tick_ms_ % 1000) * 1000000;
  period.it_value = period.it_interval;
  if (timerfd_settime(timer_fd_.get(), 0, &period, nullptr) != 0) return error("timer");

  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &wake_;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &ev) != 0) return error("epoll entry");
  ev.data.ptr = &timer_;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, timer_fd_.get(), &ev) != 0) {
    return error("epoll entry");
  }

  udp_data_.reset(new uint8_t[2 * kBatch * kUdpBufferSize]);
  stage_.reset(new uint8_t[kStageCapacity]);
  ready_.reserve(64);
  ready_work_.reserve(64);
  return {};
}

Result<void, std::string> Worker::add_udp(net::UniqueFd fd, bool packet_info) {
  int family = 0;
  socklen_t len = sizeof(family);
  if (getsockopt(fd.get(), SOL_SOCKET, SO_DOMAIN, &family, &len) != 0) {
    return tl::unexpected<std::string>(std::string("cannot query a UDP socket: ") +
                                       strerror(errno));
  }
  auto socket = std::make_unique<UdpSocket>(std::move(fd), packet_info, family, udp_data_.get());
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = static_cast<Source*>(socket.get());
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, socket->fd.get(), &ev) != 0) {
    return tl::unexpected<std::string>(std::string("cannot watch a UDP socket: ") +
                                       strerror(errno));
  }
  udp_.push_back(std::move(socket));
  return {};
}

Result<void, std::string> Worker::add_tcp_listener(net::UniqueFd fd) {
  auto listener = std::make_unique<TcpListener>(std::move(fd));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = static_cast<Source*>(listener.get());
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener->fd.get(), &ev) != 0) {
    return tl::unexpected<std::string>(std::string("cannot watch a TCP socket: ") +
                                       strerror(errno));
  }
  listeners_.push_back(std::move(listener));
  return {};
}

void Worker::request_stop() {
  stop_.store(true, std::memory_order_relaxed);
  uint64_t one = 1;
  // The counter cannot overflow with a handful of writes; a failed write
  // (EAGAIN) would mean it is already signalled.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof(one));
}

void Worker::add_counters(QueryStats& stats) const {
  stats.udp_queries += counters_.udp_queries.load(std::memory_order_relaxed);
  stats.tcp_queries += counters_.tcp_queries.load(std::memory_order_relaxed);
  stats.responses += counters_.responses.load(std::memory_order_relaxed);
  stats.dropped += counters_.dropped.load(std::memory_order_relaxed);
  stats.tcp_connections += counters_.tcp_connections.load(std::memory_order_relaxed);
}

void Worker::run() {
  refresh_zones();
  while (!stop_.load(std::memory_order_relaxed)) {
    // Connections with buffered queries left over must not wait for new
    // readiness, so poll without blocking while there are any.
    int n = sys_epoll_wait(epoll_.get(), events_, kMaxEvents, ready_.empty() ? -1 : 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      TANDEM_LOG_ERROR("worker %d: epoll_wait failed: %s; stopping", index_, strerror(errno));
      break;
    }
    bool tick = false;
    for (int i = 0; i < n; ++i) {
      auto* source = static_cast<Source*>(events_[i].data.ptr);
      switch (source->kind) {
        case Kind::kUdp:
          on_udp(*static_cast<UdpSocket*>(source));
          break;
        case Kind::kTcpConnection:
          on_connection(static_cast<Connection*>(source), events_[i].events);
          break;
        case Kind::kTcpListener:
          on_accept(*static_cast<TcpListener*>(source));
          break;
        case Kind::kTimer: {
          uint64_t expirations;
          [[maybe_unused]] ssize_t r = ::read(timer_fd_.get(), &expirations, sizeof(expirations));
          tick = true;  // handled after the events: the sweep may free connections
          break;        // that later entries of events_ still point to
        }
        case Kind::kWake: {
          uint64_t value;
          [[maybe_unused]] ssize_t r = ::read(wake_fd_.get(), &value, sizeof(value));
          break;
        }
      }
    }
    if (tick) on_tick();
    if (!ready_.empty()) {
      ready_work_.swap(ready_);
      for (Connection* c : ready_work_) {
        c->ready = false;
        serve(c);
      }
      ready_work_.clear();
    }
  }
  while (lru_head_ != nullptr) close_connection(lru_head_);
  ready_.clear();
  zones_.reset();
  generation_ = 0;
}

// ---------------------------------------------------------------- UDP

// The hot path. Per batch: one recvmmsg, one generation check, the Responder
// for each datagram writing straight into its send slot, one sendmmsg (more
// only when the kernel takes part of the batch). No allocation, no lock.
void Worker::on_udp(UdpSocket& s) {
  const int fd = s.fd.get();
  for (int round = 0; round < kMaxUdpRounds; ++round) {
    int received = sys_recvmmsg(fd, s.rx, kBatch);
    if (received <= 0) {
      // EAGAIN: drained. Other errors on an unconnected UDP socket are
      // transient (e.g. ENOMEM); level-triggered epoll retries later.
      return;
    }
    refresh_zones();
    const zone::ZoneSet& zones = *zones_;
    const unsigned count = static_cast<unsigned>(received);
    // Answer every query into its paired slot. This loop is all the
    // per-query work outside the Responder, so it does little else.
    unsigned no_response = 0;
    uint8_t* query = s.query(0);
    for (unsigned i = 0; i < count; ++i, query += kUdpBufferSize) {
      size_t size =
          responder_.respond(zones, query, s.rx[i].msg_len, query + UdpSocket::kResponseOffset,
                             kMaxTcpMessage, Transport::kUdp);
      if (size == kDivert) [[unlikely]]
        size = divert_udp(s, i, query + UdpSocket::kResponseOffset);
      s.tx_iov[i].iov_len = size;
      // Always the same value for a socket of one family, but never trust a
      // length the kernel wrote back.
      s.rx[i].msg_hdr.msg_namelen = s.peer_len;
      no_response += size == 0;
    }
    unsigned out = count;
    if (no_response != 0 || s.packet_info) [[unlikely]] {
      // Close the gaps left by queries without a response (in order, so an
      // entry is only overwritten after it was moved), and set the source
      // address of replies from a wildcard socket.
      out = 0;
      for (unsigned i = 0; i < count; ++i) {
        if (s.tx_iov[i].iov_len != 0) {
          if (out != i) s.move_tx(i, out);
          if (s.packet_info) s.set_source(i, out);
          ++out;
        }
        s.reset_rx(i);
      }
    }

    uint64_t dropped = no_response;
    unsigned sent = 0, delivered = 0;
    while (sent < out) {
      int r = sys_sendmmsg(fd, s.tx + sent, out - sent);
      if (r > 0) {
        sent += static_cast<unsigned>(r);
        delivered += static_cast<unsigned>(r);
        continue;
      }
      if (errno == EINTR) continue;
      if (would_block(errno) || errno == ENOBUFS) {
        // The send buffer is full: retrying now would fail again, and a UDP
        // client retries anyway.
        dropped += out - sent;
        break;
      }
      // This datagram was refused (e.g. EPERM from a firewall, EINVAL for an
      // odd source address): skip it, send the others.
      ++dropped;
      ++sent;
    }
    if (out != count || s.packet_info) [[unlikely]] {
      for (unsigned k = 0; k < out; ++k) s.restore_tx(k);
    }
    bump(counters_.udp_queries, count);
    bump(counters_.responses, delivered);
    if (dropped != 0) bump(counters_.dropped, dropped);
    if (count < kBatch) return;
  }
}

// ---------------------------------------------------------------- TCP

void Worker::on_accept(TcpListener& listener) {
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    int fd = accept4(listener.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (would_block(errno)) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors or memory: a level-triggered listener would spin,
        // so stop watching the listeners until the next tick.
        TANDEM_LOG_WARN("worker %d: cannot accept TCP connections: %s", index_, strerror(errno));
        for (auto& l : listeners_) {
          epoll_event ev{};
          ev.data.ptr = static_cast<Source*>(l.get());
          epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, l->fd.get(), &ev);
        }
        listeners_paused_ = true;
        return;
      }
      TANDEM_LOG_WARN("worker %d: accept failed: %s", index_, strerror(errno));
      return;
    }
    // The limit is server-wide; connections beyond it are closed at once
    // (RFC 7766 6.2.2 lets a server limit concurrent connections).
    if (tcp_open_.fetch_add(1, std::memory_order_relaxed) >= options_.tcp_max_connections) {
      tcp_open_.fetch_sub(1, std::memory_order_relaxed);
      ::close(fd);
      continue;
    }
    // Responses of one burst go out in one send(): Nagle would only add delay.
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto* c = new Connection(fd, now_ms());
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = static_cast<Source*>(c);
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      TANDEM_LOG_WARN("worker %d: cannot watch a TCP connection: %s", index_, strerror(errno));
      ::close(fd);
      delete c;
      tcp_open_.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    c->prev = lru_tail_;
    if (lru_tail_ != nullptr) {
      lru_tail_->next = c;
    } else {
      lru_head_ = c;
    }
    lru_tail_ = c;
    bump(counters_.tcp_connections, 1);
  }
}

void Worker::on_connection(Connection* c, uint32_t events) {
  if (events & EPOLLERR) {
    close_connection(c);
    return;
  }
  // After a hang-up the write fails and closes the connection.
  if ((events & (EPOLLOUT | EPOLLHUP)) && !write_pending(c)) return;
  // serve() answers what is buffered, reads when there is room, closes after
  // the peer's FIN once everything is sent, and sets the interest again. A
  // connection still over its output limit just keeps waiting for EPOLLOUT.
  if ((events & (EPOLLIN | EPOLLHUP)) || c->output.size() < kMaxPendingOutput) serve(c);
}

bool Worker::serve(Connection* c) {
  refresh_zones();
  const zone::ZoneSet& zones = *zones_;
  size_t budget = options_.tcp_max_pipelined;
  uint64_t queries = 0, responses = 0, dropped = 0;
  bool have_read = false;
  bool alive = true;    // false: close the connection below
  bool closed = false;  // flush() already closed it
  for (;;) {
    while (budget > 0 && c->output.size() < kMaxPendingOutput) {
      const uint8_t* query;
      size_t size;
      TcpInput::Status status = c->input.next(&query, &size);
      if (status == TcpInput::Status::kIncomplete) break;
      if (status == TcpInput::Status::kEmpty) {
        // A zero-length message is no DNS message: the peer is broken.
        alive = false;
        break;
      }
      if (kStageCapacity - stage_size_ < 2 + kMaxTcpMessage && !flush(c)) {
        closed = true;
        break;
      }
      uint8_t* slot = stage_.get() + stage_size_;
      size_t answer =
          responder_.respond(zones, query, size, slot + 2, kMaxTcpMessage, Transport::kTcp);
      if (answer == kDivert) [[unlikely]] {
        bool handed = false;
        answer = divert_tcp(c, query, size, slot + 2, &handed);
        if (handed) {
          bump(counters_.tcp_queries, queries + 1);
          return false;
        }
      }
      ++queries;
      --budget;
      if (answer == 0 || answer > kMaxTcpMessage) {
        ++dropped;
        continue;
      }
      slot[0] = static_cast<uint8_t>(answer >> 8);
      slot[1] = static_cast<uint8_t>(answer);
      stage_size_ += 2 + answer;
      ++responses;
    }
    if (closed || !alive || budget == 0 || c->output.size() >= kMaxPendingOutput || have_read ||
        c->eof) {
      break;
    }
    // No complete query left: read once. Level-triggered epoll reports the
    // socket again if more is waiting, which keeps connections fair.
    std::span<uint8_t> space = c->input.space();
    ssize_t n = ::recv(c->fd, space.data(), space.size(), 0);
    have_read = true;
    if (n > 0) {
      c->input.commit(static_cast<size_t>(n));
    } else if (n == 0) {
      c->eof = true;  // answer what is complete, then close
    } else if (!would_block(errno) && errno != EINTR) {
      alive = false;  // reset by the peer
    }
  }

  if (queries != 0) {
    bump(counters_.tcp_queries, queries);
    bump(counters_.responses, responses);
    if (dropped != 0) bump(counters_.dropped, dropped);
    if (!closed) touch(c, now_ms());
  }
  if (closed) return false;
  if (!alive) {
    stage_size_ = 0;
    close_connection(c);
    return false;
  }
  if (!flush(c)) return false;

  bool more = c->input.has_message();
  bool blocked = c->output.size() >= kMaxPendingOutput;
  if (c->eof && !more && c->output.empty()) {
    close_connection(c);
    return false;
  }
  if (more && !blocked && !c->ready) {
    c->ready = true;
    ready_.push_back(c);
  }
  uint32_t interest = 0;
  if (!c->eof && !blocked) interest |= EPOLLIN;
  if (!c->output.empty()) interest |= EPOLLOUT;
  set_interest(c, interest);
  return true;
}

bool Worker::flush(Connection* c) {
  if (stage_size_ == 0) return true;
  size_t written = 0;
  if (c->output.empty()) {
    ssize_t n = ::send(c->fd, stage_.get(), stage_size_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (!would_block(errno) && errno != EINTR) {
        stage_size_ = 0;
        close_connection(c);
        return false;
      }
      n = 0;
    }
    written = static_cast<size_t>(n);
  }
  if (written < stage_size_) c->output.append(stage_.get() + written, stage_size_ - written);
  stage_size_ = 0;
  return true;
}

bool Worker::write_pending(Connection* c) {
  while (!c->output.empty()) {
    std::span<const uint8_t> pending = c->output.pending();
    ssize_t n = ::send(c->fd, pending.data(), pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c->output.consume(static_cast<size_t>(n));
      if (static_cast<size_t>(n) < pending.size()) break;  // the socket buffer is full
      continue;
    }
    if (n < 0 && (would_block(errno) || errno == EINTR)) {
      if (errno == EINTR) continue;
      break;
    }
    close_connection(c);
    return false;
  }
  return true;
}

size_t Worker::divert_udp(UdpSocket& s, unsigned i, uint8_t* out) {
  net::SocketAddress peer(reinterpret_cast<const sockaddr*>(&s.peer[i]), s.peer_len);
  size_t size = 0;
  auto outcome = options_.handler->handle({s.query(i), s.rx[i].msg_len}, peer, Transport::kUdp, out,
                                          kMaxUdpPayload, &size, nullptr);
  return outcome == RequestHandler::Outcome::kAnswered ? size : 0;
}

size_t Worker::divert_tcp(Connection* c, const uint8_t* query, size_t size, uint8_t* out,
                          bool* handed) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  net::SocketAddress peer;
  if (getpeername(c->fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
    peer = net::SocketAddress(reinterpret_cast<sockaddr*>(&ss), len);
  Handoff handoff;
  size_t answer = 0;
  auto outcome = options_.handler->handle({query, size}, peer, Transport::kTcp, out,
                                          kMaxTcpMessage, &answer, &handoff);
  if (outcome == RequestHandler::Outcome::kAnswered) return answer;
  if (outcome == RequestHandler::Outcome::kDrop) return 0;
  // Hand the connection over: everything this worker still holds for it
  // goes along (answers staged or queued, bytes read after the request), in
  // order, and the worker forgets the connection without closing it.
  handoff.fd = c->fd;
  handoff.peer = peer;
  handoff.request.assign(query, query + size);
  handoff.unsent.assign(stage_.get(), stage_.get() + stage_size_);
  std::span<const uint8_t> queued = c->output.pending();
  handoff.unsent.insert(handoff.unsent.begin(), queued.begin(), queued.end());
  stage_size_ = 0;
  std::span<const uint8_t> rest = c->input.unread();
  handoff.unread.assign(rest.begin(), rest.end());
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c->fd, nullptr);
  c->fd = -1;
  close_connection(c);
  *handed = true;
  options_.handler->take_connection(std::move(handoff));
  return 0;
}

void Worker::set_interest(Connection* c, uint32_t events) {
  if (c->events == events) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = static_cast<Source*>(c);
  epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c->fd, &ev);
  c->events = events;
}

void Worker::close_connection(Connection* c) {
  if (c->ready) {
    auto it = std::find(ready_.begin(), ready_.end(), c);
    if (it != ready_.end()) ready_.erase(it);
  }
  if (c->prev != nullptr) {
    c->prev->next = c->next;
  } else {
    lru_head_ = c->next;
  }
  if (c->next != nullptr) {
    c->next->prev = c->prev;
  } else {
    lru_tail_ = c->prev;
  }
  if (c->fd >= 0) ::close(c->fd);  // also removes it from the epoll set (-1: handed over)
  tcp_open_.fetch_sub(1, std::memory_order_relaxed);
  delete c;
}

void Worker::touch(Connection* c, int64_t now) {
  c->last_active_ms = now;
  if (c == lru_tail_) return;
  // Unlink, then append at the tail (c is not the tail, so c->next exists).
  if (c->prev != nullptr) {
    c->prev->next = c->next;
  } else {
    lru_head_ = c->next;
  }
  c->next->prev = c->prev;
  c->prev = lru_tail_;
  c->next = nullptr;
  lru_tail_->next = c;
  lru_tail_ = c;
}

// RFC 7766 6.2.3: close connections that sent no complete query for the idle
// timeout. The list is ordered by last activity, so the sweep stops at the
// first connection that is still fresh.
void Worker::sweep(int64_t now) {
  while (lru_head_ != nullptr && now - lru_head_->last_active_ms >= options_.tcp_idle_timeout_ms) {
    close_connection(lru_head_);
  }
}

void Worker::on_tick() {
  refresh_zones();
  sweep(now_ms());
  if (listeners_paused_) {
    listeners_paused_ = false;
    for (auto& l : listeners_) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = static_cast<Source*>(l.get());
      epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, l->fd.get(), &ev);
    }
  }
}

}  // namespace tandem::server
