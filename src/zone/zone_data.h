// ZoneData: the indexed, immutable records of one zone, laid out for
// answering: owner names lower-cased in wire form, one hash index over them,
// RRsets with their rdata in one contiguous block, and everything the answer
// path needs precomputed at build time (zone cuts, DNAME, wildcard children,
// additional-section targets), so that a query does no searching beyond a
// few hash probes (the Knot `adjust` idea).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dns/name.h"
#include "util/byte_vector.h"
#include "zone/parser.h"

namespace tandem::zone {

inline constexpr uint32_t kNone = 0xFFFFFFFFu;

// 64-bit hash of a lower-cased wire name.
uint64_t hash_name(const uint8_t* lowered, size_t size);

class ZoneData {
 public:
  enum NodeFlags : uint8_t {
    kApex = 1,
    kDelegation = 2,     // has NS and is not the apex: a zone cut (RFC 1034 4.2.1)
    kHasDname = 4,       // owns a DNAME RRset
    kWildcardChild = 8,  // "*.<this name>" exists
    kEmptyNonTerminal = 16,
    // Holds only NSEC3 (and its RRSIG): such owners live outside the zone's
    // name tree (RFC 5155 7.2.8) and are answered as if absent.
    kNsec3Only = 32,
  };

  struct Node {
    uint32_t name_offset;  // into names_: lower-cased uncompressed wire name
    uint32_t parent;       // the node one label up; kNone at the apex
    uint32_t cut;          // topmost delegation or DNAME node strictly above this one, or kNone
    uint32_t first_rrset;  // into rrsets_
    uint16_t rrset_count;
    uint8_t name_size;     // wire size - 1 (names are <= 255 octets)
    uint8_t flags;
  };

  struct RRset {
    uint16_t type;
    uint16_t count;        // records in the set
    uint32_t ttl;
    uint32_t data_offset;  // into rdata_: `count` times [u16 rdlength][rdata]
    uint32_t data_size;
    uint32_t additional;   // into additional_: kNone-terminated node list, or kNone
  };

  uint32_t find(const uint8_t* lowered, size_t size, uint64_t hash) const;
  uint32_t find(const uint8_t* lowered, size_t size) const {
    return find(lowered, size, hash_name(lowered, size));
  }

  const Node& node(uint32_t i) const { return nodes_[i]; }
  size_t node_count() const { return nodes_.size(); }
  const uint8_t* node_name(const Node& n) const { return names_.data() + n.name_offset; }
  size_t node_name_size(const Node& n) const { return size_t{n.name_size} + 1; }
  std::span<const RRset> rrsets(const Node& n) const { return {rrsets_.data() + n.first_rrset, n.rrset_count}; }
  const RRset* rrset(const Node& n, uint16_t type) const {
    const RRset* r = rrsets_.data() + n.first_rrset;
    for (uint16_t i = 0; i < n.rrset_count; ++i)
      if (r[i].type == type) return &r[i];
    return nullptr;
  }
  const uint8_t* rdata(const RRset& r) const { return rdata_.data() + r.data_offset; }
  // Node indices of in-zone targets (with address records) of an NS/MX/SRV set.
  const uint32_t* additional(const RRset& r) const {
    return r.additional == kNone ? nullptr : additional_.data() + r.additional;
  }

  // The new content of one RRset of an existing node, for with_replaced_rrsets().
  struct RRsetReplacement {
    uint32_t node = 0;             // kNone: a new name, `owner`
    std::vector<uint8_t> owner;    // new names only: lower-cased wire name
    uint16_t type = 0;
    uint32_t ttl = 0;
    uint16_t count = 0;            // 0: the RRset goes away
    std::vector<uint8_t> records;  // `count` times [u16 rdlength][rdata]
  };

  // The fast path of an IXFR: a copy of `base` in which some RRsets of
  // existing nodes are replaced, added or removed, and nothing else changes
  // (the name tree, zone cuts, which names have addresses, CNAMEs). Only the
  // touched nodes' RRsets are rewritten (appended; the copy keeps the old
  // bytes unreferenced) and only their additional-section targets looked up,
  // so the cost is a bulk copy of the tables instead of a rebuild. New names
  // are fine when their parent exists. Returns nullptr when the change is
  // not of that kind (a name empties, a new name needs a new empty
  // non-terminal, an NS, DNAME, CNAME or NSEC3 RRset changes, a name loses
  // its last address record or gains its first while some NS/MX/SRV points
  // at it, an SOA away from the apex or not single): the caller then builds
  // the zone in full, with every check. `replacements` must be sorted: by
  // node, new names (node kNone) last grouped by owner, then by type; one
  // per (name, type).
  static std::unique_ptr<ZoneData> with_replaced_rrsets(const ZoneData& base,
                                                        std::span<const RRsetReplacement> replacements);

  uint32_t apex() const { return 0; }  // the apex is always node 0
  // TTL of the SOA in negative answers: min(SOA TTL, MINIMUM) (RFC 2308 3).
  uint32_t negative_ttl() const { return negative_ttl_; }
  uint32_t serial() const { return serial_; }  // of the apex SOA
  size_t record_count() const { return record_count_; }
  size_t memory_bytes() const;

 private:
  friend class ZoneBuilder;
  // Lists the additional-section targets of an NS/MX/SRV RRset (RFC 1034
  // 4.3.2 step 6): its in-zone target names that own address records, each
  // once, into additional_. `visit(lowered, size, node)` sees every in-zone
  // target first (node kNone when absent), e.g. for the glue check.
  template <class Visit>
  void link_additional(RRset& set, int target_offset, const uint8_t* apex, size_t apex_size,
                       Visit&& visit);
  bool has_address(const Node& n) const;
  void index_insert(uint32_t node, uint64_t hash);

  BigVector<Node> nodes_;
  BigVector<RRset> rrsets_;
  ByteVector names_;
  ByteVector rdata_;
  BigVector<uint32_t> additional_;
  // Open addressing over node indices. Each slot holds the high 32 bits of
  // the name's hash above the node index, so that probing past other names
  // touches no node or name memory (one cache miss per lookup, not three).
  static constexpr uint64_t kEmptySlot = ~uint64_t{0};
  BigVector<uint64_t> index_;
  uint64_t index_mask_ = 0;
  size_t record_count_ = 0;
  // Bytes of rdata and RRset headers no longer referenced after
  // with_replaced_rrsets(); past an eighth of the tables a full build
  // compacts them.
  size_t waste_ = 0;
  // Hashes of in-zone names that NS/MX/SRV records point at but that own no
  // address record (sorted): such a name gaining an address changes other
  // RRsets' additional sections, which the fast path does not redo.
  std::vector<uint64_t> dangling_;
  uint32_t negative_ttl_ = 0;
  uint32_t serial_ = 0;
};

// Builds a ZoneData from records in any order, then checks it (RFC 1034
// semantics): SOA and NS at the apex, no CNAME beside other data, no data
// outside the zone, glue present for in-zone name servers.
class ZoneBuilder {
 public:
  explicit ZoneBuilder(const dns::Name& origin);
  // Starts from the names of `base` (a snapshot of the same zone): the same
  // node numbers, already hashed and indexed, and no records. Re-adding the
  // records of the next version with add_to_node() then skips hashing every
  // owner, which is most of a build (an IXFR applied to a 1M-record zone).
  // Nodes left without records and without descendants are dropped at
  // build().
  ZoneBuilder(const dns::Name& origin, const ZoneData& base);
  ~ZoneBuilder();

  // Sizes the internal tables for about `records` records (an estimate from
  // the file size), so that loading a large zone does not rehash or copy.
  void reserve(size_t records);

  // Adds one record. `file`/`line` are kept for error messages only.
  void add(const ParsedRecord& record);
  void add(const dns::Name& owner, uint16_t type, uint32_t ttl, std::span<const uint8_t> rdata,
           const std::string& file, size_t line);

  // Adds a record to node `node` of the base snapshot (seeded builders only;
  // the record must be valid: no checks but the rdata size).
  void add_to_node(uint32_t node, uint16_t type, uint32_t ttl, std::span<const uint8_t> rdata,
                   const std::string& file, size_t line);

  // Indexes and checks everything added. On error returns nullptr and fills
  // `errors`; `warnings` gets what is suspicious but served.
  std::unique_ptr<ZoneData> build(std::vector<ParseError>& errors, std::vector<ParseError>& warnings);

 private:
  struct Pending;
  void add_record(uint32_t node, uint16_t type, uint32_t ttl, std::span<const uint8_t> rdata,
                  const std::string& file, size_t line);
  std::unique_ptr<Pending> p_;
};

}  // namespace tandem::zone
