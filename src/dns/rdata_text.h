// Presentation-format building blocks shared by the rdata codecs (rdata.cc)
// and the zone file reader (zone/parser.cc): numbers, TTLs with units,
// character-string escapes, names appended straight into a wire buffer, and a
// fast RR type lookup. Nothing here allocates on the success path of the
// common cases, which matters when a million records are read at start-up.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.h"
#include "util/result.h"

namespace tandem::dns {

// Largest TTL a zone file may give (RFC 2181 8: TTLs are 31-bit values).
inline constexpr uint32_t kMaxTtl = 0x7FFFFFFF;

// Parses a plain decimal number in [0, max] (no sign, no spaces).
std::optional<uint32_t> parse_uint(std::string_view text, uint32_t max);

// Parses a TTL-style duration in [0, max]: plain seconds ("3600") or groups of
// a number and a unit s, m, h, d, w in any case ("1h30m", "2w", "1D"). As in
// BIND, once units are used every group needs one ("1h30" is an error).
std::optional<uint32_t> parse_ttl(std::string_view text, uint32_t max);

// Decodes the escapes of a presentation-format character-string (RFC 1035
// 5.1: "\X" is X, "\DDD" is the octet DDD) and appends the octets to `out`.
// Errors: "dangling backslash", "bad \DDD escape" (with the text).
Result<void, std::string> unescape_text(std::string_view raw, std::vector<uint8_t>& out);

// Appends the uncompressed wire form of the name `text` (relative names are
// completed with `origin`, "@" is the origin). Plain names take a fast path
// that writes straight into `out`; anything with escapes or an error goes
// through Name::parse, so both paths accept and reject the same texts.
// On error `out` is unchanged.
Result<void, std::string> append_name(std::string_view text, const Name& origin,
                                      std::vector<uint8_t>& out);

// Type mnemonic or TYPEnnn -> number (case-insensitive). Same results as
// dns::type_from_text, with a fast path for the common types.
std::optional<uint16_t> parse_type(std::string_view text);

// Appends `data` as the body of a quoted character-string (without the
// quotes), the way kdig prints it: '"' and '\' are backslash-escaped, octets
// outside 0x20..0x7E become \DDD.
void append_quoted_body(std::span<const uint8_t> data, std::string& out);

}  // namespace tandem::dns
