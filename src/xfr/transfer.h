// One refresh of a secondary zone against its primaries (RFC 1034 4.3.5,
// RFC 1995, RFC 5936): ask each primary address in order for its SOA, and
// when its serial is newer (RFC 1982) transfer the zone, by IXFR when we
// have a version to start from (falling back to AXFR when the IXFR fails or
// does not fit), else by AXFR. Blocking: runs on a transfer thread, never on
// the query path. Every wait is bounded by the silence timeout, none by the
// total duration, so a 1M-record zone transfers however long it takes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "dns/name.h"
#include "zone/diff.h"
#include "zone/zone.h"

namespace tandem::xfr {

struct RefreshRequest {
  dns::Name origin;
  std::shared_ptr<const zone::Zone> current;  // the version we serve, or null
  std::vector<config::Remote> primaries;      // tried in order, each address in order
  bool force_axfr = false;  // `ctl retransfer`: full transfer, accepted even with an older serial
  int timeout_ms = 10000;   // silence timeout per wait
};

enum class RefreshResult {
  kUpToDate,     // a primary confirmed our serial
  kTransferred,  // a new version is in `zone`
  kBehind,       // the primaries' serial is older than ours: nothing applied (logged loudly)
  kFailed,       // no primary answered usefully; see `message`
};

struct RefreshOutcome {
  RefreshResult result = RefreshResult::kFailed;
  std::shared_ptr<const zone::Zone> zone;  // kTransferred
  std::vector<zone::ZoneDiff> diffs;       // when the transfer was incremental (for our journal)
  bool incremental = false;                // IXFR applied as a difference
  std::string type;                        // "IXFR", "AXFR", "IXFR->AXFR" (fallback)
  std::string primary;                     // the address that answered, "127.0.0.1@5301"
  uint32_t serial = 0;                     // the primary's serial
  std::optional<uint32_t> expire_option;   // RFC 7314 EDNS EXPIRE from the primary
  size_t records = 0, messages = 0;
  uint64_t bytes = 0;
  double ms = 0;
  std::string message;                     // the failure(s), or a remark for the log
  std::vector<std::string> warnings;       // accepted-zone warnings from the builder
};

// Runs the refresh. Never throws; all failures end up in `message`
// ("127.0.0.1@5301: timeout ...; 127.0.0.2@53: REFUSED").
RefreshOutcome refresh_zone(const RefreshRequest& request);

// One NOTIFY (RFC 1996) of `zone` to `address`, carrying the SOA of
// `current` when given, signed with the remote's key when it has one; waits
// `timeout_ms` for the answer (no retry: the caller schedules them, RFC 1996
// 3.6). Errors: the exchange's, a negative answer ("secondary answered
// REFUSED"), or an answer that fails TSIG.
Result<void, std::string> send_notify(const dns::Name& zone, const zone::Zone* current,
                                      const config::Remote& remote,
                                      const net::SocketAddress& address, int timeout_ms);

// Builds an SOA or AXFR request: question (origin, qtype, IN) and, when
// `ask_expire`, an OPT record asking for the EDNS EXPIRE option (RFC 7314 2).
// (An IXFR request carries our SOA: xfr::make_ixfr_query.)
std::vector<uint8_t> build_xfr_request(const dns::Name& origin, uint16_t qtype, uint16_t id,
                                       bool ask_expire);

// What an SOA query's answer says.
struct SoaAnswer {
  uint8_t rcode = 0;
  bool authoritative = false;
  bool truncated = false;
  std::optional<uint32_t> serial;  // the origin's SOA in the answer section
  std::optional<uint32_t> expire;  // SOA EXPIRE field
  std::optional<uint32_t> expire_option;  // EDNS EXPIRE
};
// Parses an answer to build_xfr_request(origin, SOA, ...). Errors: malformed.
Result<SoaAnswer, std::string> parse_soa_answer(std::span<const uint8_t> msg, const dns::Name& origin);

}  // namespace tandem::xfr
