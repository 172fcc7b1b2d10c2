#include "audit/domains.h"

#include <gtest/gtest.h>

namespace tandem::audit {
namespace {

TEST(ParseDomains, PlainAndRankedLines) {
  auto p = parse_domains("example.com\n1,Example.NET.\n  2 , www.example.org  \n", "list.txt");
  ASSERT_TRUE(p.errors.empty()) << p.errors.front();
  ASSERT_EQ(p.domains.size(), 3u);
  EXPECT_EQ(p.domains[0].input, "example.com");
  EXPECT_EQ(p.domains[0].name.to_text(), "example.com.");
  EXPECT_FALSE(p.domains[0].rank);
  EXPECT_EQ(p.domains[0].line, 1u);
  EXPECT_EQ(p.domains[1].input, "Example.NET.");
  EXPECT_EQ(p.domains[1].name.to_text(), "example.net.");  // lower-cased
  EXPECT_EQ(p.domains[1].rank, 1);
  EXPECT_EQ(p.domains[2].name.to_text(), "www.example.org.");
  EXPECT_EQ(p.domains[2].rank, 2);
  EXPECT_EQ(p.domains[2].line, 3u);
}

TEST(ParseDomains, CommentsBlankLinesCrlfAndBom) {
  auto p = parse_domains(
      "\xEF\xBB\xBF# top sites\r\n\r\n   \nexample.com # trailing\r\n\t\n1,a.example\r\n", "f");
  EXPECT_TRUE(p.errors.empty());
  ASSERT_EQ(p.domains.size(), 2u);
  EXPECT_EQ(p.domains[0].name.to_text(), "example.com.");
  EXPECT_EQ(p.domains[0].line, 4u);
  EXPECT_EQ(p.domains[1].name.to_text(), "a.example.");
  EXPECT_EQ(p.domains[1].line, 6u);
}

TEST(ParseDomains, LastLineWithoutNewline) {
  auto p = parse_domains("a.example\nb.example", "f");
  ASSERT_EQ(p.domains.size(), 2u);
  EXPECT_EQ(p.domains[1].line, 2u);
}

TEST(ParseDomains, BadLinesReportedWithLineNumbersAndSkipped) {
  auto p = parse_domains(
      "good.example\n"        // 1
      "x,bad-rank.example\n"  // 2
      "1,a.example,extra\n"   // 3
      "1,\n"                  // 4
      "bad..example\n"        // 5
      "b\xC3\xBC"
      "cher.example\n"           // 6: IDN not in punycode
      "xn--bcher-kva.example\n"  // 7: punycode is fine
      "bad!name.example\n"       // 8
      "192.0.2.1\n"              // 9: an address, not a domain
      ".\n"                      // 10
      "-5,neg.example\n"         // 11
      ",norank.example\n",       // 12
      "list.csv");
  ASSERT_EQ(p.domains.size(), 2u);
  EXPECT_EQ(p.domains[0].name.to_text(), "good.example.");
  EXPECT_EQ(p.domains[1].name.to_text(), "xn--bcher-kva.example.");
  ASSERT_EQ(p.errors.size(), 10u);
  const char* prefixes[] = {"list.csv:2: invalid rank",
                            "list.csv:3: too many fields",
                            "list.csv:4: empty domain",
                            "list.csv:5: empty label",
                            "list.csv:6: non-ASCII",
                            "list.csv:8: invalid character '!'",
                            "list.csv:9: ",
                            "list.csv:10: the root",
                            "list.csv:11: invalid rank",
                            "list.csv:12: invalid rank"};
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(p.errors[i].rfind(prefixes[i], 0), 0u) << p.errors[i];
  }
  EXPECT_NE(p.errors[4].find("punycode"), std::string::npos);
  EXPECT_NE(p.errors[6].find("not a domain name"), std::string::npos);
}

TEST(ParseDomains, LengthLimits) {
  std::string label63(63, 'a'), label64(64, 'a');
  auto ok = parse_domains(label63 + ".example\n", "f");
  EXPECT_EQ(ok.domains.size(), 1u);
  auto bad = parse_domains(label64 + ".example\n", "f");
  EXPECT_TRUE(bad.domains.empty());
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_NE(bad.errors[0].find("63"), std::string::npos);
  // 4 labels of 63 + "example": 4*64 + 8 + 1 > 255 octets.
  auto too_long =
      parse_domains(label63 + "." + label63 + "." + label63 + "." + label63 + ".example\n", "f");
  EXPECT_TRUE(too_long.domains.empty());
  ASSERT_EQ(too_long.errors.size(), 1u);
  EXPECT_NE(too_long.errors[0].find("255"), std::string::npos);
}

TEST(ParseDomains, DuplicatesKeepFirstAndWarn) {
  auto p =
      parse_domains("1,example.com\n2,Example.COM.\n3,other.example\n4,example.com\n", "top.csv");
  EXPECT_TRUE(p.errors.empty());
  ASSERT_EQ(p.domains.size(), 2u);
  EXPECT_EQ(p.domains[0].rank, 1);
  EXPECT_EQ(p.domains[1].name.to_text(), "other.example.");
  ASSERT_EQ(p.warnings.size(), 2u);
  EXPECT_EQ(p.warnings[0], "top.csv:2: duplicate domain 'Example.COM.' (first on line 1), skipped");
  EXPECT_EQ(p.warnings[1].rfind("top.csv:4: duplicate", 0), 0u);
}

TEST(ParseDomains, StdinName) {
  auto p = parse_domains("a..b\n", "-");
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].rfind("<stdin>:1: ", 0), 0u);
}

TEST(ParseDomains, UnderscoreAllowedEmptyInput) {
  EXPECT_EQ(parse_domains("_dmarc.example.com\n", "f").domains.size(), 1u);
  auto empty = parse_domains("", "f");
  EXPECT_TRUE(empty.domains.empty());
  EXPECT_TRUE(empty.errors.empty());
}

}  // namespace
}  // namespace tandem::audit
