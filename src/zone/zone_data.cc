#include "zone/zone_data.h"

#include <algorithm>
#include <cstring>

#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::zone {

uint64_t hash_name(const uint8_t* p, size_t n) {
  // Multiply-xorshift over 8-octet words: a few instructions per word, good
  // enough spread for an open-addressing table of names.
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xFF51AFD7ED558CCDull);
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, p, n);
  h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 32;
  return h;
}

uint32_t ZoneData::find(const uint8_t* lowered, size_t size, uint64_t hash) const {
  const uint64_t tag = hash >> 32;
  for (uint64_t i = hash & index_mask_;; i = (i + 1) & index_mask_) {
    uint64_t slot = index_[i];
    if (slot == kEmptySlot) return kNone;
    if ((slot >> 32) != tag) continue;
    uint32_t ni = static_cast<uint32_t>(slot);
    const Node& n = nodes_[ni];
    if (size_t{n.name_size} + 1 == size && memcmp(names_.data() + n.name_offset, lowered, size) == 0)
      return ni;
  }
}

size_t ZoneData::memory_bytes() const {
  return nodes_.capacity() * sizeof(Node) + rrsets_.capacity() * sizeof(RRset) + names_.capacity() +
         rdata_.capacity() + additional_.capacity() * 4 + index_.capacity() * 8;
}

// ---------------------------------------------------------------- builder

namespace {

struct PendingRecord {
  uint32_t node;
  uint16_t type;
  uint16_t file;
  uint32_t ttl;
  uint32_t line;
  uint32_t rdata_offset;
  uint32_t rdata_size;
};

// Offset of the embedded target name in rdata of types whose targets get
// additional-section processing (RFC 1035 3.3.9, 3.3.11; RFC 2782).
int target_offset(uint16_t type) {
  switch (type) {
    case dns::rrtype::kNS: return 0;
    case dns::rrtype::kMX: return 2;
    case dns::rrtype::kSRV: return 6;
    default: return -1;
  }
}

}  // namespace

struct ZoneBuilder::Pending {
  dns::Name origin;  // lower-cased
  ZoneData data;     // nodes_, names_ and index_ grow here while adding
  BigVector<PendingRecord> records;
  ByteVector rdata;
  std::vector<std::string> files;
  std::vector<ParseError> errors;
  uint8_t last_owner[dns::kMaxNameWire];  // as given (not lower-cased)
  size_t last_owner_size = 0;
  uint32_t last_node = kNone;

  const std::string* last_file = nullptr;
  uint16_t last_file_id = 0;
  uint16_t file_id(const std::string& f) {
    if (&f == last_file) return last_file_id;
    last_file = &f;
    last_file_id = file_id_slow(f);
    return last_file_id;
  }
  uint16_t file_id_slow(const std::string& f) {
    for (size_t i = 0; i < files.size(); ++i)
      if (files[i] == f) return static_cast<uint16_t>(i);
    files.push_back(f);
    return static_cast<uint16_t>(files.size() - 1);
  }

  void grow_index(size_t min_cap = 0) {
    size_t cap = data.index_.empty() ? 1024 : data.index_.size() * 2;
    while (cap < min_cap) cap *= 2;
    data.index_.assign(cap, ZoneData::kEmptySlot);
    data.index_mask_ = cap - 1;
    for (uint32_t i = 0; i < data.nodes_.size(); ++i) {
      const ZoneData::Node& n = data.nodes_[i];
      insert_index(i, hash_name(data.names_.data() + n.name_offset, size_t{n.name_size} + 1));
    }
  }
  void insert_index(uint32_t ni, uint64_t h) {
    uint64_t i = h & data.index_mask_;
    while (data.index_[i] != ZoneData::kEmptySlot) i = (i + 1) & data.index_mask_;
    data.index_[i] = (h >> 32) << 32 | ni;
  }

  // Returns the node of a lower-cased name inside the zone, creating it and
  // any missing ancestors (empty non-terminals) on the way.
  uint32_t node_for(const uint8_t* name, size_t size) {
    const uint64_t h = hash_name(name, size);
    uint32_t found = data.find(name, size, h);
    if (found != kNone) return found;
    uint32_t parent = kNone;
    if (size > origin.size()) parent = node_for(name + name[0] + 1, size - name[0] - 1);
    if ((data.nodes_.size() + 1) * 2 > data.index_.size()) grow_index();
    ZoneData::Node n{};
    n.name_offset = static_cast<uint32_t>(data.names_.size());
    n.name_size = static_cast<uint8_t>(size - 1);
    n.parent = parent;
    n.cut = kNone;
    append_bytes(data.names_, name, size);
    data.nodes_.push_back(n);
    uint32_t ni = static_cast<uint32_t>(data.nodes_.size() - 1);
    insert_index(ni, h);
    return ni;
  }

  // True when the lower-cased wire name is the origin or below it.
  bool in_zone(const uint8_t* name, size_t size) const {
    const size_t osize = origin.size();
    if (size < osize || memcmp(name + size - osize, origin.data(), osize) != 0) return false;
    const uint8_t* q = name;  // the match must start at a label boundary
    while (q < name + size - osize) q += *q + 1;
    return q == name + size - osize;
  }

  std::string name_text(uint32_t ni) const {
    const auto& n = data.nodes_[ni];
    return dns::Name::from_wire(data.names_.data() + n.name_offset).to_text();
  }
};

ZoneBuilder::ZoneBuilder(const dns::Name& origin) : p_(std::make_unique<Pending>()) {
  p_->origin = origin.lowered();
  p_->grow_index();
  p_->node_for(p_->origin.data(), p_->origin.size());  // the apex is node 0
}

ZoneBuilder::~ZoneBuilder() = default;

void ZoneBuilder::reserve(size_t records) {
  Pending& p = *p_;
  p.records.reserve(records);
  p.rdata.reserve(records * 12);
  // Owners are typically fewer than records; the index keeps load <= 1/2.
  size_t nodes = records * 3 / 4 + 16;
  p.data.nodes_.reserve(nodes);
  p.data.names_.reserve(nodes * 20);
  if (p.data.index_.size() < nodes * 2) p.grow_index(nodes * 2);
}

void ZoneBuilder::add(const ParsedRecord& r) {
  if (r.rclass != dns::rrclass::kIN) {
    p_->errors.push_back({r.file, r.line, "class " + dns::class_to_text(r.rclass) + " not supported: zone class is IN"});
    return;
  }
  add(r.owner, r.type, r.ttl, r.rdata, r.file, r.line);
}

void ZoneBuilder::add(const dns::Name& owner, uint16_t type, uint32_t ttl,
                      std::span<const uint8_t> rdata, const std::string& file, size_t line) {
  if (dns::is_meta_type(type)) {
    p_->errors.push_back({file, line, "type " + dns::type_to_text(type) + " cannot appear in a zone"});
    return;
  }
  Pending& p = *p_;
  PendingRecord rec{};
  // Records of one owner usually come together: skip the subdomain check and
  // the hash probe when the owner is the previous one.
  const size_t osize = owner.size();
  if (p.last_node != kNone && osize == p.last_owner_size &&
      memcmp(owner.data(), p.last_owner, osize) == 0) {
    rec.node = p.last_node;
  } else {
    uint8_t lowered[dns::kMaxNameWire];
    memcpy(lowered, owner.data(), osize);
    dns::wire_name_lower(lowered, osize);
    if (!p.in_zone(lowered, osize)) {
      p.errors.push_back({file, line, "out-of-zone data: " + owner.to_text() + " is not in " + p.origin.to_text()});
      return;
    }
    rec.node = p.node_for(lowered, osize);
    memcpy(p.last_owner, owner.data(), osize);
    p.last_owner_size = osize;
    p.last_node = rec.node;
  }
  rec.type = type;
  rec.ttl = ttl;
  rec.file = p.file_id(file);
  rec.line = static_cast<uint32_t>(line);
  rec.rdata_offset = static_cast<uint32_t>(p.rdata.size());
  rec.rdata_size = static_cast<uint32_t>(rdata.size());
  append_bytes(p.rdata, rdata.data(), rdata.size());
  p.records.push_back(rec);
}

std::unique_ptr<ZoneData> ZoneBuilder::build(std::vector<ParseError>& errors,
                                             std::vector<ParseError>& warnings) {
  Pending& p = *p_;
  ZoneData& d = p.data;
  errors.insert(errors.end(), p.errors.begin(), p.errors.end());
  auto at = [&](const PendingRecord& r) -> std::pair<std::string, size_t> {
    return {p.files.empty() ? std::string() : p.files[r.file], r.line};
  };
  auto error_at = [&](const PendingRecord& r, std::string msg) {
    auto [f, l] = at(r);
    errors.push_back({f, l, std::move(msg)});
  };
  auto warn_at = [&](const PendingRecord& r, std::string msg) {
    auto [f, l] = at(r);
    warnings.push_back({f, l, std::move(msg)});
  };

  // Group records by node (counting sort keeps file order), then by type.
  const size_t node_count = d.nodes_.size();
  BigVector<uint32_t> start(node_count + 1, 0);
  for (const auto& r : p.records) ++start[r.node + 1];
  for (size_t i = 0; i < node_count; ++i) start[i + 1] += start[i];
  BigVector<uint32_t> order(p.records.size());
  {
    BigVector<uint32_t> fill(start.begin(), start.end() - 1);
    for (uint32_t i = 0; i < p.records.size(); ++i) order[fill[p.records[i].node]++] = i;
  }
  // First record (file:line) of each RRset, for checks after indexing.
  BigVector<uint32_t> rrset_first_record;
  d.rrsets_.reserve(p.records.size());
  rrset_first_record.reserve(p.records.size());
  d.rdata_.reserve(p.rdata.size() + p.records.size() * 2);
  size_t records = 0;
  for (uint32_t ni = 0; ni < node_count; ++ni) {
    auto first = order.begin() + start[ni], last = order.begin() + start[ni + 1];
    // Insertion sort by type: a node has a handful of records, and
    // std::stable_sort would allocate a buffer per node.
    for (auto i = first + (first != last); i < last; ++i) {
      uint32_t v = *i;
      auto j = i;
      for (; j > first && p.records[*(j - 1)].type > p.records[v].type; --j) *j = *(j - 1);
      *j = v;
    }
    ZoneData::Node& node = d.nodes_[ni];
    node.first_rrset = static_cast<uint32_t>(d.rrsets_.size());
    for (auto it = first; it != last;) {
      const PendingRecord& head = p.records[*it];
      ZoneData::RRset set{};
      set.type = head.type;
      set.ttl = head.ttl;
      set.data_offset = static_cast<uint32_t>(d.rdata_.size());
      set.additional = kNone;
      auto end = it;
      while (end != last && p.records[*end].type == head.type) ++end;
      for (auto r = it; r != end; ++r) {
        const PendingRecord& rec = p.records[*r];
        const uint8_t* rd = p.rdata.data() + rec.rdata_offset;
        // Drop exact duplicates (RFC 2181 5: an RRset is a set).
        bool dup = false;
        for (auto q = it; q != r && !dup; ++q) {
          const PendingRecord& o = p.records[*q];
          dup = o.rdata_size == rec.rdata_size && memcmp(p.rdata.data() + o.rdata_offset, rd, rec.rdata_size) == 0;
        }
        if (dup) {
          warn_at(rec, "duplicate " + dns::type_to_text(rec.type) + " record ignored");
          continue;
        }
        if (rec.ttl != set.ttl)
          warn_at(rec, "TTL " + std::to_string(rec.ttl) + " differs from the RRset's TTL " +
                           std::to_string(set.ttl) + " (RFC 2181 5.2); using " + std::to_string(set.ttl));
        if (set.count == 0xFFFF) {
          error_at(rec, "too many records in one RRset");
          break;
        }
        uint8_t len[2];
        dns::store_u16(len, static_cast<uint16_t>(rec.rdata_size));
        append_bytes(d.rdata_, len, 2);
        append_bytes(d.rdata_, rd, rec.rdata_size);
        ++set.count;
        ++records;
      }
      set.data_size = static_cast<uint32_t>(d.rdata_.size() - set.data_offset);
      d.rrsets_.push_back(set);
      rrset_first_record.push_back(*it);
      it = end;
    }
    node.rrset_count = static_cast<uint16_t>(d.rrsets_.size() - node.first_rrset);
  }
  d.record_count_ = records;

  // Flags and zone cuts. Ancestors are created before descendants, so one
  // forward pass sees every parent finished.
  for (uint32_t ni = 0; ni < node_count; ++ni) {
    ZoneData::Node& n = d.nodes_[ni];
    if (ni == 0) n.flags |= ZoneData::kApex;
    if (n.rrset_count == 0) n.flags |= ZoneData::kEmptyNonTerminal;
    if (ni != 0 && d.rrset(n, dns::rrtype::kNS)) n.flags |= ZoneData::kDelegation;
    if (d.rrset(n, dns::rrtype::kDNAME)) n.flags |= ZoneData::kHasDname;
    if (d.rrset(n, dns::rrtype::kNSEC3)) {
      bool only = true;
      for (const auto& s : d.rrsets(n)) only &= s.type == dns::rrtype::kNSEC3 || s.type == dns::rrtype::kRRSIG;
      if (only) n.flags |= ZoneData::kNsec3Only;
    }
    const uint8_t* name = d.names_.data() + n.name_offset;
    if (n.parent != kNone) {
      ZoneData::Node& parent = d.nodes_[n.parent];
      if (name[0] == 1 && name[1] == '*') parent.flags |= ZoneData::kWildcardChild;
      if (parent.cut != kNone)
        n.cut = parent.cut;
      else if (parent.flags & (ZoneData::kDelegation | ZoneData::kHasDname))
        n.cut = n.parent;
    }
  }

  // Semantic checks (RFC 1034 3.6.2, 4.2.1; RFC 1035 5.2; RFC 6672 2.4).
  const ZoneData::Node& apex = d.nodes_[0];
  const std::string first_file = p.files.empty() ? std::string() : p.files[0];
  const ZoneData::RRset* soa = d.rrset(apex, dns::rrtype::kSOA);
  if (!soa)
    errors.push_back({first_file, 0, "no SOA record at the zone apex " + p.origin.to_text()});
  else if (soa->count != 1)
    error_at(p.records[rrset_first_record[soa - d.rrsets_.data()]], "more than one SOA record at the apex");
  if (!d.rrset(apex, dns::rrtype::kNS))
    errors.push_back({first_file, 0, "no NS records at the zone apex " + p.origin.to_text()});

  for (uint32_t ni = 0; ni < node_count; ++ni) {
    const ZoneData::Node& n = d.nodes_[ni];
    auto sets = d.rrsets(n);
    bool has_cname = false, has_other = false;
    for (const auto& s : sets) {
      if (s.type == dns::rrtype::kCNAME)
        has_cname = true;
      else if (s.type != dns::rrtype::kRRSIG && s.type != dns::rrtype::kNSEC)
        has_other = true;
    }
    for (const auto& s : sets) {
      const PendingRecord& rec = p.records[rrset_first_record[&s - d.rrsets_.data()]];
      if (s.type == dns::rrtype::kSOA && ni != 0) error_at(rec, "SOA record not at the zone apex");
      if (s.type == dns::rrtype::kCNAME) {
        if (s.count > 1) error_at(rec, "more than one CNAME record at " + p.name_text(ni));
        if (has_other) error_at(rec, "CNAME and other data at " + p.name_text(ni) + " (RFC 1034 3.6.2)");
      }
      if (s.type == dns::rrtype::kDNAME && s.count > 1)
        error_at(rec, "more than one DNAME record at " + p.name_text(ni) + " (RFC 6672 2.4)");
      if (s.type == dns::rrtype::kNS && n.cut != kNone && ni != 0) {
        // A delegation below another cut is occluded: harmless but dead.
        warn_at(rec, "NS records at " + p.name_text(ni) + " are below another zone cut or DNAME and are never served");
      }
    }
    (void)has_cname;
  }

  // Additional-section targets and glue checks (RFC 1034 4.2.1: a delegation
  // whose name server lies inside it needs address records, the glue).
  for (uint32_t ni = 0; ni < node_count; ++ni) {
    const ZoneData::Node& n = d.nodes_[ni];
    for (uint32_t si = n.first_rrset; si < n.first_rrset + n.rrset_count; ++si) {
      ZoneData::RRset& s = d.rrsets_[si];
      int off = target_offset(s.type);
      if (off < 0) continue;
      const PendingRecord& rec = p.records[rrset_first_record[si]];
      size_t list_start = d.additional_.size();
      const uint8_t* rd = d.rdata_.data() + s.data_offset;
      for (uint16_t k = 0; k < s.count; ++k) {
        uint16_t len = dns::load_u16(rd);
        const uint8_t* target = rd + 2 + off;
        rd += 2 + len;
        if (static_cast<int>(len) <= off) continue;
        uint8_t low[dns::kMaxNameWire];
        size_t tsize = dns::wire_name_size(target);
        memcpy(low, target, tsize);
        dns::wire_name_lower(low, tsize);
        dns::Name tname = dns::Name::from_wire(low);
        if (!tname.is_subdomain_of(p.origin)) continue;
        uint32_t ti = d.find(low, tsize);
        bool has_address = ti != kNone && (d.rrset(d.nodes_[ti], dns::rrtype::kA) ||
                                           d.rrset(d.nodes_[ti], dns::rrtype::kAAAA));
        if (s.type == dns::rrtype::kNS && !has_address && n.cut == kNone) {
          const dns::Name owner = dns::Name::from_wire(d.names_.data() + n.name_offset);
          // Glue is required where the server is inside the delegated zone
          // (or, at the apex, anywhere inside this zone).
          if (ni == 0 || tname.is_subdomain_of(owner))
            error_at(rec, "missing glue: name server " + tname.to_text() + " of " + owner.to_text() +
                              " has no A or AAAA record in the zone");
        }
        if (!has_address) continue;
        bool seen = false;
        for (size_t q = list_start; q < d.additional_.size(); ++q) seen |= d.additional_[q] == ti;
        if (!seen) d.additional_.push_back(ti);
      }
      if (d.additional_.size() > list_start) {
        d.additional_.push_back(kNone);
        s.additional = static_cast<uint32_t>(list_start);
      }
    }
  }

  if (!errors.empty()) return nullptr;
  auto out = std::make_unique<ZoneData>(std::move(d));
  out->nodes_.shrink_to_fit();
  out->rrsets_.shrink_to_fit();
  out->names_.shrink_to_fit();
  out->rdata_.shrink_to_fit();
  out->additional_.shrink_to_fit();
  p_.reset();
  return out;
}

}  // namespace tandem::zone
