#include "zone/writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "zone/records.h"
#include "zone/zone_data.h"

#ifndef TANDEM_TEST_DATA
#error "TANDEM_TEST_DATA must be defined (the absolute path of tests/data)"
#endif

namespace tandem::zone {
namespace {

dns::Name name(const char* text) { return dns::Name::parse_absolute(text).value(); }

// Every record of a zone as one comparable string, sorted: the record set.
std::vector<std::string> record_set(const Zone& zone) {
  std::vector<std::string> out;
  for_each_record(zone.data(), [&](const RecordView& r) {
    std::string key(reinterpret_cast<const char*>(r.owner.data()), r.owner.size());
    key += '|' + std::to_string(r.type) + '|' + std::to_string(r.ttl) + '|';
    key.append(reinterpret_cast<const char*>(r.rdata.data()), r.rdata.size());
    out.push_back(std::move(key));
  });
  std::sort(out.begin(), out.end());
  return out;
}

std::shared_ptr<const Zone> load_text(const dns::Name& origin, const std::string& text) {
  LoadResult r = load_zone_text(origin, text, "test.zone");
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string() << "\n--- text:\n" << text;
  return r.zone;
}

// load -> write -> load gives the same records, and writing again gives the
// same text (the output is a fixed point).
void expect_round_trip(const Zone& zone) {
  std::string text = zone_to_text(zone, 0);
  auto again = load_text(zone.origin(), text);
  ASSERT_TRUE(again) << text;
  EXPECT_EQ(record_set(zone), record_set(*again)) << text;
  EXPECT_EQ(again->serial(), zone.serial());
  EXPECT_EQ(zone_to_text(*again, 0), text);
}

std::string origin_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("$ORIGIN", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string origin;
      words >> origin;
      return origin;
    }
  }
  // No $ORIGIN: the file is named after its zone.
  std::string base = std::filesystem::path(path).filename().string();
  return base.substr(0, base.size() - 5);
}

TEST(Writer, RoundTripsEveryTestZone) {
  size_t loaded = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(TANDEM_TEST_DATA) + "/zones")) {
    if (entry.path().extension() != ".zone") continue;
    const std::string path = entry.path().string();
    auto origin = dns::Name::parse_absolute(origin_of(path));
    if (!origin) continue;
    LoadResult r = load_zone_file(*origin, path);
    if (!r.zone) continue;  // only files that load
    SCOPED_TRACE(path);
    ++loaded;
    expect_round_trip(*r.zone);
  }
  EXPECT_GE(loaded, 4u);
}

TEST(Writer, SoaFirstAbsoluteNamesExplicitTtlAndClass) {
  auto zone = load_text(name("example.org."), R"(
$ORIGIN example.org.
$TTL 300
a     A 192.0.2.1
@     NS ns
@ 3600 SOA ns hostmaster 42 3600 600 86400 60
ns    A 192.0.2.2
)");
  ASSERT_TRUE(zone);
  std::string text = zone_to_text(*zone, 1'700'000'000);
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "; written by tandem: zone example.org., serial 42, at 2023-11-14T22:13:20Z");
  std::getline(lines, line);
  EXPECT_EQ(line, "$ORIGIN example.org.");
  std::getline(lines, line);
  EXPECT_EQ(
      line,
      "example.org.\t3600\tIN\tSOA\tns.example.org. hostmaster.example.org. 42 3600 600 86400 60");
  size_t records = 0;
  while (std::getline(lines, line)) {
    ++records;
    EXPECT_NE(line.find(".\t300\tIN\t"), std::string::npos) << line;
    EXPECT_NE(line[0], '\t');
  }
  EXPECT_EQ(records, 3u);
  expect_round_trip(*zone);
}

TEST(Writer, EscapedNamesUnknownTypesAndOddRdata) {
  auto zone = load_text(name("example."), R"zone(
$ORIGIN example.
@ 60 IN SOA ns.example. a\.dot.example. 1 2 3 4 5
@ 60 IN NS ns
ns 60 IN A 192.0.2.1
a\.b 60 IN TXT "dot in a label"
\$dollar 60 IN TXT "dollar"
\@at 60 IN TXT "at"
sp\032ace\;semi\(paren\) 60 IN TXT "x"
\255\000bin\"q 60 IN TXT "\000\255\"\\;()"
*.wild 60 IN MX 10 target\.with\.dots.example.
UPPER 60 IN CNAME MiXeD.Case.example.
gen 60 IN TYPE65534 \# 0
gen 60 IN TYPE65280 \# 3 010203
gen 60 IN TYPE1 \# 4 c0000201
nsec 60 IN NSEC next.example. A TYPE65534
ttl 2147483647 IN A 192.0.2.9
)zone");
  ASSERT_TRUE(zone);
  expect_round_trip(*zone);
  std::string text = zone_to_text(*zone, 0);
  EXPECT_NE(text.find("\tTYPE65534\t\\# 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\tTYPE65280\t\\# 3 010203\n"), std::string::npos) << text;
  EXPECT_NE(text.find("MiXeD.Case.example."), std::string::npos) << "rdata keeps its case";
}

TEST(Writer, RootZone) {
  auto zone = load_text(dns::Name(), R"(
. 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. 2024 1800 900 604800 86400
. 518400 IN NS a.root-servers.net.
org. 172800 IN NS a0.org.afilias-nst.info.
a.root-servers.net. 518400 IN A 198.41.0.4
a0.org.afilias-nst.info. 172800 IN A 199.19.56.1
)");
  ASSERT_TRUE(zone);
  std::string text = zone_to_text(*zone, 0);
  EXPECT_NE(text.find("\n$ORIGIN .\n.\t86400\tIN\tSOA\t"), std::string::npos) << text;
  expect_round_trip(*zone);
}

TEST(Writer, LargeZoneCrossesBufferChunksThroughFdAndFile) {
  std::string src =
      "$ORIGIN big.\n@ 60 IN SOA ns hm 7 1 1 1 1\n@ 60 IN NS ns\nns 60 IN A 192.0.2.1\n";
  for (int i = 0; i < 40000; ++i)
    src += "host-" + std::to_string(i) + " 60 IN TXT \"record number " + std::to_string(i) + "\"\n";
  auto zone = load_text(name("big."), src);
  ASSERT_TRUE(zone);
  ASSERT_EQ(zone->record_count(), 40003u);

  char path[] = "/tmp/tandem-writer-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(write_zone_fd(*zone, fd, 0));  // > 1 MiB: several chunks
  ::close(fd);
  LoadResult from_fd = load_zone_file(name("big."), path);
  ASSERT_TRUE(from_fd.zone);
  EXPECT_EQ(record_set(*zone), record_set(*from_fd.zone));

  std::FILE* f = std::fopen(path, "w");
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(write_zone_text(*zone, f, 0));
  std::fclose(f);
  LoadResult from_file = load_zone_file(name("big."), path);
  ASSERT_TRUE(from_file.zone);
  EXPECT_EQ(record_set(*zone), record_set(*from_file.zone));
  ::unlink(path);
}

TEST(Writer, ReportsWriteErrors) {
  auto zone =
      load_text(name("e."),
                "e. 60 IN SOA ns.e. hm.e. 1 1 1 1 1\ne. 60 IN NS ns.e.\nns.e. 60 IN A 192.0.2.1\n");
  ASSERT_TRUE(zone);
  int fd = ::open("/dev/null", O_RDONLY);  // not open for writing: EBADF
  ASSERT_GE(fd, 0);
  auto r = write_zone_fd(*zone, fd);
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rfind("write: ", 0), 0u) << r.error();

  std::FILE* full = std::fopen("/dev/full", "w");
  if (full) {
    auto r2 = write_zone_text(*zone, full);
    std::fclose(full);
    ASSERT_FALSE(r2);
    EXPECT_NE(r2.error().find("write: "), std::string::npos) << r2.error();
  }
}

}  // namespace
}  // namespace tandem::zone
