#include "dns/wire.h"

#include <gtest/gtest.h>

#include <vector>

namespace tandem::dns {
namespace {

TEST(WireReader, StickyErrorOnTruncation) {
  const uint8_t data[] = {0x12, 0x34, 0x56};
  WireReader r(data, sizeof data);
  EXPECT_EQ(r.u16(), 0x1234);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u16(), 0);  // only one byte left
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errc::kTruncated);
  EXPECT_EQ(r.u8(), 0);  // stays failed
  EXPECT_FALSE(r.ok());
}

TEST(ReadName, FollowsBackwardPointers) {
  // A 12-octet header, "example.com." at 12, then "www" + pointer to 12.
  std::vector<uint8_t> msg(12, 0);
  std::vector<uint8_t> names = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
                                3, 'w', 'w', 'w', 0xC0, 12};
  msg.insert(msg.end(), names.begin(), names.end());
  uint8_t out[kMaxNameWire];
  size_t pos = 25;
  auto n = read_name(msg.data(), msg.size(), pos, out);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 17u);
  EXPECT_EQ(pos, msg.size());
  EXPECT_EQ(Name::from_wire(out).to_text(), "www.example.com.");
}

TEST(ReadName, RejectsLoopsForwardPointersAndOverruns) {
  uint8_t out[kMaxNameWire];
  // Pointer to itself.
  std::vector<uint8_t> self = {0xC0, 0x00};
  size_t pos = 0;
  EXPECT_EQ(read_name(self.data(), self.size(), pos, out).error(), Errc::kBadPointer);
  // Two pointers pointing at each other.
  std::vector<uint8_t> loop = {0xC0, 0x02, 0xC0, 0x00};
  pos = 2;
  EXPECT_FALSE(read_name(loop.data(), loop.size(), pos, out));
  // Forward pointer.
  std::vector<uint8_t> fwd = {0xC0, 0x04, 0, 0, 1, 'a', 0};
  pos = 0;
  EXPECT_EQ(read_name(fwd.data(), fwd.size(), pos, out).error(), Errc::kBadPointer);
  // Label running past the end.
  std::vector<uint8_t> overrun = {5, 'a', 'b'};
  pos = 0;
  EXPECT_EQ(read_name(overrun.data(), overrun.size(), pos, out).error(), Errc::kTruncated);
  // Pointer into the header.
  std::vector<uint8_t> hdr(12, 0);
  hdr.insert(hdr.end(), {1, 'a', 0xC0, 2});
  pos = 12;
  EXPECT_EQ(read_name(hdr.data(), hdr.size(), pos, out).error(), Errc::kBadPointer);
  // Reserved label type 0x40.
  std::vector<uint8_t> ext = {0x41, 'a', 0};
  pos = 0;
  EXPECT_EQ(read_name(ext.data(), ext.size(), pos, out).error(), Errc::kMalformed);
}

TEST(ReadName, RejectsNamesOver255Octets) {
  std::vector<uint8_t> msg;
  for (int i = 0; i < 5; ++i) {
    msg.push_back(63);
    msg.insert(msg.end(), 63, 'a');
  }
  msg.push_back(0);  // 5 * 64 + 1 = 321 octets
  uint8_t out[kMaxNameWire];
  size_t pos = 0;
  EXPECT_EQ(read_name(msg.data(), msg.size(), pos, out).error(), Errc::kNameTooLong);
}

TEST(WireWriter, StopsAtCapacity) {
  uint8_t buf[5];
  WireWriter w(buf, sizeof buf);
  w.u32(0x01020304);
  EXPECT_TRUE(w.ok());
  w.u16(0x0506);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.pos(), 4u);
}

}  // namespace
}  // namespace tandem::dns
