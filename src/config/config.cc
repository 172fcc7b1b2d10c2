#include "config/config.h"

#include <sys/un.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "util/encoding.h"

namespace tandem::config {
namespace {

namespace fs = std::filesystem;

constexpr uint16_t kDefaultDnsPort = 53;
constexpr int64_t kMaxWorkers = 1024;
constexpr int64_t kMaxTcpConnections = 1000000;
constexpr int64_t kMaxTcpIdleMs = 24LL * 3600 * 1000;

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// One key of a YAML mapping: its value and the line the key is on (1-based).
struct Field {
  YAML::Node value;
  int line = 0;
};

// Turns a YAML document into a Config, collecting every error instead of
// stopping at the first, so an operator fixes a file in one pass.
class Parser {
 public:
  Parser(const std::string& filename, const std::string& base_dir)
      : filename_(filename), base_dir_(base_dir) {}

  Result<Config, ConfigErrors> parse(std::string_view text);

 private:
  using Fields = std::map<std::string, Field>;

  void error(int line, const std::string& path, const std::string& message) {
    std::string msg = filename_ + ":" + std::to_string(line) + ": ";
    if (!path.empty()) msg += path + ": ";
    msg += message;
    errors_.push_back(std::move(msg));
  }

  static int line_of(const YAML::Node& node, int fallback) {
    int line = node.Mark().line;
    return line >= 0 ? line + 1 : fallback;
  }

  // Reads a mapping, reporting keys not in `allowed` and keys given twice.
  // `node` must be a map (checked by the caller via expect_map).
  Fields fields(const YAML::Node& node, const std::string& path,
                std::initializer_list<std::string_view> allowed);
  bool expect_map(const YAML::Node& node, int line, const std::string& path);
  // A sequence of mappings (`zone:`, `key:` ...); null means empty.
  std::vector<YAML::Node> map_list(const Field& field, const std::string& path);

  std::optional<std::string> scalar(const Field& field, const std::string& path);
  // A scalar or a sequence of scalars, each with its line.
  std::vector<std::pair<std::string, int>> scalar_list(const Field& field, const std::string& path);
  std::optional<int64_t> positive_int(const Field& field, const std::string& path, int64_t max);
  std::string absolute_path(const std::string& p) const;

  void parse_server(const Field& field, Config& config);
  void parse_log(const Field& field, Config& config);
  void parse_keys(const Field& field, Config& config);
  void parse_remotes(const Field& field, Config& config);
  void parse_acls(const Field& field, Config& config);
  void parse_zones(const Field& field, Config& config);
  std::optional<Key> key_ref(const Field& field, const std::string& path, const Config& config);
  std::optional<log::Level> log_level(const Field& field, const std::string& path);

  const std::string& filename_;
  const std::string& base_dir_;
  std::vector<std::string> errors_;
  std::optional<int> log_level_line_;  // where the log level was set, to catch it set twice
  // Ids of entries that had errors: references to them are not reported
  // again as "no such id".
  std::set<std::string> broken_keys_, broken_remotes_, broken_acls_;
};

bool Parser::expect_map(const YAML::Node& node, int line, const std::string& path) {
  if (node.IsMap()) return true;
  error(line_of(node, line), path, "expected a mapping of keys");
  return false;
}

Parser::Fields Parser::fields(const YAML::Node& node, const std::string& path,
                              std::initializer_list<std::string_view> allowed) {
  Fields out;
  for (const auto& item : node) {
    int line = line_of(item.first, line_of(node, 1));
    if (!item.first.IsScalar()) {
      error(line, path, "keys must be plain words");
      continue;
    }
    const std::string key = item.first.Scalar();
    std::string key_path = path.empty() ? key : path + "." + key;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string msg = "unknown key '" + key + "'";
      std::string_view best;
      size_t best_distance = 3;
      for (std::string_view candidate : allowed) {
        size_t d = edit_distance(key, candidate);
        if (d < best_distance && d < candidate.size()) best = candidate, best_distance = d;
      }
      if (!best.empty()) msg += " (did you mean '" + std::string(best) + "'?)";
      error(line, path, msg);
      continue;
    }
    if (auto it = out.find(key); it != out.end()) {
      error(line, key_path,
            "given twice (first on line " + std::to_string(it->second.line) + ")");
      continue;
    }
    out[key] = Field{item.second, line};
  }
  return out;
}

std::vector<YAML::Node> Parser::map_list(const Field& field, const std::string& path) {
  std::vector<YAML::Node> out;
  if (field.value.IsNull()) return out;
  if (!field.value.IsSequence()) {
    error(field.line, path, "expected a list of entries (each starting with '- ')");
    return out;
  }
  size_t i = 0;
  for (const auto& item : field.value) {
    std::string item_path = path + "[" + std::to_string(i++) + "]";
    if (expect_map(item, field.line, item_path)) out.push_back(item);
    else out.push_back(YAML::Node());  // keeps indexes aligned; skipped by callers
  }
  return out;
}

std::optional<std::string> Parser::scalar(const Field& field, const std::string& path) {
  if (field.value.IsNull()) {
    error(field.line, path, "missing value");
    return std::nullopt;
  }
  if (!field.value.IsScalar()) {
    error(field.line, path, "expected a single value, not a list or mapping");
    return std::nullopt;
  }
  return field.value.Scalar();
}

std::vector<std::pair<std::string, int>> Parser::scalar_list(const Field& field,
                                                             const std::string& path) {
  std::vector<std::pair<std::string, int>> out;
  if (field.value.IsScalar()) {
    out.emplace_back(field.value.Scalar(), field.line);
    return out;
  }
  if (field.value.IsNull()) {
    error(field.line, path, "missing value");
    return out;
  }
  if (!field.value.IsSequence()) {
    error(field.line, path, "expected a value or a list of values");
    return out;
  }
  size_t i = 0;
  for (const auto& item : field.value) {
    std::string item_path = path + "[" + std::to_string(i++) + "]";
    if (!item.IsScalar()) {
      error(line_of(item, field.line), item_path, "expected a single value");
      continue;
    }
    out.emplace_back(item.Scalar(), line_of(item, field.line));
  }
  if (out.empty() && i == 0) error(field.line, path, "empty list");
  return out;
}

std::optional<int64_t> Parser::positive_int(const Field& field, const std::string& path,
                                            int64_t max) {
  if (field.value.IsNull()) {
    error(field.line, path, "missing value");
    return std::nullopt;
  }
  if (!field.value.IsScalar()) {
    error(field.line, path, "expected a positive integer");
    return std::nullopt;
  }
  const std::string& text = field.value.Scalar();
  int64_t value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p != text.data() + text.size() || value <= 0) {
    error(field.line, path, "expected a positive integer, got '" + text + "'");
    return std::nullopt;
  }
  if (value > max) {
    error(field.line, path, "too large: " + text + " (at most " + std::to_string(max) + ")");
    return std::nullopt;
  }
  return value;
}

std::string Parser::absolute_path(const std::string& p) const {
  fs::path path(p);
  if (path.is_relative()) path = fs::path(base_dir_) / path;
  return path.lexically_normal().string();
}

std::optional<log::Level> Parser::log_level(const Field& field, const std::string& path) {
  auto text = scalar(field, path);
  if (!text) return std::nullopt;
  if (log_level_line_) {
    error(field.line, path,
          "log level already set on line " + std::to_string(*log_level_line_) +
              " (use either log.level or server.log-level)");
    return std::nullopt;
  }
  log_level_line_ = field.line;
  if (*text == "debug") return log::Level::kDebug;
  if (*text == "info") return log::Level::kInfo;
  if (*text == "warning" || *text == "warn") return log::Level::kWarning;
  if (*text == "error") return log::Level::kError;
  error(field.line, path,
        "unknown log level '" + *text + "' (expected debug, info, warning or error)");
  return std::nullopt;
}

void Parser::parse_server(const Field& field, Config& config) {
  ServerConfig& server = config.server;
  unsigned cpus = std::thread::hardware_concurrency();
  server.workers = cpus > 0 ? static_cast<int>(std::min<unsigned>(cpus, kMaxWorkers)) : 1;
  if (!expect_map(field.value, field.line, "server")) return;
  Fields f = fields(field.value, "server",
                    {"listen", "workers", "control", "storage", "tcp-idle-timeout",
                     "tcp-max-connections", "log-level", "xfr-in-max", "xfr-out-max",
                     "xfr-timeout"});

  if (auto it = f.find("listen"); it == f.end()) {
    error(line_of(field.value, field.line), "server.listen", "missing");
  } else {
    for (const auto& [text, line] : scalar_list(it->second, "server.listen")) {
      auto addr = net::SocketAddress::parse(text, kDefaultDnsPort);
      if (!addr) {
        error(line, "server.listen", addr.error());
        continue;
      }
      if (std::find(server.listen.begin(), server.listen.end(), *addr) != server.listen.end()) {
        error(line, "server.listen", "'" + addr->to_string() + "' listed twice");
        continue;
      }
      server.listen.push_back(*addr);
    }
  }
  if (auto it = f.find("workers"); it != f.end()) {
    if (auto v = positive_int(it->second, "server.workers", kMaxWorkers)) {
      server.workers = static_cast<int>(*v);
    }
  }
  if (auto it = f.find("storage"); it != f.end()) {
    if (auto v = scalar(it->second, "server.storage")) server.storage = absolute_path(*v);
  }
  if (server.storage.empty()) server.storage = fs::path(base_dir_).lexically_normal().string();
  int control_line = line_of(field.value, field.line);
  if (auto it = f.find("control"); it != f.end()) {
    control_line = it->second.line;
    if (auto v = scalar(it->second, "server.control")) server.control = absolute_path(*v);
  } else {
    server.control = (fs::path(server.storage) / "tandem.sock").lexically_normal().string();
  }
  if (server.control.size() >= sizeof(sockaddr_un::sun_path)) {
    error(control_line, "server.control",
          "path too long for a unix socket (" + std::to_string(server.control.size()) +
              " bytes, at most " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) + "): '" +
              server.control + "'");
  }
  if (auto it = f.find("tcp-idle-timeout"); it != f.end()) {
    if (auto text = scalar(it->second, "server.tcp-idle-timeout")) {
      auto ms = parse_duration_ms(*text);
      if (!ms || *ms <= 0 || *ms > kMaxTcpIdleMs) {
        error(it->second.line, "server.tcp-idle-timeout",
              "expected a duration such as 10000, 500ms, 10s or 2m (at most 24h), got '" +
                  *text + "'");
      } else {
        server.tcp_idle_timeout_ms = static_cast<int>(*ms);
      }
    }
  }
  if (auto it = f.find("tcp-max-connections"); it != f.end()) {
    if (auto v = positive_int(it->second, "server.tcp-max-connections", kMaxTcpConnections)) {
      server.tcp_max_connections = static_cast<size_t>(*v);
    }
  }
  if (auto it = f.find("log-level"); it != f.end()) {
    if (auto level = log_level(it->second, "server.log-level")) config.log_level = *level;
  }
  if (auto it = f.find("xfr-in-max"); it != f.end()) {
    if (auto v = positive_int(it->second, "server.xfr-in-max", 1000)) server.xfr_in_max = static_cast<int>(*v);
  }
  if (auto it = f.find("xfr-out-max"); it != f.end()) {
    if (auto v = positive_int(it->second, "server.xfr-out-max", 1000)) server.xfr_out_max = static_cast<int>(*v);
  }
  if (auto it = f.find("xfr-timeout"); it != f.end()) {
    if (auto text = scalar(it->second, "server.xfr-timeout")) {
      auto ms = parse_duration_ms(*text);
      if (!ms || *ms < 100 || *ms > 3600 * 1000) {
        error(it->second.line, "server.xfr-timeout",
              "expected a duration between 100ms and 1h, such as 10s, got '" + *text + "'");
      } else {
        server.xfr_timeout_ms = static_cast<int>(*ms);
      }
    }
  }
}

void Parser::parse_log(const Field& field, Config& config) {
  if (!expect_map(field.value, field.line, "log")) return;
  Fields f = fields(field.value, "log", {"level"});
  if (auto it = f.find("level"); it != f.end()) {
    if (auto level = log_level(it->second, "log.level")) config.log_level = *level;
  }
}

void Parser::parse_keys(const Field& field, Config& config) {
  std::vector<YAML::Node> items = map_list(field, "key");
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].IsMap()) continue;
    std::string path = "key[" + std::to_string(i) + "]";
    int line = line_of(items[i], field.line);
    Fields f = fields(items[i], path, {"id", "algorithm", "secret"});
    Key key;
    bool ok = true;
    if (auto it = f.find("id"); it == f.end()) {
      error(line, path + ".id", "missing");
      ok = false;
    } else if (auto id = scalar(it->second, path + ".id")) {
      // The id is the TSIG key name on the wire (RFC 8945 4.2).
      auto name = dns::Name::parse_absolute(*id);
      if (!name) {
        error(it->second.line, path + ".id",
              "'" + *id + "' is not a valid key name: " + name.error());
        ok = false;
      } else if (std::any_of(config.keys.begin(), config.keys.end(),
                             [&](const Key& k) { return k.id == *id; })) {
        error(it->second.line, path + ".id", "duplicate key id '" + *id + "'");
        ok = false;
      } else {
        key.id = *id;
        key.name = *name;
      }
    } else {
      ok = false;
    }
    if (auto it = f.find("algorithm"); it == f.end()) {
      error(line, path + ".algorithm", "missing");
      ok = false;
    } else if (auto text = scalar(it->second, path + ".algorithm")) {
      if (auto alg = tsig_algorithm_from_text(*text)) {
        key.algorithm = *alg;
      } else {
        error(it->second.line, path + ".algorithm",
              "unknown algorithm '" + *text +
                  "' (expected hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or "
                  "hmac-sha512)");
        ok = false;
      }
    } else {
      ok = false;
    }
    if (auto it = f.find("secret"); it == f.end()) {
      error(line, path + ".secret", "missing");
      ok = false;
    } else if (auto text = scalar(it->second, path + ".secret")) {
      std::vector<uint8_t> secret;
      if (!util::base64_decode(*text, secret)) {
        error(it->second.line, path + ".secret", "not valid base64");
        ok = false;
      } else if (secret.empty()) {
        error(it->second.line, path + ".secret", "empty secret");
        ok = false;
      } else {
        key.secret = std::move(secret);
      }
    } else {
      ok = false;
    }
    if (ok) config.keys.push_back(std::move(key));
    else if (!key.id.empty()) broken_keys_.insert(key.id);
  }
}

std::optional<Key> Parser::key_ref(const Field& field, const std::string& path,
                                   const Config& config) {
  auto id = scalar(field, path);
  if (!id) return std::nullopt;
  for (const Key& k : config.keys) {
    if (k.id == *id) return k;
  }
  if (!broken_keys_.count(*id)) {
    error(field.line, path, "no key with id '" + *id + "' in the key section");
  }
  return std::nullopt;
}

void Parser::parse_remotes(const Field& field, Config& config) {
  std::vector<YAML::Node> items = map_list(field, "remote");
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].IsMap()) continue;
    std::string path = "remote[" + std::to_string(i) + "]";
    int line = line_of(items[i], field.line);
    Fields f = fields(items[i], path, {"id", "address", "key"});
    Remote remote;
    bool ok = true;
    if (auto it = f.find("id"); it == f.end()) {
      error(line, path + ".id", "missing");
      ok = false;
    } else if (auto id = scalar(it->second, path + ".id")) {
      if (std::any_of(config.remotes.begin(), config.remotes.end(),
                      [&](const Remote& r) { return r.id == *id; })) {
        error(it->second.line, path + ".id", "duplicate remote id '" + *id + "'");
        ok = false;
      }
      remote.id = *id;
    } else {
      ok = false;
    }
    if (auto it = f.find("address"); it == f.end()) {
      error(line, path + ".address", "missing");
      ok = false;
    } else {
      auto list = scalar_list(it->second, path + ".address");
      if (list.empty()) ok = false;
      for (const auto& [text, addr_line] : list) {
        auto addr = net::SocketAddress::parse(text, kDefaultDnsPort);
        if (!addr) {
          error(addr_line, path + ".address", addr.error());
          ok = false;
          continue;
        }
        remote.addresses.push_back(*addr);
      }
    }
    if (auto it = f.find("key"); it != f.end()) {
      remote.key = key_ref(it->second, path + ".key", config);
      if (!remote.key) ok = false;
    }
    if (ok) config.remotes.push_back(std::move(remote));
    else if (!remote.id.empty()) broken_remotes_.insert(remote.id);
  }
}

void Parser::parse_acls(const Field& field, Config& config) {
  std::vector<YAML::Node> items = map_list(field, "acl");
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].IsMap()) continue;
    std::string path = "acl[" + std::to_string(i) + "]";
    int line = line_of(items[i], field.line);
    Fields f = fields(items[i], path, {"id", "address", "key", "action"});
    Acl acl;
    bool ok = true;
    if (auto it = f.find("id"); it == f.end()) {
      error(line, path + ".id", "missing");
      ok = false;
    } else if (auto id = scalar(it->second, path + ".id")) {
      if (std::any_of(config.acls.begin(), config.acls.end(),
                      [&](const Acl& a) { return a.id == *id; })) {
        error(it->second.line, path + ".id", "duplicate acl id '" + *id + "'");
        ok = false;
      }
      acl.id = *id;
    } else {
      ok = false;
    }
    if (auto it = f.find("address"); it != f.end()) {
      auto list = scalar_list(it->second, path + ".address");
      if (list.empty()) ok = false;
      for (const auto& [text, prefix_line] : list) {
        auto prefix = net::Prefix::parse(text);
        if (!prefix) {
          error(prefix_line, path + ".address", prefix.error());
          ok = false;
          continue;
        }
        acl.addresses.push_back(*prefix);
      }
    }
    if (auto it = f.find("key"); it != f.end()) {
      acl.key = key_ref(it->second, path + ".key", config);
      if (!acl.key) ok = false;
    }
    if (f.find("address") == f.end() && f.find("key") == f.end()) {
      // An ACL without either matches everyone; make that an explicit choice.
      error(line, path,
            "needs 'address' or 'key' (to allow everyone, write address: [ 0.0.0.0/0, ::/0 ])");
      ok = false;
    }
    if (auto it = f.find("action"); it == f.end()) {
      error(line, path + ".action", "missing (expected transfer and/or notify)");
      ok = false;
    } else {
      for (const auto& [text, action_line] : scalar_list(it->second, path + ".action")) {
        std::optional<AclAction> action;
        if (text == "transfer") action = AclAction::kTransfer;
        if (text == "notify") action = AclAction::kNotify;
        if (!action) {
          error(action_line, path + ".action",
                "unknown action '" + text + "' (expected transfer or notify)");
          ok = false;
        } else if (!acl.allows(*action)) {
          acl.actions.push_back(*action);
        }
      }
      if (acl.actions.empty()) ok = false;
    }
    if (ok) config.acls.push_back(std::move(acl));
    else if (!acl.id.empty()) broken_acls_.insert(acl.id);
  }
}

void Parser::parse_zones(const Field& field, Config& config) {
  std::vector<YAML::Node> items = map_list(field, "zone");
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].IsMap()) continue;
    std::string path = "zone[" + std::to_string(i) + "]";
    int line = line_of(items[i], field.line);
    Fields f = fields(items[i], path,
                      {"domain", "file", "primary", "notify", "acl", "refresh-min", "refresh-max",
                       "retry-min", "retry-max", "expire-min", "expire-max"});
    ZoneConfig zone;
    zone.line = static_cast<size_t>(line);
    bool ok = true;
    if (auto it = f.find("domain"); it == f.end()) {
      error(line, path + ".domain", "missing");
      ok = false;
    } else if (auto text = scalar(it->second, path + ".domain")) {
      auto name = dns::Name::parse_absolute(*text);
      if (!name) {
        error(it->second.line, path + ".domain", "'" + *text + "': " + name.error());
        ok = false;
      } else if (const ZoneConfig* other = config.find_zone(*name)) {
        error(it->second.line, path + ".domain",
              "duplicate zone '" + name->to_text() + "' (also defined on line " +
                  std::to_string(other->line) + ")");
        ok = false;
      } else {
        zone.domain = *name;
      }
    } else {
      ok = false;
    }
    if (auto it = f.find("file"); it != f.end()) {
      if (auto text = scalar(it->second, path + ".file")) {
        if (text->empty()) {
          error(it->second.line, path + ".file", "empty path");
          ok = false;
        } else {
          zone.file = absolute_path(*text);
        }
      } else {
        ok = false;
      }
    }
    auto remote_refs = [&](const char* key, std::vector<Remote>& out) {
      auto it = f.find(key);
      if (it == f.end()) return;
      std::string key_path = path + "." + key;
      auto list = scalar_list(it->second, key_path);
      if (list.empty()) ok = false;
      for (const auto& entry : list) {
        const auto& id = entry.first;  // no structured binding: clang 14 cannot capture one
        const auto ref_line = entry.second;
        auto r = std::find_if(config.remotes.begin(), config.remotes.end(),
                              [&](const Remote& x) { return x.id == id; });
        if (r == config.remotes.end()) {
          if (!broken_remotes_.count(id)) {
            error(ref_line, key_path, "no remote with id '" + id + "' in the remote section");
          }
          ok = false;
        } else {
          out.push_back(*r);
        }
      }
    };
    remote_refs("primary", zone.primaries);
    remote_refs("notify", zone.notify);
    if (auto it = f.find("acl"); it != f.end()) {
      auto list = scalar_list(it->second, path + ".acl");
      if (list.empty()) ok = false;
      for (const auto& entry : list) {
        const auto& id = entry.first;  // no structured binding: clang 14 cannot capture one
        const auto ref_line = entry.second;
        auto a = std::find_if(config.acls.begin(), config.acls.end(),
                              [&](const Acl& x) { return x.id == id; });
        if (a == config.acls.end()) {
          if (!broken_acls_.count(id)) {
            error(ref_line, path + ".acl", "no acl with id '" + id + "' in the acl section");
          }
          ok = false;
        } else {
          zone.acls.push_back(*a);
        }
      }
    }
    // SOA timer clamps: durations ("30s", "1h"; bare numbers are seconds here,
    // as SOA fields are).
    auto timer = [&](const char* key, uint32_t& out) {
      auto it = f.find(key);
      if (it == f.end()) return;
      auto text = scalar(it->second, path + "." + key);
      if (!text) return;
      std::optional<int64_t> ms;
      if (!text->empty() && text->find_first_not_of("0123456789") == std::string::npos) {
        if (text->size() <= 10) ms = std::stoll(*text) * 1000;
      } else {
        ms = parse_duration_ms(*text);
      }
      if (!ms || *ms < 1000 || *ms / 1000 > 0xFFFFFFFFll) {
        error(it->second.line, path + "." + key,
              "expected a duration of at least 1s, such as 30, 30s, 5m or 1h, got '" + *text + "'");
        ok = false;
      } else {
        out = static_cast<uint32_t>(*ms / 1000);
      }
    };
    timer("refresh-min", zone.refresh_min);
    timer("refresh-max", zone.refresh_max);
    timer("retry-min", zone.retry_min);
    timer("retry-max", zone.retry_max);
    timer("expire-min", zone.expire_min);
    timer("expire-max", zone.expire_max);
    for (auto [lo, hi, name] : {std::tuple{zone.refresh_min, zone.refresh_max, "refresh"},
                                {zone.retry_min, zone.retry_max, "retry"},
                                {zone.expire_min, zone.expire_max, "expire"}}) {
      if (lo > hi) {
        error(line, path + "." + name + "-min",
              std::string("greater than ") + name + "-max (" + std::to_string(lo) + " > " +
                  std::to_string(hi) + ")");
        ok = false;
      }
    }
    if (f.find("file") == f.end() && f.find("primary") == f.end()) {
      error(line, path + ".file",
            "missing (a zone needs a 'file', or a 'primary' to transfer it from)");
      ok = false;
    }
    if (ok) config.zones.push_back(std::move(zone));
  }
}

Result<Config, ConfigErrors> Parser::parse(std::string_view text) {
  Config config;
  config.path = filename_;
  config.base_dir = base_dir_;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    error(e.mark.line >= 0 ? e.mark.line + 1 : 1, "", "YAML syntax error: " + e.msg);
    return fail(ConfigErrors{std::move(errors_)});
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) {
    error(line_of(root, 1), "",
          "expected a mapping with the sections server, log, key, remote, acl and zone");
    return fail(ConfigErrors{std::move(errors_)});
  }
  Fields f = fields(root, "", {"server", "log", "key", "remote", "acl", "zone"});
  // Referenced sections first, whatever their order in the file.
  if (auto it = f.find("server"); it != f.end()) {
    parse_server(it->second, config);
  } else {
    error(1, "server", "missing (server.listen is required)");
  }
  if (auto it = f.find("log"); it != f.end()) parse_log(it->second, config);
  if (auto it = f.find("key"); it != f.end()) parse_keys(it->second, config);
  if (auto it = f.find("remote"); it != f.end()) parse_remotes(it->second, config);
  if (auto it = f.find("acl"); it != f.end()) parse_acls(it->second, config);
  if (auto it = f.find("zone"); it != f.end()) parse_zones(it->second, config);
  if (!errors_.empty()) return fail(ConfigErrors{std::move(errors_)});
  return config;
}

}  // namespace

const char* acl_action_text(AclAction action) {
  switch (action) {
    case AclAction::kTransfer: return "transfer";
    case AclAction::kNotify: return "notify";
  }
  return "?";
}

bool Acl::allows(AclAction action) const {
  return std::find(actions.begin(), actions.end(), action) != actions.end();
}

const ZoneConfig* Config::find_zone(const dns::Name& domain) const {
  for (const ZoneConfig& z : zones) {
    if (z.domain == domain) return &z;
  }
  return nullptr;
}

std::string ConfigErrors::to_string() const {
  std::string out;
  for (const std::string& m : messages) {
    if (!out.empty()) out += '\n';
    out += m;
  }
  return out;
}

Result<Config, ConfigErrors> parse_config(std::string_view text, const std::string& filename,
                                          const std::string& base_dir) {
  return Parser(filename, base_dir).parse(text);
}

Result<Config, ConfigErrors> load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ConfigErrors{{path + ": cannot read config file: " + std::strerror(errno)}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return fail(ConfigErrors{{path + ": cannot read config file: " + std::strerror(errno)}});
  }
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(path), ec);
  if (ec) return fail(ConfigErrors{{path + ": " + ec.message()}});
  std::string base_dir = abs.parent_path().lexically_normal().string();
  return parse_config(text.str(), path, base_dir);
}

Result<std::string, std::string> find_control_path(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot read config file: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::error_code ec;
  fs::path base = fs::absolute(fs::path(path), ec).parent_path();
  auto resolve = [&](std::string p) {
    fs::path r(p);
    if (r.is_relative()) r = base / r;
    return r.lexically_normal();
  };
  std::optional<std::string> control, storage;
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsMap() && root["server"].IsMap()) {
      YAML::Node server = root["server"];
      if (server["control"].IsScalar()) control = server["control"].Scalar();
      if (server["storage"].IsScalar()) storage = server["storage"].Scalar();
    }
  } catch (const YAML::Exception&) {
    // The file is being edited and is not valid YAML. The server still runs
    // with the previous version, so find the socket line by line: an indented
    // "control:" or "storage:" key with a plain or quoted value.
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      size_t indent = line.find_first_not_of(' ');
      if (indent == 0 || indent == std::string::npos) continue;
      std::string_view rest = std::string_view(line).substr(indent);
      for (const char* key : {"control:", "storage:"}) {
        std::string_view k(key);
        if (rest.substr(0, k.size()) != k) continue;
        std::string_view value = rest.substr(k.size());
        value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
        value = value.substr(0, value.find(" #"));
        while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) {
          value.remove_suffix(1);
        }
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
          value = value.substr(1, value.size() - 2);
        }
        if (value.empty()) continue;
        (k == "control:" ? control : storage) = std::string(value);
      }
    }
  }
  if (control) return resolve(*control).string();
  fs::path dir = storage ? resolve(*storage) : base.lexically_normal();
  return (dir / "tandem.sock").lexically_normal().string();
}

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  int64_t value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p == text.data() || value < 0) return std::nullopt;
  std::string_view unit(p, static_cast<size_t>(text.data() + text.size() - p));
  int64_t factor = 0;
  if (unit.empty() || unit == "ms") factor = 1;
  else if (unit == "s") factor = 1000;
  else if (unit == "m") factor = 60 * 1000;
  else if (unit == "h") factor = 3600 * 1000;
  else return std::nullopt;
  if (value > INT32_MAX / factor) return std::nullopt;
  return value * factor;
}

}  // namespace tandem::config
