// Wall-clock time as the protocols count it: TSIG's time signed (RFC 8945
// 4.3.3) in seconds, the expire clock of stored zones in milliseconds (it
// must keep running across restarts, so not a monotonic clock).
#pragma once

#include <chrono>
#include <cstdint>

namespace tandem {

inline uint64_t unix_seconds() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

inline int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tandem
