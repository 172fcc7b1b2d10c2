// The secondary side of an incremental zone transfer (RFC 1995): turns the
// messages of an IXFR response, fed one at a time in the order they arrived,
// into the next version of the zone we serve. No I/O: the caller owns the
// connection (TCP only) and the clock, and signs the request.
//
// A primary may answer an IXFR request in three ways (RFC 1995 4):
//  - a single SOA whose serial is not newer than ours: we are up to date;
//  - incremental: SOA(new), then for each version step SOA(old), the
//    records deleted, SOA(next), the records added, and SOA(new) at the end;
//  - AXFR-style: SOA(new), the whole zone, SOA(new) (the second record is
//    not an SOA).
// As with AXFR, a zone is handed out only when the answer ended and every
// check passed, so a caller that gets a failure keeps serving the zone it has.
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
#include "xfr/axfr_in.h"
#include "xfr/xfr_in_common.h"
#include "zone/diff.h"
#include "zone/zone.h"

namespace tandem::zone {
class ZoneBuilder;
}

namespace tandem::xfr {

// Same fields and meaning as for AXFR: the zone, our query's ID, the TSIG key
// and our request's MAC, limits (records and octets of the whole answer),
// the peer's name for messages, and the clock.
using IxfrParams = AxfrParams;

enum class IxfrState {
  kNeedMore,  // the answer has not ended yet: feed the next message
  kDone,      // complete and valid: take() the result
  kFailed,    // see the reason and should_fallback_to_axfr(); nothing to take
};

// Which of the RFC 1995 4 answer shapes the primary sent (kUnknown until the
// first two records arrived).
enum class IxfrKind { kUnknown, kUpToDate, kIncremental, kFull };
const char* ixfr_kind_text(IxfrKind kind);

struct IxfrStatus {
  IxfrState state = IxfrState::kNeedMore;
  std::string reason;  // why it failed; empty otherwise
};

struct IxfrStats {
  size_t messages = 0;
  size_t records = 0;        // answer records, every SOA included
  uint64_t bytes = 0;        // message octets
  uint32_t serial = 0;       // the primary's: of the first SOA
  uint32_t base_serial = 0;  // ours: of the base zone
  size_t diffs = 0;          // incremental: version steps received
  size_t removed = 0;        // incremental: deletions, over all steps
  size_t added = 0;          // incremental: additions, over all steps
};

struct IxfrResult {
  IxfrKind kind = IxfrKind::kUnknown;
  // kIncremental, kFull: the new zone (and the builder's warnings).
  // kUpToDate: no zone and no errors (keep serving the base).
  // Failure or unfinished answer: no zone; the reason in errors.
  zone::LoadResult load;
  // kIncremental: the steps as received (owners lower-cased), for the
  // journal of a secondary that serves IXFR in turn.
  std::vector<zone::ZoneDiff> diffs;
  IxfrStats stats;
};

class IxfrConsumer {
 public:
  // `base` is the version we serve, whose SOA went in the request's authority
  // section (make_ixfr_query); incremental answers are applied to it.
  IxfrConsumer(IxfrParams params, std::shared_ptr<const zone::Zone> base);
  ~IxfrConsumer();
  IxfrConsumer(const IxfrConsumer&) = delete;
  IxfrConsumer& operator=(const IxfrConsumer&) = delete;

  // Processes the next response message (without the TCP length prefix).
  // kDone once the answer ended (the single SOA of an up-to-date answer, or
  // the closing SOA of the others), the TSIG stream (if any) ended signed
  // and the result checks: for an incremental answer, apply_diffs() on the
  // base succeeded; for an AXFR-style one, the zone passed ZoneBuilder's
  // checks. kFailed, with a reason, for everything AxfrConsumer rejects
  // (header that does not answer our IXFR query, RCODE, malformed or
  // out-of-zone record, limits, TSIG), and for an answer with TC set, a
  // first SOA of another name, an incremental answer that starts at a serial
  // other than ours, a step whose serial does not advance or does not chain
  // to the previous one, steps that do not end with the first SOA's serial,
  // and diffs that do not apply (deletion of an absent record, addition of
  // a present one). should_fallback_to_axfr() tells which failures an AXFR
  // may cure. Once failed, it stays failed; a message after kDone fails.
  IxfrStatus feed(std::span<const uint8_t> message);

  // The caller saw the stream end (the primary closed the connection) while
  // feed() still wanted more: fails with "answer ended before the closing
  // SOA" (fallback true). No-op in any other state.
  IxfrStatus end_of_stream();

  // Updates the clock used for the TSIG time checks of later messages.
  void set_now(uint64_t now) { params_.now = now; }

  const IxfrStatus& status() const { return status_; }
  IxfrKind kind() const { return kind_; }
  const IxfrStats& stats() const { return stats_; }
  // True after failures where retrying with AXFR makes sense: the primary
  // refused or does not implement IXFR (first message with RCODE NOTIMP,
  // REFUSED, SERVFAIL, NOTAUTH without a TSIG error, or FORMERR), the answer
  // was truncated (TC), or the incremental answer is inconsistent with our
  // version (RFC 1995 does not let us repair it). False for TSIG failures
  // and malformed messages.
  bool should_fallback_to_axfr() const { return fallback_; }

  // The result (see IxfrResult). Moves the zone and diffs out: call once.
  IxfrResult take();

 private:
  IxfrStatus fail(std::string reason, bool fallback = false);
  IxfrStatus read_answers(std::span<const uint8_t> msg, size_t pos, uint16_t ancount);
  void start_full_zone();
  IxfrStatus on_second_record(const dns::Name& owner, uint16_t type, uint32_t ttl);
  IxfrStatus on_incremental_record(const dns::Name& owner, uint16_t type, uint32_t ttl);
  IxfrStatus finish();

  enum class Phase { kDeleting, kAdding };

  IxfrParams params_;
  std::shared_ptr<const zone::Zone> base_;
  std::string source_;  // "IXFR from <peer>": the zone's source and the file of its errors
  dns::TsigMac request_mac_;
  std::optional<dns::TsigStreamVerifier> verifier_;
  IxfrStatus status_;
  IxfrKind kind_ = IxfrKind::kUnknown;
  IxfrStats stats_;
  bool fallback_ = false;
  bool ended_ = false;                          // the last SOA was seen
  zone::DiffRecord first_soa_;                  // the primary's SOA (first record)
  std::unique_ptr<zone::ZoneBuilder> builder_;  // kFull
  std::vector<zone::ZoneDiff> diffs_;           // kIncremental: finished steps
  zone::ZoneDiff current_;                      // kIncremental: the step being read
  Phase phase_ = Phase::kDeleting;
  XfrRecord record_;  // reused per record
  zone::LoadResult result_;
};

// Writes an IXFR request for `zone` (RFC 1995 3): ID `id`, opcode QUERY, the
// question <zone> IXFR IN, and our current SOA (`soa_rdata`, uncompressed
// wire form, with `soa_ttl`) in the authority section. The caller signs it
// when needed (dns::tsig_sign).
std::vector<uint8_t> make_ixfr_query(const dns::Name& zone, uint16_t id,
                                     std::span<const uint8_t> soa_rdata, uint32_t soa_ttl = 0);
// Same, with the SOA of the zone we serve.
std::vector<uint8_t> make_ixfr_query(const zone::Zone& current, uint16_t id);

}  // namespace tandem::xfr
