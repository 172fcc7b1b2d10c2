// Iterative resolution for the audit (RFC 1034 5.3.3, without a recursive
// resolver in between): from the root hints, follow referrals down to a
// domain's delegation, and resolve nameserver names to addresses, following
// CNAMEs and detecting delegation loops. Delegations (zone cuts with their NS
// names and in-bailiwick glue), nameserver addresses and NXDOMAIN results are
// cached for the whole run, so that thousands of domains on the same TLD and
// providers cost a few queries each. Single-threaded, callback based, driven
// by a QueryEngine.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "audit/query_engine.h"
#include "dns/name.h"
#include "net/address.h"
#include "util/result.h"

namespace tandem::audit {

// Canonical order of socket addresses: IPv4 before IPv6, then address bytes,
// then port. SocketAddress itself has no order.
bool address_less(const net::SocketAddress& a, const net::SocketAddress& b);

// The root zone's nameservers and their addresses.
struct RootHints {
  std::vector<dns::Name> ns;                                       // lower-cased, sorted
  std::map<dns::Name, std::vector<net::SocketAddress>> addresses;  // port 53
};

// Parses root hints in the /usr/share/dns/root.hints format (zone file lines
// "OWNER [TTL] [CLASS] TYPE RDATA" with ';' comments; NS records of "." and
// A/AAAA records of those names; other lines are ignored). Errors: "FILE:LINE:
// message", "FILE: no root NS records", "FILE: no address for any root
// nameserver", or "cannot read FILE: reason".
[[nodiscard]] Result<RootHints, std::string> parse_root_hints(std::string_view text,
                                                              const std::string& filename);
[[nodiscard]] Result<RootHints, std::string> load_root_hints(const std::string& path);

// What the parent side says about a domain.
struct Delegation {
  enum class Status {
    kOk,        // the parent delegates the domain: parent_ns is its NS set
    kNxDomain,  // an authoritative NXDOMAIN for the domain or an ancestor
    kServFail,  // no usable answer from the servers of some zone on the way
    kNoAnswer,  // the name exists but is not a zone cut ("not a delegated zone")
    kLoop,      // the servers of a zone on the way cannot be reached: delegation loop
  };
  Status status = Status::kServFail;
  dns::Name parent;                  // the zone that delegates it (kOk)
  std::vector<dns::Name> parent_ns;  // lower-cased, sorted (kOk)
  // Addresses of in-bailiwick nameserver names, from the referral's glue.
  std::map<dns::Name, std::vector<net::SocketAddress>> glue;
  // The parent's servers also serve the domain and answered from the child
  // zone (AA, NS in the answer): parent_ns is then the child's NS set.
  bool from_child_answer = false;
  std::string reason;  // for every status but kOk: "NXDOMAIN", "not a delegated zone", ...
};

struct AddressResult {
  std::vector<net::SocketAddress> addresses;  // A and AAAA, port 53, sorted, unique
  std::string error;                          // why there are none
  bool was_cname = false;                     // the name is an alias (followed)
  bool loop = false;                          // failed because of a delegation loop
};

struct ResolverOptions {
  int max_depth = 6;       // nested nameserver-name resolutions
  int max_referrals = 24;  // referrals followed by one lookup
  int max_cname = 8;       // CNAME chain length
  int max_servers = 12;    // server addresses tried per zone by one lookup
};

class Resolver {
 public:
  using DelegationCallback = std::function<void(Delegation)>;
  using AddressCallback = std::function<void(AddressResult)>;

  Resolver(QueryEngine& engine, RootHints hints, ResolverOptions options = {});
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Walks down from the deepest cached zone cut above `domain` (the root at
  // first), asking each zone's servers in order for `domain`/NS, until a
  // server refers us to `domain` itself (kOk). Timeouts, SERVFAIL, REFUSED
  // and lame answers move on to the next server; an authoritative NXDOMAIN
  // is final. `done` may be called before this returns (cached answers).
  void find_delegation(const dns::Name& domain, DelegationCallback done);

  // Resolves a nameserver name to its A and AAAA addresses, iteratively,
  // following CNAMEs (was_cname). Concurrent requests for the same name share
  // one resolution, and results are cached. Errors (in `error`): "NXDOMAIN",
  // "no address records", "delegation loop", "CNAME chain too long", "no
  // answer from the nameservers of ZONE", ... `done` may run before return.
  void resolve_addresses(const dns::Name& ns_name, AddressCallback done);

  size_t cached_zone_cuts() const { return cuts_.size(); }
  size_t cached_addresses() const { return addresses_.size(); }

 private:
  struct ZoneCut;
  struct Walk;
  struct WalkResult;
  struct AddrEntry;
  struct AddrTask;

  // A zone cut below `parent` with these NS names and, by the bailiwick rule,
  // only the glue in `additional` for those names inside the parent's zone.
  static std::shared_ptr<ZoneCut> make_cut(const dns::Name& apex, const dns::Name& parent,
                                           std::vector<dns::Name> ns,
                                           const std::vector<Record>& additional);
  void resolve_ns(const dns::Name& name, std::optional<dns::Name> requester, int depth,
                  AddressCallback done);
  void start_address_task(const dns::Name& name, int depth);
  void lookup_chain(std::shared_ptr<AddrTask> task, dns::Name qname, uint16_t qtype, int cnames);
  bool blocked_chain_reaches(const dns::Name& from, const dns::Name& target) const;

  void complete_address_task(std::shared_ptr<AddrTask> task);
  void start_walk(std::shared_ptr<Walk> w);
  void next_server(std::shared_ptr<Walk> w);
  void on_reply(std::shared_ptr<Walk> w, net::SocketAddress server, QueryResult r);
  void enter_cut(std::shared_ptr<Walk> w, std::shared_ptr<const ZoneCut> cut);
  void finish_walk(std::shared_ptr<Walk> w, WalkResult result);
  std::shared_ptr<const ZoneCut> deepest_cut(const dns::Name& name, bool strictly_above) const;
  bool known_nxdomain(const dns::Name& name) const;

  QueryEngine& engine_;
  ResolverOptions options_;
  std::map<dns::Name, std::shared_ptr<const ZoneCut>> cuts_;  // by apex (lower-cased)
  std::map<dns::Name, AddrEntry> addresses_;                  // by name (lower-cased)
  std::set<dns::Name> nxdomain_;  // RFC 8020: nothing exists below these either
};

}  // namespace tandem::audit
