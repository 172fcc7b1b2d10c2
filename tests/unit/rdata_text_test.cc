// Presentation-format helpers: numbers, TTL units, char-string escapes, the
// fast name path (checked against Name::parse, its reference path), type
// lookup (checked against dns::type_from_text).
#include "dns/rdata_text.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "dns/types.h"

namespace tandem::dns {
namespace {

TEST(ParseUint, RangeAndSyntax) {
  EXPECT_EQ(parse_uint("0", 255), 0u);
  EXPECT_EQ(parse_uint("255", 255), 255u);
  EXPECT_EQ(parse_uint("256", 255), std::nullopt);
  EXPECT_EQ(parse_uint("65535", 65535), 65535u);
  EXPECT_EQ(parse_uint("65536", 65535), std::nullopt);
  EXPECT_EQ(parse_uint("4294967295", 0xFFFFFFFF), 4294967295u);
  EXPECT_EQ(parse_uint("4294967296", 0xFFFFFFFF), std::nullopt);
  EXPECT_EQ(parse_uint("99999999999999999999999", 0xFFFFFFFF), std::nullopt);
  EXPECT_EQ(parse_uint("007", 255), 7u);
  EXPECT_EQ(parse_uint("", 255), std::nullopt);
  EXPECT_EQ(parse_uint("-1", 255), std::nullopt);
  EXPECT_EQ(parse_uint("+1", 255), std::nullopt);
  EXPECT_EQ(parse_uint("1a", 255), std::nullopt);
  EXPECT_EQ(parse_uint(" 1", 255), std::nullopt);
}

TEST(ParseTtl, Units) {
  EXPECT_EQ(parse_ttl("3600", kMaxTtl), 3600u);
  EXPECT_EQ(parse_ttl("0", kMaxTtl), 0u);
  EXPECT_EQ(parse_ttl("1h30m", kMaxTtl), 5400u);
  EXPECT_EQ(parse_ttl("1H30M", kMaxTtl), 5400u);
  EXPECT_EQ(parse_ttl("2w", kMaxTtl), 1209600u);
  EXPECT_EQ(parse_ttl("1d", kMaxTtl), 86400u);
  EXPECT_EQ(parse_ttl("1w2d3h4m5s", kMaxTtl), 788645u);
  EXPECT_EQ(parse_ttl("30s1m", kMaxTtl), 90u);  // any order, as BIND
  EXPECT_EQ(parse_ttl("1h1h", kMaxTtl), 7200u);
  EXPECT_EQ(parse_ttl("2147483647", kMaxTtl), 2147483647u);
  EXPECT_EQ(parse_ttl("2147483648", kMaxTtl), std::nullopt);
  EXPECT_EQ(parse_ttl("3551w", kMaxTtl), std::nullopt);  // 2147644800 > 2^31-1
  EXPECT_EQ(parse_ttl("3550w", kMaxTtl), 3550u * 604800);
  EXPECT_EQ(parse_ttl("4294967295", 0xFFFFFFFF), 4294967295u);
}

TEST(ParseTtl, Rejects) {
  EXPECT_EQ(parse_ttl("", kMaxTtl), std::nullopt);
  EXPECT_EQ(parse_ttl("1h30", kMaxTtl), std::nullopt);  // unit missing after units
  EXPECT_EQ(parse_ttl("h", kMaxTtl), std::nullopt);
  EXPECT_EQ(parse_ttl("1x", kMaxTtl), std::nullopt);
  EXPECT_EQ(parse_ttl("1hh", kMaxTtl), std::nullopt);
  EXPECT_EQ(parse_ttl("-1", kMaxTtl), std::nullopt);
  EXPECT_EQ(parse_ttl("1 h", kMaxTtl), std::nullopt);
}

std::string unescaped(std::string_view raw) {
  std::vector<uint8_t> out;
  auto r = unescape_text(raw, out);
  if (!r) return "error: " + r.error();
  return std::string(out.begin(), out.end());
}

TEST(UnescapeText, Rfc1035Escapes) {
  EXPECT_EQ(unescaped("plain"), "plain");
  EXPECT_EQ(unescaped(""), "");
  EXPECT_EQ(unescaped("a\\\"b"), "a\"b");
  EXPECT_EQ(unescaped("a\\\\b"), "a\\b");
  EXPECT_EQ(unescaped("\\065\\066"), "AB");
  EXPECT_EQ(unescaped("\\000"), std::string(1, '\0'));
  EXPECT_EQ(unescaped("\\255"), "\xff");
  EXPECT_EQ(unescaped("\\t"), "t");  // \X is X, not a C escape
  EXPECT_EQ(unescaped("a\\;b"), "a;b");
  EXPECT_EQ(unescaped("a\\"), "error: dangling backslash in 'a\\'");
  EXPECT_EQ(unescaped("\\256"), "error: \\DDD escape above 255 in '\\256'");
  EXPECT_EQ(unescaped("\\1"), "error: bad \\DDD escape in '\\1'");
  EXPECT_EQ(unescaped("\\12a"), "error: bad \\DDD escape in '\\12a'");
}

TEST(UnescapeText, Appends) {
  std::vector<uint8_t> out = {'x'};
  ASSERT_TRUE(unescape_text("y", out));
  EXPECT_EQ(out, (std::vector<uint8_t>{'x', 'y'}));
}

const Name& origin() {
  static const Name n = *Name::parse_absolute("example.");
  return n;
}

// append_name and Name::parse must agree on every input.
void expect_same_as_reference(const std::string& text) {
  std::vector<uint8_t> out = {0xEE};
  auto fast = append_name(text, origin(), out);
  auto ref = Name::parse(text, origin());
  ASSERT_EQ(fast.has_value(), ref.has_value()) << "'" << text << "'";
  if (ref) {
    EXPECT_EQ(std::vector<uint8_t>(out.begin() + 1, out.end()),
              std::vector<uint8_t>(ref->data(), ref->data() + ref->size()))
        << "'" << text << "'";
  } else {
    EXPECT_EQ(fast.error(), ref.error());
    EXPECT_EQ(out, std::vector<uint8_t>{0xEE});  // unchanged on error
  }
}

TEST(AppendName, AgreesWithNameParse) {
  const std::string label63(63, 'a'), label64(64, 'a');
  std::vector<std::string> cases = {
      "@",          ".",     "a",           "a.",          "www.example.com.",
      "Mixed.Case", "a..b",  ".a",          "a.b..",       "..",
      "a\\.b",      "\\@",   "\\065",       "\\256",       "a\\",
      label63,      label64, label63 + ".", label64 + ".", "*.wild",
      "-x-.y_z",    "a b",
  };
  // Lengths around the 255-octet limit, absolute and relative.
  for (int n = 1; n <= 5; ++n) {
    std::string name;
    for (int i = 0; i < n; ++i) name += label63 + ".";
    cases.push_back(name);
    cases.push_back(name.substr(0, name.size() - 1));
  }
  for (int len = 240; len <= 256; ++len) {
    std::string name;
    while (name.size() + 2 <= static_cast<size_t>(len)) name += "a.";
    cases.push_back(name);
    cases.push_back(name + "b");
  }
  for (const auto& c : cases) expect_same_as_reference(c);
}

TEST(AppendName, RandomInputsAgreeWithNameParse) {
  std::mt19937 rng(12345);
  const char alphabet[] = "ab.\\09@";
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 12, ' ');
    for (auto& c : s) c = alphabet[rng() % (sizeof alphabet - 1)];
    expect_same_as_reference(s);
  }
}

TEST(ParseType, AgreesWithTypeFromText) {
  for (uint32_t t = 0; t <= 65535; ++t) {
    std::string name = type_to_text(static_cast<uint16_t>(t));
    EXPECT_EQ(parse_type(name), type_from_text(name)) << name;
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(tolower(c));
    EXPECT_EQ(parse_type(lower), type_from_text(lower)) << lower;
  }
  EXPECT_EQ(parse_type("a"), rrtype::kA);
  EXPECT_EQ(parse_type("Aaaa"), rrtype::kAAAA);
  EXPECT_EQ(parse_type("TYPE1"), rrtype::kA);
  EXPECT_EQ(parse_type("A1"), std::nullopt);
  EXPECT_EQ(parse_type(""), std::nullopt);
  EXPECT_EQ(parse_type("a!"), std::nullopt);
}

TEST(AppendQuotedBody, EscapesLikeKdig) {
  std::string out;
  const uint8_t data[] = {'a', ' ', '"', '\\', ';', 0, 9, 0x7f, 0xff, '~'};
  append_quoted_body(data, out);
  EXPECT_EQ(out, "a \\\"\\\\;\\000\\009\\127\\255~");
}

}  // namespace
}  // namespace tandem::dns
