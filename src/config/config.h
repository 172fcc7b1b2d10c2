// Config: the validated contents of a tandem.yaml. Parsing resolves every
// reference (key, remote and ACL ids), parses addresses and prefixes, decodes
// TSIG secrets and makes relative paths absolute, so the rest of the server
// works with plain, already checked values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.h"
#include "dns/tsig.h"
#include "net/address.h"
#include "util/log.h"
#include "util/result.h"

namespace tandem::config {

// TSIG algorithms (RFC 8945 6, RFC 4635): one list, in the dns layer.
using TsigAlgorithm = dns::TsigAlgorithm;
using dns::tsig_algorithm_from_text;
using dns::tsig_algorithm_text;

// A TSIG key. The id is also the key name that goes on the wire (RFC 8945 4.2),
// so it must be a valid domain name.
struct Key {
  std::string id;
  dns::Name name;
  TsigAlgorithm algorithm = TsigAlgorithm::kHmacSha256;
  std::vector<uint8_t> secret;  // decoded from base64
};

// The key as the TSIG code uses it.
inline dns::TsigKey tsig_key(const Key& key) { return {key.name, key.algorithm, key.secret}; }

// A server we talk to: a primary we transfer from, or a secondary we notify.
struct Remote {
  std::string id;
  std::vector<net::SocketAddress> addresses;  // tried in order
  std::optional<Key> key;                     // sign requests with this key
};

enum class AclAction { kTransfer, kNotify };
const char* acl_action_text(AclAction action);

// Who may do what. A request is allowed when its source lies in one of
// `addresses` (or `addresses` is empty), it is signed with `key` when one is
// set, and its action is listed.
struct Acl {
  std::string id;
  std::vector<net::Prefix> addresses;
  std::optional<Key> key;
  std::vector<AclAction> actions;
  bool allows(AclAction action) const;
};

struct ZoneConfig {
  dns::Name domain;
  // Absolute path of the zone file; empty for a secondary without one.
  std::string file;
  std::vector<Remote> primaries;  // non-empty => this server is a secondary for the zone
  std::vector<Remote> notify;     // secondaries to NOTIFY on change
  std::vector<Acl> acls;
  // Clamps on the SOA timers of a secondary zone, in seconds (zone keys
  // refresh-min, refresh-max, retry-min, retry-max, expire-min, expire-max).
  // The defaults honour short test timers as given and cap absurd ones.
  uint32_t refresh_min = 1, refresh_max = 86400;
  uint32_t retry_min = 1, retry_max = 86400;
  uint32_t expire_min = 2, expire_max = 0xFFFFFFFFu;
  size_t line = 0;                // where the zone is defined, for messages
  bool is_secondary() const { return !primaries.empty(); }
};

struct ServerConfig {
  std::vector<net::SocketAddress> listen;
  int workers = 1;                  // default: the number of CPUs
  std::string control;              // absolute path of the control socket
  std::string storage;              // absolute path of the state directory
  int tcp_idle_timeout_ms = 10000;  // RFC 7766 6.2.3
  size_t tcp_max_connections = 1000;
  int xfr_in_max = 8;               // transfers in (and SOA checks) running at once
  int xfr_out_max = 16;             // transfers out running at once; more get SERVFAIL
  int xfr_timeout_ms = 10000;       // silence on a transfer connection before giving up
};

struct Config {
  std::string path;      // the config file, as given
  std::string base_dir;  // absolute directory relative paths are resolved against
  ServerConfig server;
  log::Level log_level = log::Level::kInfo;
  std::vector<Key> keys;
  std::vector<Remote> remotes;
  std::vector<Acl> acls;
  std::vector<ZoneConfig> zones;

  // The zone with this domain, or nullptr.
  const ZoneConfig* find_zone(const dns::Name& domain) const;
};

// Every problem found, one "file:line: key: message" line each.
struct ConfigErrors {
  std::vector<std::string> messages;
  std::string to_string() const;  // messages joined by '\n'
};

// Reads and validates the config file at `path`. Relative paths inside are
// resolved against the file's directory.
// Errors: unreadable file, YAML syntax, unknown keys, bad values, unresolved
// references, duplicates; all of them, each with file and line.
Result<Config, ConfigErrors> load_config(const std::string& path);

// Same for YAML text in memory; `filename` is used in messages and
// `base_dir` (absolute) to resolve relative paths.
Result<Config, ConfigErrors> parse_config(std::string_view text, const std::string& filename,
                                          const std::string& base_dir);

// The control socket path that the config file at `path` names, read
// leniently: nothing else is validated, and when the file is not even valid
// YAML the server.control / server.storage lines are looked for one by one.
// So `tandem ctl` reaches a running server (and has it report the errors)
// while the file is being edited.
// Errors: the file cannot be read.
Result<std::string, std::string> find_control_path(const std::string& path);

// "10000", "500ms", "10s", "2m", "1h" -> milliseconds; bare numbers are
// milliseconds. nullopt when malformed or above INT32_MAX ms.
std::optional<int64_t> parse_duration_ms(std::string_view text);

}  // namespace tandem::config
