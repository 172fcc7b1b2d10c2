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

// Where an RRset's first record came from, for messages.
struct Origin {
  uint32_t line;
  uint16_t file;
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

// Removes records of `set` (rdata at `rd`: count x [u16 len][bytes]) that
// repeat an earlier one, keeping file order; returns how many were removed.
size_t remove_duplicates(uint8_t* rd, ZoneData::RRset& set) {
  if (set.count < 2) return 0;
  auto rec_size = [&](uint32_t off) { return 2u + dns::load_u16(rd + off); };
  auto same = [&](uint32_t a, uint32_t b) {
    return rec_size(a) == rec_size(b) && memcmp(rd + a, rd + b, rec_size(a)) == 0;
  };
  // Small sets (nearly all): pairwise on the stack, no allocation.
  constexpr uint32_t kSmall = 64;
  uint32_t small_offsets[kSmall];
  bool small_dup[kSmall];
  std::vector<uint32_t> big_offsets;
  std::vector<bool> big_dup;
  const bool small = set.count <= kSmall;
  if (!small) {
    big_offsets.resize(set.count);
    big_dup.assign(set.count, false);
  }
  uint32_t* offsets = small ? small_offsets : big_offsets.data();
  for (uint32_t off = 0, k = 0; k < set.count; ++k) {
    offsets[k] = off;
    off += rec_size(off);
  }
  auto is_dup = [&](size_t k) { return small ? small_dup[k] : static_cast<bool>(big_dup[k]); };
  auto set_dup = [&](size_t k) {
    if (small)
      small_dup[k] = true;
    else
      big_dup[k] = true;
  };
  size_t dropped = 0;
  if (small) {
    for (size_t i = 0; i < set.count; ++i) {
      small_dup[i] = false;
      for (size_t j = 0; j < i && !small_dup[i]; ++j)
        if (!small_dup[j] && same(offsets[j], offsets[i])) small_dup[i] = true;
    }
  } else {  // large sets: sort record indices by content, equal neighbours are copies
    std::vector<uint32_t> idx(set.count);
    for (uint32_t i = 0; i < set.count; ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) {
      uint32_t sa = rec_size(offsets[a]), sb = rec_size(offsets[b]);
      if (sa != sb) return sa < sb;
      int c = memcmp(rd + offsets[a], rd + offsets[b], sa);
      return c != 0 ? c < 0 : a < b;
    });
    for (size_t i = 1; i < idx.size(); ++i)
      if (same(offsets[idx[i - 1]], offsets[idx[i]])) set_dup(idx[i]);
  }
  for (size_t k = 0; k < set.count; ++k) dropped += is_dup(k);
  if (!dropped) return 0;
  uint32_t write = 0;
  for (uint32_t k = 0; k < set.count; ++k) {
    uint32_t size = rec_size(offsets[k]);
    if (!is_dup(k)) {
      memmove(rd + write, rd + offsets[k], size);
      write += size;
    }
  }
  set.count = static_cast<uint16_t>(set.count - dropped);
  set.data_size = write;  // the freed tail stays unused inside rdata_
  return dropped;
}

}  // namespace

struct ZoneBuilder::Pending {
  dns::Name origin;  // lower-cased
  ZoneData data;     // nodes_, names_, index_, rrsets_ and rdata_ grow here while adding
  bool seeded = false;  // nodes and index were copied from a base snapshot
  std::vector<bool> pruned;  // seeded: nodes dropped from the index at build()
  // Records arrive as runs: consecutive records of one owner and type become
  // one RRset at once, their rdata written in final form. build() only has to
  // regroup when an owner or type comes back later in the file.
  BigVector<uint32_t> run_node;  // parallel to data.rrsets_
  BigVector<Origin> run_origin;   // parallel to data.rrsets_
  uint32_t run_open = kNone;      // the RRset the next record may extend
  std::vector<std::string> files;
  std::vector<ParseError> errors;
  std::vector<ParseError> warnings;
  uint8_t last_owner[dns::kMaxNameWire];  // as given (not lower-cased)
  size_t last_owner_size = 0;
  uint32_t last_node = kNone;
  uint32_t last_parent = kNone;  // parent of the last node created

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
    if (size > origin.size()) {
      // Siblings tend to come together (h1, h2, ... under one parent): reuse
      // the previous new node's parent without hashing it again.
      const uint8_t* pname = name + name[0] + 1;
      const size_t psize = size - name[0] - 1;
      if (last_parent != kNone && psize == size_t{data.nodes_[last_parent].name_size} + 1 &&
          memcmp(data.names_.data() + data.nodes_[last_parent].name_offset, pname, psize) == 0)
        parent = last_parent;
      else
        parent = node_for(pname, psize);
      last_parent = parent;
    }
    // Load factor up to 3/4: slots carry a hash tag, so probing past other
    // names stays within a cache line or two and never touches nodes.
    if ((data.nodes_.size() + 1) * 4 > data.index_.size() * 3) grow_index();
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

  // True when every node's runs are adjacent and no type repeats within a
  // node: then each run is already a whole RRset (the common case).
  bool runs_grouped() const {
    std::vector<bool> seen(data.nodes_.size(), false);
    uint32_t current = kNone;
    size_t current_start = 0;
    for (size_t si = 0; si < run_node.size(); ++si) {
      const uint32_t n = run_node[si];
      if (n != current) {
        if (seen[n]) return false;
        seen[n] = true;
        current = n;
        current_start = si;
        continue;
      }
      for (size_t k = current_start; k < si; ++k)
        if (data.rrsets_[k].type == data.rrsets_[si].type) return false;
    }
    return true;
  }

  // Reorders the runs by node and type (stable: file order within an RRset)
  // and merges runs of the same node and type into one RRset.
  void regroup(std::vector<ParseError>& warnings) {
    const size_t runs = run_node.size();
    std::vector<uint32_t> order(runs);
    {
      std::vector<uint32_t> start(data.nodes_.size() + 1, 0);
      for (uint32_t n : run_node) ++start[n + 1];
      for (size_t i = 0; i + 1 < start.size(); ++i) start[i + 1] += start[i];
      for (uint32_t si = 0; si < runs; ++si) order[start[run_node[si]]++] = si;
    }
    // Within a node: insertion sort by type (stable, nodes have few runs).
    for (size_t i = 1; i < runs; ++i) {
      uint32_t v = order[i];
      size_t j = i;
      for (; j > 0 && run_node[order[j - 1]] == run_node[v] &&
             data.rrsets_[order[j - 1]].type > data.rrsets_[v].type;
           --j)
        order[j] = order[j - 1];
      order[j] = v;
    }
    BigVector<ZoneData::RRset> sets;
    BigVector<uint32_t> nodes;
    BigVector<Origin> origins;
    ByteVector bytes;
    sets.reserve(runs);
    bytes.reserve(data.rdata_.size());
    for (uint32_t si : order) {
      const ZoneData::RRset& r = data.rrsets_[si];
      const uint8_t* src = data.rdata_.data() + r.data_offset;
      if (!sets.empty() && nodes.back() == run_node[si] && sets.back().type == r.type &&
          sets.back().count + r.count <= 0xFFFF) {
        ZoneData::RRset& into = sets.back();
        if (r.ttl != into.ttl)
          warnings.push_back({files[run_origin[si].file], run_origin[si].line,
                              "TTL " + std::to_string(r.ttl) + " differs from the RRset's TTL " +
                                  std::to_string(into.ttl) + " (RFC 2181 5.2); using " +
                                  std::to_string(into.ttl)});
        into.count = static_cast<uint16_t>(into.count + r.count);
        into.data_size += r.data_size;
      } else {
        ZoneData::RRset copy = r;
        copy.data_offset = static_cast<uint32_t>(bytes.size());
        sets.push_back(copy);
        nodes.push_back(run_node[si]);
        origins.push_back(run_origin[si]);
      }
      append_bytes(bytes, src, r.data_size);
    }
    data.rrsets_ = std::move(sets);
    data.rdata_ = std::move(bytes);
    run_node = std::move(nodes);
    run_origin = std::move(origins);
  }

  // A seeded build keeps every node of the base; a node that lost all its
  // records and has no descendant left is no name any more (RFC 1034 3.1:
  // NXDOMAIN, not an empty non-terminal), so it leaves the index. Parents
  // have lower numbers than their children, so one backward pass settles
  // chains of them.
  void prune_empty_leaves() {
    const size_t count = data.nodes_.size();
    std::vector<bool> has_child(count, false);
    pruned.assign(count, false);
    for (size_t i = count; i-- > 1;) {
      const ZoneData::Node& n = data.nodes_[i];
      if (n.rrset_count == 0 && !has_child[i]) {
        erase_index(static_cast<uint32_t>(i));
        pruned[i] = true;
        continue;
      }
      if (n.parent != kNone) has_child[n.parent] = true;
    }
  }
  // Removes node `ni` from the open-addressing index by backward shifting
  // (linear probing needs no tombstones).
  void erase_index(uint32_t ni) {
    const ZoneData::Node& n = data.nodes_[ni];
    const uint64_t mask = data.index_mask_;
    auto home = [&](uint64_t slot_value) {
      const ZoneData::Node& m = data.nodes_[static_cast<uint32_t>(slot_value)];
      return hash_name(data.names_.data() + m.name_offset, size_t{m.name_size} + 1) & mask;
    };
    uint64_t i = hash_name(data.names_.data() + n.name_offset, size_t{n.name_size} + 1) & mask;
    while (data.index_[i] != ZoneData::kEmptySlot && static_cast<uint32_t>(data.index_[i]) != ni)
      i = (i + 1) & mask;
    if (data.index_[i] == ZoneData::kEmptySlot) return;
    for (uint64_t j = i;;) {
      j = (j + 1) & mask;
      if (data.index_[j] == ZoneData::kEmptySlot) break;
      const uint64_t k = home(data.index_[j]);
      // Move slot j back into the hole at i unless its home lies in (i, j].
      const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!stays) {
        data.index_[i] = data.index_[j];
        i = j;
      }
    }
    data.index_[i] = ZoneData::kEmptySlot;
  }

  // True when the lower-cased wire name is the origin or below it.
  bool in_zone(const uint8_t* name, size_t size) const {
    return dns::wire_name_under(name, size, origin.data(), origin.size());
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

ZoneBuilder::ZoneBuilder(const dns::Name& origin, const ZoneData& base)
    : p_(std::make_unique<Pending>()) {
  Pending& p = *p_;
  p.origin = origin.lowered();
  p.seeded = true;
  ZoneData& d = p.data;
  // Same node numbers and names as the base, no records yet: the names are
  // hashed and indexed already, which is most of a build's cost.
  d.nodes_.reserve(base.nodes_.size() + 16);
  for (const ZoneData::Node& n : base.nodes_) {
    ZoneData::Node copy{};
    copy.name_offset = n.name_offset;
    copy.name_size = n.name_size;
    copy.parent = n.parent;
    copy.cut = kNone;
    d.nodes_.push_back(copy);
  }
  d.names_.reserve(base.names_.size() + 1024);
  d.names_.append(base.names_.data(), base.names_.size());
  d.index_ = base.index_;
  d.index_mask_ = base.index_mask_;
  d.rrsets_.reserve(base.rrsets_.size() + 16);
  p.run_node.reserve(base.rrsets_.size() + 16);
  p.run_origin.reserve(base.rrsets_.size() + 16);
  d.rdata_.reserve(base.rdata_.size() + 4096);
}

ZoneBuilder::~ZoneBuilder() = default;

void ZoneBuilder::add_to_node(uint32_t node, uint16_t type, uint32_t ttl,
                              std::span<const uint8_t> rdata, const std::string& file, size_t line) {
  Pending& p = *p_;
  p.last_node = kNone;  // the next add() by name probes again
  add_record(node, type, ttl, rdata, file, line);
}

void ZoneBuilder::reserve(size_t records) {
  Pending& p = *p_;
  p.data.rrsets_.reserve(records);
  p.run_node.reserve(records);
  p.run_origin.reserve(records);
  p.data.rdata_.reserve(records * 14);
  // Owners are typically fewer than records.
  size_t nodes = records * 3 / 4 + 16;
  p.data.nodes_.reserve(nodes);
  p.data.names_.reserve(nodes * 20);
  if (p.data.index_.size() * 3 < nodes * 4) p.grow_index(nodes * 4 / 3);
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
  uint32_t node;
  // Records of one owner usually come together: skip the subdomain check and
  // the hash probe when the owner is the previous one.
  const size_t osize = owner.size();
  if (p.last_node != kNone && osize == p.last_owner_size &&
      memcmp(owner.data(), p.last_owner, osize) == 0) {
    node = p.last_node;
  } else {
    uint8_t lowered[dns::kMaxNameWire];
    memcpy(lowered, owner.data(), osize);
    dns::wire_name_lower(lowered, osize);
    if (!p.in_zone(lowered, osize)) {
      p.errors.push_back({file, line, "out-of-zone data: " + owner.to_text() + " is not in " + p.origin.to_text()});
      return;
    }
    node = p.node_for(lowered, osize);
    memcpy(p.last_owner, owner.data(), osize);
    p.last_owner_size = osize;
    p.last_node = node;
  }
  add_record(node, type, ttl, rdata, file, line);
}

void ZoneBuilder::add_record(uint32_t node, uint16_t type, uint32_t ttl,
                             std::span<const uint8_t> rdata, const std::string& file, size_t line) {
  Pending& p = *p_;
  ZoneData& d = p.data;
  if (rdata.size() > 0xFFFF) {
    p.errors.push_back({file, line, "rdata longer than 65535 octets"});
    return;
  }
  ZoneData::RRset* set = nullptr;
  if (p.run_open != kNone && p.run_node[p.run_open] == node && d.rrsets_[p.run_open].type == type) {
    set = &d.rrsets_[p.run_open];
    if (set->count == 0xFFFF) {
      p.errors.push_back({file, line, "too many records in one RRset"});
      return;
    }
    if (ttl != set->ttl)
      p.warnings.push_back({file, line, "TTL " + std::to_string(ttl) + " differs from the RRset's TTL " +
                                            std::to_string(set->ttl) + " (RFC 2181 5.2); using " +
                                            std::to_string(set->ttl)});
  } else {
    p.run_open = static_cast<uint32_t>(d.rrsets_.size());
    ZoneData::RRset fresh{};
    fresh.type = type;
    fresh.ttl = ttl;
    fresh.data_offset = static_cast<uint32_t>(d.rdata_.size());
    fresh.additional = kNone;
    d.rrsets_.push_back(fresh);
    p.run_node.push_back(node);
    p.run_origin.push_back({static_cast<uint32_t>(line), p.file_id(file)});
    set = &d.rrsets_.back();
  }
  uint8_t len[2];
  dns::store_u16(len, static_cast<uint16_t>(rdata.size()));
  append_bytes(d.rdata_, len, 2);
  append_bytes(d.rdata_, rdata.data(), rdata.size());
  set->data_size += static_cast<uint32_t>(rdata.size() + 2);
  ++set->count;
}

void ZoneData::index_insert(uint32_t ni, uint64_t h) {
  uint64_t i = h & index_mask_;
  while (index_[i] != kEmptySlot) i = (i + 1) & index_mask_;
  index_[i] = (h >> 32) << 32 | ni;
}

bool ZoneData::has_address(const Node& n) const {
  return rrset(n, dns::rrtype::kA) != nullptr || rrset(n, dns::rrtype::kAAAA) != nullptr;
}

template <class Visit>
void ZoneData::link_additional(RRset& set, int off, const uint8_t* apex, size_t apex_size,
                               Visit&& visit) {
  const size_t list_start = additional_.size();
  const uint8_t* rd = rdata_.data() + set.data_offset;
  for (uint16_t k = 0; k < set.count; ++k) {
    const uint16_t len = dns::load_u16(rd);
    const uint8_t* target = rd + 2 + off;
    rd += 2 + len;
    if (static_cast<int>(len) <= off) continue;
    uint8_t low[dns::kMaxNameWire];
    const size_t tsize = dns::wire_name_size(target);
    memcpy(low, target, tsize);
    dns::wire_name_lower(low, tsize);
    if (!dns::wire_name_under(low, tsize, apex, apex_size)) continue;
    const uint32_t ti = find(low, tsize);
    visit(static_cast<const uint8_t*>(low), tsize, ti);
    if (ti == kNone || !has_address(nodes_[ti])) {
      dangling_.push_back(hash_name(low, tsize));
      continue;
    }
    bool seen = false;
    for (size_t q = list_start; q < additional_.size(); ++q) seen |= additional_[q] == ti;
    if (!seen) additional_.push_back(ti);
  }
  if (additional_.size() > list_start) {
    additional_.push_back(kNone);
    set.additional = static_cast<uint32_t>(list_start);
  }
}

std::unique_ptr<ZoneData> ZoneData::with_replaced_rrsets(
    const ZoneData& base, std::span<const RRsetReplacement> reps) {
  namespace t = dns::rrtype;
  if (base.waste_ > (base.rdata_.size() + base.rrsets_.size() * sizeof(RRset)) / 8) return nullptr;
  // Is it simple? Decided before copying anything.
  auto dangling = [&](const uint8_t* name, size_t size) {
    return std::binary_search(base.dangling_.begin(), base.dangling_.end(), hash_name(name, size));
  };
  const uint8_t* base_apex = base.names_.data() + base.nodes_[0].name_offset;
  const size_t base_apex_size = size_t{base.nodes_[0].name_size} + 1;
  size_t new_names = 0;
  for (size_t i = 0; i < reps.size();) {
    const uint32_t ni = reps[i].node;
    if (ni == kNone) {  // a new name: its parent must exist, nothing structural
      const std::vector<uint8_t>& owner = reps[i].owner;
      if (owner.empty() || owner.size() > dns::kMaxNameWire || owner.size() <= base_apex_size ||
          dns::wire_name_size(owner.data()) != owner.size() ||
          !dns::wire_name_under(owner.data(), owner.size(), base_apex, base_apex_size) ||
          base.find(owner.data(), owner.size()) != kNone ||
          base.find(owner.data() + owner[0] + 1, owner.size() - owner[0] - 1) == kNone)
        return nullptr;
      size_t j = i;
      bool addresses = false;
      for (; j < reps.size() && reps[j].node == kNone && reps[j].owner == owner; ++j) {
        const RRsetReplacement& r = reps[j];
        if (j > i && r.type <= reps[j - 1].type) return nullptr;
        if (r.count == 0 || r.type == t::kNS || r.type == t::kDNAME || r.type == t::kCNAME ||
            r.type == t::kNSEC3 || r.type == t::kSOA || dns::is_meta_type(r.type))
          return nullptr;
        addresses |= r.type == t::kA || r.type == t::kAAAA;
      }
      if (addresses && dangling(owner.data(), owner.size())) return nullptr;
      ++new_names;
      i = j;
      continue;
    }
    if (ni >= base.nodes_.size()) return nullptr;
    const Node& n = base.nodes_[ni];
    if (n.flags & (kEmptyNonTerminal | kNsec3Only)) return nullptr;
    int sets = n.rrset_count;
    bool addr_before = base.has_address(n), addr_after = addr_before;
    bool has_cname = base.rrset(n, t::kCNAME) != nullptr;
    size_t j = i;
    for (; j < reps.size() && reps[j].node == ni; ++j) {
      const RRsetReplacement& r = reps[j];
      if (j > i && r.type <= reps[j - 1].type) return nullptr;  // not sorted / repeated
      if (r.type == t::kNS || r.type == t::kDNAME || r.type == t::kCNAME || r.type == t::kNSEC3 ||
          dns::is_meta_type(r.type))
        return nullptr;
      if (r.type == t::kSOA && (ni != 0 || r.count != 1)) return nullptr;
      const bool existed = base.rrset(n, r.type) != nullptr;
      if (has_cname && !existed && r.type != t::kRRSIG && r.type != t::kNSEC) return nullptr;
      sets += (r.count != 0) - existed;
    }
    if (sets <= 0) return nullptr;  // the name would empty
    // Address records: presence per node must not change (glue, additional targets).
    bool a_kept = base.rrset(n, t::kA) != nullptr, aaaa_kept = base.rrset(n, t::kAAAA) != nullptr;
    for (size_t k = i; k < j; ++k) {
      if (reps[k].type == t::kA) a_kept = reps[k].count != 0;
      if (reps[k].type == t::kAAAA) aaaa_kept = reps[k].count != 0;
    }
    addr_after = a_kept || aaaa_kept;
    if (addr_after != addr_before &&
        (!addr_after || dangling(base.names_.data() + n.name_offset, size_t{n.name_size} + 1)))
      return nullptr;
    i = j;
  }
  if ((base.nodes_.size() + new_names) * 4 > base.index_.size() * 3) return nullptr;  // would rehash

  auto d = std::make_unique<ZoneData>();
  size_t extra_sets = 0, extra_bytes = 0;
  for (const auto& r : reps) {
    extra_sets += 8;
    extra_bytes += r.records.size();
  }
  d->nodes_ = base.nodes_;
  d->rrsets_.reserve(base.rrsets_.size() + extra_sets);
  d->rrsets_ = base.rrsets_;
  d->names_.reserve(base.names_.size());
  d->names_.append(base.names_.data(), base.names_.size());
  d->rdata_.reserve(base.rdata_.size() + extra_bytes + 64);
  d->rdata_.append(base.rdata_.data(), base.rdata_.size());
  d->additional_ = base.additional_;
  d->index_ = base.index_;
  d->index_mask_ = base.index_mask_;
  d->record_count_ = base.record_count_;
  d->negative_ttl_ = base.negative_ttl_;
  d->serial_ = base.serial_;
  d->waste_ = base.waste_;
  d->dangling_ = base.dangling_;

  const uint8_t* apex_name = d->names_.data() + d->nodes_[0].name_offset;
  const size_t apex_size = size_t{d->nodes_[0].name_size} + 1;
  std::vector<RRset> sets;
  for (size_t i = 0; i < reps.size();) {
    uint32_t ni = reps[i].node;
    const bool fresh_name = ni == kNone;
    if (fresh_name) {
      // A new leaf under an existing name: the same fields build() sets.
      const std::vector<uint8_t>& owner = reps[i].owner;
      const uint32_t parent = d->find(owner.data() + owner[0] + 1, owner.size() - owner[0] - 1);
      Node fresh{};
      fresh.name_offset = static_cast<uint32_t>(d->names_.size());
      fresh.name_size = static_cast<uint8_t>(owner.size() - 1);
      fresh.parent = parent;
      const Node& p = d->nodes_[parent];
      fresh.cut = p.cut != kNone ? p.cut : (p.flags & (kDelegation | kHasDname)) ? parent : kNone;
      d->names_.append(owner.data(), owner.size());
      ni = static_cast<uint32_t>(d->nodes_.size());
      d->nodes_.push_back(fresh);
      d->index_insert(ni, hash_name(owner.data(), owner.size()));
      if (owner[0] == 1 && owner[1] == '*') d->nodes_[parent].flags |= kWildcardChild;
    }
    Node& n = d->nodes_[ni];
    sets.assign(d->rrsets_.begin() + n.first_rrset, d->rrsets_.begin() + n.first_rrset + n.rrset_count);
    size_t j = i;
    for (; j < reps.size() && (fresh_name ? reps[j].node == kNone && reps[j].owner == reps[i].owner
                                          : reps[j].node == ni);
         ++j) {
      const RRsetReplacement& r = reps[j];
      auto it = std::find_if(sets.begin(), sets.end(), [&](const RRset& x) { return x.type == r.type; });
      if (it != sets.end()) {
        d->record_count_ -= it->count;
        d->waste_ += it->data_size;
      }
      if (r.count == 0) {
        if (it != sets.end()) sets.erase(it);
        continue;
      }
      RRset fresh{};
      fresh.type = r.type;
      fresh.ttl = r.ttl;
      fresh.count = r.count;
      fresh.data_offset = static_cast<uint32_t>(d->rdata_.size());
      fresh.data_size = static_cast<uint32_t>(r.records.size());
      fresh.additional = kNone;
      d->rdata_.append(r.records.data(), r.records.size());
      remove_duplicates(d->rdata_.data() + fresh.data_offset, fresh);
      d->record_count_ += fresh.count;
      if (int off = target_offset(fresh.type); off >= 0)
        d->link_additional(fresh, off, apex_name, apex_size, [](const uint8_t*, size_t, uint32_t) {});
      if (it != sets.end())
        *it = fresh;
      else
        sets.push_back(fresh);
      if (fresh.type == t::kSOA) {
        const uint8_t* rd = d->rdata_.data() + fresh.data_offset + 2;
        const uint8_t* f = rd + dns::wire_name_size(rd);
        f += dns::wire_name_size(f);
        d->serial_ = dns::load_u32(f);
        const uint32_t minimum = dns::load_u32(f + 16);
        d->negative_ttl_ = fresh.ttl < minimum ? fresh.ttl : minimum;
      }
    }
    // The node's RRsets must stay adjacent: its new list goes at the end.
    d->waste_ += size_t{n.rrset_count} * sizeof(RRset);
    n.first_rrset = static_cast<uint32_t>(d->rrsets_.size());
    n.rrset_count = static_cast<uint16_t>(sets.size());
    for (const RRset& x : sets) d->rrsets_.push_back(x);
    i = j;
  }
  std::sort(d->dangling_.begin(), d->dangling_.end());
  d->dangling_.erase(std::unique(d->dangling_.begin(), d->dangling_.end()), d->dangling_.end());
  return d;
}

std::unique_ptr<ZoneData> ZoneBuilder::build(std::vector<ParseError>& errors,
                                             std::vector<ParseError>& warnings) {
  Pending& p = *p_;
  ZoneData& d = p.data;
  errors.insert(errors.end(), p.errors.begin(), p.errors.end());
  warnings.insert(warnings.end(), p.warnings.begin(), p.warnings.end());
  auto error_at = [&](size_t si, std::string msg) {
    const Origin& o = p.run_origin[si];
    errors.push_back({p.files[o.file], o.line, std::move(msg)});
  };
  auto warn_at = [&](size_t si, std::string msg) {
    const Origin& o = p.run_origin[si];
    warnings.push_back({p.files[o.file], o.line, std::move(msg)});
  };

  const size_t node_count = d.nodes_.size();
  if (!p.runs_grouped()) p.regroup(warnings);
  // Every node's RRsets are adjacent now: record where they start.
  for (uint32_t si = 0; si < d.rrsets_.size(); ++si) {
    ZoneData::Node& n = d.nodes_[p.run_node[si]];
    if (n.rrset_count == 0) n.first_rrset = si;
    ++n.rrset_count;
  }
  if (p.seeded) p.prune_empty_leaves();
  size_t records = 0;
  for (uint32_t si = 0; si < d.rrsets_.size(); ++si) {
    ZoneData::RRset& set = d.rrsets_[si];
    size_t dropped = remove_duplicates(d.rdata_.data() + set.data_offset, set);
    if (dropped)  // RFC 2181 5: an RRset is a set
      warn_at(si, std::to_string(dropped) + " duplicate " + dns::type_to_text(set.type) + " record(s) ignored");
    records += set.count;
  }
  d.record_count_ = records;

  // Flags and zone cuts. Ancestors are created before descendants, so one
  // forward pass sees every parent finished.
  for (uint32_t ni = 0; ni < node_count; ++ni) {
    ZoneData::Node& n = d.nodes_[ni];
    if (!p.pruned.empty() && p.pruned[ni]) continue;  // not a name of this version
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
  if (!soa) {
    errors.push_back({first_file, 0, "no SOA record at the zone apex " + p.origin.to_text()});
  } else {
    // SOA rdata: MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM.
    const uint8_t* rd = d.rdata_.data() + soa->data_offset + 2;
    const uint8_t* f = rd + dns::wire_name_size(rd);
    f += dns::wire_name_size(f);
    d.serial_ = dns::load_u32(f);
    const uint32_t minimum = dns::load_u32(f + 16);
    d.negative_ttl_ = soa->ttl < minimum ? soa->ttl : minimum;
  }
  if (soa && soa->count != 1)
    error_at(soa - d.rrsets_.data(), "more than one SOA record at the apex");
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
      const size_t rec = &s - d.rrsets_.data();
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

    // Additional-section targets and glue checks (RFC 1034 4.2.1: a
    // delegation whose name server lies inside it needs address records).
    for (uint32_t si = n.first_rrset; si < n.first_rrset + n.rrset_count; ++si) {
      ZoneData::RRset& s = d.rrsets_[si];
      int off = target_offset(s.type);
      if (off < 0) continue;
      d.link_additional(s, off, p.origin.data(), p.origin.size(),
                        [&](const uint8_t* low, size_t tsize, uint32_t ti) {
        if (s.type != dns::rrtype::kNS || n.cut != kNone) return;
        if (ti != kNone && d.has_address(d.nodes_[ti])) return;
        // Glue is required where the server is inside the delegated zone
        // (or, at the apex, anywhere inside this zone).
        if (ni == 0 || dns::wire_name_under(low, tsize, d.node_name(n), d.node_name_size(n)))
          error_at(si, "missing glue: name server " + dns::Name::from_wire(low).to_text() + " of " +
                           p.name_text(ni) + " has no A or AAAA record in the zone");
      });
    }
  }

  std::sort(d.dangling_.begin(), d.dangling_.end());
  d.dangling_.erase(std::unique(d.dangling_.begin(), d.dangling_.end()), d.dangling_.end());
  if (!errors.empty()) return nullptr;
  // No shrink_to_fit: large tables are mapped blocks whose unused tail was
  // never touched and so costs no memory, while copying them would touch
  // ~60 MB of fresh pages for a 1M-record zone.
  auto out = std::make_unique<ZoneData>(std::move(d));
  p_.reset();
  return out;
}

}  // namespace tandem::zone
