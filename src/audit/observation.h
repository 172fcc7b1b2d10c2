// What the audit saw of one domain: the facts gathered from the DNS by the
// resolver side (audit/auditor), before any judgement. The analysis side
// (audit/findings, audit/providers, audit/report) turns them into findings
// and reports. Keeping the two apart lets the findings be tested on
// hand-made observations, without a network.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dns/name.h"
#include "net/address.h"

namespace tandem::audit {

// One address of a nameserver and how it answered our SOA and NS queries
// for the domain (RD clear: an authoritative server must answer itself).
struct AddressProbe {
  net::SocketAddress address;
  enum class Reply {
    kAnswer,        // a response to our query arrived (see rcode/aa)
    kTimeout,       // no response after every retry
    kNoListener,    // ICMP port unreachable / connection refused
    kMalformed,     // a response that does not parse or does not match the query
  };
  Reply reply = Reply::kTimeout;
  uint8_t rcode = 0;          // of the SOA answer, when reply == kAnswer
  bool authoritative = false; // AA set on the SOA answer
  std::optional<uint32_t> serial;       // SOA in the answer section
  std::optional<dns::Name> mname;       // SOA MNAME (lower-cased)
  std::optional<uint32_t> expire;       // SOA EXPIRE
  bool ns_answered = false;             // the NS query got an authoritative NOERROR answer
  std::vector<dns::Name> ns_names;      // the NS set in that answer (lower-cased, sorted)
  double rtt_ms = 0;                    // of the SOA query
  std::optional<bool> axfr_open;        // --check-axfr only: AXFR gave the zone to us
  std::string detail;                   // human-readable, e.g. "timeout after 3 tries"
};

// One nameserver name of the domain.
struct NameserverObservation {
  dns::Name name;          // lower-cased
  bool in_parent = false;  // listed by the parent's delegation (referral)
  bool in_child = false;   // listed in the domain's own NS RRset
  bool is_cname = false;   // the name is an alias (RFC 2181 10.3 forbids it); followed anyway
  std::vector<AddressProbe> addresses;  // every A/AAAA found (glue or resolved), sorted
  std::string resolve_error;            // why no address could be found, if none
};

struct DomainObservation {
  std::string input;       // the domain as written in the input file
  dns::Name domain;        // lower-cased, absolute
  std::optional<long> rank;  // from "rank,domain" lines
  size_t line = 0;         // line in the input file
  enum class Status { kResolved, kUnresolvable } status = Status::kUnresolvable;
  // For kUnresolvable: "NXDOMAIN", "SERVFAIL", "no answer from the parent's nameservers",
  // "delegation loop", "no nameserver address", ... (stable enough to show, not a contract)
  std::string unresolvable_reason;
  std::vector<dns::Name> parent_ns;  // NS names in the parent's referral (lower-cased, sorted)
  std::vector<dns::Name> child_ns;   // NS names the domain's own servers answer (union, sorted)
  std::vector<NameserverObservation> nameservers;  // union of both, sorted by name
};

}  // namespace tandem::audit
