#include "util/serial.h"

#include <gtest/gtest.h>

namespace tandem::util {
namespace {

TEST(Serial, EqualAndSimpleOrder) {
  EXPECT_EQ(serial_compare(5, 5), SerialOrder::kEqual);
  EXPECT_EQ(serial_compare(1, 2), SerialOrder::kLess);
  EXPECT_EQ(serial_compare(2, 1), SerialOrder::kGreater);
  EXPECT_TRUE(serial_lt(1, 2));
  EXPECT_FALSE(serial_gt(1, 2));
  EXPECT_TRUE(serial_gt(2, 1));
  EXPECT_FALSE(serial_lt(5, 5));
  EXPECT_FALSE(serial_gt(5, 5));
}

// RFC 1982 3.2: the comparison wraps around.
TEST(Serial, WrapAround) {
  EXPECT_TRUE(serial_lt(0xFFFFFFFFu, 0));
  EXPECT_TRUE(serial_gt(0, 0xFFFFFFFFu));
  EXPECT_TRUE(serial_gt(1, 0xFFFFFFFFu));
  EXPECT_TRUE(serial_lt(0xFFFFFFF0u, 0x10));
  EXPECT_TRUE(serial_gt(100, 0xFFFFFF00u));
  // Just under half the space apart: still defined, in the wrapped direction.
  EXPECT_TRUE(serial_lt(0x80000001u, 0));
  EXPECT_TRUE(serial_gt(0, 0x80000001u));
  // Just under half the space apart without wrapping.
  EXPECT_TRUE(serial_lt(0, 0x7FFFFFFFu));
  EXPECT_TRUE(serial_gt(0x7FFFFFFFu, 0));
}

// RFC 1982 3.2: pairs exactly 2^31 apart are neither less nor greater.
TEST(Serial, HalfDistanceIsUndefined) {
  const uint32_t pairs[][2] = {{0, 0x80000000u},
                               {0x80000000u, 0},
                               {1, 0x80000001u},
                               {0xFFFFFFFFu, 0x7FFFFFFFu},
                               {0x12345678u, 0x92345678u}};
  for (const auto& p : pairs) {
    EXPECT_EQ(serial_compare(p[0], p[1]), SerialOrder::kUndefined) << p[0] << " " << p[1];
    EXPECT_FALSE(serial_lt(p[0], p[1]));
    EXPECT_FALSE(serial_gt(p[0], p[1]));
  }
}

// RFC 1982 5.1/5.2 examples with SERIAL_BITS = 32 semantics.
TEST(Serial, Add) {
  EXPECT_EQ(serial_add(1, 1), 2u);
  EXPECT_EQ(serial_add(0xFFFFFFFFu, 1), 0u);
  EXPECT_EQ(serial_add(0xFFFFFFFFu, 2), 1u);
  EXPECT_EQ(serial_add(0, kMaxSerialIncrement), 0x7FFFFFFFu);
  EXPECT_EQ(serial_add(0xF0000000u, 0x20000000u), 0x10000000u);
  // The largest increment keeps the result newer than the start.
  EXPECT_TRUE(serial_gt(*serial_add(0x90000000u, kMaxSerialIncrement), 0x90000000u));
  EXPECT_FALSE(serial_add(5, kSerialHalf).has_value());
  EXPECT_FALSE(serial_add(5, 0xFFFFFFFFu).has_value());
}

TEST(Serial, OrderText) {
  EXPECT_STREQ(serial_order_text(SerialOrder::kUndefined), "undefined");
  EXPECT_STREQ(serial_order_text(SerialOrder::kGreater), "newer");
}

}  // namespace
}  // namespace tandem::util
