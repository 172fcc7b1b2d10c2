// Bounds-checked cursors over DNS wire data. The reader keeps its first error
// (sticky), so a caller checks ok() once per record instead of after every
// field (the Knot wire_ctx pattern).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dns/name.h"
#include "util/result.h"

namespace tandem::dns {

class WireReader {
 public:
  WireReader(const uint8_t* data, size_t size, size_t pos = 0) : data_(data), size_(size), pos_(pos) {
    if (pos > size) fail(Errc::kTruncated);
  }

  bool ok() const { return ok_; }
  Errc error() const { return err_; }
  void fail(Errc e) {
    if (ok_) {
      ok_ = false;
      err_ = e;
    }
    pos_ = size_;
  }
  size_t pos() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  const uint8_t* data() const { return data_; }
  const uint8_t* cursor() const { return data_ + pos_; }

  uint8_t u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  uint16_t u16() {
    if (!need(2)) return 0;
    uint16_t v = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = static_cast<uint32_t>(data_[pos_]) << 24 | static_cast<uint32_t>(data_[pos_ + 1]) << 16 |
                 static_cast<uint32_t>(data_[pos_ + 2]) << 8 | data_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  void bytes(uint8_t* out, size_t n) {
    if (!need(n)) return;
    memcpy(out, data_ + pos_, n);
    pos_ += n;
  }
  void skip(size_t n) {
    if (need(n)) pos_ += n;
  }
  // Reads a possibly compressed name (RFC 1035 4.1.4) starting at the cursor
  // into out (>= kMaxNameWire bytes), uncompressed; returns its size, 0 on error.
  // Pointers must point strictly backwards, which also rules out loops.
  size_t name(uint8_t* out);

 private:
  bool need(size_t n) {
    if (n > size_ - pos_) {
      fail(Errc::kTruncated);
      return false;
    }
    return true;
  }
  const uint8_t* data_;
  size_t size_;
  size_t pos_;
  bool ok_ = true;
  Errc err_ = Errc::kMalformed;
};

// Decompresses the name at `pos` of a message. Returns the uncompressed size
// and advances pos past the name as it appears in the stream.
Result<size_t> read_name(const uint8_t* msg, size_t msg_size, size_t& pos, uint8_t* out);

class WireWriter {
 public:
  WireWriter(uint8_t* buf, size_t cap) : buf_(buf), cap_(cap) {}
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  size_t capacity() const { return cap_; }
  uint8_t* data() { return buf_; }
  const uint8_t* data() const { return buf_; }
  size_t remaining() const { return cap_ - pos_; }
  // Moves the cursor back (to undo a partial write when something did not fit).
  void rewind(size_t pos) {
    pos_ = pos;
    ok_ = true;
  }

  void u8(uint8_t v) {
    if (need(1)) buf_[pos_++] = v;
  }
  void u16(uint16_t v) {
    if (!need(2)) return;
    buf_[pos_] = static_cast<uint8_t>(v >> 8);
    buf_[pos_ + 1] = static_cast<uint8_t>(v);
    pos_ += 2;
  }
  void u32(uint32_t v) {
    if (!need(4)) return;
    buf_[pos_] = static_cast<uint8_t>(v >> 24);
    buf_[pos_ + 1] = static_cast<uint8_t>(v >> 16);
    buf_[pos_ + 2] = static_cast<uint8_t>(v >> 8);
    buf_[pos_ + 3] = static_cast<uint8_t>(v);
    pos_ += 4;
  }
  void bytes(const void* p, size_t n) {
    if (!need(n)) return;
    memcpy(buf_ + pos_, p, n);
    pos_ += n;
  }
  void patch_u16(size_t at, uint16_t v) {
    buf_[at] = static_cast<uint8_t>(v >> 8);
    buf_[at + 1] = static_cast<uint8_t>(v);
  }

 private:
  bool need(size_t n) {
    if (n > cap_ - pos_) {
      ok_ = false;
      return false;
    }
    return ok_;
  }
  uint8_t* buf_;
  size_t cap_;
  size_t pos_ = 0;
  bool ok_ = true;
};

inline uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}
inline void store_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store_u32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace tandem::dns
