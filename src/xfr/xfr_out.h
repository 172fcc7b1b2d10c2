// The primary side of zone transfers (RFC 5936 AXFR, RFC 1995 IXFR): turns a
// zone snapshot (and, for IXFR, the zone's journal) into the response
// messages of one request, one message at a time into a caller's buffer. No
// I/O: the caller frames the messages on its TCP connection and owns the
// clock. The stream keeps the snapshot alive, so a reload during a transfer
// does not disturb it (RFC 5936 6: a transfer shows one version).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dns/tsig.h"
#include "dns/types.h"
#include "util/result.h"
#include "xfr/journal.h"
#include "zone/diff.h"
#include "zone/zone.h"

namespace tandem::xfr {

struct XfrOutRequest {
  uint16_t id = 0;
  std::vector<uint8_t> qname;           // as asked (case kept), uncompressed wire
  uint16_t qtype = dns::rrtype::kAXFR;  // kAXFR or kIXFR
  uint32_t client_serial = 0;  // IXFR: serial of the SOA in the request's authority section
  // Signs the stream with this key (RFC 8945 5.3.1); must outlive the stream.
  const dns::TsigKey* key = nullptr;
  dns::TsigMac request_mac;  // MAC of the signed request
  bool rd = false;           // the request's RD bit, copied into every message (RFC 1035 4.1.1)
};

// Reads an AXFR or IXFR request: a query (QR clear, opcode QUERY) with one
// question of class IN and type AXFR or IXFR; for IXFR the first authority
// record must be the SOA of the question's name, whose serial is the
// client's (RFC 1995 3). The additional section (OPT, TSIG) is left to the
// caller, which fills key and request_mac. Errors, as text for the log:
// "message shorter than a DNS header", "not a query (QR set)", "opcode 5 is
// not QUERY", "question count is 2, expected 1", "malformed question",
// "query type A is not AXFR or IXFR", "class CH is not IN", "IXFR without an
// SOA in the authority section", "malformed authority section", "IXFR
// authority record is not the SOA of the zone".
Result<XfrOutRequest, std::string> parse_xfr_request(std::span<const uint8_t> msg);

enum class XfrOutKind {
  kAxfr,          // AXFR: the whole zone
  kIxfr,          // IXFR answered from the journal (RFC 1995 4)
  kIxfrUpToDate,  // IXFR from a client as new as we are: only our SOA
  kIxfrAsAxfr,    // IXFR the journal cannot answer: the whole zone, AXFR-style
};
const char* xfr_out_kind_text(XfrOutKind kind);  // "AXFR", "IXFR", ...

class XfrOutStream {
 public:
  // Largest message produced (the TCP maximum, RFC 1035 4.2.2).
  static constexpr size_t kMaxMessage = 65535;

  // Decides the answer at once (for IXFR: condenses the journal, which may
  // be null). Where the client's serial is not older than ours (RFC 1982),
  // the answer is our SOA alone; where the journal does not reach back to
  // it, or ends at a serial other than the zone's, the full zone.
  XfrOutStream(std::shared_ptr<const zone::Zone> zone, std::shared_ptr<const Journal> journal,
               XfrOutRequest req);
  ~XfrOutStream();
  XfrOutStream(const XfrOutStream&) = delete;
  XfrOutStream& operator=(const XfrOutStream&) = delete;

  // Writes the next message (without the TCP length prefix) into buf and
  // returns its size; 0 when the stream has ended. `cap` should be at least
  // kMaxMessage: messages are filled up to min(cap, kMaxMessage), leaving
  // room for the TSIG RR. Every message answers the request (ID, QR, AA,
  // RD copied, opcode QUERY); the question is in the first one only (RFC
  // 5936 2.2.1). A record too large for any message ends the stream with a
  // SERVFAIL message (RFC 5936 2.2: an error in any message aborts); a TSIG
  // signing failure ends it with nothing more sent (error() says why).
  size_t next(uint8_t* buf, size_t cap, uint64_t now_seconds);

  // Signs at least every n-th message (1..100; RFC 8945 5.3.1 allows at
  // most 99 unsigned in a row); the first and the last are always signed.
  // Default 1: signing costs one HMAC finalization and ~60 octets per
  // 64 KiB message, the hashing itself is the same either way.
  void set_sign_every(size_t n) { sign_every_ = n < 1 ? 1 : (n > 100 ? 100 : n); }

  XfrOutKind kind() const { return kind_; }
  bool done() const { return done_; }
  size_t messages() const { return messages_; }
  size_t records() const { return records_; }  // answer records sent, every SOA included
  uint64_t bytes() const { return bytes_; }    // message octets sent, TSIG included
  uint32_t serial() const { return serial_; }  // the zone's serial, the one transferred
  uint32_t client_serial() const { return req_.client_serial; }
  // Records in the IXFR diff (removed + added), for logs; 0 for the others.
  size_t diff_records() const { return diff_ ? diff_->removed.size() + diff_->added.size() : 0; }
  const std::string& error() const { return error_; }  // why the stream stopped early

 private:
  struct Writer;
  bool fill_axfr(Writer& w);
  bool fill_ixfr(Writer& w);
  size_t fail_message(uint8_t* buf, size_t cap, uint64_t now, std::string reason);
  size_t finish_message(uint8_t* buf, size_t size, size_t cap, uint64_t now, bool last);

  std::shared_ptr<const zone::Zone> zone_;
  XfrOutRequest req_;
  XfrOutKind kind_ = XfrOutKind::kAxfr;
  std::optional<zone::ZoneDiff> diff_;  // kIxfr only
  std::optional<dns::TsigStreamSigner> signer_;
  size_t sign_every_ = 1;
  size_t unsigned_run_ = 0;

  // Where the stream is. AXFR: phase 0 = opening SOA, 1 = body, 2 = closing
  // SOA, 3 = done; body position node/rrset/record. IXFR: index into the
  // RFC 1995 4 sequence (see fill_ixfr).
  int phase_ = 0;
  size_t node_ = 0;
  size_t rrset_ = 0;
  size_t rec_ = 0;
  size_t rec_off_ = 0;
  size_t seq_ = 0;

  // The zone's SOA record (viewing the snapshot).
  const uint8_t* apex_ = nullptr;
  size_t apex_size_ = 0;
  uint32_t soa_ttl_ = 0;
  const uint8_t* soa_rdata_ = nullptr;
  uint16_t soa_rdlen_ = 0;

  bool done_ = false;
  size_t messages_ = 0;
  size_t records_ = 0;
  uint64_t bytes_ = 0;
  uint32_t serial_ = 0;
  std::string error_;
};

}  // namespace tandem::xfr
