// Zone: an immutable, query-ready snapshot of one zone's data, built once from
// a zone file (or, later, a transfer) and then shared read-only by all query
// workers. ZoneSet: the immutable set of zones a server answers for.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dns/name.h"
#include "zone/parser.h"

namespace tandem::zone {

class ZoneData;  // the indexed records (zone/zone_data.h)

class Zone {
 public:
  Zone(dns::Name origin, std::unique_ptr<const ZoneData> data, std::string source);
  ~Zone();

  const dns::Name& origin() const { return origin_; }
  uint32_t serial() const;
  size_t record_count() const;
  // Where the data came from (the zone file path), for logs.
  const std::string& source() const { return source_; }
  const ZoneData& data() const { return *data_; }

  // A secondary zone past its expire time (RFC 1034 4.3.5) is answered with
  // SERVFAIL instead of stale data, but its records are kept for the next
  // refresh to build on: this makes the SERVFAIL version, sharing the data.
  std::shared_ptr<const Zone> expired_copy() const;
  bool expired() const { return expired_; }

 private:
  Zone(dns::Name origin, std::shared_ptr<const ZoneData> data, std::string source, bool expired);

  dns::Name origin_;
  std::shared_ptr<const ZoneData> data_;
  std::string source_;
  bool expired_ = false;
};

struct LoadResult {
  std::shared_ptr<const Zone> zone;  // set only when errors is empty
  std::vector<ParseError> errors;    // syntax and semantic errors, file:line each
  std::vector<ParseError> warnings;  // accepted but suspicious (e.g. missing glue)
};

// Reads, checks and indexes a zone file. On any error no zone is returned, so
// a caller keeps serving the previous version.
LoadResult load_zone_file(const dns::Name& origin, const std::string& path);
// Same for zone text in memory (`filename` names it in errors).
LoadResult load_zone_text(const dns::Name& origin, std::string_view text, const std::string& filename);

// The zones one server answers for; immutable once built.
class ZoneSet {
 public:
  ZoneSet() = default;
  explicit ZoneSet(std::vector<std::shared_ptr<const Zone>> zones);

  // The zone whose apex is the longest suffix of `lowered_name` (an
  // uncompressed, lower-cased wire name), or nullptr.
  const Zone* find(const uint8_t* lowered_name) const;
  // Same, when the caller already knows the name's wire size and label count.
  const Zone* find(const uint8_t* lowered_name, size_t size, size_t labels) const;
  // The zone with exactly this origin, or nullptr.
  std::shared_ptr<const Zone> get(const dns::Name& origin) const;
  const std::vector<std::shared_ptr<const Zone>>& zones() const { return zones_; }

 private:
  std::vector<std::shared_ptr<const Zone>> zones_;
  std::vector<std::string> lowered_origins_;  // parallel to zones_, wire form
  std::vector<uint32_t> slots_;                // open-addressing index into zones_
  uint64_t mask_ = 0;
  size_t min_labels_ = 0, max_labels_ = 0;  // of the origins: bounds the suffixes to probe
};

}  // namespace tandem::zone
