#include "server/control.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/log.h"

namespace tandem::server {
namespace {

constexpr size_t kMaxReply = 64 * 1024 * 1024;

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' ||
                               line[i] == '\n')) {
      ++i;
    }
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
           line[i] != '\n') {
      ++i;
    }
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

Result<sockaddr_un, std::string> unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty()) return fail("empty control socket path");
  if (path.size() >= sizeof addr.sun_path) {
    return fail("control socket path too long: '" + path + "'");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

void set_timeouts(int fd, int timeout_ms) {
  timeval tv{};
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Result<ControlCommand, std::string> parse_control_command(std::string_view line) {
  std::vector<std::string_view> words = split_words(line);
  if (words.empty()) return fail("empty command (expected status, zone-status, reload, retransfer, notify or stop)");
  std::string_view verb = words[0];
  ControlCommand command;
  size_t max_args = 0;
  if (verb == "status") {
    command.kind = ControlCommandKind::kStatus;
  } else if (verb == "zone-status") {
    command.kind = ControlCommandKind::kZoneStatus;
    max_args = 1;
  } else if (verb == "reload") {
    command.kind = ControlCommandKind::kReload;
    max_args = 1;
  } else if (verb == "retransfer" || verb == "notify") {
    command.kind = verb == "notify" ? ControlCommandKind::kNotify : ControlCommandKind::kRetransfer;
    max_args = 1;
    if (words.size() != 2) return fail("'" + std::string(verb) + "' needs a zone");
  } else if (verb == "stop") {
    command.kind = ControlCommandKind::kStop;
  } else {
    return fail("unknown command '" + std::string(verb) +
                "' (expected status, zone-status, reload, retransfer, notify or stop)");
  }
  if (words.size() - 1 > max_args) {
    return fail("too many arguments for '" + std::string(verb) + "'" +
                (max_args == 0 ? " (it takes none)" : " (it takes at most one zone)"));
  }
  if (words.size() == 2) {
    auto zone = dns::Name::parse_absolute(words[1]);
    if (!zone) return fail("invalid zone name '" + std::string(words[1]) + "': " + zone.error());
    command.zone = *zone;
  }
  return command;
}

std::string format_control_command(const ControlCommand& command) {
  std::string out;
  switch (command.kind) {
    case ControlCommandKind::kStatus: out = "status"; break;
    case ControlCommandKind::kZoneStatus: out = "zone-status"; break;
    case ControlCommandKind::kReload: out = "reload"; break;
    case ControlCommandKind::kRetransfer: out = "retransfer"; break;
    case ControlCommandKind::kNotify: out = "notify"; break;
    case ControlCommandKind::kStop: out = "stop"; break;
  }
  if (command.zone) out += " " + command.zone->to_text();
  return out;
}

std::string encode_control_reply(const ControlReply& reply) {
  std::string out = reply.ok ? "ok\n" : "error\n";
  out += reply.text;
  if (!reply.text.empty() && reply.text.back() != '\n') out += '\n';
  return out;
}

ControlReply decode_control_reply(std::string_view raw) {
  size_t nl = raw.find('\n');
  std::string_view status = raw.substr(0, nl);
  std::string_view text = nl == std::string_view::npos ? std::string_view() : raw.substr(nl + 1);
  if (status == "ok") return ControlReply{true, std::string(text)};
  if (status == "error") return ControlReply{false, std::string(text)};
  if (raw.empty()) return ControlReply{false, "the server closed the connection without a reply\n"};
  return ControlReply{false, "malformed reply from the server: '" + std::string(status) + "'\n"};
}

ControlSocket::~ControlSocket() { close(); }

Result<void, std::string> ControlSocket::open(const std::string& path) {
  close();
  auto addr = unix_address(path);
  if (!addr) return fail(addr.error());

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return fail("control socket path '" + path + "' exists and is not a socket");
    }
    // A socket file stays behind after a crash; it is stale only if nobody
    // accepts connections on it.
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) return fail(std::string("socket(): ") + std::strerror(errno));
    int rc = ::connect(probe, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
    int err = errno;
    ::close(probe);
    if (rc == 0) {
      return fail("another tandem server is running (it answers on the control socket '" + path +
                  "')");
    }
    if (err != ECONNREFUSED && err != ENOENT) {
      return fail("cannot check the control socket '" + path + "': " + std::strerror(err));
    }
    ::unlink(path.c_str());
  }

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(std::string("socket(): ") + std::strerror(errno));
  // The socket gives full control of the server: only its owner may connect.
  // umask covers the window between bind() and chmod().
  mode_t old_mask = ::umask(0077);
  int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
  int err = errno;
  ::umask(old_mask);
  if (rc != 0) {
    ::close(fd);
    return fail("cannot create the control socket '" + path + "': " + std::strerror(err));
  }
  if (::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 16) != 0) {
    err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return fail("cannot set up the control socket '" + path + "': " + std::strerror(err));
  }
  if (::stat(path.c_str(), &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  fd_ = fd;
  path_ = path;
  return {};
}

bool ControlSocket::serve_one(const Handler& handler, int timeout_ms) {
  if (fd_ < 0) return false;
  int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) return false;
  set_timeouts(conn, timeout_ms);
  std::string request;
  char buf[512];
  bool complete = false;
  while (request.size() <= kMaxControlRequest) {
    ssize_t n = ::recv(conn, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // EOF ends a request without a newline; a timeout or error drops it.
      complete = n == 0 && !request.empty();
      break;
    }
    request.append(buf, static_cast<size_t>(n));
    if (request.find('\n') != std::string::npos) {
      request.resize(request.find('\n'));
      complete = true;
      break;
    }
  }
  ControlReply reply;
  if (request.size() > kMaxControlRequest) {
    reply = ControlReply{false, "request too long\n"};
  } else if (!complete) {
    TANDEM_LOG_DEBUG("control: connection closed without a complete request");
    ::close(conn);
    return true;
  } else if (auto command = parse_control_command(request); !command) {
    reply = ControlReply{false, command.error() + "\n"};
  } else {
    TANDEM_LOG_INFO("control: %s", format_control_command(*command).c_str());
    reply = handler(*command);
  }
  if (!send_all(conn, encode_control_reply(reply))) {
    TANDEM_LOG_DEBUG("control: could not send the reply: %s", std::strerror(errno));
  }
  ::close(conn);
  return true;
}

void ControlSocket::close() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  // Remove the file only if it is still the one we created (a second server
  // started by mistake must not delete the first one's socket).
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

Result<ControlReply, std::string> send_control_request(const std::string& path,
                                                       std::string_view request, int timeout_ms) {
  auto addr = unix_address(path);
  if (!addr) return fail(addr.error());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(std::string("socket(): ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    int err = errno;
    ::close(fd);
    if (err == ENOENT) {
      return fail("tandem is not running (no control socket at '" + path + "')");
    }
    if (err == ECONNREFUSED) {
      return fail("tandem is not running (nobody answers on the control socket '" + path + "')");
    }
    return fail("cannot connect to the control socket '" + path + "': " + std::strerror(err));
  }
  set_timeouts(fd, timeout_ms);
  std::string line(request);
  line += '\n';
  if (!send_all(fd, line)) {
    int err = errno;
    ::close(fd);
    return fail("cannot send to the control socket '" + path + "': " + std::strerror(err));
  }
  ::shutdown(fd, SHUT_WR);
  std::string raw;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      if (err == EAGAIN || err == EWOULDBLOCK) {
        return fail("no reply from the server within " + std::to_string(timeout_ms / 1000) +
                    " s (control socket '" + path + "')");
      }
      return fail("cannot read from the control socket '" + path + "': " + std::strerror(err));
    }
    if (n == 0) break;
    raw.append(buf, static_cast<size_t>(n));
    if (raw.size() > kMaxReply) break;
  }
  ::close(fd);
  return decode_control_reply(raw);
}

}  // namespace tandem::server
