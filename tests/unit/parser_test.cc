// Zone file reader. Golden files under tests/data/parser/: each X.zone is
// read with origin example. and default TTL 3600, and the records (one
// "owner ttl class type rdata" line each, rdata via rdata_to_text) followed by
// the errors ("error: file:line: message", paths relative to the data
// directory) must equal X.out. The expected outputs were checked against
// kdig (alltypes) and named-checkzone -D (basic, ttl, generate).
#include "zone/parser.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dns/rdata.h"
#include "dns/types.h"

#ifndef TANDEM_TEST_DATA
#error "TANDEM_TEST_DATA must be defined (the absolute path of tests/data)"
#endif

namespace tandem::zone {
namespace {

const std::string kDir = std::string(TANDEM_TEST_DATA) + "/parser/";

std::string strip_dir(std::string s) {
  for (size_t p; (p = s.find(kDir)) != std::string::npos;) s.erase(p, kDir.size());
  return s;
}

ParseOptions options() {
  ParseOptions o;
  o.origin = *dns::Name::parse_absolute("example.");
  o.default_ttl = 3600;
  return o;
}

struct Collected {
  std::vector<std::string> records;  // "owner ttl class type rdata"
  std::vector<std::string> files;    // ParsedRecord::file, data dir stripped
  std::vector<size_t> lines;         // ParsedRecord::line
  std::vector<ParseError> errors;
};

RecordSink collector(Collected& c) {
  return [&c](const ParsedRecord& r) {
    c.records.push_back(r.owner.to_text() + " " + std::to_string(r.ttl) + " " +
                        dns::class_to_text(r.rclass) + " " + dns::type_to_text(r.type) + " " +
                        dns::rdata_to_text(r.type, r.rdata));
    c.files.push_back(strip_dir(r.file));
    c.lines.push_back(r.line);
  };
}

Collected parse_text(std::string_view text, ParseOptions o = options(),
                     const std::string& filename = "test.zone") {
  Collected c;
  c.errors = parse_zone_text(text, filename, o, collector(c));
  return c;
}

Collected parse_file(const std::string& name, ParseOptions o = options()) {
  Collected c;
  c.errors = parse_zone_file(kDir + name, o, collector(c));
  return c;
}

std::vector<std::string> error_strings(const Collected& c) {
  std::vector<std::string> out;
  for (const auto& e : c.errors) out.push_back(strip_dir(e.to_string()));
  return out;
}

// --- golden files ---

class Golden : public ::testing::TestWithParam<const char*> {};

TEST_P(Golden, MatchesExpectedOutput) {
  const std::string name = GetParam();
  Collected c = parse_file(name + ".zone");
  std::string got;
  for (const auto& r : c.records) got += r + "\n";
  for (const auto& e : error_strings(c)) got += "error: " + e + "\n";
  std::ifstream in(kDir + name + ".out");
  ASSERT_TRUE(in) << "missing " << kDir + name + ".out";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(got, want.str());
}

INSTANTIATE_TEST_SUITE_P(Parser, Golden,
                         ::testing::Values("alltypes", "basic", "ttl", "directives", "generate",
                                           "errors"),
                         [](const auto& info) { return std::string(info.param); });

// --- errors and their positions ---

TEST(ParseError, ToString) {
  EXPECT_EQ((ParseError{"a.zone", 12, "bad thing"}).to_string(), "a.zone:12: bad thing");
  EXPECT_EQ((ParseError{"a.zone", 0, "cannot read zone file: x"}).to_string(),
            "a.zone: cannot read zone file: x");
}

TEST(Parser, MissingFileNamesTheFile) {
  Collected c = parse_file("no-such.zone");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].file, kDir + "no-such.zone");
  EXPECT_EQ(c.errors[0].line, 0u);
  EXPECT_EQ(c.errors[0].message, "cannot read zone file: No such file or directory");
  c = parse_file("include");  // a directory
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].message, "cannot read zone file: is a directory");
}

TEST(Parser, ErrorLineIsWhereTheRecordStarts) {
  Collected c = parse_text(
      "a A 192.0.2.1\n"
      "b MX (\n"
      "   10\n"
      "   ; comment\n"
      "   x y )\n"
      "c A 192.0.2.3\n");
  EXPECT_EQ(error_strings(c),
            std::vector<std::string>{"test.zone:2: MX: expected 2 fields, got 3"});
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0], 1u);
  EXPECT_EQ(c.lines[1], 6u);
}

TEST(Parser, MultiLineRecordReportsItsFirstLine) {
  Collected c = parse_text("\n\n@ SOA ns hm (\n 1 2\n 3 4 5 )\nx A 192.0.2.1\n");
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0], 3u);
  EXPECT_EQ(c.lines[1], 6u);
}

TEST(Parser, StopsAtMaxErrors) {
  ParseOptions o = options();
  o.max_errors = 2;
  Collected c = parse_text("a A 1\nb A 2\nc A 3\nd A 192.0.2.4\n", o);
  EXPECT_EQ(c.errors.size(), 2u);
  EXPECT_TRUE(c.records.empty());  // reading stops at the limit
  o.max_errors = 0;                // 0: no limit
  c = parse_text("a A 1\nb A 2\nc A 3\nd A 192.0.2.4\n", o);
  EXPECT_EQ(c.errors.size(), 3u);
  EXPECT_EQ(c.records.size(), 1u);
}

TEST(Parser, Parentheses) {
  Collected c = parse_text("a A 192.0.2.1 )\nb A 192.0.2.2\n");
  EXPECT_EQ(error_strings(c), std::vector<std::string>{"test.zone:1: ')' without '('"});
  EXPECT_EQ(c.records.size(), 1u);
  c = parse_text("a TXT ( \"x\"\n\"y\"\n");
  EXPECT_EQ(error_strings(c),
            std::vector<std::string>{"test.zone:1: '(' not closed before the end of the file"});
  c = parse_text("a TXT ( ( \"x\" ) \"y\" )\n");  // nested groups
  EXPECT_EQ(c.records, std::vector<std::string>{"a.example. 3600 IN TXT \"x\" \"y\""});
}

TEST(Parser, QuotedStrings) {
  Collected c = parse_text(
      "a TXT \"semi;colon\" \"(paren\" \"tab\there\" \"esc\\\"aped\" \"\"\n"
      "b TXT \"unterminated\n"
      "c TXT \"x\"y\n");
  EXPECT_EQ(c.records, (std::vector<std::string>{
                           "a.example. 3600 IN TXT \"semi;colon\" \"(paren\" \"tab\\009here\" "
                           "\"esc\\\"aped\" \"\"",
                           "c.example. 3600 IN TXT \"x\" \"y\""}));
  EXPECT_EQ(error_strings(c), std::vector<std::string>{"test.zone:2: unterminated quoted string"});
}

TEST(Parser, LineEndingsAndBom) {
  Collected c = parse_text(
      "\xEF\xBB\xBF"
      "a A 192.0.2.1\r\n\r\n \tA 192.0.2.2 ; c\r\n"
      "c TXT ( \"x\"\r\n \"y\" )\r\nd A 192.0.2.4");  // no final newline
  EXPECT_TRUE(c.errors.empty()) << error_strings(c)[0];
  EXPECT_EQ(c.records,
            (std::vector<std::string>{
                "a.example. 3600 IN A 192.0.2.1", "a.example. 3600 IN A 192.0.2.2",
                "c.example. 3600 IN TXT \"x\" \"y\"", "d.example. 3600 IN A 192.0.2.4"}));
  EXPECT_EQ(c.lines, (std::vector<size_t>{1, 3, 4, 6}));
}

TEST(Parser, EmptyAndCommentOnlyInput) {
  EXPECT_TRUE(parse_text("").records.empty());
  Collected c = parse_text("; nothing\n\n   \t\n   ; indented\n");
  EXPECT_TRUE(c.records.empty());
  EXPECT_TRUE(c.errors.empty());
}

// --- owner, TTL and class fields ---

TEST(Parser, OwnerFieldRules) {
  Collected c = parse_text(
      "IN A 192.0.2.1\n"    // column 0: the owner, even if it looks like a class
      "A A 192.0.2.2\n"     // or like a type
      "3600 A 192.0.2.3\n"  // or like a TTL
      " IN A 192.0.2.4\n"   // not column 0: the previous owner, then the class
      "\\$x A 192.0.2.5\n"  // escaped '$' at column 0 is a name
      "@ A 192.0.2.6\n");
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(c.records, (std::vector<std::string>{
                           "IN.example. 3600 IN A 192.0.2.1", "A.example. 3600 IN A 192.0.2.2",
                           "3600.example. 3600 IN A 192.0.2.3", "3600.example. 3600 IN A 192.0.2.4",
                           "\\$x.example. 3600 IN A 192.0.2.5", "example. 3600 IN A 192.0.2.6"}));
}

TEST(Parser, SameOwnerTextAfterOriginChangeIsANewName) {
  Collected c = parse_text("a A 192.0.2.1\n$ORIGIN other.\na A 192.0.2.2\n A 192.0.2.3\n");
  EXPECT_EQ(c.records, (std::vector<std::string>{"a.example. 3600 IN A 192.0.2.1",
                                                 "a.other. 3600 IN A 192.0.2.2",
                                                 "a.other. 3600 IN A 192.0.2.3"}));
}

TEST(Parser, BadOwnerDoesNotLendItsRecordsToThePreviousOwner) {
  Collected c = parse_text("good A 192.0.2.1\nbad..x A 192.0.2.2\n A 192.0.2.3\n");
  EXPECT_EQ(c.records, std::vector<std::string>{"good.example. 3600 IN A 192.0.2.1"});
  EXPECT_EQ(c.errors.size(), 2u);
}

TEST(Parser, TtlAndClassInEitherOrder) {
  Collected c = parse_text(
      "a 60 IN A 192.0.2.1\n"
      "b IN 60 A 192.0.2.2\n"
      "c in 1m a 192.0.2.3\n"
      "d CLASS1 A 192.0.2.4\n");
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(c.records, (std::vector<std::string>{
                           "a.example. 60 IN A 192.0.2.1", "b.example. 60 IN A 192.0.2.2",
                           "c.example. 60 IN A 192.0.2.3", "d.example. 60 IN A 192.0.2.4"}));
}

TEST(Parser, ClassAndTypeErrors) {
  Collected c = parse_text(
      "a CH TXT \"x\"\n"
      "b CLASS3 TXT \"x\"\n"
      "c ANY A 192.0.2.1\n"
      "d ANY\n"
      "e IN IN A 192.0.2.1\n"
      "f 1 2 A 192.0.2.1\n"
      "g AXFR\n"
      "h TYPE0 \\# 0\n"
      "i 2147483648 A 192.0.2.1\n"
      "j\n"
      "k \"A\" 192.0.2.1\n");
  EXPECT_EQ(
      error_strings(c),
      (std::vector<std::string>{
          "test.zone:1: class CH not supported: zone class is IN",
          "test.zone:2: class CH not supported: zone class is IN",
          "test.zone:3: class ANY not supported: zone class is IN",
          "test.zone:4: type ANY cannot appear in a zone file",
          "test.zone:5: class given twice",
          "test.zone:6: TTL given twice",
          "test.zone:7: type AXFR cannot appear in a zone file",
          "test.zone:8: type TYPE0 cannot appear in a zone file",
          "test.zone:9: bad TTL '2147483648' (seconds or units like 1h30m, at most 2147483647)",
          "test.zone:10: missing RR type",
          "test.zone:11: unknown RR type 'A'",
      }));
}

TEST(Parser, DefaultTtlOption) {
  ParseOptions o = options();
  o.default_ttl = 77;
  Collected c = parse_text("a A 192.0.2.1\nb 5 A 192.0.2.2\nc A 192.0.2.3\n", o);
  EXPECT_EQ(c.records,
            (std::vector<std::string>{"a.example. 77 IN A 192.0.2.1", "b.example. 5 IN A 192.0.2.2",
                                      "c.example. 5 IN A 192.0.2.3"}));
}

TEST(Parser, UnknownTypesAndGenericForm) {
  Collected c = parse_text("a TYPE65534 \\# 2 abcd\nb A \\# 4 c0000201\nc type99 \"x\"\n");
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(c.records, (std::vector<std::string>{"a.example. 3600 IN TYPE65534 \\# 2 ABCD",
                                                 "b.example. 3600 IN A 192.0.2.1",
                                                 "c.example. 3600 IN SPF \"x\""}));
}

TEST(Parser, RdataNamesUseTheCurrentOrigin) {
  Collected c = parse_text("$ORIGIN sub.example.\nwww CNAME web\n@ MX 10 @\n");
  EXPECT_EQ(c.records, (std::vector<std::string>{"www.sub.example. 3600 IN CNAME web.sub.example.",
                                                 "sub.example. 3600 IN MX 10 sub.example."}));
}

TEST(Parser, SvcbQuotedValuesInsideTokens) {
  Collected c = parse_text("s HTTPS 1 . alpn=\"h2,h3\" key65000=\"a b; c\" ; comment\n");
  EXPECT_TRUE(c.errors.empty()) << error_strings(c)[0];
  EXPECT_EQ(c.records, std::vector<std::string>{
                           "s.example. 3600 IN HTTPS 1 . alpn=h2,h3 key65000=\"a b; c\""});
}

// --- directives ---

TEST(Parser, DirectiveErrors) {
  Collected c = parse_text(
      "$ORIGIN\n"
      "$ORIGIN a. b.\n"
      "$TTL\n"
      "$TTL 1x\n"
      "$INCLUDE\n"
      "$FOO bar\n");
  EXPECT_EQ(error_strings(c), (std::vector<std::string>{
                                  "test.zone:1: $ORIGIN takes one name",
                                  "test.zone:2: $ORIGIN takes one name",
                                  "test.zone:3: $TTL takes one TTL",
                                  "test.zone:4: bad $TTL '1x'",
                                  "test.zone:5: $INCLUDE takes a file name and an optional origin",
                                  "test.zone:6: unknown directive '$FOO'",
                              }));
}

TEST(Parser, IncludeRelativeToTheIncludingFile) {
  // parse_zone_text resolves $INCLUDE against the directory of `filename`.
  Collected c = parse_text("$INCLUDE include/deep2.zone\n", options(), kDir + "virtual.zone");
  EXPECT_TRUE(c.errors.empty()) << error_strings(c)[0];
  EXPECT_EQ(c.records, std::vector<std::string>{"d2.example. 3600 IN A 192.0.2.2"});
  EXPECT_EQ(c.files, std::vector<std::string>{"include/deep2.zone"});
  EXPECT_EQ(c.lines, std::vector<size_t>{1});
}

TEST(Parser, IncludeDisallowed) {
  ParseOptions o = options();
  o.allow_include = false;
  Collected c = parse_text("$INCLUDE include/deep2.zone\na A 192.0.2.1\n", o, kDir + "v.zone");
  EXPECT_EQ(error_strings(c), std::vector<std::string>{"v.zone:1: $INCLUDE is not allowed here"});
  EXPECT_EQ(c.records.size(), 1u);
}

TEST(Parser, IncludeLoopIsAnError) {
  Collected c = parse_file("include/loop_a.zone");
  EXPECT_EQ(c.records, (std::vector<std::string>{"a.example. 3600 IN A 192.0.2.1",
                                                 "b.example. 3600 IN A 192.0.2.2"}));
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(strip_dir(c.errors[0].file), "include/loop_b.zone");
  EXPECT_EQ(c.errors[0].line, 2u);
  EXPECT_EQ(strip_dir(c.errors[0].message),
            "$INCLUDE loop: 'include/loop_a.zone' is already being read");
  // A file including itself, from text named after that file.
  std::ifstream in(kDir + "include/loop_a.zone");
  std::stringstream text;
  text << in.rdbuf();
  c = parse_text(text.str(), options(), kDir + "include/loop_b.zone");
  EXPECT_EQ(c.errors.size(), 1u);
}

TEST(Parser, IncludeDepthLimit) {
  ParseOptions o = options();
  o.max_include_depth = 1;
  Collected c = parse_text("$INCLUDE include/deep1.zone\n", o, kDir + "top.zone");
  EXPECT_EQ(c.records, std::vector<std::string>{"d1.example. 3600 IN A 192.0.2.1"});
  EXPECT_EQ(error_strings(c),
            std::vector<std::string>{"include/deep1.zone:2: $INCLUDE nested more than 1 deep"});
  o.max_include_depth = 2;
  c = parse_text("$INCLUDE include/deep1.zone\n", o, kDir + "top.zone");
  EXPECT_EQ(c.records.size(), 2u);
  EXPECT_TRUE(c.errors.empty());
}

TEST(Parser, IncludeRecordsCarryTheirFileAndLine) {
  Collected c = parse_file("directives.zone");
  ASSERT_GE(c.records.size(), 5u);
  EXPECT_EQ(c.files[2], "directives.zone");
  EXPECT_EQ(c.lines[2], 7u);
  EXPECT_EQ(c.files[3], "include/child.zone");
  EXPECT_EQ(c.lines[3], 3u);
  EXPECT_EQ(c.files[4], "include/child.zone");
  EXPECT_EQ(c.lines[4], 4u);
}

TEST(Parser, Generate) {
  Collected c = parse_text(
      "$GENERATE 1-2 h$ A 192.0.2.$\n"
      "$GENERATE 0-4/2 r${1,3} 60 PTR ${0,2,x}.x\n"
      "$GENERATE 65535-65535 n${0,0,n} TXT \\$$\n"
      "$GENERATE 1-1 ${-1} A 192.0.2.1\n");
  EXPECT_TRUE(c.errors.empty()) << error_strings(c)[0];
  EXPECT_EQ(c.records,
            (std::vector<std::string>{
                "h1.example. 3600 IN A 192.0.2.1", "h2.example. 3600 IN A 192.0.2.2",
                "r001.example. 60 IN PTR 00.x.example.", "r003.example. 60 IN PTR 02.x.example.",
                "r005.example. 60 IN PTR 04.x.example.",
                // no $TTL: the last explicit TTL (60) applies
                "nf.f.f.f.example. 60 IN TXT \"$65535\"", "0.example. 60 IN A 192.0.2.1"}));
  EXPECT_EQ(c.lines, (std::vector<size_t>{1, 1, 2, 2, 2, 3, 4}));
}

TEST(Parser, GenerateErrors) {
  Collected c = parse_text(
      "$GENERATE 1-2 h$ A\n"
      "$GENERATE 1-2 h$ A 192.0.2.1 192.0.2.2\n"
      "$GENERATE 1-2/0 h$ A 192.0.2.1\n"
      "$GENERATE x h$ A 192.0.2.1\n"
      "$GENERATE 0-0 ${-1} A 192.0.2.1\n"
      "$GENERATE 1-2 ${0 A 192.0.2.1\n"
      "$GENERATE 1-2 ${0,300} A 192.0.2.1\n"
      "$GENERATE 1-2 ${0,1,d,x} A 192.0.2.1\n"
      "$GENERATE 1-2 a..$ A 192.0.2.1\n"
      "$GENERATE 0-65535 h$ A 192.0.2.1\n");
  EXPECT_EQ(
      error_strings(c),
      (std::vector<std::string>{
          "test.zone:1: $GENERATE needs a range, an owner, a type and rdata",
          "test.zone:2: A: expected 1 field, got 2",
          "test.zone:3: bad $GENERATE range '1-2/0' (expected start-stop[/step], start <= stop)",
          "test.zone:4: bad $GENERATE range 'x' (expected start-stop[/step], start <= stop)",
          "test.zone:5: $GENERATE value -1 is negative",
          "test.zone:6: unterminated ${...} in $GENERATE template '${0'",
          "test.zone:7: bad $GENERATE modifier '${0,300}' (expected ${offset[,width[,base]]} "
          "with base d, o, x, X, n or N)",
          "test.zone:8: bad $GENERATE modifier '${0,1,d,x}' (expected ${offset[,width[,base]]} "
          "with base d, o, x, X, n or N)",
          "test.zone:9: $GENERATE: bad owner name: empty label in name 'a..1'",
      }));
  EXPECT_EQ(c.records.size(), 65536u);  // the largest range allowed
}

// --- views handed to the sink ---

TEST(Parser, SinkSeesAbsoluteOwnerAndWireRdata) {
  std::vector<uint8_t> rdata;
  dns::Name owner;
  auto errors =
      parse_zone_text("www 300 IN MX 10 mail\n", "x.zone", options(), [&](const ParsedRecord& r) {
        owner = r.owner;
        rdata.assign(r.rdata.begin(), r.rdata.end());
        EXPECT_EQ(r.type, dns::rrtype::kMX);
        EXPECT_EQ(r.rclass, dns::rrclass::kIN);
        EXPECT_EQ(r.ttl, 300u);
        EXPECT_EQ(r.file, "x.zone");
        EXPECT_EQ(r.line, 1u);
      });
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(owner.to_text(), "www.example.");
  const uint8_t want[] = {0, 10, 4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  EXPECT_EQ(rdata, std::vector<uint8_t>(want, want + sizeof want));
}

TEST(Parser, EmptySinkIsAllowed) {
  EXPECT_TRUE(parse_zone_text("a A 192.0.2.1\n", "x.zone", options(), RecordSink()).empty());
}

}  // namespace
}  // namespace tandem::zone

namespace tandem::zone {
namespace {

// The file reader works in 1 MiB chunks of whole lines; the text reader sees
// everything at once. Both must give the same records and the same errors,
// whatever falls on a chunk boundary (multi-line records, long lines, errors).
TEST(ParserChunks, FileAndTextAgreeAcrossChunkBoundaries) {
  std::string text = "$ORIGIN example.\n$TTL 300\n";
  for (int i = 0; i < 60000; ++i) {
    switch (i % 5) {
      case 0: text += "h" + std::to_string(i) + " A 192.0.2." + std::to_string(i % 250) + "\n"; break;
      case 1: text += "m" + std::to_string(i) + " MX ( 10\n      mail" + std::to_string(i) + " ) ; split\n"; break;
      case 2: text += "t" + std::to_string(i) + " TXT \"" + std::string(i % 200, 'x') + "\"\n"; break;
      case 3: text += "    AAAA 2001:db8::" + std::to_string(i % 9999) + "\n"; break;
      case 4: text += (i % 997 == 0 ? "bad A 1.2.3\n" : "s" + std::to_string(i) + " SRV 0 1 ( 53\n\n  target ) \n"); break;
    }
  }
  char path[] = "/tmp/tandem-parser-chunks-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  ASSERT_GT(text.size(), size_t{2} << 20);  // several chunks

  ParseOptions opts;
  opts.origin = *dns::Name::parse_absolute("example.");
  opts.max_errors = 0;
  auto collect = [](std::vector<std::string>& out) {
    return [&out](const ParsedRecord& r) {
      out.push_back(r.owner.to_text() + " " + std::to_string(r.type) + " " + std::to_string(r.line) + " " +
                    std::string(r.rdata.begin(), r.rdata.end()));
    };
  };
  std::vector<std::string> from_file, from_text;
  auto file_errors = parse_zone_file(path, opts, collect(from_file));
  auto text_errors = parse_zone_text(text, path, opts, collect(from_text));
  unlink(path);
  EXPECT_EQ(from_file.size(), from_text.size());
  EXPECT_TRUE(from_file == from_text);
  ASSERT_EQ(file_errors.size(), text_errors.size());
  for (size_t i = 0; i < file_errors.size(); ++i) EXPECT_EQ(file_errors[i].to_string(), text_errors[i].to_string());
  EXPECT_GT(file_errors.size(), 0u);
}

}  // namespace
}  // namespace tandem::zone
