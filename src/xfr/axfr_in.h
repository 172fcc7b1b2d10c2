// The secondary side of a full zone transfer (RFC 5936): turns the messages of
// an AXFR response, fed one at a time in the order they arrived, into a new
// zone. No I/O: the caller owns the connection and the clock. A zone is handed
// out only when the transfer completed and every check passed, so a caller
// that gets a failure keeps serving the zone it has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/tsig.h"
#include "xfr/xfr_in_common.h"
#include "zone/zone.h"

namespace tandem::zone {
class ZoneBuilder;
}

namespace tandem::xfr {

// Upper bounds on what one transfer may bring in; the defaults leave room for
// a 1M-record / 100 MB zone many times over while still stopping a primary
// that never ends the stream.
struct AxfrLimits {
  size_t max_records = 20'000'000;
  uint64_t max_bytes = uint64_t{2} << 30;  // total message octets, 2 GiB
};

struct AxfrParams {
  dns::Name origin;       // the zone requested
  uint16_t query_id = 0;  // the ID of our request: every message must carry it (RFC 5936 2.2)
  // When set, every message goes through the RFC 8945 5.3.1 stream checks and
  // the last one must be signed. Must outlive the consumer.
  const dns::TsigKey* key = nullptr;
  std::span<const uint8_t> request_mac;  // MAC of our signed request (copied)
  AxfrLimits limits;
  std::string peer;  // e.g. "192.0.2.1#53", for messages and the zone's source
  uint64_t now = 0;  // seconds since the epoch, for TSIG time checks
};

enum class AxfrState {
  kNeedMore,      // the transfer has not ended yet: feed the next message
  kDone,          // complete and valid: take() the zone
  kFailed,        // see the reason; no zone will be handed out
  kIxfrFallback,  // the answer has the RFC 1995 IXFR shape: retry with AXFR
};

struct AxfrStatus {
  AxfrState state = AxfrState::kNeedMore;
  std::string reason;  // why it failed, or why to fall back; empty otherwise
};

struct AxfrStats {
  size_t messages = 0;
  size_t records = 0;   // answer records, both SOAs included
  uint64_t bytes = 0;   // message octets
  uint32_t serial = 0;  // of the first SOA
};

class AxfrConsumer {
 public:
  explicit AxfrConsumer(AxfrParams params);
  ~AxfrConsumer();
  AxfrConsumer(const AxfrConsumer&) = delete;
  AxfrConsumer& operator=(const AxfrConsumer&) = delete;

  // Processes the next response message (without the TCP length prefix).
  // kNeedMore until the SOA of the origin appears again with the first
  // serial, then kDone, once the TSIG stream (if any) ended signed and the
  // zone passed ZoneBuilder's checks. kFailed, with a reason, for: a header
  // that is not an answer to our query (ID, QR, opcode, question), an RCODE
  // other than NOERROR ("primary answered NOTAUTH"), a malformed record, a
  // class other than IN, a first record that is not the SOA of the origin,
  // a record outside the zone (RFC 5936 3.3), records or messages after the
  // closing SOA, limits exceeded, TSIG failures ("TSIG: BADSIG on message
  // 3"), or a zone that does not check. kIxfrFallback when the second record
  // is an SOA of the origin with another serial (RFC 1995 4). Once failed,
  // it stays failed; a message after kDone fails the transfer (the primary
  // sent records after the end), so take() the zone only after the stream
  // closed or once the caller stops reading.
  AxfrStatus feed(std::span<const uint8_t> message);

  // Updates the clock used for the TSIG time checks of later messages.
  void set_now(uint64_t now) { params_.now = now; }

  const AxfrStatus& status() const { return status_; }
  const AxfrStats& stats() const { return stats_; }

  // The result: after kDone, a zone (and the builder's warnings); otherwise
  // no zone and the failure (or "transfer not complete") as an error. Moves
  // the zone out: call once.
  zone::LoadResult take();

 private:
  AxfrStatus fail(std::string reason);
  AxfrStatus read_answers(std::span<const uint8_t> msg, size_t pos, uint16_t ancount);
  AxfrStatus finish();

  AxfrParams params_;
  std::string source_;  // "AXFR from <peer>": the zone's source and the file of its errors
  dns::TsigMac request_mac_;
  std::optional<dns::TsigStreamVerifier> verifier_;
  std::unique_ptr<zone::ZoneBuilder> builder_;
  AxfrStatus status_;
  AxfrStats stats_;
  bool ended_ = false;               // the closing SOA was seen
  XfrRecord record_;                 // reused per record
  std::vector<uint8_t> last_owner_;  // wire form of the previous record's owner (checked in zone)
  zone::LoadResult result_;
};

}  // namespace tandem::xfr
