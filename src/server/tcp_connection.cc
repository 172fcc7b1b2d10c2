#include "server/tcp_connection.h"

#include <cstring>

namespace tandem::server {

namespace {

inline size_t length_at(const uint8_t* p) { return static_cast<size_t>(p[0]) << 8 | p[1]; }

// Output capacity kept after a backlog has drained; larger buffers are
// released so that an idle connection does not pin memory.
constexpr size_t kKeptOutputCapacity = 16 * 1024;

}  // namespace

TcpInput::TcpInput() : buffer_(new uint8_t[kInitialCapacity]), capacity_(kInitialCapacity) {}

bool TcpInput::has_message() const {
  size_t avail = end_ - begin_;
  return avail >= 2 && avail >= 2 + length_at(buffer_.get() + begin_);
}

TcpInput::Status TcpInput::next(const uint8_t** message, size_t* size) {
  size_t avail = end_ - begin_;
  if (avail < 2) return Status::kIncomplete;
  size_t length = length_at(buffer_.get() + begin_);
  if (length == 0) return Status::kEmpty;
  if (avail < 2 + length) return Status::kIncomplete;
  *message = buffer_.get() + begin_ + 2;
  *size = length;
  begin_ += 2 + length;
  return Status::kMessage;
}

std::span<uint8_t> TcpInput::space() {
  size_t avail = end_ - begin_;
  // Total size of the message being received (prefix included), as far as
  // it is known: only the prefix when fewer than two octets arrived.
  size_t need = avail >= 2 ? 2 + length_at(buffer_.get() + begin_) : 2;
  if (avail == 0) {
    begin_ = end_ = 0;
  } else if (begin_ > 0 && (begin_ + need > capacity_ || capacity_ - end_ < capacity_ / 2)) {
    // The tail is a partial message, usually a few octets: moving it is cheap
    // and lets the next read fill the whole buffer.
    memmove(buffer_.get(), buffer_.get() + begin_, avail);
    begin_ = 0;
    end_ = avail;
  }
  if (need > capacity_) {
    std::unique_ptr<uint8_t[]> larger(new uint8_t[kMaxCapacity]);
    memcpy(larger.get(), buffer_.get() + begin_, avail);
    buffer_ = std::move(larger);
    capacity_ = kMaxCapacity;
    begin_ = 0;
    end_ = avail;
  }
  return {buffer_.get() + end_, capacity_ - end_};
}

void TcpOutput::append(const uint8_t* data, size_t n) {
  if (empty()) {
    bytes_.clear();
    head_ = 0;
  } else if (head_ > 0 && head_ >= bytes_.size() / 2) {
    bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<ptrdiff_t>(head_));
    head_ = 0;
  }
  bytes_.insert(bytes_.end(), data, data + n);
}

void TcpOutput::consume(size_t n) {
  head_ += n;
  if (head_ == bytes_.size()) {
    head_ = 0;
    if (bytes_.capacity() > kKeptOutputCapacity) {
      std::vector<uint8_t>().swap(bytes_);
    } else {
      bytes_.clear();
    }
  }
}

}  // namespace tandem::server
