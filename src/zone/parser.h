// Zone file reader: RFC 1035 5 master file format with $ORIGIN, $TTL,
// $INCLUDE, $GENERATE (BIND extension), parentheses, comments, escapes,
// relative names, omitted owner/TTL/class, TTL units, RFC 3597 unknown types.
// Streams records to a callback in file order; errors carry file:line.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.h"

namespace tandem::zone {

struct ParsedRecord {
  const dns::Name& owner;  // absolute, case preserved
  uint16_t type;
  uint16_t rclass;
  uint32_t ttl;
  std::span<const uint8_t> rdata;  // uncompressed wire form
  const std::string& file;         // file the record came from ($INCLUDE aware)
  size_t line;                     // line where the record starts
};

struct ParseError {
  std::string file;
  size_t line = 0;
  std::string message;
  // "file:line: message"
  std::string to_string() const;
};

struct ParseOptions {
  dns::Name origin;             // initial $ORIGIN (the zone apex)
  uint32_t default_ttl = 3600;  // used until $TTL or an explicit TTL appears
  size_t max_errors = 100;      // stop after this many
  int max_include_depth = 8;
  bool allow_include = true;
};

// Called once per record; the record's views are valid only during the call.
using RecordSink = std::function<void(const ParsedRecord&)>;

// Reads the zone file at `path`. Returns every error found (empty on success);
// after an error the reader skips to the next record and goes on.
std::vector<ParseError> parse_zone_file(const std::string& path, const ParseOptions& options,
                                        const RecordSink& sink);

// Same, for text in memory; `filename` is used in errors and to resolve
// relative $INCLUDE paths.
std::vector<ParseError> parse_zone_text(std::string_view text, const std::string& filename,
                                        const ParseOptions& options, const RecordSink& sink);

}  // namespace tandem::zone
