#include "zone/lookup.h"

#include <cstring>

#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::zone {

using dns::rrtype::kA;
using dns::rrtype::kAAAA;
using dns::rrtype::kANY;
using dns::rrtype::kCNAME;
using dns::rrtype::kDNAME;
using dns::rrtype::kDS;
using dns::rrtype::kNS;
using dns::rrtype::kSOA;

void Lookup::add_answer(const ZoneData::RRset* set, const uint8_t* owner, uint32_t ttl) {
  if (answer_count < kMaxAnswer) answer[answer_count++] = {set, owner, ttl, nullptr, 0};
}

void Lookup::add_authority(const ZoneData::RRset* set, const uint8_t* owner, uint32_t ttl) {
  if (authority_count < kMaxAuthority) authority[authority_count++] = {set, owner, ttl, nullptr, 0};
}

void Lookup::add_additional_for(const ZoneData::RRset& set) {
  const uint32_t* targets = data_->additional(set);
  if (!targets) return;
  for (; *targets != kNone; ++targets) {
    const ZoneData::Node& n = data_->node(*targets);
    const uint8_t* owner = data_->node_name(n);
    for (uint16_t type : {kA, kAAAA}) {
      const ZoneData::RRset* s = data_->rrset(n, type);
      if (!s || additional_count >= kMaxAdditional) continue;
      bool seen = false;
      for (int i = 0; i < additional_count && !seen; ++i) seen = additional[i].rrset == s;
      if (!seen) additional[additional_count++] = {s, owner, s->ttl, nullptr, 0};
    }
  }
}

void Lookup::negative(uint16_t rc) {
  // RFC 2308 3: the SOA goes in authority with TTL min(SOA TTL, MINIMUM).
  rcode = rc;
  const ZoneData::Node& apex = data_->node(data_->apex());
  const ZoneData::RRset* soa = data_->rrset(apex, kSOA);
  if (!soa) return;
  add_authority(soa, data_->node_name(apex), data_->negative_ttl());
}

void Lookup::referral(uint32_t cut) {
  // RFC 1034 4.3.2 step 3b: NS of the cut in authority, glue in additional,
  // and the answer is not authoritative.
  const ZoneData::Node& n = data_->node(cut);
  const ZoneData::RRset* ns = data_->rrset(n, kNS);
  if (answer_count == 0) authoritative = false;
  add_authority(ns, data_->node_name(n), ns->ttl);
  add_additional_for(*ns);
}

bool Lookup::answer_at(uint32_t ni, const uint8_t* owner, uint16_t qtype) {
  const ZoneData::Node& n = data_->node(ni);
  const uint8_t* node_name = data_->node_name(n);
  const bool wildcard = node_name[0] == 1 && node_name[1] == '*';  // matched or synthesized
  if (qtype == kANY) {
    // RFC 8482 4.1: answer ANY with one RRset of the name (as Knot does),
    // which keeps ANY useless as an amplifier.
    auto sets = data_->rrsets(n);
    for (const auto& s : sets) {
      if (s.type == dns::rrtype::kRRSIG && n.rrset_count > 1) continue;
      add_answer(&s, owner, s.ttl);
      return false;
    }
    negative(dns::rcode::kNoError);
    return false;
  }
  if (const ZoneData::RRset* s = data_->rrset(n, qtype)) {
    add_answer(s, owner, s->ttl);
    add_additional_for(*s);
    return false;
  }
  if (const ZoneData::RRset* c = data_->rrset(n, kCNAME)) {
    // Loops end as Knot ends them: a CNAME already in the answer is not
    // repeated; one synthesized from a wildcard already used is added once
    // more and ends the chain.
    bool seen = false;
    for (int i = 0; i < visited_count_; ++i) seen |= visited_[i] == ni;
    if (seen && !wildcard) return false;
    add_answer(c, owner, c->ttl);
    if (seen) return false;
    if (visited_count_ <= kMaxChain) visited_[visited_count_++] = ni;
    next_ = data_->rdata(*c) + 2;
    return true;
  }
  negative(dns::rcode::kNoError);  // NODATA
  return false;
}

bool Lookup::apply_dname(uint32_t dn, const uint8_t* sname, const uint8_t* sname_lower) {
  // RFC 6672 2.2/3.1: answer the DNAME, then a CNAME from sname to sname with
  // the DNAME owner suffix replaced by the DNAME target.
  const ZoneData::Node& n = data_->node(dn);
  const ZoneData::RRset* d = data_->rrset(n, kDNAME);
  bool listed = false;  // a DNAME met again along the chain is listed once
  for (int i = 0; i < answer_count && !listed; ++i) listed = answer[i].rrset == d;
  if (!listed) add_answer(d, data_->node_name(n), d->ttl);
  const uint8_t* target = data_->rdata(*d) + 2;
  size_t sname_size = dns::wire_name_size(sname_lower);
  size_t prefix = sname_size - data_->node_name_size(n);  // octets of labels above the owner
  size_t tsize = dns::wire_name_size(target);
  if (prefix + tsize > dns::kMaxNameWire) {
    rcode = dns::rcode::kYXDomain;
    return false;
  }
  uint8_t* out = synth_[synth_used_++];
  memcpy(out, sname, prefix);
  memcpy(out + prefix, target, tsize);
  if (answer_count < kMaxAnswer)
    answer[answer_count++] = {nullptr, sname, d->ttl, out, static_cast<uint16_t>(prefix + tsize)};
  next_ = out;
  return true;
}

void Lookup::run(const Zone& zone, const uint8_t* qname, const uint8_t* qname_lower, uint16_t qtype) {
  data_ = &zone.data();
  rcode = dns::rcode::kNoError;
  authoritative = true;
  answer_count = authority_count = additional_count = 0;
  synth_used_ = 0;
  visited_count_ = 0;

  const uint8_t* origin = data_->node_name(data_->node(data_->apex()));
  const size_t origin_size = data_->node_name_size(data_->node(data_->apex()));
  const uint8_t* sname = qname;
  const uint8_t* sname_lower = qname_lower;

  size_t size = dns::wire_name_size(sname_lower);
  for (int step = 0; step <= kMaxChain; ++step) {
    next_ = nullptr;
    uint32_t ni = data_->find(sname_lower, size);
    if (ni != kNone && (data_->node(ni).flags & ZoneData::kNsec3Only)) ni = kNone;
    bool chain = false;
    if (ni != kNone) {
      const ZoneData::Node& n = data_->node(ni);
      if (n.cut != kNone) {
        const ZoneData::Node& c = data_->node(n.cut);
        if (c.flags & ZoneData::kDelegation) {
          referral(n.cut);
          return;
        }
        chain = apply_dname(n.cut, sname, sname_lower);
      } else if ((n.flags & ZoneData::kDelegation) && qtype != kDS) {
        referral(ni);
        return;
      } else {
        chain = answer_at(ni, sname, qtype);
      }
    } else {
      // Closest encloser: strip labels until a node exists (the apex at worst).
      const uint8_t* p = sname_lower;
      size_t psize = size;
      uint32_t ce = kNone;
      while (ce == kNone && psize > origin_size) {
        psize -= *p + 1;
        p += *p + 1;
        ce = data_->find(p, psize);
      }
      if (ce == kNone) return;  // cannot happen: sname is inside the zone
      const ZoneData::Node& c = data_->node(ce);
      uint32_t cut = c.cut != kNone ? c.cut : (c.flags & (ZoneData::kDelegation | ZoneData::kHasDname)) ? ce : kNone;
      if (cut != kNone) {
        if (data_->node(cut).flags & ZoneData::kDelegation) {
          referral(cut);
          return;
        }
        chain = apply_dname(cut, sname, sname_lower);
      } else if (c.flags & ZoneData::kWildcardChild) {
        // RFC 4592 3.3.1: the source of synthesis is "*.<closest encloser>".
        uint8_t wild[dns::kMaxNameWire + 2];
        wild[0] = 1;
        wild[1] = '*';
        memcpy(wild + 2, p, psize);
        uint32_t wi = data_->find(wild, psize + 2);
        chain = wi != kNone && answer_at(wi, sname, qtype);
      } else {
        negative(dns::rcode::kNXDomain);
        return;
      }
    }
    if (!chain || rcode != dns::rcode::kNoError) return;
    // Follow the CNAME (or synthesized CNAME) while it stays in this zone.
    size_t nsize = dns::wire_name_size(next_);
    uint8_t* low = chain_lower_[step];
    memcpy(low, next_, nsize);
    dns::wire_name_lower(low, nsize);
    if (!dns::wire_name_under(low, nsize, origin, origin_size)) return;
    if (qtype == kCNAME) return;
    sname = next_;
    sname_lower = low;
    size = nsize;
  }
}

}  // namespace tandem::zone
