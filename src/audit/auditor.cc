#include "audit/auditor.h"

#include <algorithm>
#include <map>
#include <set>

#include "dns/types.h"
#include "dns/wire.h"
#include "util/log.h"

namespace tandem::audit {

namespace {

AddressProbe::Reply reply_of(QueryResult::Status s) {
  switch (s) {
    case QueryResult::Status::kAnswer:
      return AddressProbe::Reply::kAnswer;
    case QueryResult::Status::kTimeout:
      return AddressProbe::Reply::kTimeout;
    case QueryResult::Status::kNoListener:
      return AddressProbe::Reply::kNoListener;
    case QueryResult::Status::kMalformed:
      return AddressProbe::Reply::kMalformed;
  }
  return AddressProbe::Reply::kMalformed;
}

void append_detail(std::string& detail, const std::string& more) {
  if (more.empty()) return;
  if (!detail.empty()) detail += "; ";
  detail += more;
}

// Reads the SOA answer of a probe (RFC 1035 3.3.13): MNAME, RNAME, SERIAL,
// REFRESH, RETRY, EXPIRE, MINIMUM, names uncompressed by parse_message.
void read_soa(const dns::Name& domain, const QueryResult& r, AddressProbe& p) {
  p.reply = reply_of(r.status);
  p.rtt_ms = r.rtt_ms;
  if (r.status != QueryResult::Status::kAnswer) {
    p.detail = r.detail;
    return;
  }
  const Message& m = r.message;
  p.rcode = m.rcode();
  p.authoritative = m.aa();
  append_detail(p.detail, r.detail);  // e.g. a truncated answer whose TCP retry failed
  if (p.rcode != dns::rcode::kNoError) {
    append_detail(p.detail, "SOA query answered " + dns::rcode_to_text(p.rcode));
    return;
  }
  if (!p.authoritative) append_detail(p.detail, "answer without AA");
  for (const auto& rr : m.answer) {
    if (rr.type != dns::rrtype::kSOA || !(rr.owner == domain)) continue;
    const uint8_t* d = rr.rdata.data();
    size_t mlen = dns::wire_name_size(d);
    size_t rlen = dns::wire_name_size(d + mlen);
    if (mlen + rlen + 20 != rr.rdata.size()) continue;
    p.mname = dns::Name::from_wire(d).lowered();
    p.serial = dns::load_u32(d + mlen + rlen);
    p.expire = dns::load_u32(d + mlen + rlen + 12);
    return;
  }
  append_detail(p.detail, "no SOA in the answer");
}

}  // namespace

struct Auditor::Task {
  size_t index = 0;
  DomainObservation obs;
  std::map<dns::Name, std::vector<net::SocketAddress>> glue;
  std::map<dns::Name, NameserverObservation> ns;  // by name, sorted
  std::set<dns::Name> child_ns;
  int outstanding = 0;
  bool finished = false;
};

Auditor::Auditor(AuditorOptions options) : options_(std::move(options)) {
  if (options_.concurrency < 1) options_.concurrency = 1;
  engine_ = std::make_unique<QueryEngine>(options_.engine);
  resolver_ = std::make_unique<Resolver>(*engine_, options_.root_hints, options_.resolver);
}

Auditor::~Auditor() = default;

std::vector<DomainObservation> Auditor::audit(const std::vector<DomainInput>& domains,
                                              ProgressCallback progress) {
  std::vector<DomainObservation> results(domains.size());
  inputs_ = &domains;
  results_ = &results;
  progress_ = std::move(progress);
  next_ = done_ = in_flight_ = 0;
  live_.assign(domains.size(), nullptr);
  launch();
  while (done_ < domains.size()) {
    if (engine_->pending() == 0) {
      // Nothing can make progress any more: a bug, but never hang the audit.
      for (auto& t : live_) {
        if (!t || t->finished) continue;
        TANDEM_LOG_ERROR("audit: %s stalled", t->obs.domain.to_text().c_str());
        t->obs.status = DomainObservation::Status::kUnresolvable;
        t->obs.unresolvable_reason = "internal error: resolution stalled";
        t->outstanding = 0;
        finish(t);
      }
      launch();
      continue;
    }
    engine_->poll_once(1000);
  }
  live_.clear();
  inputs_ = nullptr;
  results_ = nullptr;
  return results;
}

void Auditor::launch() {
  // Domains can finish synchronously (cached NXDOMAIN): a loop with a
  // re-entrancy guard instead of recursion keeps the stack flat.
  if (launching_) return;
  launching_ = true;
  while (in_flight_ < static_cast<size_t>(options_.concurrency) && next_ < inputs_->size()) {
    ++in_flight_;
    start(next_++);
  }
  launching_ = false;
}

void Auditor::start(size_t index) {
  const DomainInput& in = (*inputs_)[index];
  auto t = std::make_shared<Task>();
  t->index = index;
  t->obs.input = in.input;
  t->obs.domain = in.name.lowered();
  t->obs.rank = in.rank;
  t->obs.line = in.line;
  live_[index] = t;
  t->outstanding = 1;  // the delegation lookup
  resolver_->find_delegation(t->obs.domain, [this, t](Delegation d) {
    if (d.status != Delegation::Status::kOk) {
      t->obs.status = DomainObservation::Status::kUnresolvable;
      t->obs.unresolvable_reason = d.reason;
      return release(t);
    }
    t->obs.parent_ns = d.parent_ns;
    t->glue = std::move(d.glue);
    for (const auto& name : t->obs.parent_ns) add_nameserver(t, name);
    release(t);
  });
}

void Auditor::add_nameserver(const std::shared_ptr<Task>& t, const dns::Name& name) {
  if (t->ns.count(name)) return;
  if (t->ns.size() >= options_.max_nameservers) return;
  NameserverObservation& ns = t->ns[name];
  ns.name = name;
  ++t->outstanding;
  // In-bailiwick names come with glue in the parent's referral: that is what
  // resolvers use. Others are resolved from the root.
  if (auto g = t->glue.find(name); g != t->glue.end() && !g->second.empty()) {
    probe(t, name, g->second);
    return release(t);
  }
  resolver_->resolve_addresses(name, [this, t, name](AddressResult r) {
    NameserverObservation& ns = t->ns[name];
    ns.is_cname = r.was_cname;
    if (r.addresses.empty()) ns.resolve_error = r.error;
    probe(t, name, std::move(r.addresses));
    release(t);
  });
}

void Auditor::probe(const std::shared_ptr<Task>& t, const dns::Name& name,
                    std::vector<net::SocketAddress> addresses) {
  std::sort(addresses.begin(), addresses.end(), address_less);
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  NameserverObservation& ns = t->ns[name];
  ns.addresses.resize(addresses.size());
  const dns::Name& domain = t->obs.domain;
  for (size_t i = 0; i < addresses.size(); ++i) {
    ns.addresses[i].address = addresses[i];
    // The vector is not resized again, so the index stays valid.
    t->outstanding += options_.check_axfr ? 3 : 2;
    engine_->query(addresses[i], domain, dns::rrtype::kSOA, [this, t, name, i](QueryResult r) {
      read_soa(t->obs.domain, r, t->ns[name].addresses[i]);
      release(t);
    });
    engine_->query(addresses[i], domain, dns::rrtype::kNS, [this, t, name, i](QueryResult r) {
      AddressProbe& p = t->ns[name].addresses[i];
      if (r.status == QueryResult::Status::kAnswer && r.message.aa() &&
          r.message.rcode() == dns::rcode::kNoError) {
        for (const auto& rr : r.message.answer) {
          if (rr.type != dns::rrtype::kNS || !(rr.owner == t->obs.domain)) continue;
          p.ns_answered = true;
          p.ns_names.push_back(dns::Name::from_wire(rr.rdata.data()).lowered());
        }
        std::sort(p.ns_names.begin(), p.ns_names.end());
        p.ns_names.erase(std::unique(p.ns_names.begin(), p.ns_names.end()), p.ns_names.end());
        for (const auto& n : p.ns_names) t->child_ns.insert(n);
      }
      release(t);
    });
    if (options_.check_axfr) {
      engine_->axfr_probe(addresses[i], domain, [this, t, name, i](bool open, std::string) {
        t->ns[name].addresses[i].axfr_open = open;
        release(t);
      });
    }
  }
}

void Auditor::release(const std::shared_ptr<Task>& t) {
  if (--t->outstanding > 0 || t->finished) return;
  // Everything asked so far has answered: nameservers that only the child
  // lists are resolved and probed too (their answers may list more).
  if (t->obs.unresolvable_reason.empty()) {  // the delegation was found
    t->outstanding = 1;                      // guard while adding
    for (const auto& name : t->child_ns) add_nameserver(t, name);
    if (--t->outstanding > 0) return;
  }
  finish(t);
}

void Auditor::finish(const std::shared_ptr<Task>& t) {
  if (t->finished) return;
  t->finished = true;
  DomainObservation& obs = t->obs;
  obs.child_ns.assign(t->child_ns.begin(), t->child_ns.end());
  bool any_address = false, any_answer = false, loop = false;
  for (auto& [name, ns] : t->ns) {
    ns.in_child = t->child_ns.count(name) > 0;
    ns.in_parent = std::binary_search(obs.parent_ns.begin(), obs.parent_ns.end(), name);
    any_address = any_address || !ns.addresses.empty();
    loop = loop || ns.resolve_error == "delegation loop";
    for (const auto& p : ns.addresses) {
      any_answer = any_answer || (p.reply == AddressProbe::Reply::kAnswer && p.authoritative &&
                                  p.rcode == dns::rcode::kNoError && p.serial.has_value());
    }
    obs.nameservers.push_back(std::move(ns));
  }
  if (obs.unresolvable_reason.empty()) {
    if (!any_address) {
      obs.status = DomainObservation::Status::kUnresolvable;
      obs.unresolvable_reason = loop ? "delegation loop" : "no nameserver address";
    } else if (!any_answer) {
      obs.status = DomainObservation::Status::kUnresolvable;
      obs.unresolvable_reason = "no authoritative answer from any nameserver";
    } else {
      obs.status = DomainObservation::Status::kResolved;
    }
  }
  (*results_)[t->index] = std::move(obs);
  live_[t->index].reset();
  --in_flight_;
  ++done_;
  if (progress_) progress_(done_, inputs_->size());
  launch();
}

}  // namespace tandem::audit
