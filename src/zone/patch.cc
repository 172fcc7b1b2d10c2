// apply_diffs (zone/diff.h): the next version of a zone from a snapshot and
// the diffs an IXFR (RFC 1995) or the journal brings.
//
// The diffs are small next to the zone, so the work is split in two:
//  1. Compose the diffs into one net change against the base, keyed by
//     (lower-cased owner, type, rdata): each deletion and addition is checked
//     against the base snapshot (a name-index probe and a scan of one RRset)
//     and against the earlier diffs. Cost: O(diff).
//  2. Walk the base once, node by node, feeding a ZoneBuilder. Nodes the
//     change does not touch (nearly all of them) go through a loop with no
//     hashing and no allocation per record; touched nodes skip their deleted
//     records and get their additions right after the RRset of the same type,
//     so that the builder receives whole RRsets in one run and never has to
//     regroup. New owners come last. Cost: O(zone), dominated by the builder.

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "dns/rdata.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "zone/diff.h"
#include "zone/zone_data.h"

namespace tandem::zone {

namespace {

// RRsets with more records than this get a hash index of their rdata when a
// diff touches them, so that a diff replacing most of a large RRset stays
// linear rather than scanning the set once per record.
constexpr uint16_t kScanLimit = 16;

// The net fate of one record after all the diffs composed so far.
struct Entry {
  uint32_t node = kNone;              // base node of the owner, or kNone for a new owner
  const uint8_t* base = nullptr;      // the record in the base ([u16 len][rdata]), or nullptr
  bool base_live = false;             // the base record is still there (not deleted)
  const DiffRecord* added = nullptr;  // the version added by a diff, if any
  uint32_t added_seq = 0;             // order of that addition, to keep the diff order
};

// One line of the net change, sorted so that the walk meets it in order.
struct Change {
  uint32_t node;  // kNone (sorts last) for a new owner
  uint16_t type;
  bool is_addition;
  const uint8_t* removed;   // deletion: the base record
  const DiffRecord* added;  // addition
  uint32_t seq;
  std::string_view owner;  // lower-cased wire owner (from the entry's key)
};

bool change_less(const Change& a, const Change& b) {
  if (a.node != b.node) return a.node < b.node;
  if (a.node == kNone && a.owner != b.owner) return a.owner < b.owner;
  if (a.type != b.type) return a.type < b.type;
  if (a.is_addition != b.is_addition) return !a.is_addition;  // deletions first
  if (!a.is_addition) return a.removed < b.removed;           // the order of the RRset's block
  return a.seq < b.seq;
}

std::string record_text(const DiffRecord& r) {
  auto owner = dns::Name::from_wire_checked(r.owner);
  return (owner ? owner->to_text() : std::string("<bad owner>")) + " " + dns::type_to_text(r.type) +
         " " + dns::rdata_to_text(r.type, r.rdata);
}

class Patcher {
 public:
  Patcher(const Zone& base, const std::string& source)
      : base_(base), data_(base.data()), source_(source) {}

  LoadResult run(std::span<const ZoneDiff> diffs) {
    if (!check_chain(diffs)) return std::move(result_);
    for (size_t i = 0; i < diffs.size(); ++i) {
      if (!compose(diffs, i)) return std::move(result_);
    }
    build(diffs.empty() ? nullptr : &diffs.back().to_soa);
    return std::move(result_);
  }

 private:
  void error(std::string message) { result_.errors.push_back({source_, 0, std::move(message)}); }

  std::string diff_label(std::span<const ZoneDiff> diffs, size_t i) const {
    return "diff " + std::to_string(i + 1) + " of " + std::to_string(diffs.size()) + " (serial " +
           std::to_string(diffs[i].from_serial()) + " -> " + std::to_string(diffs[i].to_serial()) +
           ")";
  }

  // Each diff starts where the previous one ended, the first at the base.
  bool check_chain(std::span<const ZoneDiff> diffs) {
    uint32_t serial = base_.serial();
    for (size_t i = 0; i < diffs.size(); ++i) {
      const ZoneDiff& d = diffs[i];
      if (!dns::rdata_is_valid(dns::rrtype::kSOA, d.to_soa.rdata) ||
          !dns::rdata_is_valid(dns::rrtype::kSOA, d.from_soa.rdata)) {
        error(diff_label(diffs, i) + ": malformed SOA rdata");
        return false;
      }
      if (d.from_serial() != serial) {
        error(diff_label(diffs, i) + " does not start at serial " + std::to_string(serial) +
              (i == 0 ? " (the base zone's)" : " (where the previous diff ended)"));
        return false;
      }
      auto soa_owner = dns::Name::from_wire_checked(d.to_soa.owner);
      if (!soa_owner || *soa_owner != base_.origin()) {
        error(diff_label(diffs, i) + ": the new SOA is not at the apex " +
              base_.origin().to_text());
        return false;
      }
      serial = d.to_serial();
    }
    return true;
  }

  // Where the record is in the base: sets entry.node and entry.base.
  void locate(const uint8_t* owner, size_t owner_size, uint16_t type,
              std::span<const uint8_t> rdata, Entry& e) {
    e.node = data_.find(owner, owner_size);
    if (e.node == kNone) return;
    const ZoneData::RRset* set = data_.rrset(data_.node(e.node), type);
    if (!set) return;
    const std::string_view want(reinterpret_cast<const char*>(rdata.data()), rdata.size());
    if (set->count > kScanLimit) {
      auto& index = big_sets_[set];
      if (index.empty()) {
        index.reserve(set->count);
        const uint8_t* p = data_.rdata(*set);
        for (uint16_t r = 0; r < set->count; ++r) {
          const uint16_t len = dns::load_u16(p);
          index.emplace(std::string_view(reinterpret_cast<const char*>(p + 2), len), p);
          p += 2 + len;
        }
      }
      auto it = index.find(want);
      if (it != index.end()) e.base = it->second;
      return;
    }
    const uint8_t* p = data_.rdata(*set);
    for (uint16_t r = 0; r < set->count; ++r) {
      const uint16_t len = dns::load_u16(p);
      if (len == rdata.size() && memcmp(p + 2, rdata.data(), len) == 0) {
        e.base = p;
        return;
      }
      p += 2 + len;
    }
  }

  // The entry of a diff record, created (and located in the base) on first
  // sight. Fails on a record that cannot be in a zone.
  Entry* entry_for(const DiffRecord& r, const std::string& where) {
    auto owner = dns::Name::from_wire_checked(r.owner);
    if (!owner) {
      error(where + ": malformed owner name");
      return nullptr;
    }
    if (r.type == dns::rrtype::kSOA || dns::is_meta_type(r.type)) {
      error(where + ": " + dns::type_to_text(r.type) + " record " + record_text(r) +
            " cannot be part of a diff");
      return nullptr;
    }
    if (r.rdata.size() > 0xFFFF || !dns::rdata_is_valid(r.type, r.rdata)) {
      error(where + ": malformed rdata in " + dns::Name(*owner).to_text() + " " +
            dns::type_to_text(r.type));
      return nullptr;
    }
    key_.assign(reinterpret_cast<const char*>(r.owner.data()), r.owner.size());
    dns::wire_name_lower(reinterpret_cast<uint8_t*>(key_.data()), r.owner.size());
    key_.push_back(static_cast<char>(r.type >> 8));
    key_.push_back(static_cast<char>(r.type));
    key_.append(reinterpret_cast<const char*>(r.rdata.data()), r.rdata.size());
    auto [it, inserted] = entries_.try_emplace(key_);
    Entry& e = it->second;
    if (inserted) {
      locate(reinterpret_cast<const uint8_t*>(it->first.data()), r.owner.size(), r.type, r.rdata,
             e);
      e.base_live = e.base != nullptr;
    }
    return &e;
  }

  // RFC 1995 4: within one diff, the deletions come before the additions.
  bool compose(std::span<const ZoneDiff> diffs, size_t i) {
    const ZoneDiff& d = diffs[i];
    for (const DiffRecord& r : d.removed) {
      Entry* e = entry_for(r, diff_label(diffs, i));
      if (!e) return false;
      if (e->added) {
        e->added = nullptr;
      } else if (e->base_live) {
        e->base_live = false;
      } else {
        error(diff_label(diffs, i) + ": cannot delete " + record_text(r) + ": not in the zone");
        return false;
      }
    }
    for (const DiffRecord& r : d.added) {
      Entry* e = entry_for(r, diff_label(diffs, i));
      if (!e) return false;
      if (e->added || e->base_live) {
        error(diff_label(diffs, i) + ": cannot add " + record_text(r) + ": already in the zone");
        return false;
      }
      e->added = &r;
      e->added_seq = seq_++;
      ++additions_;
    }
    return true;
  }

  // The composed change, in walk order.
  std::vector<Change> changes() const {
    std::vector<Change> out;
    out.reserve(entries_.size() * 2);
    for (const auto& [key, e] : entries_) {
      // key = lower-cased owner, type (2 octets), rdata
      const auto* k = reinterpret_cast<const uint8_t*>(key.data());
      const size_t owner_size = dns::wire_name_size(k);
      const std::string_view owner(key.data(), owner_size);
      const uint16_t type = dns::load_u16(k + owner_size);
      if (e.base && !e.base_live) out.push_back({e.node, type, false, e.base, nullptr, 0, owner});
      if (e.added) out.push_back({e.node, type, true, nullptr, e.added, e.added_seq, owner});
    }
    std::sort(out.begin(), out.end(), change_less);
    return out;
  }

  // The fast path: when the change only rewrites RRsets of existing names
  // (the usual IXFR: a few records and the SOA), copy the base's tables and
  // replace those RRsets (ZoneData::with_replaced_rrsets). False when the
  // change is of another kind; build() then rebuilds.
  bool replace_rrsets(const std::vector<Change>& ch, const DiffRecord* new_soa) {
    std::vector<ZoneData::RRsetReplacement> reps;
    bool soa_done = new_soa == nullptr;
    auto add_soa = [&] {
      ZoneData::RRsetReplacement r;
      r.node = data_.apex();
      r.type = dns::rrtype::kSOA;
      r.ttl = new_soa->ttl;
      r.count = 1;
      uint8_t len[2];
      dns::store_u16(len, static_cast<uint16_t>(new_soa->rdata.size()));
      r.records.assign(len, len + 2);
      r.records.insert(r.records.end(), new_soa->rdata.begin(), new_soa->rdata.end());
      reps.push_back(std::move(r));
      soa_done = true;
    };
    for (size_t i = 0; i < ch.size();) {
      size_t end = i;
      while (end < ch.size() && ch[end].node == ch[i].node && ch[end].type == ch[i].type &&
             (ch[i].node != kNone || ch[end].owner == ch[i].owner))
        ++end;
      if (!soa_done && (ch[i].node > data_.apex() ||
                        (ch[i].node == data_.apex() && ch[i].type > dns::rrtype::kSOA)))
        add_soa();
      if (ch[i].type == dns::rrtype::kSOA) return false;  // only through new_soa
      ZoneData::RRsetReplacement r;
      r.node = ch[i].node;
      r.type = ch[i].type;
      if (r.node == kNone)  // a new name
        r.owner.assign(reinterpret_cast<const uint8_t*>(ch[i].owner.data()),
                       reinterpret_cast<const uint8_t*>(ch[i].owner.data()) + ch[i].owner.size());
      const ZoneData::RRset* set = r.node == kNone ? nullptr : data_.rrset(data_.node(r.node), r.type);
      bool kept_base = false;
      size_t k = i;
      if (set) {
        r.ttl = set->ttl;
        const uint8_t* p = data_.rdata(*set);
        for (uint16_t n = 0; n < set->count; ++n) {
          const uint16_t len = dns::load_u16(p);
          if (k < end && !ch[k].is_addition && ch[k].removed == p) {
            ++k;
          } else {
            r.records.insert(r.records.end(), p, p + 2 + len);
            ++r.count;
            kept_base = true;
          }
          p += 2 + len;
        }
      }
      for (size_t a = i; a < end; ++a) {
        if (!ch[a].is_addition) continue;
        if (r.count == 0xFFFF) return false;
        if (!kept_base && r.count == 0) r.ttl = ch[a].added->ttl;  // the RRset's TTL: its first record's
        uint8_t len[2];
        dns::store_u16(len, static_cast<uint16_t>(ch[a].added->rdata.size()));
        r.records.insert(r.records.end(), len, len + 2);
        r.records.insert(r.records.end(), ch[a].added->rdata.begin(), ch[a].added->rdata.end());
        ++r.count;
      }
      reps.push_back(std::move(r));
      i = end;
    }
    if (!soa_done) add_soa();
    auto data = ZoneData::with_replaced_rrsets(data_, reps);
    if (!data) return false;
    result_.zone = std::make_shared<Zone>(base_.origin(), std::move(data), source_);
    return true;
  }

  void build(const DiffRecord* new_soa) {
    const std::vector<Change> ch = changes();
    if (replace_rrsets(ch, new_soa)) return;
    // Seeded with the base's names and index: base nodes keep their numbers
    // and are filled by number, so only new owners are hashed.
    ZoneBuilder builder(base_.origin(), data_);
    dns::Name owner;  // reused for every node: no allocation once it has grown
    size_t ci = 0;
    for (uint32_t ni = 0; ni < data_.node_count(); ++ni) {
      const ZoneData::Node& node = data_.node(ni);
      const bool touched = ci < ch.size() && ch[ci].node == ni;
      if (node.rrset_count == 0 && !touched) continue;
      if (!touched && ni != data_.apex()) {
        // The hot loop: an untouched node, every record copied as it is.
        for (const ZoneData::RRset& set : data_.rrsets(node)) {
          const uint8_t* p = data_.rdata(set);
          for (uint16_t r = 0; r < set.count; ++r) {
            const uint16_t len = dns::load_u16(p);
            builder.add_to_node(ni, set.type, set.ttl, {p + 2, len}, source_, 0);
            p += 2 + len;
          }
        }
        continue;
      }
      owner.assign_wire(data_.node_name(node));
      size_t end = ci;
      while (end < ch.size() && ch[end].node == ni) ++end;
      for (const ZoneData::RRset& set : data_.rrsets(node)) {
        if (ni == data_.apex() && set.type == dns::rrtype::kSOA && new_soa) {
          builder.add_to_node(ni, set.type, new_soa->ttl, new_soa->rdata, source_, 0);
          continue;
        }
        // This type's deletions (in block order) then additions.
        size_t k = ci;
        while (k < end && ch[k].type < set.type) ++k;
        const uint8_t* p = data_.rdata(set);
        for (uint16_t r = 0; r < set.count; ++r) {
          const uint16_t len = dns::load_u16(p);
          if (k < end && ch[k].type == set.type && !ch[k].is_addition && ch[k].removed == p) {
            ++k;  // deleted
          } else {
            builder.add_to_node(ni, set.type, set.ttl, {p + 2, len}, source_, 0);
          }
          p += 2 + len;
        }
        for (; k < end && ch[k].type == set.type; ++k) {
          if (ch[k].is_addition)
            builder.add_to_node(ni, set.type, ch[k].added->ttl, ch[k].added->rdata, source_, 0);
        }
      }
      // Additions of types the node did not have.
      for (size_t k = ci; k < end; ++k) {
        if (ch[k].is_addition && !data_.rrset(node, ch[k].type)) {
          if (dns::is_meta_type(ch[k].type)) {
            builder.add(owner, ch[k].type, ch[k].added->ttl, ch[k].added->rdata, source_, 0);  // reports it
            continue;
          }
          builder.add_to_node(ni, ch[k].type, ch[k].added->ttl, ch[k].added->rdata, source_, 0);
        }
      }
      ci = end;
    }
    // New owners, grouped by owner and type.
    for (; ci < ch.size(); ++ci) {
      owner.assign_wire(ch[ci].added->owner.data());
      builder.add(owner, ch[ci].type, ch[ci].added->ttl, ch[ci].added->rdata, source_, 0);
    }

    std::vector<ParseError> errors, warnings;
    auto data = builder.build(errors, warnings);
    if (!data) {
      result_.errors = std::move(errors);
      if (result_.errors.empty()) error("the patched zone does not check");
      return;
    }
    result_.warnings = std::move(warnings);
    result_.zone = std::make_shared<Zone>(base_.origin(), std::move(data), source_);
  }

  const Zone& base_;
  const ZoneData& data_;
  const std::string& source_;
  LoadResult result_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<const ZoneData::RRset*, std::unordered_map<std::string_view, const uint8_t*>>
      big_sets_;
  std::string key_;  // reused to build lookup keys
  uint32_t seq_ = 0;
  size_t additions_ = 0;
};

}  // namespace

LoadResult apply_diffs(const Zone& base, std::span<const ZoneDiff> diffs,
                       const std::string& source) {
  return Patcher(base, source).run(diffs);
}

}  // namespace tandem::zone
