// Writing a zone back out as an RFC 1035 section 5 master file, for a
// secondary's copy on disk. The output is meant to be read back by our own
// parser (load_zone_file) into the identical record set, and by people:
//   ; written by tandem: zone example.org., serial 42, at 2026-12-04T20:11:14Z
//   $ORIGIN example.org.
//   example.org.	3600	IN	SOA	ns1.example.org. hostmaster.example.org. 42 ...
//   www.example.org.	300	IN	A	192.0.2.1
// The SOA comes first; every line has an absolute owner, an explicit TTL and
// class IN, so no line depends on the one before it (RFC 1035 5.1 lets a
// line omit them; we never do). Rdata is printed by dns::rdata_to_text, which
// falls back to the RFC 3597 section 5 generic form ("\# len hex") for types
// it cannot print; unknown types are named TYPEnnn.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

#include "util/result.h"
#include "zone/zone.h"

namespace tandem::zone {

// Writes `zone` to the file descriptor `fd` (from its current position),
// buffering about 1 MiB at a time. `now` is the time stamped in the header
// comment (unix seconds). Does not fsync or close `fd`.
// Errors: "write: <strerror>" when a write fails (the file is then partial).
Result<void, std::string> write_zone_fd(const Zone& zone, int fd,
                                        std::time_t now = std::time(nullptr));

// Same, to a stdio stream; flushes `out` at the end (but does not close it).
// Errors: "write: <strerror>".
Result<void, std::string> write_zone_text(const Zone& zone, std::FILE* out,
                                          std::time_t now = std::time(nullptr));

// The same text in memory (tests, small zones).
std::string zone_to_text(const Zone& zone, std::time_t now = std::time(nullptr));

}  // namespace tandem::zone
