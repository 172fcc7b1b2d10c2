// What the two secondary-side transfer consumers (AxfrConsumer, IxfrConsumer)
// do alike: check that a message answers our query, read one answer record,
// end the TSIG stream and build a whole zone. Each returns the reason of a
// failure as text (empty when all is well), so that the consumer decides
// what a failure means for it (IXFR: whether AXFR may cure it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/tsig.h"
#include "zone/zone.h"

namespace tandem::zone {
class ZoneBuilder;
}

namespace tandem::xfr {

inline constexpr size_t kDnsHeaderSize = 12;

// "message 3"
std::string message_text(size_t message);
// "record 7 (message 3)"
std::string record_text(size_t index, size_t message);

struct XfrHeaderCheck {
  std::string error;        // why the message does not answer our query; empty if it does
  uint16_t rcode = 0;       // set when the error is an RCODE other than NOERROR
  bool tsig_error = false;  // ... and that answer names a TSIG error
  bool truncated = false;   // the error is TC set (only when asked to refuse it)
  size_t pos = 0;           // no error: where the answer section starts
  uint16_t ancount = 0;     // no error: ANCOUNT
};

// Checks the header and question of message number `message` of the answer
// to our `qtype` (AXFR or IXFR) query for `origin` with ID `query_id` (RFC
// 5936 2.2): at least a header, our ID, QR set, opcode QUERY, RCODE NOERROR, at most one
// question and, when present, ours; the first message has answers. With a
// `verifier`, the message goes through the TSIG stream checks (RFC 8945
// 5.3.1, clock `now`) before the RCODE is looked at, and an error answer names the TSIG
// error it carries ("primary answered NOTAUTH (TSIG error BADKEY)"). With
// `refuse_truncated`, TC set is an error (checked before the question).
XfrHeaderCheck check_xfr_header(std::span<const uint8_t> msg, size_t message,
                                const dns::Name& origin, uint16_t query_id, uint16_t qtype,
                                dns::TsigStreamVerifier* verifier, uint64_t now,
                                bool refuse_truncated);

// One answer record, read by read_xfr_record. Reused from record to record
// so that a large zone costs no allocation per record.
struct XfrRecord {
  uint8_t owner_wire[dns::kMaxNameWire];
  size_t owner_size = 0;
  dns::Name owner;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;  // uncompressed (dns::rdata_from_wire)

  // "www.example. A", for messages.
  std::string what() const;
};

// Reads the answer record at `pos` (record number `index` of the transfer,
// in message number `message`) into `rec` and moves `pos` past it. Errors,
// as text: bad owner name, truncated, class other than IN, a meta type (OPT,
// TSIG, AXFR, ...), bad rdata, and `index` over `max_records`.
std::string read_xfr_record(std::span<const uint8_t> msg, size_t& pos, size_t index, size_t message,
                            size_t max_records, XfrRecord& rec);

// "transfer exceeds the limit of N octets" when `bytes` is over `max_bytes`,
// else empty.
std::string check_xfr_bytes(uint64_t bytes, uint64_t max_bytes);

// The stream ended: fails (as text) when the last message was not signed or
// the TSIG stream did not verify (RFC 8945 5.3.1). Empty without a verifier.
std::string finish_xfr_tsig(dns::TsigStreamVerifier* verifier);

// Indexes and checks the zone in `builder` (then freed). On success sets
// result.zone (source `source`) and result.warnings and returns empty; else
// sets result.errors and returns "zone from <source> does not check: <first
// error> (and N more)".
std::string build_xfr_zone(std::unique_ptr<zone::ZoneBuilder> builder, const dns::Name& origin,
                           const std::string& source, zone::LoadResult& result);

// The LoadResult to hand out when the transfer did not complete: no zone,
// and `reason` (or, when `need_more`, "transfer not complete") as the error
// unless errors are already there.
void set_xfr_failure(zone::LoadResult& result, bool need_more, const std::string& reason,
                     const std::string& source);

}  // namespace tandem::xfr
