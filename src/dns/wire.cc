#include "dns/wire.h"

namespace tandem::dns {

Result<size_t> read_name(const uint8_t* msg, size_t msg_size, size_t& pos, uint8_t* out) {
  size_t p = pos;
  size_t out_len = 0;
  size_t after = 0;  // stream position after the name (set at the first pointer)
  size_t lowest = p;  // every pointer must go below the lowest position seen
  for (;;) {
    if (p >= msg_size) return fail(Errc::kTruncated);
    uint8_t len = msg[p];
    if ((len & 0xC0) == 0xC0) {
      if (p + 1 >= msg_size) return fail(Errc::kTruncated);
      size_t target = static_cast<size_t>(len & 0x3F) << 8 | msg[p + 1];
      if (after == 0) after = p + 2;
      // Names never start in the 12-octet header (RFC 1035 4.1.1).
      if (target >= lowest || target < 12) return fail(Errc::kBadPointer);
      lowest = target;
      p = target;
      continue;
    }
    if (len & 0xC0) return fail(Errc::kMalformed);  // 0x40/0x80: extended label types
    if (len == 0) {
      if (out_len + 1 > kMaxNameWire) return fail(Errc::kNameTooLong);
      out[out_len++] = 0;
      pos = after ? after : p + 1;
      return out_len;
    }
    if (p + 1 + len > msg_size) return fail(Errc::kTruncated);
    if (out_len + 1 + len + 1 > kMaxNameWire) return fail(Errc::kNameTooLong);
    // Labels are short: a fixed 16-octet copy compiles to two moves, where a
    // sized memcpy is a call. Only when both buffers have the room.
    if (len < 16 && p + 16 <= msg_size && out_len + 16 <= kMaxNameWire)
      memcpy(out + out_len, msg + p, 16);
    else
      memcpy(out + out_len, msg + p, 1 + len);
    out_len += 1 + len;
    p += 1 + len;
  }
}

size_t WireReader::name(uint8_t* out) {
  if (!ok_) return 0;
  size_t p = pos_;
  auto r = read_name(data_, size_, p, out);
  if (!r) {
    fail(r.error());
    return 0;
  }
  pos_ = p;
  return *r;
}

}  // namespace tandem::dns
