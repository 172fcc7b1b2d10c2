// The control socket: a unix stream socket (mode 0600) on which `tandem ctl`
// sends one command per connection and reads the reply until the server
// closes the connection.
//
// Request:  one line, "COMMAND [ARG]\n" (at most kMaxControlRequest bytes).
// Reply:    a status line, "ok" or "error", then free text for a human, then EOF.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.h"
#include "util/result.h"

namespace tandem::server {

inline constexpr size_t kMaxControlRequest = 4096;

enum class ControlCommandKind { kStatus, kZoneStatus, kReload, kRetransfer, kNotify, kStop };

struct ControlCommand {
  ControlCommandKind kind = ControlCommandKind::kStatus;
  std::optional<dns::Name> zone;  // zone-status, reload (optional); retransfer, notify (required)
};

// Parses a request line (words separated by blanks; a trailing newline is
// allowed). Errors: unknown command, missing or extra arguments, bad zone name.
Result<ControlCommand, std::string> parse_control_command(std::string_view line);
// The request line for `command`, without the newline (inverse of parse).
std::string format_control_command(const ControlCommand& command);

struct ControlReply {
  bool ok = true;
  std::string text;  // newline-terminated lines, possibly empty
};

// "ok\n" or "error\n" followed by the text.
std::string encode_control_reply(const ControlReply& reply);
// Inverse of encode. A reply without a valid status line is an error reply
// that says so.
ControlReply decode_control_reply(std::string_view raw);

// The listening side, owned by the server's main thread.
class ControlSocket {
 public:
  using Handler = std::function<ControlReply(const ControlCommand&)>;

  ControlSocket() = default;
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // Creates the socket at `path` with mode 0600 (non-blocking, for poll()).
  // A leftover socket that nobody answers on is replaced.
  // Errors: another server answers on `path`; `path` exists and is not a
  // socket; bind/listen failures (with the reason).
  Result<void, std::string> open(const std::string& path);
  // The listening descriptor to poll for POLLIN, or -1.
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // Accepts one pending connection, reads its request (giving up after
  // `timeout_ms`), answers it with `handler` (or with the parse error) and
  // closes it. Returns false when no connection was pending.
  bool serve_one(const Handler& handler, int timeout_ms = 5000);
  // Closes the socket and removes its file if it is still ours.
  void close();

 private:
  int fd_ = -1;
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

// Client side: connects to `path`, sends `request` (one line) and returns the
// decoded reply. Errors: the server is not running (no socket, or nobody
// answers on it), permission denied, timeout; each says which path.
Result<ControlReply, std::string> send_control_request(const std::string& path,
                                                       std::string_view request, int timeout_ms);

}  // namespace tandem::server
