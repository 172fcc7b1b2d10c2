#include "net/dns_client.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <random>

#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::net {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kHeaderSize = 12;  // RFC 1035 4.1.1
constexpr size_t kMaxUdpMessage = 65535;

std::string errno_text(int err) { return std::strerror(err); }

// The question of a message: owner (uncompressed, as sent) and type/class.
struct Question {
  uint8_t name[dns::kMaxNameWire];
  uint16_t qtype = 0;
  uint16_t qclass = 0;
};

// Reads the first question of `msg`; nullopt when it has none or it is
// malformed.
std::optional<Question> first_question(std::span<const uint8_t> msg) {
  if (msg.size() < kHeaderSize || dns::load_u16(msg.data() + 4) == 0) return std::nullopt;
  Question q;
  size_t pos = kHeaderSize;
  if (!dns::read_name(msg.data(), msg.size(), pos, q.name)) return std::nullopt;
  if (msg.size() - pos < 4) return std::nullopt;
  q.qtype = dns::load_u16(msg.data() + pos);
  q.qclass = dns::load_u16(msg.data() + pos + 2);
  return q;
}

// True when `reply` answers `query` (RFC 5452 4.1: same ID, same question;
// names compare case-insensitively since a server may change the case).
// A server may leave out the question of an error reply (FORMERR, NOTIMP:
// it may not have understood it), so a reply without a question is accepted
// when its RCODE is not NOERROR.
bool reply_matches(std::span<const uint8_t> reply, uint16_t id,
                   const std::optional<Question>& question) {
  if (reply.size() < kHeaderSize) return false;
  if (dns::load_u16(reply.data()) != id) return false;
  if ((reply[2] & 0x80) == 0) return false;  // QR clear: not a response
  if (!question) return true;
  if (dns::load_u16(reply.data() + 4) == 0) return (reply[3] & 0x0f) != dns::rcode::kNoError;
  std::optional<Question> got = first_question(reply);
  return got && got->qtype == question->qtype && got->qclass == question->qclass &&
         dns::wire_name_equal(got->name, question->name);
}

int remaining_ms(Clock::time_point deadline) {
  Clock::duration left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  // Round up so that a sub-millisecond remainder still waits instead of spinning.
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

// Waits up to `timeout_ms` for `events` on `fd`. Returns 1 when ready, 0 on
// timeout, -1 with errno on error; EINTR restarts with the remaining time.
int wait_for(int fd, short events, int timeout_ms) {
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n >= 0) {
      if (n == 0 && Clock::now() < deadline) continue;  // woke a little early
      return n;
    }
    if (errno != EINTR) return -1;
  }
}

}  // namespace

uint16_t random_query_id() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return static_cast<uint16_t>(rng());
}

std::vector<uint8_t> make_query(const dns::Name& qname, uint16_t qtype, uint16_t id,
                                bool recursion_desired, bool edns) {
  std::vector<uint8_t> msg(kHeaderSize + qname.size() + 4 + (edns ? 11 : 0));
  dns::WireWriter w(msg.data(), msg.size());
  w.u16(id);
  w.u16(recursion_desired ? 0x0100 : 0);  // QR=0, opcode QUERY, RD
  w.u16(1);                               // QDCOUNT
  w.u16(0);                               // ANCOUNT
  w.u16(0);                               // NSCOUNT
  w.u16(edns ? 1 : 0);                    // ARCOUNT
  w.bytes(qname.data(), qname.size());
  w.u16(qtype);
  w.u16(dns::rrclass::kIN);
  if (edns) {
    // RFC 6891 6.1.2: owner root, CLASS = payload size, TTL = extended RCODE,
    // version and flags (all zero), no options.
    w.u8(0);
    w.u16(dns::rrtype::kOPT);
    w.u16(kClientEdnsPayload);
    w.u32(0);
    w.u16(0);
  }
  return msg;
}

Result<std::vector<uint8_t>, std::string> udp_exchange(const SocketAddress& server,
                                                       std::span<const uint8_t> query,
                                                       int timeout_ms, int retries) {
  const std::string where = server.to_string();
  if (query.size() < kHeaderSize) return fail(std::string("query too short"));
  const uint16_t id = dns::load_u16(query.data());
  const std::optional<Question> question = first_question(query);
  if (!question && dns::load_u16(query.data() + 4) != 0) {
    return fail(std::string("malformed question in query"));
  }

  UniqueFd fd(::socket(server.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fail("cannot create UDP socket: " + errno_text(errno));
  // Connected, so the kernel drops datagrams from any other source and turns
  // an ICMP port unreachable into ECONNREFUSED on the next call.
  if (::connect(fd.get(), server.sa(), server.len()) != 0) {
    return fail("cannot connect to " + where + "/udp: " + errno_text(errno));
  }
  auto refused = [&] { return fail("connection refused by " + where + "/udp"); };

  const int tries = 1 + std::max(retries, 0);
  std::vector<uint8_t> buf(kMaxUdpMessage);
  for (int attempt = 0; attempt < tries; ++attempt) {
    if (::send(fd.get(), query.data(), query.size(), 0) < 0) {
      if (errno == ECONNREFUSED) return refused();
      return fail("cannot send to " + where + "/udp: " + errno_text(errno));
    }
    // Keep waiting until the deadline of this try: a mismatched datagram
    // (late answer to an earlier try, spoofing attempt) does not end it.
    Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      int ready = wait_for(fd.get(), POLLIN, remaining_ms(deadline));
      if (ready < 0) return fail("poll failed for " + where + "/udp: " + errno_text(errno));
      if (ready == 0) break;
      ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        if (errno == ECONNREFUSED) return refused();
        return fail("cannot receive from " + where + "/udp: " + errno_text(errno));
      }
      std::span<const uint8_t> reply(buf.data(), static_cast<size_t>(n));
      if (reply_matches(reply, id, question)) {
        buf.resize(static_cast<size_t>(n));
        return buf;
      }
    }
  }
  return fail("timeout after " + std::to_string(tries) + (tries == 1 ? " try" : " tries") + " to " +
              where);
}

Result<TcpDnsConnection, std::string> TcpDnsConnection::connect(const SocketAddress& server,
                                                                int timeout_ms) {
  const std::string where = server.to_string() + "/tcp";
  UniqueFd fd(::socket(server.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fail("cannot create TCP socket: " + errno_text(errno));
  // Queries are small and written in one call; do not let Nagle hold back
  // the second of two pipelined queries.
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

  if (::connect(fd.get(), server.sa(), server.len()) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      return fail("cannot connect to " + where + ": " + errno_text(errno));
    }
    int ready = wait_for(fd.get(), POLLOUT, timeout_ms);
    if (ready < 0) return fail("poll failed connecting to " + where + ": " + errno_text(errno));
    if (ready == 0) {
      return fail("timeout after " + std::to_string(timeout_ms) + " ms connecting to " + where);
    }
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return fail("cannot connect to " + where + ": " + errno_text(err));
  }
  return TcpDnsConnection(std::move(fd), server, timeout_ms);
}

std::string TcpDnsConnection::where() const { return peer_.to_string() + "/tcp"; }

Result<void, std::string> TcpDnsConnection::send(std::span<const uint8_t> message) {
  if (!fd_.valid()) return fail("not connected to " + where());
  if (message.size() > 65535) {
    return fail("message too long for TCP (" + std::to_string(message.size()) + " octets)");
  }
  // Prefix and message in one buffer: one segment for a small query.
  std::vector<uint8_t> framed(2 + message.size());
  dns::store_u16(framed.data(), static_cast<uint16_t>(message.size()));
  std::copy(message.begin(), message.end(), framed.begin() + 2);

  size_t done = 0;
  while (done < framed.size()) {
    ssize_t n = ::send(fd_.get(), framed.data() + done, framed.size() - done, MSG_NOSIGNAL);
    if (n >= 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      std::string text = "cannot send to " + where() + ": " + errno_text(errno);
      fd_.reset();
      return fail(std::move(text));
    }
    int ready = wait_for(fd_.get(), POLLOUT, send_timeout_ms_);
    if (ready <= 0) {
      std::string text = ready == 0 ? "timeout after " + std::to_string(send_timeout_ms_) +
                                          " ms sending to " + where()
                                    : "poll failed for " + where() + ": " + errno_text(errno);
      // Part of a message may be on the wire: the stream is no longer usable.
      if (done > 0) fd_.reset();
      return fail(std::move(text));
    }
  }
  return {};
}

Result<void, std::string> TcpDnsConnection::read_exact(uint8_t* out, size_t n, int timeout_ms,
                                                       size_t& got) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::recv(fd_.get(), out + done, n - done, 0);
    if (r > 0) {
      done += static_cast<size_t>(r);
      got += static_cast<size_t>(r);
      continue;
    }
    if (r == 0) return fail("connection closed by " + where());
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return fail("cannot receive from " + where() + ": " + errno_text(errno));
    }
    // The timeout restarts after every read that made progress: it measures
    // silence, so a long AXFR message arriving slowly is not cut off.
    int ready = wait_for(fd_.get(), POLLIN, timeout_ms);
    if (ready < 0) return fail("poll failed for " + where() + ": " + errno_text(errno));
    if (ready == 0) {
      return fail("timeout after " + std::to_string(timeout_ms) + " ms waiting for " + where());
    }
  }
  return {};
}

Result<std::vector<uint8_t>, std::string> TcpDnsConnection::receive(int timeout_ms) {
  if (!fd_.valid()) return fail("not connected to " + where());
  size_t got = 0;
  uint8_t prefix[2];
  auto status = read_exact(prefix, sizeof(prefix), timeout_ms, got);
  std::vector<uint8_t> message;
  if (status) {
    size_t size = dns::load_u16(prefix);
    if (size == 0) {
      // RFC 7766 8 has no empty messages; treat it like a broken stream.
      std::string text = "zero-length message from " + where() + ", connection closed";
      fd_.reset();
      return fail(std::move(text));
    }
    message.resize(size);
    status = read_exact(message.data(), size, timeout_ms, got);
  }
  if (!status) {
    std::string text = status.error();
    if (got > 0 && text.rfind("connection closed", 0) == 0) text += " in the middle of a message";
    // A timeout before the first octet leaves the stream intact; anything
    // else leaves us at an unknown offset, or on a dead socket.
    bool intact = got == 0 && text.rfind("timeout", 0) == 0;
    if (!intact) fd_.reset();
    return fail(std::move(text));
  }
  return message;
}

}  // namespace tandem::net
