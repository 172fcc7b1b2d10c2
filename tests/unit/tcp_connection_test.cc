#include "server/tcp_connection.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace tandem::server {
namespace {

// A framed message: two-octet length, then `body` (RFC 7766 8).
std::vector<uint8_t> frame(const std::string& body) {
  std::vector<uint8_t> out;
  out.push_back(static_cast<uint8_t>(body.size() >> 8));
  out.push_back(static_cast<uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Feeds `bytes` to the input the way a socket read would: in chunks bounded
// by space() and by `chunk`. Collects every message as it completes.
void feed(TcpInput& input, const std::vector<uint8_t>& bytes, size_t chunk,
          std::vector<std::string>& messages) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    std::span<uint8_t> space = input.space();
    ASSERT_FALSE(space.empty());
    size_t n = std::min({space.size(), chunk, bytes.size() - pos});
    memcpy(space.data(), bytes.data() + pos, n);
    input.commit(n);
    pos += n;
    const uint8_t* message;
    size_t size;
    while (input.next(&message, &size) == TcpInput::Status::kMessage) {
      messages.emplace_back(reinterpret_cast<const char*>(message), size);
    }
  }
}

TEST(TcpInput, EmptyBufferIsIncomplete) {
  TcpInput input;
  const uint8_t* message;
  size_t size;
  EXPECT_EQ(input.next(&message, &size), TcpInput::Status::kIncomplete);
  EXPECT_FALSE(input.has_message());
  EXPECT_EQ(input.buffered(), 0u);
  EXPECT_EQ(input.space().size(), TcpInput::kInitialCapacity);
}

TEST(TcpInput, TwoPipelinedMessagesInOneRead) {
  TcpInput input;
  std::vector<uint8_t> bytes = frame("first query");
  std::vector<uint8_t> second = frame("second");
  bytes.insert(bytes.end(), second.begin(), second.end());
  std::span<uint8_t> space = input.space();
  memcpy(space.data(), bytes.data(), bytes.size());
  input.commit(bytes.size());

  ASSERT_TRUE(input.has_message());
  const uint8_t* message;
  size_t size;
  ASSERT_EQ(input.next(&message, &size), TcpInput::Status::kMessage);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(message), size), "first query");
  ASSERT_EQ(input.next(&message, &size), TcpInput::Status::kMessage);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(message), size), "second");
  EXPECT_EQ(input.next(&message, &size), TcpInput::Status::kIncomplete);
  EXPECT_EQ(input.buffered(), 0u);
}

TEST(TcpInput, LengthPrefixSplitAcrossReads) {
  TcpInput input;
  std::vector<std::string> messages;
  // One octet at a time: the prefix itself arrives in two reads.
  feed(input, frame("abcdef"), 1, messages);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], "abcdef");
  EXPECT_EQ(input.buffered(), 0u);
}

TEST(TcpInput, PartialMessageIsKeptUntilComplete) {
  TcpInput input;
  std::vector<uint8_t> bytes = frame("0123456789");
  std::span<uint8_t> space = input.space();
  memcpy(space.data(), bytes.data(), 7);
  input.commit(7);
  const uint8_t* message;
  size_t size;
  EXPECT_EQ(input.next(&message, &size), TcpInput::Status::kIncomplete);
  EXPECT_FALSE(input.has_message());
  EXPECT_EQ(input.buffered(), 7u);
  space = input.space();
  memcpy(space.data(), bytes.data() + 7, bytes.size() - 7);
  input.commit(bytes.size() - 7);
  ASSERT_EQ(input.next(&message, &size), TcpInput::Status::kMessage);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(message), size), "0123456789");
}

TEST(TcpInput, ZeroLengthMessageIsReported) {
  TcpInput input;
  std::span<uint8_t> space = input.space();
  space[0] = 0;
  space[1] = 0;
  input.commit(2);
  EXPECT_TRUE(input.has_message());
  const uint8_t* message;
  size_t size;
  EXPECT_EQ(input.next(&message, &size), TcpInput::Status::kEmpty);
}

TEST(TcpInput, GrowsOnceForALargeMessage) {
  TcpInput input;
  std::string body(65535, 'x');
  body[0] = 'a';
  body[65534] = 'z';
  std::vector<std::string> messages;
  feed(input, frame(body), 1000, messages);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], body);
  EXPECT_EQ(input.capacity(), TcpInput::kMaxCapacity);
}

TEST(TcpInput, ManyMessagesInVariousChunkSizesKeepOrder) {
  std::vector<uint8_t> bytes;
  std::vector<std::string> expected;
  for (int i = 0; i < 500; ++i) {
    // Sizes from 1 to several thousand octets, so that messages straddle the
    // initial buffer and force compaction and growth.
    std::string body(static_cast<size_t>(1 + (i * 37) % 5000), static_cast<char>('a' + i % 26));
    body += std::to_string(i);
    expected.push_back(body);
    std::vector<uint8_t> f = frame(body);
    bytes.insert(bytes.end(), f.begin(), f.end());
  }
  for (size_t chunk : {1u, 3u, 100u, 1500u, 4096u, 70000u}) {
    TcpInput input;
    std::vector<std::string> messages;
    feed(input, bytes, chunk, messages);
    EXPECT_EQ(messages, expected) << "chunk " << chunk;
    EXPECT_EQ(input.buffered(), 0u);
  }
}

TEST(TcpInput, CompactsTheTailInsteadOfGrowing) {
  TcpInput input;
  // Fill most of the buffer with small messages and end with a partial one
  // whose prefix says it fits the initial capacity.
  std::vector<uint8_t> bytes;
  while (bytes.size() < TcpInput::kInitialCapacity - 100) {
    std::vector<uint8_t> f = frame(std::string(50, 'q'));
    bytes.insert(bytes.end(), f.begin(), f.end());
  }
  std::vector<uint8_t> last = frame(std::string(1000, 'L'));
  size_t partial = TcpInput::kInitialCapacity - bytes.size();
  bytes.insert(bytes.end(), last.begin(), last.begin() + static_cast<ptrdiff_t>(partial));
  std::span<uint8_t> space = input.space();
  ASSERT_EQ(space.size(), bytes.size());
  memcpy(space.data(), bytes.data(), bytes.size());
  input.commit(bytes.size());
  const uint8_t* message;
  size_t size;
  while (input.next(&message, &size) == TcpInput::Status::kMessage) {
  }
  EXPECT_EQ(input.buffered(), partial);
  space = input.space();
  EXPECT_EQ(input.capacity(), TcpInput::kInitialCapacity);
  EXPECT_EQ(space.size(), TcpInput::kInitialCapacity - partial);
  memcpy(space.data(), last.data() + partial, last.size() - partial);
  input.commit(last.size() - partial);
  ASSERT_EQ(input.next(&message, &size), TcpInput::Status::kMessage);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(message), size), std::string(1000, 'L'));
}

TEST(TcpOutput, AppendConsumeKeepsOrder) {
  TcpOutput output;
  EXPECT_TRUE(output.empty());
  const uint8_t a[] = {1, 2, 3, 4, 5};
  const uint8_t b[] = {6, 7, 8};
  output.append(a, sizeof(a));
  output.append(b, sizeof(b));
  EXPECT_EQ(output.size(), 8u);
  output.consume(3);
  ASSERT_EQ(output.size(), 5u);
  EXPECT_EQ(output.pending()[0], 4);
  // Appending after a partial consume must not reorder or lose bytes.
  const uint8_t c[] = {9};
  output.append(c, sizeof(c));
  std::vector<uint8_t> rest(output.pending().begin(), output.pending().end());
  EXPECT_EQ(rest, (std::vector<uint8_t>{4, 5, 6, 7, 8, 9}));
  output.consume(6);
  EXPECT_TRUE(output.empty());
  EXPECT_EQ(output.size(), 0u);
}

TEST(TcpOutput, LargeBacklogDrainsCompletely) {
  TcpOutput output;
  std::vector<uint8_t> chunk(40000);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i * 7);
  for (int i = 0; i < 4; ++i) output.append(chunk.data(), chunk.size());
  size_t total = 0;
  while (!output.empty()) {
    size_t n = std::min<size_t>(output.size(), 12345);
    EXPECT_EQ(output.pending()[0], chunk[total % chunk.size()]);
    output.consume(n);
    total += n;
  }
  EXPECT_EQ(total, 4 * chunk.size());
}

}  // namespace
}  // namespace tandem::server
