#include "zone/zone_data.h"

#include <gtest/gtest.h>

#include "zone/zone.h"

namespace tandem::zone {
namespace {

LoadResult load(const std::string& text) {
  return load_zone_text(*dns::Name::parse_absolute("example."), text, "z.zone");
}

bool has_error(const LoadResult& r, size_t line, const std::string& needle) {
  for (const auto& e : r.errors)
    if (e.line == line && e.message.find(needle) != std::string::npos) return true;
  std::string all;
  for (const auto& e : r.errors) all += e.to_string() + "\n";
  ADD_FAILURE() << "no error at line " << line << " containing '" << needle << "'; got:\n" << all;
  return false;
}

const char kHead[] =
    "$ORIGIN example.\n$TTL 60\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n";  // lines 1-5

TEST(ZoneData, LoadsAndIndexes) {
  auto r = load(std::string(kHead) + "www A 192.0.2.2\nwww A 192.0.2.3\nwww A 192.0.2.3\n");
  ASSERT_TRUE(r.zone);
  EXPECT_EQ(r.zone->serial(), 1u);
  EXPECT_EQ(r.zone->record_count(), 5u);  // the duplicate is dropped
  EXPECT_EQ(r.warnings.size(), 1u);
  const ZoneData& d = r.zone->data();
  auto www = dns::Name::parse_absolute("www.example.")->lowered();
  uint32_t ni = d.find(www.data(), www.size());
  ASSERT_NE(ni, kNone);
  const ZoneData::RRset* a = d.rrset(d.node(ni), 1);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->count, 2);
}

TEST(ZoneData, RegroupsScatteredRecords) {
  // The owner and the type come back later in the file: one RRset each.
  auto r = load(std::string(kHead) +
                "www A 192.0.2.2\nmail A 192.0.2.9\nwww TXT \"x\"\nwww A 192.0.2.3\nwww A 192.0.2.2\n");
  ASSERT_TRUE(r.zone);
  const ZoneData& d = r.zone->data();
  auto www = dns::Name::parse_absolute("www.example.")->lowered();
  const ZoneData::Node& n = d.node(d.find(www.data(), www.size()));
  EXPECT_EQ(n.rrset_count, 2);
  const ZoneData::RRset* a = d.rrset(n, 1);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->count, 2);  // 192.0.2.2 once, 192.0.2.3
  EXPECT_EQ(r.zone->record_count(), 7u);
  bool dup_warned = false;
  for (const auto& w : r.warnings) dup_warned |= w.message.find("duplicate") != std::string::npos;
  EXPECT_TRUE(dup_warned);
}

TEST(ZoneData, DuplicatesInLargeRRset) {
  std::string text(kHead);
  for (int i = 0; i < 200; ++i) text += "big TXT \"" + std::to_string(i % 150) + "\"\n";
  auto r = load(text);
  ASSERT_TRUE(r.zone);
  const ZoneData& d = r.zone->data();
  auto big = dns::Name::parse_absolute("big.example.")->lowered();
  const ZoneData::RRset* t = d.rrset(d.node(d.find(big.data(), big.size())), 16);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->count, 150);
  // The survivors keep file order: the first is "0".
  EXPECT_EQ(d.rdata(*t)[2], 1);
  EXPECT_EQ(d.rdata(*t)[3], '0');
}

TEST(ZoneData, MissingSoaAndNs) {
  auto r = load("$ORIGIN example.\nwww 60 A 192.0.2.2\n");
  EXPECT_FALSE(r.zone);
  bool soa = false, ns = false;
  for (const auto& e : r.errors) {
    soa |= e.message.find("no SOA") != std::string::npos;
    ns |= e.message.find("no NS") != std::string::npos;
  }
  EXPECT_TRUE(soa);
  EXPECT_TRUE(ns);
}

TEST(ZoneData, CnameBesideOtherData) {
  auto r = load(std::string(kHead) + "www A 192.0.2.2\nwww CNAME other\n");
  EXPECT_FALSE(r.zone);
  has_error(r, 7, "CNAME and other data");
}

TEST(ZoneData, OutOfZoneData) {
  auto r = load(std::string(kHead) + "www.example.org. A 192.0.2.2\n");
  EXPECT_FALSE(r.zone);
  has_error(r, 6, "out-of-zone");
}

TEST(ZoneData, SoaNotAtApex) {
  auto r = load(std::string(kHead) + "sub SOA ns1 hm 1 2 3 4 5\n");
  EXPECT_FALSE(r.zone);
  has_error(r, 6, "not at the zone apex");
}

TEST(ZoneData, MissingGlue) {
  auto r = load(std::string(kHead) + "sub NS ns.sub\n");
  EXPECT_FALSE(r.zone);
  has_error(r, 6, "missing glue");
  // A name server outside the delegated zone needs no glue.
  auto ok = load(std::string(kHead) + "sub NS ns.other.net.\n");
  EXPECT_TRUE(ok.zone);
  auto apex = load("$ORIGIN example.\n$TTL 60\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\n");
  EXPECT_FALSE(apex.zone);
  has_error(apex, 4, "missing glue");
}

TEST(ZoneData, EmptyNonTerminalsAndCuts) {
  auto r = load(std::string(kHead) + "a.b.c A 192.0.2.9\nsub NS ns.sub\nns.sub A 192.0.2.8\n");
  ASSERT_TRUE(r.zone);
  const ZoneData& d = r.zone->data();
  auto bc = dns::Name::parse_absolute("b.c.example.")->lowered();
  uint32_t ent = d.find(bc.data(), bc.size());
  ASSERT_NE(ent, kNone);
  EXPECT_TRUE(d.node(ent).flags & ZoneData::kEmptyNonTerminal);
  auto glue = dns::Name::parse_absolute("ns.sub.example.")->lowered();
  uint32_t gi = d.find(glue.data(), glue.size());
  ASSERT_NE(gi, kNone);
  ASSERT_NE(d.node(gi).cut, kNone);
  EXPECT_TRUE(d.node(d.node(gi).cut).flags & ZoneData::kDelegation);
}

}  // namespace
}  // namespace tandem::zone
