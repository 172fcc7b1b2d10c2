// The network side of `tandem audit`: for each domain, find its delegation
// from the root, resolve its nameservers' addresses and ask every address
// for the domain's SOA and NS (RD clear), optionally probing AXFR, and record
// what was seen as a DomainObservation. Many domains are audited at once on
// one event loop; caches are shared between them. Results do not depend on
// timing (apart from rtt_ms), so the same run gives the same observations.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "audit/domains.h"
#include "audit/observation.h"
#include "audit/query_engine.h"
#include "audit/resolver.h"

namespace tandem::audit {

struct AuditorOptions {
  int concurrency = 200;    // domains in flight (--concurrency)
  bool check_axfr = false;  // --check-axfr: one AXFR probe per nameserver address
  EngineOptions engine;     // --timeout, --retries
  ResolverOptions resolver;
  RootHints root_hints;         // load_root_hints(--root-hints or /usr/share/dns/root.hints)
  size_t max_nameservers = 16;  // NS names probed per domain (parent + child), a work bound
};

// Called after each finished domain (from the audit loop).
using ProgressCallback = std::function<void(size_t done, size_t total)>;

class Auditor {
 public:
  // Throws std::runtime_error if the event loop cannot be created.
  explicit Auditor(AuditorOptions options);
  ~Auditor();
  Auditor(const Auditor&) = delete;
  Auditor& operator=(const Auditor&) = delete;

  // Audits every domain; returns one observation per input, in input order.
  // Inside each observation, parent_ns, child_ns and nameservers are sorted
  // by name and each nameserver's addresses by address. Status:
  //  - kUnresolvable with the reason when the delegation cannot be found
  //    ("NXDOMAIN", "not a delegated zone" for a name inside a zone, "no
  //    answer from the nameservers of ZONE (...)", "delegation loop"), when
  //    no nameserver name has an address ("delegation loop" if that is why,
  //    else "no nameserver address"), or when no address gave an
  //    authoritative NOERROR answer with the SOA ("no authoritative answer
  //    from any nameserver"). The nameservers seen are filled in anyway.
  //  - kResolved otherwise.
  std::vector<DomainObservation> audit(const std::vector<DomainInput>& domains,
                                       ProgressCallback progress = {});

  uint64_t queries_sent() const { return engine_->queries_sent(); }

 private:
  struct Task;
  void launch();
  void start(size_t index);
  void add_nameserver(const std::shared_ptr<Task>& t, const dns::Name& name);
  void probe(const std::shared_ptr<Task>& t, const dns::Name& name,
             std::vector<net::SocketAddress> addresses);
  void release(const std::shared_ptr<Task>& t);
  void finish(const std::shared_ptr<Task>& t);

  AuditorOptions options_;
  std::unique_ptr<QueryEngine> engine_;
  std::unique_ptr<Resolver> resolver_;
  // State of the current audit() call.
  const std::vector<DomainInput>* inputs_ = nullptr;
  std::vector<DomainObservation>* results_ = nullptr;
  ProgressCallback progress_;
  size_t next_ = 0, done_ = 0, in_flight_ = 0;
  bool launching_ = false;
  std::vector<std::shared_ptr<Task>> live_;  // by input index, while in flight
};

}  // namespace tandem::audit
