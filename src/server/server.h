// Server: the top-level `tandem serve`. Reads the config, loads the zones,
// publishes them to the query workers, and then runs the main thread's loop:
// signals (via signalfd) and the control socket.
//
//   SIGTERM, SIGINT, `stop`  stop cleanly (workers, control socket), exit 0
//   SIGHUP, `reload`         re-read the config; load new zones and zones whose
//                            file changed; drop removed zones
//   `reload ZONE`            load that zone's file again, changed or not
//
// A zone file that fails to load is reported (every error as file:line:
// message) and never replaces the version being served; at start-up the
// server starts without that zone.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "server/control.h"
#include "server/job_pool.h"
#include "server/query_service.h"
#include "server/xfr_service.h"
#include "store/zone_store.h"
#include "xfr/journal.h"
#include "xfr/notify.h"
#include "xfr/secondary.h"
#include "xfr/transfer.h"
#include "zone/zone.h"

namespace tandem::server {

inline constexpr const char* kVersion = "0.1.0";

struct ServeOptions {
  std::string config_path;
  bool verbose = false;  // debug logging, overrides the config's log level
};

// Identifies one version of a file cheaply, to decide whether a zone file
// changed since it was loaded.
struct FileStamp {
  dev_t dev = 0;
  ino_t ino = 0;
  int64_t mtime_ns = 0;
  off_t size = 0;
  bool operator==(const FileStamp&) const = default;
};
std::optional<FileStamp> stamp_file(const std::string& path);

namespace detail {
std::string iso_time(std::chrono::system_clock::time_point tp);  // "2026-12-04T20:00:00Z"
// Quotes a value for the key=value zone-status lines when it has blanks.
std::string quoted(const std::string& s);
}  // namespace detail

class Server {
 public:
  explicit Server(ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Runs in the foreground until stopped. Returns the process exit code:
  // 0 after a clean stop; 1 when start-up failed (config errors, the storage
  // directory, the control socket, or a listen address), after printing why.
  int run();

 private:
  struct ZoneEntry {
    config::ZoneConfig config;
    std::shared_ptr<const zone::Zone> zone;  // the version being served, or null
    std::optional<FileStamp> stamp;          // of the file `zone` was loaded from
    std::chrono::system_clock::time_point loaded_at{};
    std::vector<std::string> last_errors;  // of the latest failed load; empty after a success
    // IXFR history for downstream secondaries (primary and secondary zones).
    std::shared_ptr<const xfr::Journal> journal;
    // Secondary zones only:
    std::shared_ptr<xfr::RefreshSchedule> schedule;
    std::string last_result;      // "ok: IXFR from 127.0.0.1@53, serial 1 -> 2" / "failed: ..."
    std::string last_primary;     // the address that last answered
    bool force_axfr = false;      // `ctl retransfer`: the next refresh is a full transfer
    bool served_expired = false;  // the published version is the SERVFAIL one
    bool notify_pending = false;  // a new version to announce to the notify remotes
  };
  // An outgoing NOTIFY waiting for its next try (RFC 1996 3.6).
  struct PendingNotify {
    dns::Name zone;
    config::Remote remote;
    net::SocketAddress address;
    uint32_t serial = 0;
    xfr::NotifyRetry retry;
    int64_t due_ms = 0;
    bool in_flight = false;
    uint64_t id = 0;  // to match the result of the try in flight
  };
  struct Report {
    bool ok = true;
    std::vector<std::string> lines;
  };
  // One zone file to load, and what came of it.
  struct LoadJob {
    const config::ZoneConfig* zone = nullptr;
    std::optional<FileStamp> stamp;  // taken before reading: a change during the read is seen
    zone::LoadResult result;
    double ms = 0;
    std::shared_ptr<const zone::Zone> previous;  // the served version, to diff for IXFR
    std::optional<zone::ZoneDiff> diff;          // previous -> result, when the serial grew
  };

  // Loads the jobs' files, in parallel when there are several.
  static void run_jobs(std::vector<LoadJob>& jobs);
  // Installs a successful load in `entry`, or keeps the served version and
  // records the errors; logs and reports either way.
  static void finish_load(ZoneEntry& entry, LoadJob& job, Report& report);

  // Makes `config` the one in effect: loads its zones (all if `force`, else
  // the new ones and those whose file changed), drops removed zones and
  // publishes the new zone table.
  Report apply_config(config::Config config, bool force);
  // Loads one configured zone's file again, changed or not.
  Report reload_zone(const dns::Name& domain);
  void publish();
  // Sends NOTIFY for the zones whose served version changed.
  void notify_changed();
  void shut_down_xfr();
  // Logs (and reports) server settings that differ in `next` but only take
  // effect after a restart.
  void warn_restart_needed(const config::Config& next, Report& report);

  ControlReply handle(const ControlCommand& command);

  // --- zone transfers (server_xfr.cc) ---
  // Runs `fn` on the main thread soon (callable from any thread).
  void post(std::function<void()> fn);
  void run_posted();
  // Starts the refreshes that are due, publishes expiries, sends due
  // NOTIFYs, and arms the timer for the next deadline.
  void run_timers();
  // Sets up a secondary zone entry: keeps the running state on reload, or
  // loads the stored copy at start.
  void init_secondary(ZoneEntry& entry, ZoneEntry* old, Report& report);
  void start_refresh(const dns::Name& domain, ZoneEntry& entry);
  void refresh_done(const dns::Name& domain, xfr::RefreshOutcome outcome);
  void on_notify(const dns::Name& zone, std::optional<uint32_t> serial, const net::SocketAddress& from);
  // NOTIFY every `notify:` remote of the zone (RFC 1996), retrying until answered.
  void send_notifies(const ZoneEntry& entry);
  void notify_done(uint64_t id, Result<void, std::string> result);
  void save_zone(const ZoneEntry& entry, bool meta_only);
  void publish_xfr_table(const std::shared_ptr<const zone::ZoneSet>& set);
  std::string secondary_status(const ZoneEntry& e) const;
  std::string status_text() const;
  std::string zone_status_text(const std::optional<dns::Name>& zone) const;

  ServeOptions options_;
  config::Config config_;                  // the config in effect (zones, log level)
  config::ServerConfig running_;           // listen/workers as started; changes need a restart
  std::map<dns::Name, ZoneEntry> zones_;   // by domain
  std::vector<dns::Name> zone_order_;      // config order, for listings
  ZoneSetHolder holder_;
  QueryService queries_;
  ControlSocket control_;
  std::chrono::steady_clock::time_point started_{};
  std::chrono::system_clock::time_point started_wall_{};
  bool stop_requested_ = false;

  std::unique_ptr<XfrService> xfr_;
  std::unique_ptr<store::ZoneStore> store_;
  std::unique_ptr<JobPool> transfers_;  // refreshes: at most server.xfr-in-max at once
  std::unique_ptr<JobPool> notifies_;   // NOTIFY exchanges
  std::unique_ptr<JobPool> writer_;     // stored copies, one at a time, in order
  int running_refreshes_ = 0;
  std::vector<PendingNotify> notifies_pending_;
  uint64_t next_notify_id_ = 1;
  int event_fd_ = -1;  // eventfd: posted work is waiting
  int timer_fd_ = -1;  // timerfd: the next refresh / expire / NOTIFY deadline
  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
};

}  // namespace tandem::server
