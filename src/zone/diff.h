// The difference between two versions of a zone (RFC 1995 2: what an IXFR
// carries): the records to delete and the records to add, apart from the SOA
// itself. Computed from two snapshots when a primary reloads its zone file
// (for the IXFR journal), received from a primary by IXFR, and applied to a
// snapshot to make the next one.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "zone/zone.h"

namespace tandem::zone {

// One record, owning its bytes. Class is always IN.
struct DiffRecord {
  std::vector<uint8_t> owner;  // uncompressed wire name (lower-cased when taken from a snapshot)
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;  // uncompressed wire form
  bool operator==(const DiffRecord&) const = default;
};

// The change from the version with `from_soa` to the one with `to_soa`.
// `removed` and `added` never hold SOA records; each holds a record at most
// once, and no record is in both.
struct ZoneDiff {
  DiffRecord from_soa;  // the old version's SOA record (its serial: from_serial())
  DiffRecord to_soa;    // the new version's SOA record
  std::vector<DiffRecord> removed;
  std::vector<DiffRecord> added;

  uint32_t from_serial() const;  // read from the SOA rdata; 0 when it is malformed
  uint32_t to_serial() const;
  // Approximate memory/wire size, for bounding a journal.
  size_t bytes() const;
};

// The serial field of an SOA rdata (wire form, uncompressed); 0 if malformed.
uint32_t soa_rdata_serial(std::span<const uint8_t> rdata);

// Computes what changed from `older` to `newer` (two snapshots of the same
// zone). Runs in time linear in the zone size: nodes are matched through the
// snapshots' name index and RRsets compared as sorted blocks, so an unchanged
// RRset costs one memcmp. A TTL change shows as removal + addition of the
// RRset's records (RFC 1995 has no "modify").
// (zone/diff.cc)
ZoneDiff compute_diff(const Zone& older, const Zone& newer);

// Builds the version after `diffs` (applied in order; each must start at the
// serial the previous one ended at, the first at base's serial) from `base`.
// Fails, with a reason in errors and no zone, when a diff does not fit: a
// serial chain that does not match, a deletion of a record that is absent,
// an addition of a record already present (RFC 1995 leaves no room for
// either in a consistent history), or a result that does not pass the
// builder's checks. `source` names the result (e.g. "IXFR from 192.0.2.1").
// (zone/patch.cc)
LoadResult apply_diffs(const Zone& base, std::span<const ZoneDiff> diffs, const std::string& source);

}  // namespace tandem::zone
