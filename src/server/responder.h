// Responder: turns one DNS query message into its response, following
// RFC 1034 4.3.2 with RFC 4592 wildcards, RFC 6672 DNAME, RFC 2308 negative
// answers and RFC 6891 EDNS(0). No I/O, no locks and no heap allocation: the
// response is written straight into the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dns/name.h"
#include "zone/lookup.h"
#include "zone/zone.h"

namespace tandem::server {

enum class Transport { kUdp, kTcp };

// Largest UDP payload we advertise and honour (RFC 6891 6.2.5; 1232 is the
// DNS Flag Day 2020 value that avoids IP fragmentation).
inline constexpr uint16_t kMaxUdpPayload = 1232;
// Largest response over TCP (two-octet length prefix).
inline constexpr size_t kMaxTcpMessage = 65535;

// respond() returns this for a message that needs the slow path (see
// set_divert): the caller hands it to its RequestHandler.
inline constexpr size_t kDivert = ~size_t{0};

class Responder {
 public:
  // When on, respond() returns kDivert instead of answering: NOTIFY
  // (RFC 1996), AXFR/IXFR (the zone's ACL decides), messages carrying a TSIG
  // RR (RFC 8945: verify, then sign the answer) and queries with the EDNS
  // EXPIRE option (RFC 7314: needs the zone's expire clock). Off, those get
  // NOTIMP/REFUSED/plain answers as a server without transfers would give.
  void set_divert(bool on) { divert_ = on; }

  // Builds the response to `query` into `out` (capacity >= kMaxTcpMessage is
  // always enough). Returns the response size, or 0 when nothing must be sent
  // (the message is a response, or too short to carry a header).
  size_t respond(const zone::ZoneSet& zones, const uint8_t* query, size_t query_size, uint8_t* out,
                 size_t out_capacity, Transport transport);

 private:
  // Per-worker scratch, reused across queries (no allocation per query).
  uint8_t qname_[dns::kMaxNameWire];   // question name as asked (case kept)
  uint8_t qlower_[dns::kMaxNameWire];  // the same, lower-cased
  size_t qname_size_ = 0;
  size_t qname_labels_ = 0;
  zone::Lookup lookup_;
  bool divert_ = false;
};

}  // namespace tandem::server
