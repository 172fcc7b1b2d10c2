// NOTIFY (RFC 1996) messages, both directions, and the timing helpers of the
// refresh machinery: the retransmission schedule of an outgoing NOTIFY and a
// deterministic jitter for refresh/retry timers. Pure functions: no sockets,
// no clock. TSIG is the caller's job (sign with dns::tsig_sign, verify with
// dns::tsig_verify); these functions ignore the additional section.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dns/name.h"
#include "util/result.h"

namespace tandem::xfr {

struct NotifyRequest {
  uint16_t id = 0;
  dns::Name zone;  // QNAME, case preserved, to echo in the answer
  // The serial of the SOA in the answer section (RFC 1996 3.7): an unsecured
  // hint only, the secondary still asks a primary for the SOA.
  std::optional<uint32_t> serial;
};

// Parses a received NOTIFY request: opcode NOTIFY, QR clear, exactly one
// question of type SOA class IN (RFC 1996 3.1, 3.7) whose name is the zone.
// An SOA record of the zone (class IN) in the answer section gives the serial
// hint; other answer records are skipped. Errors (human-readable, for the
// log): message shorter than a header, not a NOTIFY, QR set, no question or
// more than one, wrong QTYPE/QCLASS, truncated or malformed question or
// answer records, a malformed SOA.
Result<NotifyRequest, std::string> parse_notify(std::span<const uint8_t> msg);

// Writes the answer to a NOTIFY (RFC 1996): the request's ID, opcode
// NOTIFY, QR and AA set, RD echoed, RCODE NOERROR, the question echoed and
// nothing else. The caller signs it when the request was signed. Returns the
// size, or 0 when it does not fit in `cap`.
size_t build_notify_answer(const NotifyRequest& request, uint8_t* out, size_t cap);
// Same from the raw request; 0 also when it is not a valid NOTIFY.
size_t build_notify_answer(std::span<const uint8_t> request, uint8_t* out, size_t cap);

// Builds a NOTIFY request for `zone` (RFC 1996 3.7): opcode NOTIFY, AA set,
// question "zone SOA IN" and, when `soa_rdata` (uncompressed SOA rdata) is
// given, the zone's SOA with TTL `soa_ttl` in the answer section so the
// secondary learns the new serial.
std::vector<uint8_t> make_notify(const dns::Name& zone, uint16_t id,
                                 std::optional<std::span<const uint8_t>> soa_rdata,
                                 uint32_t soa_ttl = 0);

// Checks the answer to a NOTIFY we sent: its ID is `id`, QR set, opcode
// NOTIFY, a question (when present, and it must be when the RCODE is
// NOERROR) of "zone SOA IN", RCODE NOERROR. Errors name what differs, e.g.
// "answer has ID 4660, expected 17", "secondary answered REFUSED".
Result<void, std::string> check_notify_answer(std::span<const uint8_t> answer, uint16_t id,
                                              const dns::Name& zone);

// The retransmission schedule of one outgoing NOTIFY (RFC 1996 3.6: repeat
// until answered, at growing intervals, a bounded number of times). Starts at
// `initial_ms` and doubles up to `max_interval_ms`.
//   NotifyRetry r;
//   for (;;) { send(); if (answered within r.next_delay_ms()) break;
//              if (r.give_up()) break; }
class NotifyRetry {
 public:
  static constexpr int kDefaultTries = 5;
  static constexpr int64_t kDefaultInitialMs = 1000;
  static constexpr int64_t kDefaultMaxIntervalMs = 60000;

  explicit NotifyRetry(int max_tries = kDefaultTries, int64_t initial_ms = kDefaultInitialMs,
                       int64_t max_interval_ms = kDefaultMaxIntervalMs);

  // Counts one try as sent and returns how long to wait for its answer before
  // the next retransmission: initial, 2x, 4x, ... capped at the maximum.
  int64_t next_delay_ms();
  // True once max_tries have been sent (none answered): stop retransmitting.
  bool give_up() const { return tries_ >= max_tries_; }
  int tries() const { return tries_; }

 private:
  int max_tries_;
  int64_t interval_ms_;
  int64_t max_interval_ms_;
  int tries_ = 0;
};

// Jitter for refresh/retry timers, so that secondaries with many zones
// loaded at once do not refresh them all in the same second.
struct RefreshJitter {
  // A value in [base_ms - base_ms * percent / 100, base_ms], a pure function
  // of (base_ms, seed, percent): use e.g. a hash of the zone name as seed.
  // percent is clamped to [0, 100]; base_ms <= 0 is returned as is.
  static int64_t jitter(int64_t base_ms, uint64_t seed, int percent);
};

}  // namespace tandem::xfr
