// Server orchestration end to end on 127.0.0.1: start-up with a broken zone,
// reloads (changed, unchanged, broken, removed and secondary zones, config
// errors), the control commands and a clean stop. Driven through the control
// socket only: signals would hit the test process itself.
#include "server/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace tandem::server {
namespace {

namespace fs = std::filesystem;

// A port free for both UDP and TCP on 127.0.0.1 right now.
uint16_t free_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a);
    getsockname(u, reinterpret_cast<sockaddr*>(&a), &len);
    int t = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(t);
    close(u);
    if (ok) return ntohs(a.sin_port);
  }
  return 0;
}

// Sends a query for `name` SOA over UDP; returns the RCODE, or -1 on timeout.
int query_rcode(uint16_t port, const std::string& name) {
  std::vector<uint8_t> q = {0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  std::string n = name + ".";
  for (size_t i = 0; i < n.size(); ++i) {
    if (n[i] == '.') {
      q.push_back(static_cast<uint8_t>(i - start));
      q.insert(q.end(), n.begin() + static_cast<long>(start), n.begin() + static_cast<long>(i));
      start = i + 1;
    }
  }
  q.insert(q.end(), {0, 0, 6, 0, 1});
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  uint8_t buf[1500];
  ssize_t n_read = recv(fd, buf, sizeof buf, 0);
  close(fd);
  if (n_read < 12 || buf[0] != 0x12 || buf[1] != 0x34) return -1;
  return buf[3] & 0x0f;
}

const char* kZoneA =
    "$ORIGIN a.test.\n"
    "@ 3600 IN SOA ns1 host SERIAL 3600 900 86400 300\n"
    "@ 3600 IN NS ns1\n"
    "ns1 3600 IN A 192.0.2.1\n";

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tandem-server-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    port_ = free_port();
    ASSERT_NE(port_, 0);
    config_ = (dir_ / "tandem.yaml").string();
    socket_ = (dir_ / "state" / "tandem.sock").string();
  }
  void TearDown() override {
    if (thread_.joinable()) {
      send("stop");
      thread_.join();
    }
    fs::remove_all(dir_);
  }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  void write_zone_a(int serial) {
    std::string text = kZoneA;
    text.replace(text.find("SERIAL"), 6, std::to_string(serial));
    write("a.zone", text);
  }
  void write_config(const std::string& zones, const std::string& extra = "") {
    write("tandem.yaml", "server:\n  listen: 127.0.0.1@" + std::to_string(port_) +
                             "\n  workers: 1\n  storage: state\n" + extra + zones);
  }
  void start() {
    thread_ = std::thread([this] { exit_code_ = Server(ServeOptions{config_, false}).run(); });
    for (int i = 0; i < 200; ++i) {
      if (fs::exists(socket_) && send("status").ok) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "the server did not start";
  }
  ControlReply send(const std::string& request) {
    auto r = send_control_request(socket_, request, 10000);
    return r ? *r : ControlReply{false, "no reply: " + r.error()};
  }

  fs::path dir_;
  uint16_t port_ = 0;
  std::string config_, socket_;
  std::thread thread_;
  int exit_code_ = -1;
};

TEST_F(ServerTest, StartsWithoutABrokenZoneAndReloads) {
  write_zone_a(1);
  write("b.zone", "$ORIGIN b.test.\n@ 3600 IN SOA ns1 host 7 3600 900 86400 300\n"
                  "x IN A 1.2.3\n");
  write_config(
      "zone:\n  - domain: a.test.\n    file: a.zone\n  - domain: b.test.\n    file: b.zone\n");
  start();

  ControlReply zs = send("zone-status");
  ASSERT_TRUE(zs.ok) << zs.text;
  EXPECT_NE(zs.text.find("a.test. role=primary state=served serial=1 records=3"),
            std::string::npos)
      << zs.text;
  EXPECT_NE(zs.text.find("b.test. role=primary state=not-served"), std::string::npos) << zs.text;
  EXPECT_NE(zs.text.find("first-error=\"" + (dir_ / "b.zone").string() + ":3: "),
            std::string::npos)
      << zs.text;
  EXPECT_EQ(query_rcode(port_, "a.test"), 0);
  EXPECT_EQ(query_rcode(port_, "b.test"), 5);  // REFUSED: not served

  // Nothing changed: nothing is read again.
  ControlReply r = send("reload");
  EXPECT_FALSE(r.ok) << r.text;  // b.test still fails
  EXPECT_NE(r.text.find("zone a.test.: unchanged, serial 1"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("zone b.test.: not loaded ("), std::string::npos)
      << r.text;

  // Fix b, change a.
  write("b.zone", "$ORIGIN b.test.\n@ 3600 IN SOA ns1 host 7 3600 900 86400 300\n"
                  "@ 3600 IN NS ns1.a.test.\n");
  write_zone_a(2);
  r = send("reload");
  EXPECT_TRUE(r.ok) << r.text;
  EXPECT_NE(r.text.find("zone a.test.: reloaded, serial 2, 3 records"), std::string::npos)
      << r.text;
  EXPECT_NE(r.text.find("zone b.test.: loaded, serial 7, 2 records"), std::string::npos)
      << r.text;
  EXPECT_EQ(query_rcode(port_, "b.test"), 0);

  // A broken edit keeps the served version.
  write("a.zone", "$ORIGIN a.test.\n@ 3600 IN SOA ns1 host 3 3600 900 86400 300\nbad IN A x\n");
  r = send("reload a.test");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.text.find("still serving serial 2"),
            std::string::npos)
      << r.text;
  EXPECT_NE(r.text.find((dir_ / "a.zone").string() + ":3: "), std::string::npos) << r.text;
  EXPECT_EQ(query_rcode(port_, "a.test"), 0);

  // An explicit zone reload reads the file even when it did not change.
  write_zone_a(4);
  r = send("reload a.test.");
  EXPECT_TRUE(r.ok) << r.text;
  r = send("reload a.test.");
  EXPECT_TRUE(r.ok) << r.text;
  EXPECT_NE(r.text.find("zone a.test.: reloaded, serial 4"), std::string::npos) << r.text;

  EXPECT_FALSE(send("reload nowhere.test").ok);
  EXPECT_FALSE(send("zone-status nowhere.test").ok);

  ControlReply st = send("status");
  EXPECT_TRUE(st.ok);
  EXPECT_NE(st.text.find(std::string("version: tandem ") + kVersion), std::string::npos);
  EXPECT_NE(st.text.find("zones: 2 configured, 2 served"), std::string::npos) << st.text;
  EXPECT_NE(st.text.find("queries: "), std::string::npos) << st.text;

  ControlReply stop = send("stop");
  EXPECT_TRUE(stop.ok);
  thread_.join();
  EXPECT_EQ(exit_code_, 0);
  EXPECT_FALSE(fs::exists(socket_));
}

TEST_F(ServerTest, ConfigChangesOnReload) {
  write_zone_a(1);
  write_config("zone:\n  - domain: a.test.\n    file: a.zone\n");
  start();

  // A config error keeps everything as it is.
  write("tandem.yaml", "server:\n  listen: 127.0.0.1@" + std::to_string(port_) +
                           "\n  workers: lots\n  storage: state\n");
  ControlReply r = send("reload");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.text.find(config_ + ":3: server.workers: expected a positive integer, got 'lots'"),
            std::string::npos)
      << r.text;
  EXPECT_EQ(query_rcode(port_, "a.test"), 0);

  // Remove a.test, add a secondary; listen changes need a restart.
  write("tandem.yaml", "server:\n  listen: 127.0.0.1@1\n  workers: 1\n  storage: state\n"
                       "remote:\n  - id: up\n    address: 127.0.0.1@1\n"
                       "zone:\n  - domain: c.test.\n    primary: up\n");
  r = send("reload");
  EXPECT_TRUE(r.ok) << r.text;
  EXPECT_NE(r.text.find("server.listen changed: restart tandem to apply it"), std::string::npos)
      << r.text;
  EXPECT_NE(r.text.find("zone c.test.: secondary, no stored copy yet; transferring from the primaries"),
            std::string::npos)
      << r.text;
  EXPECT_NE(r.text.find("zone a.test.: removed"), std::string::npos) << r.text;
  EXPECT_EQ(query_rcode(port_, "a.test"), 5);  // still listening on the old port
  ControlReply zs = send("zone-status c.test.");
  EXPECT_NE(zs.text.find("c.test. role=secondary state=not-served primaries=up@127.0.0.1@1"),
            std::string::npos)
      << zs.text;
}

TEST_F(ServerTest, StartupFailures) {
  write_zone_a(1);
  write_config("zone:\n  - domain: a.test.\n    file: a.zone\n");
  start();
  // A second server on the same control socket refuses to start.
  EXPECT_EQ(Server(ServeOptions{config_, false}).run(), 1);
  EXPECT_TRUE(send("status").ok);  // and did not disturb the first one

  // A bad config starts nothing.
  write("bad.yaml", "server:\n  listen: 127.0.0.1@" + std::to_string(port_) + "\n  wrkers: 1\n");
  EXPECT_EQ(Server(ServeOptions{(dir_ / "bad.yaml").string(), false}).run(), 1);
}

}  // namespace
}  // namespace tandem::server
