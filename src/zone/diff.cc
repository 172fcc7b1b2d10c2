// compute_diff and the ZoneDiff helpers (zone/diff.h).
#include "zone/diff.h"

#include <algorithm>
#include <cstring>

#include "dns/types.h"
#include "dns/wire.h"
#include "zone/records.h"
#include "zone/zone_data.h"

namespace tandem::zone {

namespace {

// Size of the uncompressed wire name at p within [p, end), 0 if it does not fit.
size_t name_size_in(const uint8_t* p, const uint8_t* end) {
  const uint8_t* q = p;
  while (q < end) {
    const uint8_t len = *q;
    if (len == 0) return static_cast<size_t>(q - p) + 1;
    if (len > dns::kMaxLabel) return 0;
    q += 1 + len;
  }
  return 0;
}

// One record of an RRset's block: [u16 rdlength][rdata].
struct RdataRef {
  const uint8_t* p;  // at the rdata (after the length)
  uint16_t len;
};

// Orders rdata as RFC 4034 6.3 does (octet-wise, shorter first on a tie),
// which makes equal records neighbours.
bool rdata_less(const RdataRef& a, const RdataRef& b) {
  const int c = memcmp(a.p, b.p, std::min(a.len, b.len));
  return c != 0 ? c < 0 : a.len < b.len;
}

bool rdata_equal(const RdataRef& a, const RdataRef& b) {
  return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

class Differ {
 public:
  Differ(const ZoneData& older, const ZoneData& newer, ZoneDiff& out)
      : old_(older), new_(newer), out_(out) {}

  void run() {
    // Nodes of the old version: gone, or compared RRset by RRset. Two
    // versions of a zone usually store their nodes in the same order, so
    // the node at the same distance as the last match is tried first (one
    // memcmp on memory read in sequence) before the hash index.
    std::vector<uint8_t> matched(new_.node_count(), 0);
    int64_t shift = 0;
    for (size_t i = 0; i < old_.node_count(); ++i) {
      const ZoneData::Node& on = old_.node(static_cast<uint32_t>(i));
      const uint8_t* owner = old_.node_name(on);
      const size_t size = old_.node_name_size(on);
      uint32_t j = kNone;
      const int64_t guess = static_cast<int64_t>(i) + shift;
      if (guess >= 0 && static_cast<size_t>(guess) < new_.node_count()) {
        const ZoneData::Node& g = new_.node(static_cast<uint32_t>(guess));
        if (new_.node_name_size(g) == size && memcmp(new_.node_name(g), owner, size) == 0) {
          j = static_cast<uint32_t>(guess);
        }
      }
      if (j == kNone) j = new_.find(owner, size);
      if (j == kNone) {
        for (const ZoneData::RRset& set : old_.rrsets(on))
          emit(out_.removed, owner, size, old_, set);
        continue;
      }
      shift = static_cast<int64_t>(j) - static_cast<int64_t>(i);
      matched[j] = 1;
      // An empty non-terminal on either side compares like a node with no
      // RRsets: everything on the other side is removed or added.
      compare_node(owner, size, on, new_.node(j));
    }
    // Nodes only in the new version.
    for (size_t i = 0; i < new_.node_count(); ++i) {
      if (matched[i]) continue;
      const ZoneData::Node& nn = new_.node(static_cast<uint32_t>(i));
      const uint8_t* owner = new_.node_name(nn);
      const size_t size = new_.node_name_size(nn);
      for (const ZoneData::RRset& set : new_.rrsets(nn)) emit(out_.added, owner, size, new_, set);
    }
  }

 private:
  void compare_node(const uint8_t* owner, size_t size, const ZoneData::Node& on,
                    const ZoneData::Node& nn) {
    for (const ZoneData::RRset& os : old_.rrsets(on)) {
      const ZoneData::RRset* ns = new_.rrset(nn, os.type);
      if (ns == nullptr) {
        emit(out_.removed, owner, size, old_, os);
        continue;
      }
      if (os.ttl == ns->ttl && os.count == ns->count && os.data_size == ns->data_size &&
          memcmp(old_.rdata(os), new_.rdata(*ns), os.data_size) == 0) {
        continue;  // unchanged, the common case: one memcmp
      }
      if (os.ttl != ns->ttl) {
        // TTL is per RRset: every record changes (RFC 1995 has no "modify").
        emit(out_.removed, owner, size, old_, os);
        emit(out_.added, owner, size, new_, *ns);
        continue;
      }
      compare_records(owner, size, os, *ns);
    }
    for (const ZoneData::RRset& ns : new_.rrsets(nn)) {
      if (old_.rrset(on, ns.type) == nullptr) emit(out_.added, owner, size, new_, ns);
    }
  }

  // Same type and TTL, different contents: the records are compared as
  // multisets (a snapshot keeps them in load order, not sorted).
  void compare_records(const uint8_t* owner, size_t size, const ZoneData::RRset& os,
                       const ZoneData::RRset& ns) {
    if (os.type == dns::rrtype::kSOA) return;
    split(old_, os, a_);
    split(new_, ns, b_);
    size_t i = 0, j = 0;
    while (i < a_.size() || j < b_.size()) {
      if (j == b_.size() || (i < a_.size() && rdata_less(a_[i], b_[j]))) {
        push(out_.removed, owner, size, os.type, os.ttl, a_[i++]);
      } else if (i == a_.size() || rdata_less(b_[j], a_[i])) {
        push(out_.added, owner, size, ns.type, ns.ttl, b_[j++]);
      } else {
        ++i;
        ++j;
      }
    }
  }

  static void split(const ZoneData& d, const ZoneData::RRset& set, std::vector<RdataRef>& out) {
    out.clear();
    const uint8_t* p = d.rdata(set);
    for (uint16_t r = 0; r < set.count; ++r) {
      const uint16_t len = dns::load_u16(p);
      out.push_back({p + 2, len});
      p += 2 + len;
    }
    // A snapshot holds each record once; drop duplicates anyway so that the
    // diff never lists a record twice.
    std::sort(out.begin(), out.end(), rdata_less);
    out.erase(std::unique(out.begin(), out.end(), rdata_equal), out.end());
  }

  // Every record of `set`, SOA excepted (the diff carries it apart).
  static void emit(std::vector<DiffRecord>& to, const uint8_t* owner, size_t size,
                   const ZoneData& d, const ZoneData::RRset& set) {
    if (set.type == dns::rrtype::kSOA) return;
    const uint8_t* p = d.rdata(set);
    for (uint16_t r = 0; r < set.count; ++r) {
      const uint16_t len = dns::load_u16(p);
      push(to, owner, size, set.type, set.ttl, {p + 2, len});
      p += 2 + len;
    }
  }

  static void push(std::vector<DiffRecord>& to, const uint8_t* owner, size_t size, uint16_t type,
                   uint32_t ttl, const RdataRef& rd) {
    DiffRecord& rec = to.emplace_back();
    rec.owner.assign(owner, owner + size);
    rec.type = type;
    rec.ttl = ttl;
    rec.rdata.assign(rd.p, rd.p + rd.len);
  }

  const ZoneData& old_;
  const ZoneData& new_;
  ZoneDiff& out_;
  std::vector<RdataRef> a_, b_;  // reused between RRsets
};

DiffRecord apex_soa(const Zone& zone) {
  DiffRecord rec;
  const ZoneData& d = zone.data();
  const ZoneData::Node& apex = d.node(d.apex());
  rec.owner.assign(d.node_name(apex), d.node_name(apex) + d.node_name_size(apex));
  rec.type = dns::rrtype::kSOA;
  if (auto soa = apex_soa(d)) {
    rec.ttl = soa->ttl;
    rec.rdata.assign(soa->rdata.begin(), soa->rdata.end());
  }
  return rec;
}

size_t record_bytes(const DiffRecord& r) {
  return sizeof(DiffRecord) + r.owner.size() + r.rdata.size();
}

}  // namespace

uint32_t soa_rdata_serial(std::span<const uint8_t> rdata) {
  const uint8_t* p = rdata.data();
  const uint8_t* end = p + rdata.size();
  for (int i = 0; i < 2; ++i) {  // MNAME, RNAME
    const size_t n = name_size_in(p, end);
    if (n == 0) return 0;
    p += n;
  }
  if (end - p < 20) return 0;
  return dns::load_u32(p);
}

uint32_t ZoneDiff::from_serial() const { return soa_rdata_serial(from_soa.rdata); }
uint32_t ZoneDiff::to_serial() const { return soa_rdata_serial(to_soa.rdata); }

size_t ZoneDiff::bytes() const {
  size_t total = sizeof(ZoneDiff) + record_bytes(from_soa) + record_bytes(to_soa);
  for (const DiffRecord& r : removed) total += record_bytes(r);
  for (const DiffRecord& r : added) total += record_bytes(r);
  return total;
}

ZoneDiff compute_diff(const Zone& older, const Zone& newer) {
  ZoneDiff diff;
  diff.from_soa = apex_soa(older);
  diff.to_soa = apex_soa(newer);
  Differ(older.data(), newer.data(), diff).run();
  return diff;
}

}  // namespace tandem::zone
