// Walking every record of a ZoneData snapshot in wire form, for whatever
// needs the whole zone rather than one answer: zone transfers out, diffs of
// two versions (IXFR journal), applying an IXFR, writing the zone to disk.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "dns/types.h"
#include "dns/wire.h"
#include "zone/zone_data.h"

namespace tandem::zone {

// One record, viewing the snapshot's memory (valid while the snapshot lives).
struct RecordView {
  std::span<const uint8_t> owner;  // lower-cased, uncompressed wire name
  uint16_t type = 0;               // class is always IN
  uint32_t ttl = 0;
  std::span<const uint8_t> rdata;  // uncompressed wire form
};

// The SOA record at the apex (a built zone always has exactly one), with the
// apex's name as owner; nullopt only for a snapshot without one.
inline std::optional<RecordView> apex_soa(const ZoneData& data) {
  const ZoneData::Node& apex = data.node(data.apex());
  const ZoneData::RRset* soa = data.rrset(apex, dns::rrtype::kSOA);
  if (soa == nullptr || soa->count == 0) return std::nullopt;
  const uint8_t* p = data.rdata(*soa);
  return RecordView{{data.node_name(apex), data.node_name_size(apex)}, soa->type, soa->ttl,
                    {p + 2, dns::load_u16(p)}};
}

// Calls f(const RecordView&) for every record of `data`: node by node in
// storage order (the apex, node 0, first), RRset by RRset, record by record.
// Empty non-terminals have no records and are skipped.
template <class F>
void for_each_record(const ZoneData& data, F&& f) {
  for (size_t i = 0; i < data.node_count(); ++i) {
    const ZoneData::Node& node = data.node(static_cast<uint32_t>(i));
    RecordView view;
    view.owner = {data.node_name(node), data.node_name_size(node)};
    for (const ZoneData::RRset& set : data.rrsets(node)) {
      view.type = set.type;
      view.ttl = set.ttl;
      const uint8_t* p = data.rdata(set);
      for (uint16_t r = 0; r < set.count; ++r) {
        uint16_t len = dns::load_u16(p);
        view.rdata = {p + 2, len};
        f(static_cast<const RecordView&>(view));
        p += 2 + len;
      }
    }
  }
}

}  // namespace tandem::zone
