// Rdata codecs: presentation format <-> uncompressed wire form, for every type
// Tandem knows, and RFC 3597 generic form ("\# len hex") for all types.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.h"
#include "util/result.h"

namespace tandem::dns {

// One whitespace-separated field of a record's rdata as the zone file reader
// found it. `text` is raw: escapes (\X, \DDD) are still in it, but the
// surrounding quotes of a quoted string are not (quoted says they were there).
struct TextToken {
  std::string_view text;
  bool quoted = false;
};

// Parses the rdata of a record of `type` from its presentation-format tokens
// and appends the uncompressed wire form to `out` (names keep their case;
// relative names are completed with `origin`).
// Errors: a human-readable message (no file:line; the caller adds it).
Result<void, std::string> rdata_from_text(uint16_t type, std::span<const TextToken> tokens,
                                          const Name& origin, std::vector<uint8_t>& out);

// Presentation form of wire rdata (as dig/kdig print it); falls back to the
// RFC 3597 generic form when the bytes do not parse as `type`.
std::string rdata_to_text(uint16_t type, std::span<const uint8_t> rdata);

// Validates the rdata of `type` that starts at `pos` in a DNS message and is
// `rdlen` octets long, decompresses any embedded names (RFC 3597 4: only the
// RFC 1035 types may use compression) and appends the canonical uncompressed
// form to `out`. Used for zone transfers.
Result<void> rdata_from_wire(uint16_t type, const uint8_t* msg, size_t msg_size, size_t pos,
                             uint16_t rdlen, std::vector<uint8_t>& out);

// Checks that uncompressed rdata is well formed for `type` (unknown types: any bytes).
bool rdata_is_valid(uint16_t type, std::span<const uint8_t> rdata);

}  // namespace tandem::dns
