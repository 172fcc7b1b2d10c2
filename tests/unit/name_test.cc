#include "dns/name.h"

#include <gtest/gtest.h>

namespace tandem::dns {
namespace {

Name N(const char* text) {
  auto n = Name::parse_absolute(text);
  EXPECT_TRUE(n.has_value()) << text << ": " << (n ? "" : n.error());
  return n ? *n : Name();
}

TEST(Name, ParsesAbsoluteAndRelative) {
  Name origin = N("example.com.");
  auto rel = Name::parse("www", origin);
  ASSERT_TRUE(rel);
  EXPECT_EQ(rel->to_text(), "www.example.com.");
  auto at = Name::parse("@", origin);
  ASSERT_TRUE(at);
  EXPECT_EQ(*at, origin);
  auto abs = Name::parse("mail.example.net.", origin);
  ASSERT_TRUE(abs);
  EXPECT_EQ(abs->to_text(), "mail.example.net.");
  EXPECT_EQ(N(".").to_text(), ".");
  EXPECT_TRUE(N(".").is_root());
}

TEST(Name, WireForm) {
  Name n = N("www.Example.com.");
  const uint8_t expect[] = {3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
  ASSERT_EQ(n.size(), sizeof expect);
  EXPECT_EQ(memcmp(n.data(), expect, sizeof expect), 0);
  EXPECT_EQ(n.label_count(), 3u);
}

TEST(Name, EscapesRoundTrip) {
  // RFC 1035 5.1: \. is a literal dot inside a label, \DDD a decimal octet.
  Name n = N("a\\.b.c\\032d.example.");
  EXPECT_EQ(n.label_count(), 3u);
  EXPECT_EQ(n.data()[0], 3);  // "a.b"
  EXPECT_EQ(n.to_text(), "a\\.b.c\\032d.example.");
  EXPECT_EQ(N("\\065.example.").to_text(), "A.example.");
}

TEST(Name, AppendWireNameText) {
  // Appends (does not replace), escapes every special and non-printable
  // octet, and writes the root as ".".
  const uint8_t wire[] = {5, 'a', '"', ';', 0x7f, 0x00, 2, '@', '$', 0};
  std::string out = "x ";
  append_wire_name_text(wire, out);
  EXPECT_EQ(out, "x a\\\"\\;\\127\\000.\\@\\$.");
  EXPECT_EQ(Name::from_wire(wire).to_text(), out.substr(2));
  const uint8_t root[] = {0};
  append_wire_name_text(root, out);
  EXPECT_EQ(out.back(), '.');
  EXPECT_EQ(out.size(), 22u);
}

TEST(Name, Errors) {
  EXPECT_FALSE(Name::parse_absolute(""));
  EXPECT_FALSE(Name::parse_absolute("a..b."));
  EXPECT_FALSE(Name::parse_absolute(std::string(64, 'a') + "."));
  EXPECT_TRUE(Name::parse_absolute(std::string(63, 'a') + "."));
  EXPECT_FALSE(Name::parse_absolute("\\256.example."));
  EXPECT_FALSE(Name::parse_absolute("\\25"));
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "abc.";  // 64 * 4 + 1 = 257 octets
  EXPECT_FALSE(Name::parse_absolute(long_name));
  auto err = Name::parse_absolute("a..b.");
  EXPECT_NE(err.error().find("empty label"), std::string::npos);
}

TEST(Name, CaseInsensitiveEqualityAndSubdomain) {
  EXPECT_EQ(N("WWW.example.COM."), N("www.EXAMPLE.com."));
  EXPECT_TRUE(N("a.b.example.com.").is_subdomain_of(N("example.com.")));
  EXPECT_TRUE(N("example.com.").is_subdomain_of(N("example.com.")));
  EXPECT_FALSE(N("badexample.com.").is_subdomain_of(N("example.com.")));
  EXPECT_TRUE(N("x.").is_subdomain_of(N(".")));
  EXPECT_EQ(N("a.b.c.").parent(), N("b.c."));
}

TEST(Name, WireNameUnder) {
  Name origin = N("example.");
  auto under = [&](const char* text) {
    Name n = N(text);
    return wire_name_under(n.data(), n.size(), origin.data(), origin.size());
  };
  EXPECT_TRUE(under("example."));
  EXPECT_TRUE(under("a.b.example."));
  EXPECT_FALSE(under("badexample."));   // same octets at the end, not a label boundary
  EXPECT_FALSE(under("example.net."));
  EXPECT_FALSE(under("."));
}

TEST(Name, CanonicalOrderRfc4034Example) {
  // RFC 4034 6.1 example, in canonical order.
  const char* order[] = {"example.",       "a.example.",       "yljkjljk.a.example.",
                         "Z.a.example.",   "zABC.a.EXAMPLE.",  "z.example.",
                         "\\001.z.example.", "*.z.example.",   "\\200.z.example."};
  for (size_t i = 0; i + 1 < sizeof order / sizeof order[0]; ++i)
    EXPECT_LT(N(order[i]).compare(N(order[i + 1])), 0) << order[i] << " < " << order[i + 1];
  EXPECT_EQ(N("Z.A.example.").compare(N("z.a.EXAMPLE.")), 0);
}

TEST(Name, FromWireChecked) {
  const uint8_t good[] = {1, 'a', 0};
  EXPECT_TRUE(Name::from_wire_checked(good));
  const uint8_t trailing[] = {1, 'a', 0, 0};
  EXPECT_FALSE(Name::from_wire_checked(trailing));
  const uint8_t unterminated[] = {1, 'a'};
  EXPECT_FALSE(Name::from_wire_checked(unterminated));
  const uint8_t big_label[] = {64, 'a'};
  EXPECT_FALSE(Name::from_wire_checked(big_label));
}

}  // namespace
}  // namespace tandem::dns
