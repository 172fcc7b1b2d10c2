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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "server/control.h"
#include "server/query_service.h"
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
  // Logs (and reports) server settings that differ in `next` but only take
  // effect after a restart.
  void warn_restart_needed(const config::Config& next, Report& report);

  ControlReply handle(const ControlCommand& command);
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
};

}  // namespace tandem::server
