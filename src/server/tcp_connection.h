// DNS over TCP framing (RFC 7766 8, RFC 1035 4.2.2): every message is preceded
// by a two-octet length. TcpInput reassembles messages from whatever chunks
// the socket delivers (several pipelined queries in one read, one query split
// over many reads); TcpOutput queues response bytes that the socket did not
// take yet. Both are plain buffers without I/O, so they are tested alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tandem::server {

class TcpInput {
 public:
  // Enough for the common case (queries are small, a few pipelined ones fit).
  static constexpr size_t kInitialCapacity = 4096;
  // One message of the largest size the length field allows.
  static constexpr size_t kMaxCapacity = 2 + 65535;

  enum class Status {
    kMessage,     // *message / *size describe the next complete message
    kIncomplete,  // more bytes are needed
    kEmpty,       // the next message has length 0: a protocol error, close
  };

  TcpInput();

  // Where the next read may store bytes; never empty while no complete
  // message is buffered (call next() until kIncomplete first). Moves the
  // unconsumed tail to the front and grows the buffer (at most to
  // kMaxCapacity, once per connection) when the message being received
  // needs it.
  std::span<uint8_t> space();
  // Records that `n` bytes (<= space().size()) were stored by the read.
  void commit(size_t n) { end_ += n; }

  // Takes the next complete message off the buffer. The view stays valid
  // until the next call to space().
  Status next(const uint8_t** message, size_t* size);

  // True when next() would return a message (or kEmpty).
  bool has_message() const;
  // Bytes received and not yet returned by next() (a partial message).
  size_t buffered() const { return end_ - begin_; }
  // Those bytes, e.g. to hand the connection to another owner.
  std::span<const uint8_t> unread() const { return {buffer_.get() + begin_, end_ - begin_}; }
  size_t capacity() const { return capacity_; }

 private:
  std::unique_ptr<uint8_t[]> buffer_;
  size_t capacity_;
  size_t begin_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // one past the last received byte
};

// Output bytes waiting for the socket, in order. The owner bounds its size by
// not answering more queries while it is above a limit.
class TcpOutput {
 public:
  bool empty() const { return head_ == bytes_.size(); }
  size_t size() const { return bytes_.size() - head_; }
  std::span<const uint8_t> pending() const { return {bytes_.data() + head_, size()}; }
  // Queues bytes after the pending ones.
  void append(const uint8_t* data, size_t n);
  // Drops the first `n` (<= size()) pending bytes, which the socket took.
  void consume(size_t n);

 private:
  std::vector<uint8_t> bytes_;
  size_t head_ = 0;
};

}  // namespace tandem::server
