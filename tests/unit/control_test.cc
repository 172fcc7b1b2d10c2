#include "server/control.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

namespace tandem::server {
namespace {

TEST(ControlCommand, Parses) {
  auto c = parse_control_command("status\n");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->kind, ControlCommandKind::kStatus);
  EXPECT_FALSE(c->zone);

  c = parse_control_command("  reload   Example.COM  \r\n");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->kind, ControlCommandKind::kReload);
  ASSERT_TRUE(c->zone);
  EXPECT_EQ(c->zone->to_text(), "Example.COM.");

  c = parse_control_command("zone-status");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ControlCommandKind::kZoneStatus);
  c = parse_control_command("zone-status example.net.");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->zone->to_text(), "example.net.");
  c = parse_control_command("stop");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, ControlCommandKind::kStop);
}

TEST(ControlCommand, RejectsBadRequests) {
  EXPECT_EQ(parse_control_command("").error(),
            "empty command (expected status, zone-status, reload, retransfer, notify or stop)");
  EXPECT_EQ(parse_control_command("  \n").error(),
            "empty command (expected status, zone-status, reload, retransfer, notify or stop)");
  EXPECT_EQ(parse_control_command("restart").error(),
            "unknown command 'restart' (expected status, zone-status, reload, retransfer, notify or stop)");
  EXPECT_EQ(parse_control_command("STATUS").error(),
            "unknown command 'STATUS' (expected status, zone-status, reload, retransfer, notify or stop)");
  EXPECT_EQ(parse_control_command("stop now").error(),
            "too many arguments for 'stop' (it takes none)");
  EXPECT_EQ(parse_control_command("reload a. b.").error(),
            "too many arguments for 'reload' (it takes at most one zone)");
  auto e = parse_control_command("reload a..b");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().rfind("invalid zone name 'a..b': ", 0), 0u) << e.error();
}

TEST(ControlCommand, FormatRoundTrips) {
  for (const char* line : {"status", "zone-status", "zone-status example.com.", "reload",
                           "reload example.org.", "stop"}) {
    auto c = parse_control_command(line);
    ASSERT_TRUE(c) << line;
    EXPECT_EQ(format_control_command(*c), line);
  }
}

TEST(ControlReply, EncodesAndDecodes) {
  EXPECT_EQ(encode_control_reply({true, ""}), "ok\n");
  EXPECT_EQ(encode_control_reply({true, "a\nb"}), "ok\na\nb\n");
  EXPECT_EQ(encode_control_reply({false, "bad\n"}), "error\nbad\n");
  ControlReply r = decode_control_reply("ok\nzones: 2\n");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.text, "zones: 2\n");
  r = decode_control_reply("error\nzone x. is not configured\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "zone x. is not configured\n");
  r = decode_control_reply("ok");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.text, "");
  r = decode_control_reply("");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "the server closed the connection without a reply\n");
  r = decode_control_reply("HTTP/1.1 200 OK\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "malformed reply from the server: 'HTTP/1.1 200 OK'\n");
}

class ControlSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tandem-control-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "ctl.sock").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Serves connections on `socket` until `stop` is set (a stand-in for the
  // server's poll loop).
  static void serve(ControlSocket& socket, std::atomic<bool>& stop,
                    const ControlSocket::Handler& handler) {
    while (!stop) {
      pollfd p{socket.fd(), POLLIN, 0};
      if (poll(&p, 1, 20) > 0) socket.serve_one(handler, 1000);
    }
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(ControlSocketTest, RoundTripAndPermissions) {
  ControlSocket socket;
  ASSERT_TRUE(socket.open(path_));
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  std::atomic<bool> stop{false};
  std::vector<std::string> seen;
  std::thread t(serve, std::ref(socket), std::ref(stop), [&](const ControlCommand& c) {
    seen.push_back(format_control_command(c));
    if (c.kind == ControlCommandKind::kZoneStatus && c.zone) {
      return ControlReply{false, "zone " + c.zone->to_text() + " is not configured\n"};
    }
    return ControlReply{true, "fine\n"};
  });
  auto r = send_control_request(path_, "status", 2000);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->text, "fine\n");
  r = send_control_request(path_, "zone-status nowhere.", 2000);
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->text, "zone nowhere. is not configured\n");
  // A bad request is answered by the socket itself; the handler never sees it.
  r = send_control_request(path_, "dance", 2000);
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->text, "unknown command 'dance' (expected status, zone-status, reload, retransfer, notify or stop)\n");
  stop = true;
  t.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"status", "zone-status nowhere."}));

  socket.close();
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(ControlSocketTest, NotRunning) {
  auto r = send_control_request(path_, "status", 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "tandem is not running (no control socket at '" + path_ + "')");
  // A stale socket file left by a crash: nobody listens on it.
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  strcpy(addr.sun_path, path_.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  close(fd);
  r = send_control_request(path_, "status", 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "tandem is not running (nobody answers on the control socket '" + path_ +
                           "')");
  // ...is replaced when a server starts.
  ControlSocket socket;
  auto opened = socket.open(path_);
  EXPECT_TRUE(opened) << opened.error();
}

TEST_F(ControlSocketTest, RefusesASecondServer) {
  ControlSocket first;
  ASSERT_TRUE(first.open(path_));
  ControlSocket second;
  auto r = second.open(path_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(),
            "another tandem server is running (it answers on the control socket '" + path_ + "')");
  second.close();  // must not remove the first server's socket
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(ControlSocketTest, RefusesANonSocketPath) {
  std::ofstream(path_) << "data";
  ControlSocket socket;
  auto r = socket.open(path_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "control socket path '" + path_ + "' exists and is not a socket");
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(ControlSocketTest, SilentClientTimesOut) {
  ControlSocket socket;
  ASSERT_TRUE(socket.open(path_));
  // A client that connects and sends nothing must not block the server forever.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  strcpy(addr.sun_path, path_.c_str());
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  bool called = false;
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(socket.serve_one(
      [&](const ControlCommand&) {
        called = true;
        return ControlReply{};
      },
      100));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_FALSE(called);
  close(fd);
  // Nothing pending now.
  EXPECT_FALSE(socket.serve_one([](const ControlCommand&) { return ControlReply{}; }, 100));
}

TEST(ControlCommand, RetransferAndNotifyNeedAZone) {
  auto r = parse_control_command("retransfer example.org.");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ControlCommandKind::kRetransfer);
  EXPECT_EQ(format_control_command(*r), "retransfer example.org.");
  auto n = parse_control_command("notify example.org");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kind, ControlCommandKind::kNotify);
  EXPECT_FALSE(parse_control_command("retransfer"));
  EXPECT_EQ(parse_control_command("notify").error(), "'notify' needs a zone");
}

}  // namespace
}  // namespace tandem::server
