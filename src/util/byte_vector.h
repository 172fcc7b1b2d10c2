// Vectors for large, build-once tables (zone data: millions of records).
//
// BigAllocator does two things std::allocator does not:
//  - resize() leaves new elements default-initialized (no zero fill for
//    bytes and PODs): builders grow a table and memcpy into its tail at once;
//  - blocks of 1 MiB or more are mapped directly and given back to the kernel
//    at once when freed, so a reload does not leave a big zone's worth of
//    memory parked in the malloc arena.
//  Measured and rejected: MADV_HUGEPAGE on these blocks. Back-to-back loads
//  got faster (0.45 -> 0.35 s for 1M records), but a load after a few idle
//  seconds got slower (0.47 -> 0.63 s): with THP defrag "madvise" the faults
//  stall on compaction, and that is the case of a server starting.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

namespace tandem {

template <class T>
struct BigAllocator {
  using value_type = T;
  static constexpr size_t kMapThreshold = size_t{1} << 20;
  static constexpr size_t kHugePage = size_t{2} << 20;  // mapping granularity

  BigAllocator() = default;
  template <class U>
  BigAllocator(const BigAllocator<U>&) noexcept {}
  template <class U>
  struct rebind {
    using other = BigAllocator<U>;
  };

  static size_t mapped_size(size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMapThreshold) return static_cast<T*>(::operator new(bytes));
    void* p = mmap(nullptr, mapped_size(bytes), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMapThreshold)
      ::operator delete(p);
    else
      munmap(p, mapped_size(bytes));
  }

  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-init: no zeroing
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <class U>
  bool operator==(const BigAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using BigVector = std::vector<T, BigAllocator<T>>;

// A growable byte buffer for bulk appends. std::vector<uint8_t> with a
// default-initializing allocator still constructs new bytes one at a time in
// resize(); this one only ever memcpys.
class ByteVector {
 public:
  ByteVector() = default;
  ByteVector(const ByteVector&) = delete;
  ByteVector& operator=(const ByteVector&) = delete;
  ByteVector(ByteVector&& o) noexcept { swap(o); }
  ByteVector& operator=(ByteVector&& o) noexcept {
    ByteVector tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~ByteVector() { release(); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }

  void reserve(size_t n) {
    if (n <= capacity_) return;
    uint8_t* p = BigAllocator<uint8_t>().allocate(n);
    const size_t size = size_;
    if (size) memcpy(p, data_, size);
    release();
    data_ = p;
    size_ = size;
    capacity_ = n;
  }
  // New bytes are left uninitialized.
  void resize(size_t n) {
    if (n > capacity_) reserve(n < 2 * capacity_ ? 2 * capacity_ : n);
    size_ = n;
  }
  void append(const uint8_t* p, size_t n) {
    if (size_ + n > capacity_) reserve(size_ + n < 2 * capacity_ ? 2 * capacity_ : size_ + n);
    if (n) memcpy(data_ + size_, p, n);
    size_ += n;
  }
  void shrink_to_fit() {
    if (capacity_ == size_) return;
    ByteVector t;
    t.reserve(size_);
    t.append(data_, size_);
    swap(t);
  }

 private:
  void swap(ByteVector& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(capacity_, o.capacity_);
  }
  void release() {
    if (data_) BigAllocator<uint8_t>().deallocate(data_, capacity_);
    data_ = nullptr;
    capacity_ = size_ = 0;
  }
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Appends n bytes (amortized O(n), no per-byte work).
inline void append_bytes(ByteVector& v, const uint8_t* p, size_t n) { v.append(p, n); }

}  // namespace tandem
