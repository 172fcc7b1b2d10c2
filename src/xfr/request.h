// Authorisation of zone transfer (AXFR/IXFR) and NOTIFY requests that reached
// the server, and the error answers sent when one is not allowed. Pure
// functions: no sockets, the clock is a parameter.
//
// Order of the checks: the TSIG of the request first (RFC 8945 5.2), then the
// zone's ACLs. Transfers and NOTIFYs are refused unless an ACL allows them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "dns/tsig.h"
#include "net/address.h"

namespace tandem::xfr {

struct RequestDecision {
  enum Verdict {
    kAllowed,    // answer the request (sign the answer when tsig.status is kOk)
    kRefused,    // answer REFUSED (signed when tsig.status is kOk, RFC 8945 5.3)
    kTsigError,  // answer NOTAUTH with the TSIG error in tsig.error (RFC 8945 5.2)
    kFormErr,    // answer FORMERR: malformed message or TSIG RR
  };
  Verdict verdict = kRefused;
  // The TSIG check of the request. When status is kOk, `key` and `mac` are the
  // key and request MAC to sign the answer with. `key` points into the key
  // span given to authorize_request, which must outlive this decision.
  dns::TsigVerifyResult tsig;
  // For the log: "allowed by ACL a1", "not in any ACL", "TSIG BADSIG",
  // "ACL downstream requires key xfr", ...
  std::string reason;
};

// Decides whether the request `msg` (the whole message as received, TSIG
// included) from `source` may do `action` on a zone whose ACL list is `acls`.
// `keys` are all the TSIG keys the server knows; `now` is in seconds since
// the epoch.
//  - A TSIG RR that is malformed, misplaced or carries an error field gives
//    kFormErr; an unknown key (BADKEY), a MAC that does not verify (BADSIG),
//    a time outside the fudge (BADTIME) or a MAC truncated below policy
//    (BADTRUNC) gives kTsigError.
//  - Then: kAllowed when some ACL lists the action, has no addresses or one
//    containing the source, and either has no key or the request was signed
//    with exactly that key (name and algorithm). A signed request that matches
//    an ACL without a key is allowed too (and the answer is still signed).
//  - Otherwise kRefused, with the most useful reason: no ACL lists the action,
//    the source is in no ACL, a key is required but missing, or another key
//    was used.
RequestDecision authorize_request(std::span<const uint8_t> msg, const net::SocketAddress& source,
                                  config::AclAction action, const std::vector<config::Acl>& acls,
                                  std::span<const dns::TsigKey> keys, uint64_t now);

// Writes the error answer to `request` into out[0..cap): the request's header
// (ID, opcode, RD) with QR set, AA/TC/RA/AD/CD clear and RCODE `rcode`, and
// its question when it has exactly one that parses (none otherwise). Then:
//  - kTsigError with BADKEY, BADSIG or BADTRUNC: an unsigned TSIG RR echoing
//    the request's key and algorithm with the error and MAC size 0 (RFC 8945
//    5.3.2);
//  - kTsigError with BADTIME: a TSIG signed with the request's key and MAC,
//    error BADTIME, the request's Time Signed and the server's time `now` in
//    Other Data (RFC 8945 5.2.3);
//  - any other verdict with a validly signed request (tsig.status kOk): the
//    answer signed with the request's key and MAC (RFC 8945 5.3), Time Signed
//    `now`.
// The usual rcodes are REFUSED for kRefused, NOTAUTH for kTsigError (see
// dns::TsigVerifyResult::rcode()) and FORMERR for kFormErr.
// Returns the answer size, or 0 when the request is shorter than a header or
// the answer does not fit in `cap`.
size_t build_error_answer(std::span<const uint8_t> request, const RequestDecision& decision,
                          uint8_t rcode, uint8_t* out, size_t cap, uint64_t now);

// The rcode that goes with a decision that is not kAllowed: REFUSED, NOTAUTH
// or FORMERR (NOERROR for kAllowed).
uint8_t decision_rcode(const RequestDecision& decision);

}  // namespace tandem::xfr
