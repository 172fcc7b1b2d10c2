// RFC 1982 serial number arithmetic for the 32-bit SOA serial (SERIAL_BITS =
// 32). Serials wrap around, so "newer" is defined only for values less than
// 2^31 apart; exactly 2^31 apart the order is undefined (RFC 1982 3.2), and a
// caller must treat such a pair as "not newer" in both directions.
#pragma once

#include <cstdint>
#include <optional>

namespace tandem::util {

enum class SerialOrder { kLess, kEqual, kGreater, kUndefined };

inline constexpr uint32_t kSerialHalf = 0x80000000u;  // 2^(SERIAL_BITS - 1)
// The largest increment RFC 1982 3.1 allows in one addition.
inline constexpr uint32_t kMaxSerialIncrement = kSerialHalf - 1;

// Compares two serials (RFC 1982 3.2): a < b when (a < b and b - a < 2^31)
// or (a > b and a - b > 2^31); kUndefined when they are exactly 2^31 apart.
constexpr SerialOrder serial_compare(uint32_t a, uint32_t b) {
  if (a == b) return SerialOrder::kEqual;
  // Unsigned subtraction is modulo 2^32: the forward distance from a to b.
  const uint32_t forward = b - a;
  if (forward == kSerialHalf) return SerialOrder::kUndefined;
  return forward < kSerialHalf ? SerialOrder::kLess : SerialOrder::kGreater;
}

// True only when a is defined to be less than (older than) b.
constexpr bool serial_lt(uint32_t a, uint32_t b) {
  return serial_compare(a, b) == SerialOrder::kLess;
}
// True only when a is defined to be greater than (newer than) b.
constexpr bool serial_gt(uint32_t a, uint32_t b) {
  return serial_compare(a, b) == SerialOrder::kGreater;
}

// s + n modulo 2^32 (RFC 1982 3.1). Nullopt when n > 2^31 - 1: such an
// addition is undefined and would make the result compare as older.
constexpr std::optional<uint32_t> serial_add(uint32_t s, uint32_t n) {
  if (n > kMaxSerialIncrement) return std::nullopt;
  return static_cast<uint32_t>(s + n);
}

const char* serial_order_text(SerialOrder order);

}  // namespace tandem::util
