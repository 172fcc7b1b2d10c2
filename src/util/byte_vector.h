// ByteVector: std::vector<uint8_t> whose resize() leaves new bytes
// uninitialized. Builders grow it and memcpy into the new tail at once, so
// zero-filling first would only double the memory traffic.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace tandem {

template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-init: no zeroing for bytes
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using ByteVector = std::vector<uint8_t, DefaultInitAllocator<uint8_t>>;

// Appends n bytes (amortized O(n), no per-byte work).
inline void append_bytes(ByteVector& v, const uint8_t* p, size_t n) {
  size_t at = v.size();
  v.resize(at + n);
  if (n) memcpy(v.data() + at, p, n);
}

}  // namespace tandem
