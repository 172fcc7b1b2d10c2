// Walking every record of a ZoneData snapshot in wire form, for whatever
// needs the whole zone rather than one answer: zone transfers out, diffs of
// two versions (IXFR journal), applying an IXFR, writing the zone to disk.
#pragma once

#include <cstdint>
#include <span>

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
