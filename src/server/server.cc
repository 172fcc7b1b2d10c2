#include "server/server.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <thread>

#include "util/clock.h"
#include "util/log.h"
#include "util/serial.h"
#include "zone/diff.h"

namespace tandem::server {

namespace detail {

std::string iso_time(std::chrono::system_clock::time_point tp) {
  time_t t = std::chrono::system_clock::to_time_t(tp);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::string quoted(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t\"") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;
using detail::iso_time;
using detail::quoted;


// Errors and warnings of one zone load are logged and returned up to this
// many; a broken 1M-record file must not flood the log or the control reply.
constexpr size_t kMaxReportedErrors = 20;

std::string format_ms(double ms) {
  char buf[32];
  snprintf(buf, sizeof buf, ms < 10 ? "%.1f ms" : "%.0f ms", ms);
  return buf;
}

std::string join_addresses(const std::vector<net::SocketAddress>& addresses) {
  std::string out;
  for (const auto& a : addresses) {
    if (!out.empty()) out += ", ";
    out += a.to_string();
  }
  return out;
}

std::string remote_ids(const std::vector<config::Remote>& remotes) {
  std::string out;
  for (const auto& r : remotes) {
    if (!out.empty()) out += ",";
    out += r.id;
  }
  return out;
}

}  // namespace

std::optional<FileStamp> stamp_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  FileStamp s;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.size = st.st_size;
  return s;
}

void Server::run_jobs(std::vector<LoadJob>& jobs) {
  auto run_one = [](LoadJob& job) {
    auto start = Clock::now();
    job.stamp = stamp_file(job.zone->file);
    try {
      job.result = zone::load_zone_file(job.zone->domain, job.zone->file);
      // A newer serial: keep the difference for IXFR (RFC 1995) while still
      // off the main thread.
      if (job.result.zone && job.previous &&
          util::serial_gt(job.result.zone->serial(), job.previous->serial()))
        job.diff = zone::compute_diff(*job.previous, *job.result.zone);
    } catch (const std::exception& e) {
      // The loader reports bad input as errors; an exception here is a
      // resource problem (e.g. out of memory) and must not stop the server.
      job.result = zone::LoadResult{};
      job.result.errors.push_back(zone::ParseError{job.zone->file, 0, e.what()});
    }
    job.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  };
  // Zone loading is CPU-bound (parsing and indexing), and start-up time is
  // what a restarted server is judged by: one thread per CPU at most.
  size_t threads =
      std::min<size_t>(jobs.size(), std::max(1u, std::thread::hardware_concurrency()));
  if (threads <= 1) {
    for (LoadJob& job : jobs) run_one(job);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) run_one(jobs[i]);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

void Server::finish_load(ZoneEntry& entry, LoadJob& job, Report& report) {
  const std::string name = job.zone->domain.to_text();
  auto& result = job.result;
  size_t shown = 0;
  for (const auto& w : result.warnings) {
    if (shown++ == kMaxReportedErrors) {
      TANDEM_LOG_WARN("zone %s: ... and %zu more warnings", name.c_str(),
                      result.warnings.size() - kMaxReportedErrors);
      break;
    }
    TANDEM_LOG_WARN("%s:%zu: warning: %s", w.file.c_str(), w.line, w.message.c_str());
  }
  if (result.zone && result.errors.empty()) {
    bool reloaded = entry.zone != nullptr;
    std::shared_ptr<const zone::Zone> previous = entry.zone;
    if (job.diff) {
      auto journal = std::make_shared<xfr::Journal>(entry.journal ? *entry.journal : xfr::Journal{});
      journal->add(std::move(*job.diff));
      entry.journal = std::move(journal);
    } else if (previous && previous->serial() != result.zone->serial()) {
      // The serial went backwards (or jumped 2^31): no IXFR history across it.
      entry.journal.reset();
      TANDEM_LOG_WARN("zone %s: serial %u -> %u is not an increase (RFC 1982): secondaries will "
                      "not pick this version up by themselves",
                      name.c_str(), previous->serial(), result.zone->serial());
    } else if (previous) {
      TANDEM_LOG_WARN("zone %s: reloaded with the same serial %u: secondaries will not see changes "
                      "made without a serial increase",
                      name.c_str(), previous->serial());
    }
    entry.zone = result.zone;
    entry.stamp = job.stamp;
    entry.loaded_at = std::chrono::system_clock::now();
    entry.last_errors.clear();
    TANDEM_LOG_INFO("zone %s serial %u, %zu records loaded in %s", name.c_str(),
                    entry.zone->serial(), entry.zone->record_count(), format_ms(job.ms).c_str());
    report.lines.push_back("zone " + name + ": " + (reloaded ? "reloaded" : "loaded") +
                           ", serial " + std::to_string(entry.zone->serial()) + ", " +
                           std::to_string(entry.zone->record_count()) + " records in " +
                           format_ms(job.ms));
    if (previous && previous->serial() != entry.zone->serial()) entry.notify_pending = true;
    return;
  }
  // The previous version (if any) keeps being served: a broken edit must
  // never take a zone down.
  report.ok = false;
  entry.last_errors.clear();
  for (const auto& e : result.errors) entry.last_errors.push_back(e.to_string());
  if (entry.last_errors.empty()) entry.last_errors.push_back(job.zone->file + ": not loaded");
  std::string count = std::to_string(entry.last_errors.size()) +
                      (entry.last_errors.size() == 1 ? " error" : " errors");
  std::string outcome = entry.zone ? "zone " + name + ": not reloaded (" + count +
                                         "); still serving serial " +
                                         std::to_string(entry.zone->serial())
                                   : "zone " + name + ": not loaded (" + count + "); not served";
  report.lines.push_back(outcome);
  for (size_t i = 0; i < entry.last_errors.size(); ++i) {
    if (i == kMaxReportedErrors) {
      std::string more = "  ... and " + std::to_string(entry.last_errors.size() - i) + " more";
      TANDEM_LOG_ERROR("%s", more.c_str());
      report.lines.push_back(more);
      break;
    }
    TANDEM_LOG_ERROR("%s", entry.last_errors[i].c_str());
    report.lines.push_back("  " + entry.last_errors[i]);
  }
  TANDEM_LOG_ERROR("%s", outcome.c_str());
}

Server::Server(ServeOptions options) : options_(std::move(options)) {}

Server::~Server() {
  queries_.stop();
  control_.close();
  shut_down_xfr();
}

void Server::shut_down_xfr() {
  // Transfers in flight are abandoned (a partial transfer is never applied);
  // stored copies being written are finished first, so nothing is lost.
  if (xfr_) xfr_->stop();
  if (transfers_) transfers_->stop();
  if (notifies_) notifies_->stop();
  if (writer_) {
    writer_->drain();
    writer_->stop();
  }
  if (event_fd_ >= 0) ::close(event_fd_);
  if (timer_fd_ >= 0) ::close(timer_fd_);
  event_fd_ = timer_fd_ = -1;
}

int Server::run() {
  // Block the signals before any thread exists (zone loaders, workers), so
  // that they are only ever delivered through the signalfd of this thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  // Restore the caller's mask on every return (all our threads are gone by
  // then), so run() can be called more than once, e.g. in tests.
  struct MaskGuard {
    sigset_t mask;
    ~MaskGuard() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } mask_guard{previous};
  // A peer closing a TCP connection early must not kill the process.
  ::signal(SIGPIPE, SIG_IGN);

  started_ = Clock::now();
  started_wall_ = std::chrono::system_clock::now();
  if (options_.verbose) log::set_level(log::Level::kDebug);

  auto loaded = config::load_config(options_.config_path);
  if (!loaded) {
    for (const std::string& m : loaded.error().messages) fprintf(stderr, "%s\n", m.c_str());
    fprintf(stderr, "tandem: not started: the configuration has errors\n");
    return 1;
  }
  if (!options_.verbose) log::set_level(loaded->log_level);
  running_ = loaded->server;
  TANDEM_LOG_INFO("tandem %s starting (config %s)", kVersion, options_.config_path.c_str());

  std::error_code ec;
  std::filesystem::create_directories(running_.storage, ec);
  if (ec) {
    TANDEM_LOG_ERROR("cannot create the storage directory '%s': %s", running_.storage.c_str(),
                     ec.message().c_str());
    return 1;
  }
  if (auto opened = control_.open(running_.control); !opened) {
    TANDEM_LOG_ERROR("%s", opened.error().c_str());
    return 1;
  }

  store_ = std::make_unique<store::ZoneStore>(running_.storage);
  transfers_ = std::make_unique<JobPool>("tandem-xfrin", running_.xfr_in_max);
  notifies_ = std::make_unique<JobPool>("tandem-notify", 2);
  writer_ = std::make_unique<JobPool>("tandem-store", 1);
  XfrServiceOptions xopts;
  xopts.max_transfers = running_.xfr_out_max;
  xopts.timeout_ms = running_.xfr_timeout_ms;
  xopts.idle_timeout_ms = running_.tcp_idle_timeout_ms;
  xfr_ = std::make_unique<XfrService>(
      xopts, [this](const dns::Name& zone, std::optional<uint32_t> serial, const net::SocketAddress& from) {
        post([this, zone, serial, from] { on_notify(zone, serial, from); });
      });
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (event_fd_ < 0 || timer_fd_ < 0) {
    TANDEM_LOG_ERROR("cannot create the event and timer descriptors: %s", std::strerror(errno));
    return 1;
  }

  Report report = apply_config(std::move(*loaded), /*force=*/true);

  QueryServiceOptions qopts;
  qopts.handler = xfr_.get();
  qopts.listen = running_.listen;
  qopts.workers = running_.workers;
  qopts.tcp_max_connections = running_.tcp_max_connections;
  qopts.tcp_idle_timeout_ms = running_.tcp_idle_timeout_ms;
  if (auto started = queries_.start(qopts, holder_); !started) {
    TANDEM_LOG_ERROR("cannot listen: %s", started.error().c_str());
    control_.close();
    return 1;
  }
  size_t served = 0;
  for (const auto& [name, entry] : zones_) served += entry.zone ? 1 : 0;
  TANDEM_LOG_INFO("listening on %s (UDP and TCP, %d worker%s)",
                  join_addresses(running_.listen).c_str(), running_.workers,
                  running_.workers == 1 ? "" : "s");
  TANDEM_LOG_INFO("ready in %s: %zu of %zu zones served; control socket %s",
                  format_ms(std::chrono::duration<double, std::milli>(Clock::now() - started_)
                                .count())
                      .c_str(),
                  served, zones_.size(), running_.control.c_str());

  int sfd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    TANDEM_LOG_ERROR("signalfd: %s", std::strerror(errno));
    queries_.stop();
    control_.close();
    return 1;
  }
  run_timers();
  while (!stop_requested_) {
    pollfd fds[4] = {{sfd, POLLIN, 0}, {control_.fd(), POLLIN, 0}, {event_fd_, POLLIN, 0},
                     {timer_fd_, POLLIN, 0}};
    if (::poll(fds, 4, -1) < 0) {
      if (errno == EINTR) continue;
      TANDEM_LOG_ERROR("poll: %s", std::strerror(errno));
      break;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      while (::read(sfd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGHUP) {
          TANDEM_LOG_INFO("SIGHUP: reloading");
          auto next = config::load_config(options_.config_path);
          if (!next) {
            for (const std::string& m : next.error().messages) TANDEM_LOG_ERROR("%s", m.c_str());
            TANDEM_LOG_ERROR("reload aborted: keeping the current configuration");
          } else {
            apply_config(std::move(*next), /*force=*/false);
          }
        } else {
          TANDEM_LOG_INFO("%s: stopping", info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
          stop_requested_ = true;
        }
      }
    }
    if (fds[1].revents & POLLIN) {
      while (control_.serve_one([this](const ControlCommand& c) { return handle(c); })) {
        if (stop_requested_) break;
      }
    }
    if (fds[2].revents & POLLIN) run_posted();
    if (fds[3].revents & POLLIN) {
      uint64_t expirations;
      [[maybe_unused]] ssize_t r = ::read(timer_fd_, &expirations, sizeof expirations);
      run_timers();
    }
  }
  ::close(sfd);
  queries_.stop();
  control_.close();
  shut_down_xfr();
  TANDEM_LOG_INFO("stopped");
  return 0;
}

Server::Report Server::apply_config(config::Config config, bool force) {
  Report report;
  if (!options_.verbose) log::set_level(config.log_level);
  if (!config_.path.empty()) warn_restart_needed(config, report);

  std::map<dns::Name, ZoneEntry> next;
  std::map<dns::Name, Report> zone_reports;  // printed in config order at the end
  std::vector<dns::Name> order;
  std::vector<LoadJob> jobs;
  for (const config::ZoneConfig& zc : config.zones) {
    ZoneEntry entry;
    entry.config = zc;
    auto old = zones_.find(zc.domain);
    bool same_file = false;
    if (old != zones_.end()) {
      entry.zone = old->second.zone;
      entry.stamp = old->second.stamp;
      entry.loaded_at = old->second.loaded_at;
      entry.last_errors = old->second.last_errors;
      same_file = old->second.config.file == zc.file;
    }
    order.push_back(zc.domain);
    Report& zr = zone_reports[zc.domain];
    const std::string name = zc.domain.to_text();
    if (old != zones_.end()) {
      entry.journal = old->second.journal;
    }
    if (zc.is_secondary()) {
      init_secondary(entry, old != zones_.end() ? &old->second : nullptr, zr);
      next.emplace(zc.domain, std::move(entry));
      continue;
    }
    entry.schedule.reset();
    // Unchanged means: the same file (path, inode, size, mtime) as the one the
    // served version came from. Anything else is read again.
    std::optional<FileStamp> stamp = stamp_file(zc.file);
    bool changed = force || !entry.zone || !same_file || !stamp || !entry.stamp ||
                   *stamp != *entry.stamp;
    if (!changed) {
      zr.lines.push_back("zone " + name + ": unchanged, serial " +
                         std::to_string(entry.zone->serial()));
    }
    if (old != zones_.end() && old->second.config.is_secondary()) {
      entry.zone.reset();  // was a secondary: its transferred data is not this file's
      entry.journal.reset();
      changed = true;
    }
    next.emplace(zc.domain, std::move(entry));
    if (changed) jobs.push_back(LoadJob{&zc, {}, {}, 0, next.at(zc.domain).zone, {}});
  }

  run_jobs(jobs);
  for (LoadJob& job : jobs) {
    Report& zr = zone_reports[job.zone->domain];
    finish_load(next.at(job.zone->domain), job, zr);
    report.ok = report.ok && zr.ok;
  }
  for (const dns::Name& domain : order) {
    for (std::string& line : zone_reports[domain].lines) report.lines.push_back(std::move(line));
  }
  for (const auto& [domain, entry] : zones_) {
    if (next.find(domain) == next.end()) {
      std::string msg = "zone " + domain.to_text() + ": removed";
      TANDEM_LOG_INFO("%s", msg.c_str());
      report.lines.push_back(msg);
    }
  }

  zones_ = std::move(next);
  zone_order_ = std::move(order);
  // Keep the running server settings: they only change with a restart.
  config.server = running_;
  config_ = std::move(config);
  publish();
  notify_changed();
  if (timer_fd_ >= 0) run_timers();
  return report;
}

Server::Report Server::reload_zone(const dns::Name& domain) {
  Report report;
  auto it = zones_.find(domain);
  if (it == zones_.end()) {
    report.ok = false;
    report.lines.push_back("zone " + domain.to_text() + " is not configured");
    return report;
  }
  if (it->second.config.is_secondary()) {
    // A secondary has no file to read: reloading it means asking the primaries now.
    if (it->second.schedule) it->second.schedule->refresh_now(unix_ms());
    report.lines.push_back("zone " + domain.to_text() + ": secondary; refresh from the primaries started");
    run_timers();
    return report;
  }
  std::vector<LoadJob> jobs{LoadJob{&it->second.config, {}, {}, 0, it->second.zone, {}}};
  run_jobs(jobs);
  finish_load(it->second, jobs[0], report);
  if (report.ok) {
    publish();
    notify_changed();
  }
  return report;
}

void Server::publish() {
  std::vector<std::shared_ptr<const zone::Zone>> served;
  const int64_t now = unix_ms();
  for (const dns::Name& domain : zone_order_) {
    ZoneEntry& entry = zones_.at(domain);
    entry.served_expired = entry.zone && entry.schedule && entry.schedule->expired(now);
    if (entry.zone) served.push_back(entry.served_expired ? entry.zone->expired_copy() : entry.zone);
  }
  auto set = std::make_shared<const zone::ZoneSet>(std::move(served));
  // The transfer side first: once a query sees a new serial, an AXFR asked
  // right after it must not get the version before.
  publish_xfr_table(set);
  holder_.publish(set);
}

void Server::notify_changed() {
  for (const dns::Name& domain : zone_order_) {
    ZoneEntry& entry = zones_.at(domain);
    if (!entry.notify_pending) continue;
    entry.notify_pending = false;
    if (notifies_) send_notifies(entry);
  }
}

void Server::warn_restart_needed(const config::Config& next, Report& report) {
  const config::ServerConfig& a = running_;
  const config::ServerConfig& b = next.server;
  auto note = [&](const char* key) {
    std::string msg = std::string("server.") + key + " changed: restart tandem to apply it";
    TANDEM_LOG_WARN("%s", msg.c_str());
    report.lines.push_back(msg);
  };
  if (a.listen.size() != b.listen.size() ||
      !std::equal(a.listen.begin(), a.listen.end(), b.listen.begin())) {
    note("listen");
  }
  if (a.workers != b.workers) note("workers");
  if (a.control != b.control) note("control");
  if (a.storage != b.storage) note("storage");
  if (a.tcp_idle_timeout_ms != b.tcp_idle_timeout_ms) note("tcp-idle-timeout");
  if (a.tcp_max_connections != b.tcp_max_connections) note("tcp-max-connections");
  if (a.xfr_in_max != b.xfr_in_max) note("xfr-in-max");
  if (a.xfr_out_max != b.xfr_out_max) note("xfr-out-max");
  if (a.xfr_timeout_ms != b.xfr_timeout_ms) note("xfr-timeout");
}

ControlReply Server::handle(const ControlCommand& command) {
  auto join = [](const Report& r) {
    std::string text;
    for (const std::string& line : r.lines) text += line + "\n";
    return text;
  };
  switch (command.kind) {
    case ControlCommandKind::kStatus:
      return ControlReply{true, status_text()};
    case ControlCommandKind::kZoneStatus:
      if (command.zone && zones_.find(*command.zone) == zones_.end()) {
        return ControlReply{false, "zone " + command.zone->to_text() + " is not configured\n"};
      }
      return ControlReply{true, zone_status_text(command.zone)};
    case ControlCommandKind::kReload: {
      if (command.zone) {
        Report r = reload_zone(*command.zone);
        return ControlReply{r.ok, join(r)};
      }
      auto next = config::load_config(options_.config_path);
      if (!next) {
        std::string text;
        for (const std::string& m : next.error().messages) {
          TANDEM_LOG_ERROR("%s", m.c_str());
          text += m + "\n";
        }
        text += "reload aborted: keeping the current configuration\n";
        TANDEM_LOG_ERROR("reload aborted: keeping the current configuration");
        return ControlReply{false, text};
      }
      Report r = apply_config(std::move(*next), /*force=*/false);
      return ControlReply{r.ok, "configuration reloaded from " + options_.config_path + "\n" +
                                    join(r)};
    }
    case ControlCommandKind::kRetransfer:
    case ControlCommandKind::kNotify: {
      auto it = command.zone ? zones_.find(*command.zone) : zones_.end();
      if (it == zones_.end())
        return ControlReply{false, "zone " + (command.zone ? command.zone->to_text() : std::string("?")) +
                                       " is not configured\n"};
      ZoneEntry& e = it->second;
      const std::string name = it->first.to_text();
      if (command.kind == ControlCommandKind::kNotify) {
        if (e.config.notify.empty()) return ControlReply{false, "zone " + name + " has no notify remotes\n"};
        if (!e.zone) return ControlReply{false, "zone " + name + " is not served: nothing to announce\n"};
        send_notifies(e);
        return ControlReply{true, "zone " + name + ": NOTIFY queued to " + remote_ids(e.config.notify) + "\n"};
      }
      if (!e.config.is_secondary() || !e.schedule)
        return ControlReply{false, "zone " + name + " is not a secondary\n"};
      e.force_axfr = true;
      e.schedule->refresh_now(unix_ms());
      TANDEM_LOG_INFO("zone %s: full transfer requested (retransfer)", name.c_str());
      run_timers();
      return ControlReply{true, "zone " + name + ": full transfer (AXFR) from " + remote_ids(e.config.primaries) +
                                    " started; any serial is accepted\n"};
    }
    case ControlCommandKind::kStop:
      stop_requested_ = true;
      return ControlReply{true, "stopping\n"};
  }
  return ControlReply{false, "unhandled command\n"};
}

std::string Server::status_text() const {
  long long up = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count();
  char uptime[64];
  long long days = up / 86400;
  if (days > 0) {
    snprintf(uptime, sizeof uptime, "%lldd %02lld:%02lld:%02lld", days, (up / 3600) % 24,
             (up / 60) % 60, up % 60);
  } else {
    snprintf(uptime, sizeof uptime, "%02lld:%02lld:%02lld", up / 3600, (up / 60) % 60, up % 60);
  }
  size_t served = 0, failed = 0, secondaries = 0;
  for (const auto& [domain, entry] : zones_) {
    served += entry.zone ? 1 : 0;
    failed += entry.last_errors.empty() ? 0 : 1;
    secondaries += entry.config.is_secondary() ? 1 : 0;
  }
  QueryStats s = queries_.stats();
  std::string out;
  out += std::string("version: tandem ") + kVersion + "\n";
  out += "uptime: " + std::string(uptime) + " (since " + iso_time(started_wall_) + ")\n";
  out += "config: " + options_.config_path + "\n";
  out += "listen: " + join_addresses(running_.listen) + "\n";
  out += "workers: " + std::to_string(running_.workers) + "\n";
  out += "zones: " + std::to_string(zones_.size()) + " configured, " + std::to_string(served) +
         " served, " + std::to_string(failed) + " with load errors, " +
         std::to_string(secondaries) + " secondary\n";
  out += "queries: " + std::to_string(s.udp_queries + s.tcp_queries) + " (udp " +
         std::to_string(s.udp_queries) + ", tcp " + std::to_string(s.tcp_queries) + ")\n";
  out += "responses: " + std::to_string(s.responses) + "\n";
  out += "dropped: " + std::to_string(s.dropped) + "\n";
  out += "tcp-connections: " + std::to_string(s.tcp_connections) + "\n";
  if (xfr_) {
    out += "transfers-out: " + std::to_string(xfr_->active_transfers()) + " running, " +
           std::to_string(xfr_->transfers_done()) + " done\n";
  }
  out += "refreshes-running: " + std::to_string(running_refreshes_) + "\n";
  return out;
}

std::string Server::zone_status_text(const std::optional<dns::Name>& only) const {
  std::string out;
  for (const dns::Name& domain : zone_order_) {
    if (only && !(*only == domain)) continue;
    const ZoneEntry& e = zones_.at(domain);
    out += domain.to_text();
    if (e.config.is_secondary()) {
      out += secondary_status(e);
    } else {
      out += " role=primary";
      if (e.zone) {
        out += " state=served serial=" + std::to_string(e.zone->serial()) +
               " records=" + std::to_string(e.zone->record_count()) +
               " loaded=" + iso_time(e.loaded_at);
      } else {
        out += " state=not-served";
      }
      if (e.journal && !e.journal->empty())
        out += " journal=" + std::to_string(e.journal->size()) + "-diffs";
    }
    if (!e.config.notify.empty()) out += " notify=" + remote_ids(e.config.notify);
    if (!e.config.file.empty()) out += " file=" + quoted(e.config.file);
    if (!e.last_errors.empty()) {
      out += " errors=" + std::to_string(e.last_errors.size()) +
             " first-error=" + quoted(e.last_errors.front());
    }
    out += "\n";
  }
  return out;
}

}  // namespace tandem::server
