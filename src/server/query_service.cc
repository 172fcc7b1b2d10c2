#include "server/query_service.h"

#include <pthread.h>

#include <system_error>

#include "net/socket.h"
#include "server/worker.h"
#include "util/log.h"

namespace tandem::server {

namespace {

// Socket buffers large enough to absorb a burst while the worker answers the
// previous batch (best effort: capped by net.core.rmem_max / wmem_max).
constexpr int kUdpReceiveBuffer = 4 * 1024 * 1024;
constexpr int kUdpSendBuffer = 4 * 1024 * 1024;

}  // namespace

struct QueryService::Impl {
  // Declared before the workers: they decrement it when they close
  // connections, up to their destruction.
  std::atomic<size_t> tcp_open{0};
  // Serialises start(), stop() and stats() (control plane only).
  std::mutex mutex;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;
  QueryStats retired;  // counters of workers from a previous start()

  void shut_down() {
    for (auto& w : workers) w->request_stop();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
    threads.clear();
    for (auto& w : workers) w->add_counters(retired);
    workers.clear();  // closes every socket
  }
};

QueryService::QueryService() : impl_(std::make_unique<Impl>()) {}

QueryService::~QueryService() { stop(); }

Result<void, std::string> QueryService::start(const QueryServiceOptions& options,
                                              ZoneSetHolder& zones) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->workers.empty()) return fail("the query service is already running");
  if (options.listen.empty()) return fail("no listen address");
  if (options.workers < 1) return fail("workers must be at least 1");
  if (options.tcp_idle_timeout_ms < 1) return fail("tcp_idle_timeout_ms must be positive");
  if (options.tcp_max_pipelined < 1) return fail("tcp_max_pipelined must be at least 1");

  WorkerOptions worker_options;
  worker_options.tcp_max_connections = options.tcp_max_connections;
  worker_options.tcp_idle_timeout_ms = options.tcp_idle_timeout_ms;
  worker_options.tcp_max_pipelined = options.tcp_max_pipelined;
  worker_options.handler = options.handler;

  for (const net::SocketAddress& address : options.listen) {
    if (auto unused = net::check_address_unused(address); !unused) {
      return tl::unexpected(unused.error());
    }
  }

  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < options.workers; ++i) {
    auto worker = std::make_unique<Worker>(i, worker_options, zones, impl_->tcp_open);
    if (auto ok = worker->init(); !ok) return tl::unexpected(ok.error());
    for (const net::SocketAddress& address : options.listen) {
      net::ListenOptions udp;
      // Only a wildcard socket can receive on several addresses and must
      // choose its reply source; a specific bind skips the control messages.
      udp.packet_info = address.is_any();
      udp.receive_buffer = kUdpReceiveBuffer;
      udp.send_buffer = kUdpSendBuffer;
      auto udp_fd = net::open_udp_listener(address, udp);
      if (!udp_fd) return tl::unexpected(udp_fd.error());
      if (auto ok = worker->add_udp(std::move(*udp_fd), udp.packet_info); !ok) {
        return tl::unexpected(ok.error());
      }
      auto tcp_fd = net::open_tcp_listener(address, net::ListenOptions{});
      if (!tcp_fd) return tl::unexpected(tcp_fd.error());
      if (auto ok = worker->add_tcp_listener(std::move(*tcp_fd)); !ok) {
        return tl::unexpected(ok.error());
      }
    }
    workers.push_back(std::move(worker));
  }

  impl_->workers = std::move(workers);
  try {
    for (auto& w : impl_->workers) {
      Worker* worker = w.get();
      impl_->threads.emplace_back([worker] { worker->run(); });
      std::string name = "tandem-q" + std::to_string(impl_->threads.size() - 1);
      pthread_setname_np(impl_->threads.back().native_handle(), name.substr(0, 15).c_str());
    }
  } catch (const std::system_error& e) {
    impl_->shut_down();
    return fail(("cannot start a query worker thread: " + std::string(e.what())).c_str());
  }

  std::string addresses;
  for (const net::SocketAddress& address : options.listen) {
    if (!addresses.empty()) addresses += ", ";
    addresses += address.to_string();
  }
  TANDEM_LOG_DEBUG("answering queries on %s (UDP and TCP), %d worker%s", addresses.c_str(),
                   options.workers, options.workers == 1 ? "" : "s");
  return {};
}

void QueryService::stop() {
  if (!impl_) return;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->shut_down();
}

QueryStats QueryService::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  QueryStats total = impl_->retired;
  for (const auto& w : impl_->workers) w->add_counters(total);
  return total;
}

}  // namespace tandem::server
