// A small blocking DNS client over UDP and TCP, for the zone-transfer engine
// (SOA queries, AXFR over TCP) and the audit tool. Every wait is bounded by a
// timeout given by the caller; errors are human-readable and name the server.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dns/name.h"
#include "net/address.h"
#include "net/socket.h"
#include "util/result.h"

namespace tandem::net {

// EDNS0 UDP payload size we advertise (the DNS Flag Day 2020 value).
inline constexpr uint16_t kClientEdnsPayload = 1232;

// Builds a standard query (opcode QUERY) for `qname`/`qtype`/IN with message
// ID `id`, RD set when `recursion_desired`, and an EDNS0 OPT record (RFC 6891
// 6.1.2: payload kClientEdnsPayload, version 0, DO clear) when `edns`.
// A random message ID for a query we send (RFC 5452 9.2: not guessable).
uint16_t random_query_id();

[[nodiscard]] std::vector<uint8_t> make_query(const dns::Name& qname, uint16_t qtype, uint16_t id,
                                              bool recursion_desired = false, bool edns = true);

// Sends `query` (a full DNS message with at most one question) to `server`
// over UDP and returns the first reply whose ID and question match the query
// (RFC 5452 4.1); other datagrams are ignored. Each try waits `timeout_ms`;
// after a silent try the query is sent again, `retries` more times at most
// (so 1 + retries tries in all). The socket is connected, so datagrams from
// other addresses never arrive and an ICMP port unreachable is reported.
// Errors: "query too short", "timeout after 2 tries to 127.0.0.1@5300",
// "connection refused by 127.0.0.1@5300/udp", or the failing system call.
[[nodiscard]] Result<std::vector<uint8_t>, std::string> udp_exchange(const SocketAddress& server,
                                                                     std::span<const uint8_t> query,
                                                                     int timeout_ms, int retries);

// One DNS-over-TCP connection (RFC 7766): messages framed with a two-octet
// length (RFC 1035 4.2.2). Several queries may be sent before reading the
// answers (pipelining), and receive() may be called repeatedly to read a
// multi-message AXFR stream. Move-only; closes the socket on destruction.
// After an error that leaves the stream in an unknown state (I/O error, EOF,
// a timeout in the middle of a message) the connection is closed and every
// later call fails with "not connected".
class TcpDnsConnection {
 public:
  TcpDnsConnection(TcpDnsConnection&&) noexcept = default;
  TcpDnsConnection& operator=(TcpDnsConnection&&) noexcept = default;
  TcpDnsConnection(const TcpDnsConnection&) = delete;
  TcpDnsConnection& operator=(const TcpDnsConnection&) = delete;
  ~TcpDnsConnection() = default;

  // Connects to `server` without blocking longer than `timeout_ms`. The same
  // value bounds each stall of a later send(). Errors: "cannot connect to
  // 127.0.0.1@5300/tcp: Connection refused", "timeout after 500 ms connecting
  // to 127.0.0.1@5300/tcp".
  [[nodiscard]] static Result<TcpDnsConnection, std::string> connect(const SocketAddress& server,
                                                                     int timeout_ms);

  // Sends one message with its length prefix, looping over partial writes.
  // Errors: "message too long for TCP (70000 octets)", a timeout when the
  // peer stops reading, or the failing system call.
  [[nodiscard]] Result<void, std::string> send(std::span<const uint8_t> message);

  // Reads one length-prefixed message. `timeout_ms` bounds each period of
  // silence, not the whole message, so a large message trickling in slowly is
  // still read. Errors: "timeout after 500 ms waiting for 127.0.0.1@5300/tcp"
  // (the connection stays usable when no octet of the message had arrived),
  // "connection closed by 127.0.0.1@5300/tcp" (EOF), "... in the middle of a
  // message", "zero-length message from ..., connection closed".
  [[nodiscard]] Result<std::vector<uint8_t>, std::string> receive(int timeout_ms);

  bool is_open() const { return fd_.valid(); }
  const SocketAddress& peer() const { return peer_; }
  // Closes the socket now; later calls fail with "not connected".
  void close() { fd_.reset(); }

 private:
  TcpDnsConnection(UniqueFd fd, const SocketAddress& peer, int send_timeout_ms)
      : fd_(std::move(fd)), peer_(peer), send_timeout_ms_(send_timeout_ms) {}

  // Reads exactly `n` octets into `out`; `got` counts the octets read so far
  // (also on failure).
  Result<void, std::string> read_exact(uint8_t* out, size_t n, int timeout_ms, size_t& got);
  std::string where() const;  // "127.0.0.1@5300/tcp"

  UniqueFd fd_;
  SocketAddress peer_;
  int send_timeout_ms_ = 0;
};

}  // namespace tandem::net
