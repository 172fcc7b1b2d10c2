// base64, hex and base32hex against the RFC 4648 10 test vectors, plus the
// split-input and strictness rules the zone file reader relies on.
#include "util/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::util {
namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::string b64(std::string_view s) {
  std::string out;
  base64_encode(bytes(s), out);
  return out;
}

std::string b32(std::string_view s) {
  std::string out;
  base32hex_encode(bytes(s), out);
  return out;
}

// Decodes or returns "<error>".
template <class F>
std::string decoded(F f, std::string_view text) {
  std::vector<uint8_t> out;
  if (!f(text, out)) return "<error>";
  return std::string(out.begin(), out.end());
}
std::string unb64(std::string_view t) { return decoded(base64_decode, t); }
std::string unb32(std::string_view t) { return decoded(base32hex_decode, t); }
std::string unhex(std::string_view t) { return decoded(hex_decode, t); }

TEST(Base64, Rfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(b64(plain[i]), coded[i]);
    EXPECT_EQ(unb64(coded[i]), plain[i]);
  }
}

TEST(Base64, AllByteValues) {
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  std::string text;
  base64_encode(all, text);
  std::vector<uint8_t> back;
  ASSERT_TRUE(base64_decode(text, back));
  EXPECT_EQ(back, all);
}

TEST(Base64, SplitAnywhere) {
  // A DNSKEY may be split into tokens at any character, not only at groups.
  const std::string text = "Zm9vYmFyYg==";
  for (size_t cut1 = 0; cut1 <= text.size(); ++cut1) {
    for (size_t cut2 = cut1; cut2 <= text.size(); ++cut2) {
      Base64Decoder d;
      std::vector<uint8_t> out;
      ASSERT_TRUE(d.feed(text.substr(0, cut1), out));
      ASSERT_TRUE(d.feed(text.substr(cut1, cut2 - cut1), out));
      ASSERT_TRUE(d.feed(text.substr(cut2), out));
      EXPECT_TRUE(d.finish());
      EXPECT_EQ(std::string(out.begin(), out.end()), "foobarb");
    }
  }
}

TEST(Base64, Rejects) {
  EXPECT_EQ(unb64("Zg="), "<error>");  // partial group
  EXPECT_EQ(unb64("Zm9"), "<error>");
  EXPECT_EQ(unb64("Z==="), "<error>");  // padding too early
  EXPECT_EQ(unb64("===="), "<error>");
  EXPECT_EQ(unb64("Zg==Zg=="), "<error>");  // data after padding
  EXPECT_EQ(unb64("Zg=a"), "<error>");
  EXPECT_EQ(unb64("Zm9v!"), "<error>");  // outside the alphabet
  EXPECT_EQ(unb64("Zm 9v"), "<error>");  // blanks separate tokens, not chars
  EXPECT_EQ(unb64("Zm-_"), "<error>");   // base64url is not base64
  Base64Decoder d;
  std::vector<uint8_t> out;
  ASSERT_TRUE(d.feed("Zg==", out));
  EXPECT_FALSE(d.feed("A", out));  // nothing after a padded group
}

TEST(Hex, EncodeUpperDecodeEither) {
  std::string out;
  hex_encode(bytes("\x01\xab\xff"), out);
  EXPECT_EQ(out, "01ABFF");
  EXPECT_EQ(unhex("01abFF"), "\x01\xab\xff");
  EXPECT_EQ(unhex(""), "");
  EXPECT_EQ(unhex("abc"), "<error>");
  EXPECT_EQ(unhex("0g"), "<error>");
  EXPECT_EQ(unhex("0x01"), "<error>");
}

TEST(Hex, SplitOnOddBoundary) {
  HexDecoder d;
  std::vector<uint8_t> out;
  ASSERT_TRUE(d.feed("a", out));
  EXPECT_FALSE(d.finish());
  ASSERT_TRUE(d.feed("bC", out));
  ASSERT_TRUE(d.feed("d", out));
  EXPECT_TRUE(d.finish());
  EXPECT_EQ(out, (std::vector<uint8_t>{0xAB, 0xCD}));
  EXPECT_EQ(hex_digit_value('f'), 15);
  EXPECT_EQ(hex_digit_value('G'), -1);
}

TEST(Base32Hex, Rfc4648VectorsUnpadded) {
  // RFC 4648 10 base32hex vectors, without the '=' padding (RFC 5155 3.3).
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* coded[] = {"", "co", "cpng", "cpnmu", "cpnmuog", "cpnmuoj1", "cpnmuoj1e8"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(b32(plain[i]), coded[i]);
    EXPECT_EQ(unb32(coded[i]), plain[i]);
  }
  EXPECT_EQ(unb32("CPNMUOJ1E8"), "foobar");
}

TEST(Base32Hex, NsecHashRoundTrip) {
  std::vector<uint8_t> hash;
  ASSERT_TRUE(base32hex_decode("2vptu5timamqttgl4luu9kg21e0aor3s", hash));
  EXPECT_EQ(hash.size(), 20u);
  std::string back;
  base32hex_encode(hash, back);
  EXPECT_EQ(back, "2vptu5timamqttgl4luu9kg21e0aor3s");
}

TEST(Base32Hex, Rejects) {
  EXPECT_EQ(unb32("c"), "<error>");  // 1, 3 or 6 chars left over: impossible
  EXPECT_EQ(unb32("cpn"), "<error>");
  EXPECT_EQ(unb32("cpnmuo"), "<error>");
  EXPECT_EQ(unb32("cp"), "<error>");    // non-zero padding bits
  EXPECT_EQ(unb32("cw"), "<error>");    // 'w' is past 'v'
  EXPECT_EQ(unb32("co=="), "<error>");  // no padding in NSEC3
}

}  // namespace
}  // namespace tandem::util
