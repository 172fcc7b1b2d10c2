// ZoneStore: where a secondary keeps the zones it transferred, so that a
// restart serves them at once (and keeps counting down their SOA EXPIRE,
// RFC 1035 4.3.5) instead of waiting for the primaries.
//
// Layout, in the server's storage directory (server.storage):
//   <name>.zone   the zone as a master file (zone/writer.h), readable by people
//   <name>.meta   serial, when a primary last confirmed it, the expire interval
//                 and the primary, as key=value lines ending in a checksum line
// <name> is the lower-cased origin without its final dot, with every octet
// other than [a-z0-9-_] in a label escaped as %xx ("example.org",
// "weird%2elabel.example", "root" for the root zone; see file_base()).
//
// Crash safety: each file is written to a fresh temporary file in the same
// directory (created with O_EXCL, named "<file>~<unique>"), fsynced, renamed
// over the target and the directory fsynced, so after a crash at any point
// each file is either its old or its new version, whole. save() writes the
// zone file first and the meta second, so the meta on disk is never newer than
// the zone beside it. A meta whose checksum does not match (a torn write, a
// flipped bit, a hand edit) is treated as missing.
//
// Not thread-safe for one origin: the caller serializes save()/save_meta()/
// load() per zone. load() removes the stale temporary files of its zone, so
// it must not run while a save() of the same zone is in progress.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dns/name.h"
#include "util/result.h"
#include "zone/zone.h"

namespace tandem::store {

struct ZoneMeta {
  uint32_t serial = 0;
  int64_t refreshed_at = 0;  // unix seconds when a primary last confirmed this serial
  uint32_t expire = 0;       // seconds after refreshed_at when the zone expires
  std::string primary;       // who it came from, for the log
};

class ZoneStore {
 public:
  explicit ZoneStore(std::string dir);  // the server.storage directory (exists)

  // Writes the zone file, then the meta, each crash-safely (see above).
  // Errors: "<path>: <what failed>: <strerror>"; on error the previous
  // files stay as they were, or the zone is new and the meta old.
  Result<void, std::string> save(const zone::Zone& zone, const ZoneMeta& meta);
  // Rewrites only the meta (a refresh that confirmed the serial).
  // Errors: as save().
  Result<void, std::string> save_meta(const dns::Name& origin, const ZoneMeta& meta);

  struct Loaded {
    zone::LoadResult load;         // load.errors is not empty when the stored file is bad
    std::optional<ZoneMeta> meta;  // nullopt when missing, unreadable or corrupt
  };
  // Reads what is stored for `origin`: nullopt when there is no zone file.
  // The meta is returned as stored even when its serial differs from the zone
  // file's (only possible after a crash between the two renames of save(), so
  // the meta is older: keeping its refreshed_at is conservative for the
  // expire clock); the caller decides what to do. A zone file that fails to
  // load is reported in load.errors and left on disk. Removes leftover
  // temporary files of this zone.
  std::optional<Loaded> load(const dns::Name& origin) const;

  std::string zone_path(const dns::Name& origin) const;
  std::string meta_path(const dns::Name& origin) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// The file name stem for `origin`: lower-case, labels joined by '.', octets
// other than [a-z0-9-_] escaped as %xx, "root" for the root zone (and
// "%72oot" for the name "root."). A stem longer than 200 characters (long
// names with many escapes; file names are limited to 255 octets) is cut to
// 180 and followed by '+' and a 64-bit hash of the name in hex: '+' never
// appears otherwise, so stems stay unique.
std::string file_base(const dns::Name& origin);

// Serializes `meta` for `origin` (the text of a .meta file, checksum
// included), and parses it back; parse_meta returns nullopt on any damage:
// bad checksum, missing or malformed field, other origin.
std::string format_meta(const dns::Name& origin, const ZoneMeta& meta);
std::optional<ZoneMeta> parse_meta(const dns::Name& origin, std::string_view text);

// Writes `zone` as text to `path` crash-safely (temporary file in the same
// directory, fsync, rename, directory fsync): the optional human-readable
// copy a secondary keeps in its zone's `file:`.
// Errors: "<path>: <what failed>: <strerror>".
Result<void, std::string> write_zone_file_atomically(const zone::Zone& zone,
                                                     const std::string& path);

// Writes `data` to `path` the same way.
Result<void, std::string> write_file_atomically(const std::string& path, std::string_view data);

}  // namespace tandem::store
