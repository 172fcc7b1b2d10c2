// The audit's findings: judgements on one DomainObservation, with stable codes
// (the contract of `tandem audit`'s reports). Pure functions, no I/O, so each
// finding is tested on a hand-made observation.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/observation.h"
#include "dns/name.h"
#include "net/address.h"

namespace tandem::audit {

// In report order: findings of a domain are sorted by this enum.
enum class FindingCode {
  kSingleProvider,    // "single-provider"
  kSingleNameserver,  // "single-nameserver"
  kSingleNetwork,     // "single-network"
  kLameDelegation,    // "lame-delegation"
  kSerialMismatch,    // "serial-mismatch"
  kNsMismatch,        // "ns-mismatch"
  kAxfrOpen,          // "axfr-open"
  kUnresolvable,      // "unresolvable"
  kShortExpire,       // "short-expire"
};

// The stable code string ("single-provider", ...).
const char* finding_code_text(FindingCode code);

struct Finding {
  FindingCode code;
  std::string detail;  // human-readable, deterministic
  bool operator==(const Finding&) const = default;
};

// RFC 1912 2.2 suggests 2-4 weeks; below a week a secondary would stop
// answering too soon during a long outage of the primary.
inline constexpr uint32_t kMinExpire = 604800;

struct AnalysisOptions {
  // Optional (--asn-db): the origin AS of an address, if known. With it,
  // addresses spread over several prefixes but all in one AS are also
  // single-network.
  std::function<std::optional<uint32_t>(const net::SocketAddress&)> asn_lookup;
  uint32_t min_expire = kMinExpire;  // short-expire below this
};

// Judges one domain. `provider_of_each_nameserver[i]` is the provider of
// `observation.nameservers[i]` (see ProviderTable); the two must have the
// same size. Rules:
//  - unresolvable: status kUnresolvable; the detail is the reason, and no
//    other finding is made;
//  - single-nameserver: exactly one NS name;
//  - single-provider: all NS names on one provider;
//  - single-network: all distinct addresses in one IPv4 /24, or all in one
//    IPv6 /48 (a mix of families is never single), or, with asn_lookup, all
//    in one AS;
//  - lame-delegation: ONE FINDING PER LAME NAMESERVER NAME, its detail
//    listing each bad address and why (no address; timed out; no listener;
//    malformed response; an error rcode; no AA; no SOA in the answer);
//  - serial-mismatch: authoritative SOA answers carry different serials;
//    the detail tells a lagging secondary (one MNAME) from independently
//    maintained copies (several MNAMEs);
//  - ns-mismatch: the parent's NS set differs from the child's (skipped when
//    no server answered the NS query, or when the parent's set is unknown);
//  - axfr-open: a probe has axfr_open == true;
//  - short-expire: an authoritative SOA has EXPIRE < options.min_expire.
// Findings come sorted by code, then detail.
std::vector<Finding> analyze(const DomainObservation& observation,
                             const std::vector<std::string>& provider_of_each_nameserver,
                             const AnalysisOptions& options);

// True when the probe is a usable authoritative answer: a NOERROR response
// with AA set and the SOA in it.
bool probe_is_authoritative(const AddressProbe& probe);
// Why a probe makes its nameserver lame, or "" when it does not.
std::string probe_problem(const AddressProbe& probe);
// True when the nameserver has at least one address and every one of them
// answers authoritatively (the opposite of lame).
bool nameserver_is_authoritative(const NameserverObservation& ns);

// Names in reports: lower-case, without the trailing dot ("example.com").
std::string name_text(const dns::Name& name);
// Addresses in reports: the IP ("192.0.2.1", "2001:db8::1"), with "@PORT"
// appended when the port is not 53 (test hierarchies on loopback).
std::string address_text(const net::SocketAddress& address);

}  // namespace tandem::audit
