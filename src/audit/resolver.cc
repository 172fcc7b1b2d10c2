#include "audit/resolver.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::audit {

namespace {

net::SocketAddress make_address(int family, const uint8_t* bytes, uint16_t port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, bytes, 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    std::memcpy(&sin6->sin6_addr, bytes, 16);
    len = sizeof(sockaddr_in6);
  }
  return net::SocketAddress(reinterpret_cast<const sockaddr*>(&ss), len);
}

// An A or AAAA record as a port-53 socket address; false for anything else.
bool record_address(const Record& r, net::SocketAddress& out) {
  if (r.type == dns::rrtype::kA && r.rdata.size() == 4) {
    out = make_address(AF_INET, r.rdata.data(), 53);
    return true;
  }
  if (r.type == dns::rrtype::kAAAA && r.rdata.size() == 16) {
    out = make_address(AF_INET6, r.rdata.data(), 53);
    return true;
  }
  return false;
}

void sort_unique(std::vector<net::SocketAddress>& v) {
  std::sort(v.begin(), v.end(), address_less);
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void sort_unique(std::vector<dns::Name>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::string text(const dns::Name& n) { return n.to_text(); }

}  // namespace

bool address_less(const net::SocketAddress& a, const net::SocketAddress& b) {
  if (a.family() != b.family()) return a.family() == AF_INET;
  int c = 0;
  if (a.family() == AF_INET) {
    c = std::memcmp(&reinterpret_cast<const sockaddr_in*>(a.sa())->sin_addr,
                    &reinterpret_cast<const sockaddr_in*>(b.sa())->sin_addr, 4);
  } else if (a.family() == AF_INET6) {
    c = std::memcmp(&reinterpret_cast<const sockaddr_in6*>(a.sa())->sin6_addr,
                    &reinterpret_cast<const sockaddr_in6*>(b.sa())->sin6_addr, 16);
  }
  if (c != 0) return c < 0;
  return a.port() < b.port();
}

// --- root hints ---

Result<RootHints, std::string> parse_root_hints(std::string_view input,
                                                const std::string& filename) {
  RootHints hints;
  std::map<dns::Name, std::vector<net::SocketAddress>> all;
  size_t line_no = 0;
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string line(input.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (auto semi = line.find(';'); semi != std::string::npos) line.resize(semi);
    std::istringstream in(line);
    std::vector<std::string> tok;
    for (std::string t; in >> t;) tok.push_back(t);
    if (tok.empty()) continue;
    auto where = [&] { return filename + ":" + std::to_string(line_no) + ": "; };
    if (tok.size() < 3) return fail(where() + "expected 'OWNER [TTL] [CLASS] TYPE RDATA'");
    size_t i = 1;
    if (i < tok.size() && std::all_of(tok[i].begin(), tok[i].end(), ::isdigit)) ++i;
    if (i < tok.size() && (strcasecmp(tok[i].c_str(), "IN") == 0)) ++i;
    if (i + 1 >= tok.size()) return fail(where() + "expected 'OWNER [TTL] [CLASS] TYPE RDATA'");
    auto owner = dns::Name::parse_absolute(tok[0]);
    if (!owner) return fail(where() + owner.error());
    const std::string& type = tok[i];
    const std::string& rdata = tok[i + 1];
    if (strcasecmp(type.c_str(), "NS") == 0) {
      if (!owner->is_root()) continue;
      auto target = dns::Name::parse_absolute(rdata);
      if (!target) return fail(where() + target.error());
      hints.ns.push_back(target->lowered());
    } else if (strcasecmp(type.c_str(), "A") == 0 || strcasecmp(type.c_str(), "AAAA") == 0) {
      bool v4 = strcasecmp(type.c_str(), "A") == 0;
      uint8_t bytes[16];
      if (inet_pton(v4 ? AF_INET : AF_INET6, rdata.c_str(), bytes) != 1) {
        return fail(where() + "bad " + type + " address '" + rdata + "'");
      }
      all[owner->lowered()].push_back(make_address(v4 ? AF_INET : AF_INET6, bytes, 53));
    }
  }
  sort_unique(hints.ns);
  if (hints.ns.empty()) return fail(filename + ": no root NS records");
  for (const auto& ns : hints.ns) {
    auto it = all.find(ns);
    if (it == all.end()) continue;
    sort_unique(it->second);
    hints.addresses[ns] = it->second;
  }
  if (hints.addresses.empty()) return fail(filename + ": no address for any root nameserver");
  return hints;
}

Result<RootHints, std::string> load_root_hints(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail("cannot read " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_root_hints(ss.str(), path);
}

// --- resolver state ---

struct Resolver::ZoneCut {
  dns::Name apex;
  dns::Name parent;
  std::vector<dns::Name> ns;  // lower-cased, sorted
  std::map<dns::Name, std::vector<net::SocketAddress>> glue;
  bool from_child_answer = false;
};

std::shared_ptr<Resolver::ZoneCut> Resolver::make_cut(const dns::Name& apex, const dns::Name& parent,
                                                     std::vector<dns::Name> ns,
                                                     const std::vector<Record>& additional) {
  auto c = std::make_shared<ZoneCut>();
  c->apex = apex;
  c->parent = parent;
  sort_unique(ns);
  c->ns = std::move(ns);
  // Bailiwick rule: glue is trusted only for names inside the zone of the
  // server that sent it (the parent); others are resolved ourselves.
  for (const auto& rr : additional) {
    net::SocketAddress a;
    dns::Name owner = rr.owner.lowered();
    if (!owner.is_subdomain_of(parent) || !std::binary_search(c->ns.begin(), c->ns.end(), owner) ||
        !record_address(rr, a))
      continue;
    c->glue[owner].push_back(a);
  }
  for (auto& [n, v] : c->glue) sort_unique(v);
  return c;
}

struct Resolver::WalkResult {
  enum class Kind { kDelegated, kAnswer, kCname, kNoData, kNxDomain, kNotCut, kFail, kLoop };
  Kind kind = Kind::kFail;
  std::shared_ptr<const ZoneCut> cut;         // kDelegated
  std::vector<net::SocketAddress> addresses;  // kAnswer
  dns::Name cname_target;                     // kCname
  std::string reason;
};

// One iterative lookup: from a zone cut down to an answer (or a delegation).
struct Resolver::Walk {
  bool delegation_goal = false;  // stop at the referral for qname itself
  dns::Name qname;
  uint16_t qtype = 0;
  std::optional<dns::Name> requester;  // the nameserver name whose resolution this serves
  int depth = 0;
  std::shared_ptr<const ZoneCut> cut;
  int referrals = 0;
  std::vector<dns::Name> order;  // NS names of the cut, those with addresses known first
  size_t name_index = 0;
  std::vector<net::SocketAddress> addrs;  // addresses of order[name_index - 1]
  size_t addr_index = 0;
  std::vector<net::SocketAddress> tried;
  int servers_tried = 0;
  bool saw_loop = false;
  bool finished = false;
  std::string last_error;
  std::function<void(WalkResult)> done;
};

struct Resolver::AddrEntry {
  bool done = false;
  AddressResult result;
  std::vector<AddressCallback> waiters;
  std::optional<dns::Name> blocked_on;  // the name this resolution waits for now
};

struct Resolver::AddrTask {
  dns::Name name;
  int depth = 0;
  std::vector<net::SocketAddress> addresses;
  bool was_cname = false;
  bool loop = false;
  bool nxdomain = false;
  std::string error;
};

Resolver::Resolver(QueryEngine& engine, RootHints hints, ResolverOptions options)
    : engine_(engine), options_(options) {
  auto root = std::make_shared<ZoneCut>();
  root->ns = hints.ns;
  root->glue = hints.addresses;
  cuts_[dns::Name()] = root;
}

Resolver::~Resolver() = default;

bool Resolver::known_nxdomain(const dns::Name& name) const {
  if (nxdomain_.empty()) return false;
  dns::Name n = name;
  for (;;) {
    if (nxdomain_.count(n)) return true;
    if (n.is_root()) return false;
    n = n.parent();
  }
}

std::shared_ptr<const Resolver::ZoneCut> Resolver::deepest_cut(const dns::Name& name,
                                                               bool strictly_above) const {
  dns::Name n = strictly_above && !name.is_root() ? name.parent() : name;
  for (;;) {
    auto it = cuts_.find(n);
    if (it != cuts_.end()) return it->second;
    n = n.parent();  // the root is always cached
  }
}

// --- delegations ---

void Resolver::find_delegation(const dns::Name& domain, DelegationCallback done) {
  dns::Name d = domain.lowered();
  auto to_delegation = [](const ZoneCut& cut) {
    Delegation del;
    del.status = Delegation::Status::kOk;
    del.parent = cut.parent;
    del.parent_ns = cut.ns;
    del.glue = cut.glue;
    del.from_child_answer = cut.from_child_answer;
    return del;
  };
  if (auto it = cuts_.find(d); it != cuts_.end() && !d.is_root()) {
    return done(to_delegation(*it->second));
  }
  auto w = std::make_shared<Walk>();
  w->delegation_goal = true;
  w->qname = d;
  w->qtype = dns::rrtype::kNS;
  w->done = [done = std::move(done), to_delegation](WalkResult r) {
    Delegation del;
    switch (r.kind) {
      case WalkResult::Kind::kDelegated:
        return done(to_delegation(*r.cut));
      case WalkResult::Kind::kNxDomain:
        del.status = Delegation::Status::kNxDomain;
        del.reason = "NXDOMAIN";
        break;
      case WalkResult::Kind::kNotCut:
      case WalkResult::Kind::kNoData:
      case WalkResult::Kind::kAnswer:
      case WalkResult::Kind::kCname:
        del.status = Delegation::Status::kNoAnswer;
        del.reason = r.reason.empty() ? "not a delegated zone" : r.reason;
        break;
      case WalkResult::Kind::kLoop:
        del.status = Delegation::Status::kLoop;
        del.reason = "delegation loop";
        break;
      case WalkResult::Kind::kFail:
        del.status = Delegation::Status::kServFail;
        del.reason = r.reason;
        break;
    }
    done(std::move(del));
  };
  start_walk(std::move(w));
}

// --- nameserver addresses ---

void Resolver::resolve_addresses(const dns::Name& ns_name, AddressCallback done) {
  resolve_ns(ns_name.lowered(), std::nullopt, 0, std::move(done));
}

bool Resolver::blocked_chain_reaches(const dns::Name& from, const dns::Name& target) const {
  dns::Name x = from;
  for (int i = 0; i < 64; ++i) {
    if (x == target) return true;
    auto it = addresses_.find(x);
    if (it == addresses_.end() || it->second.done || !it->second.blocked_on) return false;
    x = *it->second.blocked_on;
  }
  return true;  // absurdly long chain: treat as a loop
}

void Resolver::resolve_ns(const dns::Name& name, std::optional<dns::Name> requester, int depth,
                          AddressCallback done) {
  auto it = addresses_.find(name);
  if (it != addresses_.end() && it->second.done) return done(it->second.result);
  // Waiting for `name` while `name` (transitively) waits for the requester
  // would never end: that is a delegation loop (the servers of the zone of
  // one nameserver name can only be found through the other).
  if (requester && blocked_chain_reaches(name, *requester)) {
    AddressResult r;
    r.error = "delegation loop";
    r.loop = true;
    return done(std::move(r));
  }
  if (it == addresses_.end() && depth > options_.max_depth) {
    AddressResult r;
    r.error = "nameserver names nested too deep";
    return done(std::move(r));
  }
  AddressCallback wrapped = std::move(done);
  if (requester) {
    addresses_[*requester].blocked_on = name;
    wrapped = [this, req = *requester, done = std::move(wrapped)](AddressResult r) {
      auto rit = addresses_.find(req);
      if (rit != addresses_.end()) rit->second.blocked_on.reset();
      done(std::move(r));
    };
  }
  bool is_new = it == addresses_.end();
  AddrEntry& entry = addresses_[name];
  entry.waiters.push_back(std::move(wrapped));
  if (is_new) start_address_task(name, depth);
}

void Resolver::start_address_task(const dns::Name& name, int depth) {
  auto task = std::make_shared<AddrTask>();
  task->name = name;
  task->depth = depth;
  lookup_chain(task, name, dns::rrtype::kA, 0);
}

void Resolver::lookup_chain(std::shared_ptr<AddrTask> task, dns::Name qname, uint16_t qtype,
                            int cnames) {
  auto after = [this, task, qtype]() {
    if (qtype == dns::rrtype::kA && !task->nxdomain && !task->loop) {
      lookup_chain(task, task->name, dns::rrtype::kAAAA, 0);
    } else {
      complete_address_task(task);
    }
  };
  if (cnames > options_.max_cname) {
    if (task->error.empty()) task->error = "CNAME chain too long";
    return after();
  }
  auto w = std::make_shared<Walk>();
  w->qname = qname;
  w->qtype = qtype;
  w->requester = task->name;
  w->depth = task->depth;
  w->done = [this, task, qtype, cnames, after](WalkResult r) {
    using K = WalkResult::Kind;
    switch (r.kind) {
      case K::kAnswer:
        task->addresses.insert(task->addresses.end(), r.addresses.begin(), r.addresses.end());
        break;
      case K::kCname:
        task->was_cname = true;
        return lookup_chain(task, r.cname_target, qtype, cnames + 1);
      case K::kNoData:
      case K::kDelegated:
      case K::kNotCut:
        break;
      case K::kNxDomain:
        task->nxdomain = true;
        break;
      case K::kLoop:
        task->loop = true;
        break;
      case K::kFail:
        if (task->error.empty()) task->error = r.reason;
        break;
    }
    after();
  };
  start_walk(std::move(w));
}

void Resolver::complete_address_task(std::shared_ptr<AddrTask> task) {
  AddressResult r;
  r.addresses = std::move(task->addresses);
  sort_unique(r.addresses);
  r.was_cname = task->was_cname;
  r.loop = task->loop && r.addresses.empty();
  if (r.addresses.empty()) {
    if (task->loop) {
      r.error = "delegation loop";
    } else if (task->nxdomain) {
      r.error = "NXDOMAIN";
    } else if (!task->error.empty()) {
      r.error = task->error;
    } else {
      r.error = "no address records";
    }
  }
  AddrEntry& entry = addresses_[task->name];
  entry.done = true;
  entry.result = r;
  entry.blocked_on.reset();
  std::vector<AddressCallback> waiters = std::move(entry.waiters);
  entry.waiters.clear();
  for (auto& cb : waiters) cb(r);
}

// --- the walk ---

void Resolver::start_walk(std::shared_ptr<Walk> w) {
  if (known_nxdomain(w->qname)) {
    WalkResult r;
    r.kind = WalkResult::Kind::kNxDomain;
    r.reason = "NXDOMAIN";
    return finish_walk(w, std::move(r));
  }
  enter_cut(w, deepest_cut(w->qname, w->delegation_goal));
}

void Resolver::enter_cut(std::shared_ptr<Walk> w, std::shared_ptr<const ZoneCut> cut) {
  w->cut = cut;
  w->order.clear();
  // Names whose addresses are at hand first (glue, cache); names to resolve after.
  std::vector<dns::Name> later;
  for (const auto& ns : cut->ns) {
    auto g = cut->glue.find(ns);
    auto a = addresses_.find(ns);
    bool known = (g != cut->glue.end() && !g->second.empty()) ||
                 (a != addresses_.end() && a->second.done && !a->second.result.addresses.empty());
    (known ? w->order : later).push_back(ns);
  }
  w->order.insert(w->order.end(), later.begin(), later.end());
  w->name_index = 0;
  w->addrs.clear();
  w->addr_index = 0;
  w->tried.clear();
  w->servers_tried = 0;
  next_server(std::move(w));
}

void Resolver::next_server(std::shared_ptr<Walk> w) {
  for (;;) {
    if (w->addr_index < w->addrs.size()) {
      net::SocketAddress a = w->addrs[w->addr_index++];
      if (std::find(w->tried.begin(), w->tried.end(), a) != w->tried.end()) continue;
      if (w->servers_tried >= options_.max_servers) break;
      w->tried.push_back(a);
      ++w->servers_tried;
      engine_.query(a, w->qname, w->qtype,
                    [this, w, a](QueryResult r) { on_reply(w, a, std::move(r)); });
      return;
    }
    if (w->name_index >= w->order.size()) break;
    const dns::Name ns = w->order[w->name_index++];
    w->addrs.clear();
    w->addr_index = 0;
    if (auto g = w->cut->glue.find(ns); g != w->cut->glue.end() && !g->second.empty()) {
      w->addrs = g->second;
      continue;
    }
    resolve_ns(ns, w->requester, w->depth + 1, [this, w, ns](AddressResult ar) {
      if (ar.loop) w->saw_loop = true;
      if (ar.addresses.empty()) {
        w->last_error = text(ns) + ": " + ar.error;
      } else {
        w->addrs = std::move(ar.addresses);
        w->addr_index = 0;
      }
      next_server(w);
    });
    return;
  }
  WalkResult r;
  if (w->saw_loop && w->tried.empty()) {
    r.kind = WalkResult::Kind::kLoop;
    r.reason = "delegation loop";
  } else {
    r.kind = WalkResult::Kind::kFail;
    r.reason = "no answer from the nameservers of " + text(w->cut->apex) +
               (w->last_error.empty() ? "" : " (" + w->last_error + ")");
  }
  finish_walk(w, std::move(r));
}

void Resolver::on_reply(std::shared_ptr<Walk> w, net::SocketAddress server, QueryResult qr) {
  using K = WalkResult::Kind;
  const std::string who = server.to_string();
  if (qr.status != QueryResult::Status::kAnswer) {
    std::string d = qr.detail.empty() ? status_text(qr.status) : qr.detail;
    w->last_error = d.find(who) == std::string::npos ? who + ": " + d : d;
    return next_server(w);
  }
  const Message& m = qr.message;
  const ZoneCut& cut = *w->cut;
  if (m.rcode() == dns::rcode::kNXDomain) {
    if (!m.aa()) {
      w->last_error = who + ": NXDOMAIN without AA";
      return next_server(w);
    }
    // RFC 8020: nothing exists below a name that does not exist.
    nxdomain_.insert(w->qname);
    WalkResult r;
    r.kind = K::kNxDomain;
    r.reason = "NXDOMAIN";
    return finish_walk(w, std::move(r));
  }
  if (m.rcode() != dns::rcode::kNoError) {
    w->last_error = who + ": " + dns::rcode_to_text(m.rcode());
    return next_server(w);
  }
  // A referral (RFC 1034 4.3.2 step 3b): NS records in the authority section
  // for a zone cut below the zone we asked and above (or at) the qname.
  std::optional<dns::Name> cut_name;
  std::vector<dns::Name> ns_names;
  if (!m.aa() && m.answer.empty()) {
    for (const auto& rr : m.authority) {
      if (rr.type != dns::rrtype::kNS) continue;
      dns::Name owner = rr.owner.lowered();
      if (owner == cut.apex || !owner.is_subdomain_of(cut.apex) || !w->qname.is_subdomain_of(owner))
        continue;
      if (cut_name && !(*cut_name == owner)) continue;  // one RRset only
      cut_name = owner;
      ns_names.push_back(dns::Name::from_wire(rr.rdata.data()).lowered());
    }
  }
  if (cut_name) {
    if (++w->referrals > options_.max_referrals) {
      WalkResult r;
      r.kind = K::kFail;
      r.reason = "too many referrals";
      return finish_walk(w, std::move(r));
    }
    std::shared_ptr<const ZoneCut> next;
    if (auto it = cuts_.find(*cut_name); it != cuts_.end()) {
      next = it->second;
    } else {
      auto c = make_cut(*cut_name, cut.apex, ns_names, m.additional);
      cuts_[*cut_name] = c;
      next = c;
    }
    if (w->delegation_goal && *cut_name == w->qname) {
      WalkResult r;
      r.kind = K::kDelegated;
      r.cut = next;
      return finish_walk(w, std::move(r));
    }
    return enter_cut(w, next);
  }
  if (!m.aa()) {
    w->last_error = who + ": non-authoritative answer (lame)";
    return next_server(w);
  }
  // An authoritative answer from the zone the qname is in.
  WalkResult r;
  std::vector<dns::Name> answer_ns;
  std::optional<dns::Name> cname;
  for (const auto& rr : m.answer) {
    if (!(rr.owner == w->qname)) continue;
    net::SocketAddress a;
    if (rr.type == dns::rrtype::kCNAME) {
      cname = dns::Name::from_wire(rr.rdata.data()).lowered();
    } else if (rr.type == dns::rrtype::kNS && w->qtype == dns::rrtype::kNS) {
      answer_ns.push_back(dns::Name::from_wire(rr.rdata.data()).lowered());
    } else if (rr.type == w->qtype && record_address(rr, a)) {
      r.addresses.push_back(a);
    }
  }
  if (w->delegation_goal) {
    if (!answer_ns.empty()) {
      // The parent's servers serve the child too and answered from it.
      auto c = make_cut(w->qname, cut.apex, answer_ns, m.additional);
      c->from_child_answer = true;
      auto [it, inserted] = cuts_.emplace(w->qname, c);
      r.kind = K::kDelegated;
      r.cut = it->second;
    } else {
      r.kind = K::kNotCut;
      r.reason = cname ? "not a delegated zone (an alias)" : "not a delegated zone";
    }
    return finish_walk(w, std::move(r));
  }
  if (!r.addresses.empty()) {
    r.kind = K::kAnswer;
  } else if (cname) {
    r.kind = K::kCname;
    r.cname_target = *cname;
  } else {
    r.kind = K::kNoData;
  }
  finish_walk(w, std::move(r));
}

void Resolver::finish_walk(std::shared_ptr<Walk> w, WalkResult result) {
  if (w->finished) return;
  w->finished = true;
  auto done = std::move(w->done);
  done(std::move(result));
}

}  // namespace tandem::audit
