#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace tandem::config {
namespace {

Result<Config, ConfigErrors> parse(const std::string& text) {
  return parse_config(text, "tandem.yaml", "/etc/tandem");
}

// The errors of `text`, which must not parse.
std::vector<std::string> errors(const std::string& text) {
  auto r = parse(text);
  EXPECT_FALSE(r) << "expected errors in:\n" << text;
  return r ? std::vector<std::string>{} : r.error().messages;
}

std::string only_error(const std::string& text) {
  auto e = errors(text);
  EXPECT_EQ(e.size(), 1u) << ConfigErrors{e}.to_string();
  return e.empty() ? "" : e.front();
}

const char* kFull = R"(# a complete configuration
server:
  listen: [ "127.0.0.1@5300", "::1@5300" ]
  workers: 2
  control: /tmp/tandem.sock
  storage: data
  tcp-idle-timeout: 5s
  tcp-max-connections: 50
log:
  level: debug
key:
  - id: xfr
    algorithm: hmac-sha256
    secret: "c2VjcmV0LXNlY3JldA=="
  - id: old.key.
    algorithm: HMAC-MD5
    secret: AAEC
remote:
  - id: upstream
    address: [ "127.0.0.1@5301", "2001:db8::1" ]
    key: xfr
  - id: plain
    address: 192.0.2.1
acl:
  - id: downstream
    address: [ "127.0.0.0/8", "::1" ]
    key: xfr
    action: [ transfer, notify ]
  - id: notifiers
    address: 192.0.2.0/24
    action: notify
zone:
  - domain: example.com.
    file: zones/example.com.zone
    notify: [ plain ]
    acl: [ downstream, notifiers ]
  - domain: Example.NET
    primary: [ upstream, plain ]
  - domain: example.org.
    file: /var/zones/example.org.zone
    primary: upstream
)";

TEST(Config, ParsesAFullConfiguration) {
  auto r = parse(kFull);
  ASSERT_TRUE(r) << r.error().to_string();
  const Config& c = *r;
  EXPECT_EQ(c.path, "tandem.yaml");
  ASSERT_EQ(c.server.listen.size(), 2u);
  EXPECT_EQ(c.server.listen[0].to_string(), "127.0.0.1@5300");
  EXPECT_EQ(c.server.listen[1].to_string(), "::1@5300");
  EXPECT_EQ(c.server.workers, 2);
  EXPECT_EQ(c.server.control, "/tmp/tandem.sock");
  EXPECT_EQ(c.server.storage, "/etc/tandem/data");
  EXPECT_EQ(c.server.tcp_idle_timeout_ms, 5000);
  EXPECT_EQ(c.server.tcp_max_connections, 50u);
  EXPECT_EQ(c.log_level, log::Level::kDebug);

  ASSERT_EQ(c.keys.size(), 2u);
  EXPECT_EQ(c.keys[0].id, "xfr");
  EXPECT_EQ(c.keys[0].name.to_text(), "xfr.");
  EXPECT_EQ(c.keys[0].algorithm, TsigAlgorithm::kHmacSha256);
  EXPECT_EQ(std::string(c.keys[0].secret.begin(), c.keys[0].secret.end()), "secret-secret");
  EXPECT_EQ(c.keys[1].algorithm, TsigAlgorithm::kHmacMd5);
  EXPECT_EQ(c.keys[1].secret, (std::vector<uint8_t>{0, 1, 2}));

  ASSERT_EQ(c.remotes.size(), 2u);
  EXPECT_EQ(c.remotes[0].addresses.size(), 2u);
  EXPECT_EQ(c.remotes[0].addresses[1].to_string(), "2001:db8::1@53");
  ASSERT_TRUE(c.remotes[0].key);
  EXPECT_EQ(c.remotes[0].key->id, "xfr");
  EXPECT_FALSE(c.remotes[1].key);
  EXPECT_EQ(c.remotes[1].addresses[0].to_string(), "192.0.2.1@53");

  ASSERT_EQ(c.acls.size(), 2u);
  EXPECT_TRUE(c.acls[0].allows(AclAction::kTransfer));
  EXPECT_TRUE(c.acls[0].allows(AclAction::kNotify));
  EXPECT_EQ(c.acls[0].addresses[1].to_string(), "::1/128");
  EXPECT_EQ(c.acls[0].key->secret, c.keys[0].secret);
  EXPECT_FALSE(c.acls[1].allows(AclAction::kTransfer));
  EXPECT_TRUE(c.acls[1].allows(AclAction::kNotify));

  ASSERT_EQ(c.zones.size(), 3u);
  const ZoneConfig& z0 = c.zones[0];
  EXPECT_EQ(z0.domain.to_text(), "example.com.");
  EXPECT_EQ(z0.file, "/etc/tandem/zones/example.com.zone");
  EXPECT_FALSE(z0.is_secondary());
  ASSERT_EQ(z0.notify.size(), 1u);
  EXPECT_EQ(z0.notify[0].id, "plain");
  ASSERT_EQ(z0.acls.size(), 2u);
  EXPECT_EQ(z0.acls[1].id, "notifiers");
  EXPECT_EQ(z0.line, 33u);
  const ZoneConfig& z1 = c.zones[1];
  EXPECT_EQ(z1.domain.to_text(), "Example.NET.");
  EXPECT_TRUE(z1.is_secondary());
  EXPECT_TRUE(z1.file.empty());
  ASSERT_EQ(z1.primaries.size(), 2u);
  EXPECT_EQ(z1.primaries[0].key->id, "xfr");
  EXPECT_EQ(c.zones[2].file, "/var/zones/example.org.zone");
  EXPECT_EQ(c.zones[2].primaries.size(), 1u);

  EXPECT_EQ(c.find_zone(*dns::Name::parse_absolute("EXAMPLE.net")), &c.zones[1]);
  EXPECT_EQ(c.find_zone(*dns::Name::parse_absolute("example.info")), nullptr);
}

TEST(Config, MinimalConfigGetsDefaults) {
  auto r = parse("server:\n  listen: 127.0.0.1\nzone:\n  - domain: example.com\n    file: z\n");
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->server.listen.size(), 1u);
  EXPECT_EQ(r->server.listen[0].to_string(), "127.0.0.1@53");
  EXPECT_GE(r->server.workers, 1);
  EXPECT_EQ(r->server.storage, "/etc/tandem");
  EXPECT_EQ(r->server.control, "/etc/tandem/tandem.sock");
  EXPECT_EQ(r->server.tcp_idle_timeout_ms, 10000);
  EXPECT_EQ(r->server.tcp_max_connections, 1000u);
  EXPECT_EQ(r->log_level, log::Level::kInfo);
  EXPECT_EQ(r->zones[0].file, "/etc/tandem/z");
}

TEST(Config, ControlDefaultsIntoStorage) {
  auto r = parse("server:\n  listen: 127.0.0.1\n  storage: /var/lib/tandem/\n");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->server.control, "/var/lib/tandem/tandem.sock");
  EXPECT_TRUE(r->zones.empty());
}

TEST(Config, ServerLogLevel) {
  auto r = parse("server:\n  listen: 127.0.0.1\n  log-level: warning\n");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->log_level, log::Level::kWarning);
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  log-level: warning\nlog:\n  level: info\n"),
            "tandem.yaml:5: log.level: log level already set on line 3 (use either log.level or "
            "server.log-level)");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\nlog:\n  level: loud\n"),
            "tandem.yaml:4: log.level: unknown log level 'loud' (expected debug, info, warning or "
            "error)");
}

TEST(Config, MissingZoneFile) {
  EXPECT_EQ(only_error("server:\n"
                       "  listen: 127.0.0.1@5300\n"
                       "\n"
                       "zone:\n"
                       "  - domain: example.com.\n"
                       "    file: example.com.zone\n"
                       "  - domain: example.net.\n"
                       "    file: example.net.zone\n"
                       "    acl: []\n"),
            "tandem.yaml:9: zone[1].acl: empty list");
  auto e = errors("server:\n  listen: 127.0.0.1@5300\n\n\n\n\nzone:\n  - domain: example.com.\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0],
            "tandem.yaml:8: zone[0].file: missing (a zone needs a 'file', or a 'primary' to "
            "transfer it from)");
}

TEST(Config, BadIntegers) {
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  workers: abc\n"),
            "tandem.yaml:3: server.workers: expected a positive integer, got 'abc'");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  workers: 0\n"),
            "tandem.yaml:3: server.workers: expected a positive integer, got '0'");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  workers: -2\n"),
            "tandem.yaml:3: server.workers: expected a positive integer, got '-2'");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  workers: 2.5\n"),
            "tandem.yaml:3: server.workers: expected a positive integer, got '2.5'");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  workers: 5000\n"),
            "tandem.yaml:3: server.workers: too large: 5000 (at most 1024)");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  workers: [1]\n"),
            "tandem.yaml:3: server.workers: expected a positive integer");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  tcp-max-connections:\n"),
            "tandem.yaml:3: server.tcp-max-connections: missing value");
}

TEST(Config, Durations) {
  EXPECT_EQ(parse_duration_ms("250"), 250);
  EXPECT_EQ(parse_duration_ms("250ms"), 250);
  EXPECT_EQ(parse_duration_ms("10s"), 10000);
  EXPECT_EQ(parse_duration_ms("2m"), 120000);
  EXPECT_EQ(parse_duration_ms("1h"), 3600000);
  EXPECT_FALSE(parse_duration_ms(""));
  EXPECT_FALSE(parse_duration_ms("s"));
  EXPECT_FALSE(parse_duration_ms("10 s"));
  EXPECT_FALSE(parse_duration_ms("10d"));
  EXPECT_FALSE(parse_duration_ms("-1s"));
  EXPECT_FALSE(parse_duration_ms("9999999h"));
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  tcp-idle-timeout: soon\n"),
            "tandem.yaml:3: server.tcp-idle-timeout: expected a duration such as 10000, 500ms, "
            "10s or 2m (at most 24h), got 'soon'");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  tcp-idle-timeout: 0\n"),
            "tandem.yaml:3: server.tcp-idle-timeout: expected a duration such as 10000, 500ms, "
            "10s or 2m (at most 24h), got '0'");
}

TEST(Config, UnknownKeys) {
  EXPECT_EQ(only_error("server:\n  listn: 127.0.0.1\n  listen: 127.0.0.1\n"),
            "tandem.yaml:2: server: unknown key 'listn' (did you mean 'listen'?)");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\nzones:\n  - domain: x\n"),
            "tandem.yaml:3: unknown key 'zones' (did you mean 'zone'?)");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\nbanana: 1\n"),
            "tandem.yaml:3: unknown key 'banana'");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\nzone:\n  - domain: x.\n    file: f\n"
                       "    masters: [ a ]\n"),
            "tandem.yaml:6: zone[0]: unknown key 'masters'");
}

TEST(Config, DuplicateKeys) {
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  workers: 1\n  workers: 2\n"),
            "tandem.yaml:4: server.workers: given twice (first on line 3)");
}

TEST(Config, SyntaxErrorsHaveALine) {
  EXPECT_EQ(only_error("server:\n  listen: [ 127.0.0.1\nzone: x\n"),
            "tandem.yaml:3: YAML syntax error: end of sequence flow not found");
  auto e = only_error("server:\n  listen: 127.0.0.1\n    workers: 2\n");
  EXPECT_EQ(e.rfind("tandem.yaml:3: YAML syntax error: ", 0), 0u) << e;
}

TEST(Config, WrongShapes) {
  EXPECT_EQ(only_error("- server\n"),
            "tandem.yaml:1: expected a mapping with the sections server, log, key, remote, acl "
            "and zone");
  EXPECT_EQ(only_error(""), "tandem.yaml:1: server: missing (server.listen is required)");
  EXPECT_EQ(only_error("server: 3\n"), "tandem.yaml:1: server: expected a mapping of keys");
  EXPECT_EQ(only_error("server:\n  workers: 2\n"), "tandem.yaml:2: server.listen: missing");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\nzone:\n  domain: x.\n"),
            "tandem.yaml:3: zone: expected a list of entries (each starting with '- ')");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\nzone:\n  - example.com\n"),
            "tandem.yaml:4: zone[0]: expected a mapping of keys");
  EXPECT_EQ(only_error("server:\n  listen: { a: 1 }\n"),
            "tandem.yaml:2: server.listen: expected a value or a list of values");
  EXPECT_EQ(only_error("server:\n  listen: [ 127.0.0.1, [ ::1 ] ]\n"),
            "tandem.yaml:2: server.listen[1]: expected a single value");
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  control: [ a, b ]\n"),
            "tandem.yaml:3: server.control: expected a single value, not a list or mapping");
}

TEST(Config, ListenAddresses) {
  EXPECT_EQ(only_error("server:\n  listen:\n    - 127.0.0.1@5300\n    - 127.0.0.1@99999\n"),
            "tandem.yaml:4: server.listen: invalid port '99999' in '127.0.0.1@99999' (expected "
            "1-65535)");
  EXPECT_EQ(only_error("server:\n  listen: [ 127.0.0.1@53, 127.0.0.1 ]\n"),
            "tandem.yaml:2: server.listen: '127.0.0.1@53' listed twice");
  EXPECT_EQ(only_error("server:\n  listen: localhost\n"),
            "tandem.yaml:2: server.listen: invalid IPv4 address 'localhost'");
  EXPECT_EQ(only_error("server:\n  listen: []\n"), "tandem.yaml:2: server.listen: empty list");
}

TEST(Config, ControlPathTooLong) {
  std::string path = "/" + std::string(120, 'x');
  EXPECT_EQ(only_error("server:\n  listen: 127.0.0.1\n  control: " + path + "\n"),
            "tandem.yaml:3: server.control: path too long for a unix socket (121 bytes, at most "
            "107): '" + path + "'");
}

const char* kServer = "server:\n  listen: 127.0.0.1\n";

TEST(Config, KeyErrors) {
  EXPECT_EQ(only_error(std::string(kServer) +
                       "key:\n  - id: k\n    algorithm: hmac-sha3\n    secret: AAAA\n"),
            "tandem.yaml:5: key[0].algorithm: unknown algorithm 'hmac-sha3' (expected hmac-md5, "
            "hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or hmac-sha512)");
  EXPECT_EQ(only_error(std::string(kServer) +
                       "key:\n  - id: k\n    algorithm: hmac-sha1\n    secret: 'not base64!'\n"),
            "tandem.yaml:6: key[0].secret: not valid base64");
  EXPECT_EQ(only_error(std::string(kServer) +
                       "key:\n  - id: k\n    algorithm: hmac-sha1\n    secret: AAA\n"),
            "tandem.yaml:6: key[0].secret: not valid base64");
  EXPECT_EQ(only_error(std::string(kServer) +
                       "key:\n  - id: k\n    algorithm: hmac-sha1\n    secret: ''\n"),
            "tandem.yaml:6: key[0].secret: empty secret");
  EXPECT_EQ(only_error(std::string(kServer) + "key:\n  - id: k\n    algorithm: hmac-sha1\n"),
            "tandem.yaml:4: key[0].secret: missing");
  EXPECT_EQ(only_error(std::string(kServer) +
                       "key:\n  - id: k\n    algorithm: hmac-sha1\n    secret: AAAA\n"
                       "  - id: k\n    algorithm: hmac-sha1\n    secret: AAAA\n"),
            "tandem.yaml:7: key[1].id: duplicate key id 'k'");
  auto e = only_error(std::string(kServer) +
                      "key:\n  - id: a..b\n    algorithm: hmac-sha1\n    secret: AAAA\n");
  EXPECT_EQ(e.rfind("tandem.yaml:4: key[0].id: 'a..b' is not a valid key name: ", 0), 0u) << e;
}

TEST(Config, RemoteAndAclErrors) {
  EXPECT_EQ(only_error(std::string(kServer) + "remote:\n  - id: r\n    address: 1.2.3.4\n"
                                              "    key: nokey\n"),
            "tandem.yaml:6: remote[0].key: no key with id 'nokey' in the key section");
  EXPECT_EQ(only_error(std::string(kServer) + "remote:\n  - id: r\n"),
            "tandem.yaml:4: remote[0].address: missing");
  EXPECT_EQ(only_error(std::string(kServer) + "remote:\n  - id: r\n    address: 1.2.3.4/8\n"),
            "tandem.yaml:5: remote[0].address: invalid IPv4 address '1.2.3.4/8'");
  EXPECT_EQ(only_error(std::string(kServer) + "remote:\n  - id: r\n    address: 1.2.3.4\n"
                                              "  - id: r\n    address: 1.2.3.5\n"),
            "tandem.yaml:6: remote[1].id: duplicate remote id 'r'");
  EXPECT_EQ(only_error(std::string(kServer) +
                       "acl:\n  - id: a\n    address: 10.0.0.0/40\n    action: transfer\n"),
            "tandem.yaml:5: acl[0].address: invalid prefix length 40 for IPv4 in '10.0.0.0/40' "
            "(max 32)");
  EXPECT_EQ(only_error(std::string(kServer) +
                       "acl:\n  - id: a\n    address: 10.0.0.0/8\n"
                       "    action: [ transfer, update ]\n"),
            "tandem.yaml:6: acl[0].action: unknown action 'update' (expected transfer or notify)");
  EXPECT_EQ(only_error(std::string(kServer) + "acl:\n  - id: a\n    address: 10.0.0.0/8\n"),
            "tandem.yaml:4: acl[0].action: missing (expected transfer and/or notify)");
  EXPECT_EQ(only_error(std::string(kServer) + "acl:\n  - id: a\n    action: transfer\n"),
            "tandem.yaml:4: acl[0]: needs 'address' or 'key' (to allow everyone, write address: "
            "[ 0.0.0.0/0, ::/0 ])");
}

TEST(Config, ZoneErrors) {
  EXPECT_EQ(only_error(std::string(kServer) +
                       "zone:\n  - domain: example.com\n    file: a\n"
                       "  - domain: EXAMPLE.COM.\n    file: b\n"),
            "tandem.yaml:6: zone[1].domain: duplicate zone 'EXAMPLE.COM.' (also defined on line "
            "4)");
  EXPECT_EQ(only_error(std::string(kServer) + "zone:\n  - domain: x.\n    primary: [ nobody ]\n"),
            "tandem.yaml:5: zone[0].primary: no remote with id 'nobody' in the remote section");
  EXPECT_EQ(only_error(std::string(kServer) +
                       "zone:\n  - domain: x.\n    file: f\n    notify: nobody\n"),
            "tandem.yaml:6: zone[0].notify: no remote with id 'nobody' in the remote section");
  EXPECT_EQ(only_error(std::string(kServer) +
                       "zone:\n  - domain: x.\n    file: f\n    acl: [ no ]\n"),
            "tandem.yaml:6: zone[0].acl: no acl with id 'no' in the acl section");
  EXPECT_EQ(only_error(std::string(kServer) + "zone:\n  - file: f\n"),
            "tandem.yaml:4: zone[0].domain: missing");
  EXPECT_EQ(only_error(std::string(kServer) + "zone:\n  - domain: x.\n    file: ''\n"),
            "tandem.yaml:5: zone[0].file: empty path");
  auto e = only_error(std::string(kServer) + "zone:\n  - domain: " + std::string(64, 'a') +
                      ".com\n    file: f\n");
  EXPECT_EQ(e.rfind("tandem.yaml:4: zone[0].domain: '", 0), 0u) << e;
}

TEST(Config, ReportsEveryErrorOnce) {
  // A broken key is reported where it is defined, not again where it is used.
  auto e = errors(std::string(kServer) +
                  "key:\n  - id: k\n    algorithm: md6\n    secret: AAAA\n"
                  "remote:\n  - id: r\n    address: 1.2.3.4\n    key: k\n"
                  "zone:\n  - domain: x.\n    primary: r\n"
                  "  - domain: y.\n    workers: 2\n");
  ASSERT_EQ(e.size(), 3u) << ConfigErrors{e}.to_string();
  EXPECT_EQ(e[0].rfind("tandem.yaml:5: key[0].algorithm: unknown algorithm 'md6'", 0), 0u);
  EXPECT_EQ(e[1], "tandem.yaml:15: zone[1]: unknown key 'workers'");
  EXPECT_EQ(e[2],
            "tandem.yaml:14: zone[1].file: missing (a zone needs a 'file', or a 'primary' to "
            "transfer it from)");
}

TEST(Config, Algorithms) {
  EXPECT_EQ(tsig_algorithm_from_text("hmac-sha512"), TsigAlgorithm::kHmacSha512);
  EXPECT_EQ(tsig_algorithm_from_text("HMAC-SHA224"), TsigAlgorithm::kHmacSha224);
  EXPECT_FALSE(tsig_algorithm_from_text("hmac-sha256."));
  EXPECT_STREQ(tsig_algorithm_text(TsigAlgorithm::kHmacSha1), "hmac-sha1");
  auto wire = [](TsigAlgorithm a) {
    return dns::Name::from_wire(dns::tsig_algorithm_wire_name(a).data()).to_text();
  };
  EXPECT_EQ(wire(TsigAlgorithm::kHmacMd5), "hmac-md5.sig-alg.reg.int.");
  EXPECT_EQ(wire(TsigAlgorithm::kHmacSha384), "hmac-sha384.");
}

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tandem-config-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_ / "conf");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& text) {
    std::string path = (dir_ / "conf" / "tandem.yaml").string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigFileTest, RelativePathsAreRelativeToTheConfigFile) {
  std::string path = write(
      "server:\n  listen: 127.0.0.1@5300\n  storage: ../state\nzone:\n  - domain: x.\n"
      "    file: zones/x.zone\n");
  auto r = load_config(path);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->base_dir, (dir_ / "conf").string());
  EXPECT_EQ(r->zones[0].file, (dir_ / "conf" / "zones" / "x.zone").string());
  EXPECT_EQ(r->server.storage, (dir_ / "state").string());
  EXPECT_EQ(r->server.control, (dir_ / "state" / "tandem.sock").string());
  EXPECT_EQ(find_control_path(path).value(), r->server.control);
}

TEST_F(ConfigFileTest, ErrorsNameTheFileAsGiven) {
  std::string path = write("server:\n  listen: 127.0.0.1\n  workers: many\n");
  auto r = load_config(path);
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error().messages.size(), 1u);
  EXPECT_EQ(r.error().messages[0],
            path + ":3: server.workers: expected a positive integer, got 'many'");
  // ctl still finds the socket of a config being edited.
  EXPECT_EQ(find_control_path(path).value(), (dir_ / "conf" / "tandem.sock").string());
}

TEST_F(ConfigFileTest, UnreadableFile) {
  auto r = load_config((dir_ / "missing.yaml").string());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(),
            (dir_ / "missing.yaml").string() +
                ": cannot read config file: No such file or directory");
  EXPECT_FALSE(find_control_path((dir_ / "missing.yaml").string()));
}

TEST_F(ConfigFileTest, ControlPathFromExplicitSetting) {
  std::string path = write("server:\n  control: run/t.sock\n  workers: bad\n");
  EXPECT_EQ(find_control_path(path).value(), (dir_ / "conf" / "run" / "t.sock").string());
  // Not even YAML: the lines are still found.
  path = write("server:\n  listen: [ 127.0.0.1\n  control: \"/run/t d.sock\"  # here\n");
  EXPECT_EQ(find_control_path(path).value(), "/run/t d.sock");
  path = write("server:\n  listen: [ 127.0.0.1\n  storage: st\nzone:\n  workers: 3\n");
  EXPECT_EQ(find_control_path(path).value(), (dir_ / "conf" / "st" / "tandem.sock").string());
  path = write("server: [\n");
  EXPECT_EQ(find_control_path(path).value(), (dir_ / "conf" / "tandem.sock").string());
}

}  // namespace
}  // namespace tandem::config
