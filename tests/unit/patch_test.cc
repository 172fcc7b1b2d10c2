// apply_diffs (zone/patch.cc): building the next version of a zone from a
// snapshot and RFC 1995 diffs.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "dns/rdata.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "zone/diff.h"
#include "zone/records.h"
#include "zone/zone.h"
#include "zone/zone_data.h"

namespace tandem::zone {
namespace {

dns::Name name(const std::string& text) { return dns::Name::parse_absolute(text).value(); }

// "owner ttl TYPE rdata..." with absolute names (no quoted strings).
DiffRecord rec(const std::string& line) {
  std::istringstream in(line);
  std::string owner, ttl, type;
  in >> owner >> ttl >> type;
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  std::vector<dns::TextToken> tokens;
  for (const std::string& w : words) tokens.push_back({w, false});
  DiffRecord r;
  dns::Name o = name(owner);
  r.owner.assign(o.data(), o.data() + o.size());
  r.type = dns::type_from_text(type).value();
  r.ttl = static_cast<uint32_t>(std::stoul(ttl));
  auto ok = dns::rdata_from_text(r.type, tokens, dns::Name(), r.rdata);
  EXPECT_TRUE(ok.has_value()) << line;
  return r;
}

std::string jain_soa(uint32_t serial) {
  return "jain.ad.jp. 600 SOA ns.jain.ad.jp. mohta.jain.ad.jp. " + std::to_string(serial) +
         " 600 600 3600000 604800";
}

ZoneDiff diff(uint32_t from, uint32_t to, std::vector<std::string> removed,
              std::vector<std::string> added) {
  ZoneDiff d;
  d.from_soa = rec(jain_soa(from));
  d.to_soa = rec(jain_soa(to));
  for (const auto& r : removed) d.removed.push_back(rec(r));
  for (const auto& a : added) d.added.push_back(rec(a));
  return d;
}

std::shared_ptr<const Zone> load(const std::string& origin, const std::string& text) {
  LoadResult r = load_zone_text(name(origin), text, "test.zone");
  EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  return r.zone;
}

// RFC 1995 7: the three generations of JAIN.AD.JP.
const char* kJain1 =
    "$TTL 600\n"
    "JAIN.AD.JP. IN SOA NS.JAIN.AD.JP. mohta.jain.ad.jp. 1 600 600 3600000 604800\n"
    "            IN NS  NS.JAIN.AD.JP.\n"
    "NS.JAIN.AD.JP.   IN A 133.69.136.1\n"
    "NEZU.JAIN.AD.JP. IN A 133.69.136.5\n";
const char* kJain3 =
    "$TTL 600\n"
    "jain.ad.jp. IN SOA ns.jain.ad.jp. mohta.jain.ad.jp. 3 600 600 3600000 604800\n"
    "            IN NS  NS.JAIN.AD.JP.\n"
    "NS.JAIN.AD.JP.      IN A 133.69.136.1\n"
    "JAIN-BB.JAIN.AD.JP. IN A 133.69.136.3\n"
    "                    IN A 192.41.197.2\n";

// Every record as "owner TYPE ttl rdata", sorted: compares two versions
// regardless of storage order.
std::vector<std::string> dump(const Zone& z) {
  std::vector<std::string> out;
  for_each_record(z.data(), [&](const RecordView& v) {
    out.push_back(dns::Name::from_wire(v.owner.data()).to_text() + " " + dns::type_to_text(v.type) +
                  " " + std::to_string(v.ttl) + " " + dns::rdata_to_text(v.type, v.rdata));
  });
  std::sort(out.begin(), out.end());
  return out;
}

void expect_error(const LoadResult& r, const std::string& part) {
  EXPECT_EQ(r.zone, nullptr);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].message.find(part), std::string::npos) << r.errors[0].message;
  EXPECT_EQ(r.errors[0].file, "IXFR test");
}

// The two steps of RFC 1995 7, one after the other.
std::vector<ZoneDiff> jain_steps() {
  return {
      diff(1, 2, {"NEZU.JAIN.AD.JP. 600 A 133.69.136.5"},
           {"JAIN-BB.JAIN.AD.JP. 600 A 133.69.136.4", "JAIN-BB.JAIN.AD.JP. 600 A 192.41.197.2"}),
      diff(2, 3, {"JAIN-BB.JAIN.AD.JP. 600 A 133.69.136.4"},
           {"JAIN-BB.JAIN.AD.JP. 600 A 133.69.136.3"})};
}

TEST(Patch, Rfc1995ExampleTwoSteps) {
  auto base = load("jain.ad.jp.", kJain1);
  auto expected = load("jain.ad.jp.", kJain3);
  ASSERT_TRUE(base && expected);
  std::vector<ZoneDiff> steps = jain_steps();
  LoadResult r = apply_diffs(*base, steps, "IXFR test");
  ASSERT_NE(r.zone, nullptr) << r.errors[0].to_string();
  EXPECT_EQ(r.zone->serial(), 3u);
  EXPECT_EQ(r.zone->source(), "IXFR test");
  EXPECT_EQ(dump(*r.zone), dump(*expected));
  // The base is untouched.
  EXPECT_EQ(base->serial(), 1u);
  EXPECT_EQ(base->record_count(), 4u);
}

TEST(Patch, Rfc1995ExampleCondensed) {
  auto base = load("jain.ad.jp.", kJain1);
  auto expected = load("jain.ad.jp.", kJain3);
  std::vector<ZoneDiff> d = {
      diff(1, 3, {"NEZU.JAIN.AD.JP. 600 A 133.69.136.5"},
           {"JAIN-BB.JAIN.AD.JP. 600 A 133.69.136.3", "JAIN-BB.JAIN.AD.JP. 600 A 192.41.197.2"})};
  LoadResult r = apply_diffs(*base, d, "IXFR test");
  ASSERT_NE(r.zone, nullptr);
  EXPECT_EQ(dump(*r.zone), dump(*expected));
}

TEST(Patch, NoDiffsGivesTheSameZone) {
  auto base = load("jain.ad.jp.", kJain1);
  LoadResult r = apply_diffs(*base, {}, "IXFR test");
  ASSERT_NE(r.zone, nullptr);
  EXPECT_EQ(dump(*r.zone), dump(*base));
}

TEST(Patch, DeletingAnAbsentRecordFails) {
  auto base = load("jain.ad.jp.", kJain1);
  // Right owner and type, wrong address.
  std::vector<ZoneDiff> d = {diff(1, 2, {"NEZU.JAIN.AD.JP. 600 A 133.69.136.6"}, {})};
  expect_error(apply_diffs(*base, d, "IXFR test"),
               "diff 1 of 1 (serial 1 -> 2): cannot delete NEZU.JAIN.AD.JP. A 133.69.136.6: not in "
               "the zone");
  // Absent owner; absent type.
  d = {diff(1, 2, {"nowhere.jain.ad.jp. 600 A 133.69.136.5"}, {})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "cannot delete nowhere.jain.ad.jp. A");
  d = {diff(1, 2, {"nezu.jain.ad.jp. 600 TXT hello"}, {})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "cannot delete nezu.jain.ad.jp. TXT");
  // Deleted twice: in one diff, and in two.
  d = {diff(1, 2, {"nezu.jain.ad.jp. 600 A 133.69.136.5", "NEZU.jain.ad.jp. 600 A 133.69.136.5"},
            {})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "cannot delete");
  d = {diff(1, 2, {"nezu.jain.ad.jp. 600 A 133.69.136.5"}, {}),
       diff(2, 3, {"nezu.jain.ad.jp. 600 A 133.69.136.5"}, {})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "diff 2 of 2 (serial 2 -> 3): cannot delete");
}

TEST(Patch, AddingAPresentRecordFails) {
  auto base = load("jain.ad.jp.", kJain1);
  std::vector<ZoneDiff> d = {diff(1, 2, {}, {"ns.jain.ad.jp. 600 A 133.69.136.1"})};
  expect_error(apply_diffs(*base, d, "IXFR test"),
               "cannot add ns.jain.ad.jp. A 133.69.136.1: already in the zone");
  d = {diff(1, 2, {}, {"new.jain.ad.jp. 600 A 10.0.0.1", "NEW.jain.ad.jp. 60 A 10.0.0.1"})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "cannot add");
  d = {diff(1, 2, {}, {"new.jain.ad.jp. 600 A 10.0.0.1"}),
       diff(2, 3, {}, {"new.jain.ad.jp. 600 A 10.0.0.1"})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "diff 2 of 2");
}

// RFC 1995 has no "modify": a TTL change deletes and re-adds the record in
// the same diff, and the deletion comes first.
TEST(Patch, DeleteThenAddInOneDiff) {
  auto base = load("jain.ad.jp.", kJain1);
  std::vector<ZoneDiff> d = {
      diff(1, 2, {"nezu.jain.ad.jp. 600 A 133.69.136.5"}, {"nezu.jain.ad.jp. 60 A 133.69.136.5"})};
  LoadResult r = apply_diffs(*base, d, "IXFR test");
  ASSERT_NE(r.zone, nullptr);
  EXPECT_EQ(r.zone->record_count(), 4u);
  auto lines = dump(*r.zone);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "nezu.jain.ad.jp. A 60 133.69.136.5"),
            lines.end());
}

// Changes compose across diffs: added then deleted, deleted then re-added.
TEST(Patch, ChangesComposeAcrossDiffs) {
  auto base = load("jain.ad.jp.", kJain1);
  std::vector<ZoneDiff> d = {
      diff(1, 2, {"nezu.jain.ad.jp. 600 A 133.69.136.5"}, {"tmp.jain.ad.jp. 600 A 10.0.0.1"}),
      diff(2, 3, {"tmp.jain.ad.jp. 600 A 10.0.0.1"}, {"nezu.jain.ad.jp. 300 A 133.69.136.5"}),
      diff(3, 4, {}, {"tmp.jain.ad.jp. 600 TXT back"})};
  LoadResult r = apply_diffs(*base, d, "IXFR test");
  ASSERT_NE(r.zone, nullptr) << r.errors[0].to_string();
  EXPECT_EQ(r.zone->serial(), 4u);
  auto lines = dump(*r.zone);
  std::vector<std::string> want = {
      "jain.ad.jp. NS 600 NS.JAIN.AD.JP.",
      "jain.ad.jp. SOA 600 ns.jain.ad.jp. mohta.jain.ad.jp. 4 600 600 3600000 604800",
      "nezu.jain.ad.jp. A 300 133.69.136.5", "ns.jain.ad.jp. A 600 133.69.136.1",
      "tmp.jain.ad.jp. TXT 600 \"back\""};
  EXPECT_EQ(lines, want);
}

TEST(Patch, SerialChainMustMatch) {
  auto base = load("jain.ad.jp.", kJain1);
  std::vector<ZoneDiff> d = {diff(2, 3, {}, {})};
  expect_error(apply_diffs(*base, d, "IXFR test"),
               "diff 1 of 1 (serial 2 -> 3) does not start at serial 1 (the base zone's)");
  std::vector<ZoneDiff> steps = jain_steps();
  steps[1] = diff(5, 6, {}, {});  // a gap between 2 and 5
  expect_error(apply_diffs(*base, steps, "IXFR test"),
               "diff 2 of 2 (serial 5 -> 6) does not start at serial 2 (where the previous diff "
               "ended)");
}

// RFC 1982: the serial may wrap; apply_diffs only follows the chain.
TEST(Patch, SerialWrapAround) {
  std::string text = kJain1;
  text.replace(text.find(" 1 600"), 6, " 4294967295 600");
  auto base = load("jain.ad.jp.", text);
  ASSERT_EQ(base->serial(), 4294967295u);
  std::vector<ZoneDiff> d = {diff(4294967295u, 0, {"nezu.jain.ad.jp. 600 A 133.69.136.5"}, {}),
                             diff(0, 7, {}, {"nezu.jain.ad.jp. 600 A 133.69.136.7"})};
  LoadResult r = apply_diffs(*base, d, "IXFR test");
  ASSERT_NE(r.zone, nullptr) << r.errors[0].to_string();
  EXPECT_EQ(r.zone->serial(), 7u);
  auto lines = dump(*r.zone);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "nezu.jain.ad.jp. A 600 133.69.136.7"),
            lines.end());
}

// The result goes through the builder's checks like a loaded zone.
TEST(Patch, ResultThatDoesNotCheckFails) {
  auto base = load("jain.ad.jp.", kJain1);
  std::vector<ZoneDiff> d = {diff(1, 2, {"jain.ad.jp. 600 NS NS.JAIN.AD.JP."}, {})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "no NS records at the zone apex");
  d = {diff(1, 2, {}, {"nezu.jain.ad.jp. 600 CNAME ns.jain.ad.jp."})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "CNAME");
  d = {diff(1, 2, {}, {"www.example.com. 600 A 10.0.0.1"})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "out-of-zone data: www.example.com.");
}

TEST(Patch, SoaInsideADiffIsRejected) {
  auto base = load("jain.ad.jp.", kJain1);
  std::vector<ZoneDiff> d = {diff(1, 2, {jain_soa(1)}, {})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "SOA record");
  d = {diff(1, 2, {}, {})};
  d[0].to_soa = rec("sub.jain.ad.jp. 600 SOA ns.jain.ad.jp. mohta.jain.ad.jp. 2 1 1 1 1");
  expect_error(apply_diffs(*base, d, "IXFR test"), "not at the apex");
  d = {diff(1, 2, {}, {})};
  d[0].to_soa.rdata.resize(5);
  expect_error(apply_diffs(*base, d, "IXFR test"), "malformed SOA rdata");
}

// New owners (with an empty non-terminal above one), new types at existing
// owners, owners whose last record goes, a node emptied and refilled.
TEST(Patch, StructuralChanges) {
  auto base = load("jain.ad.jp.", kJain1);
  std::vector<ZoneDiff> d = {
      diff(1, 2, {"nezu.jain.ad.jp. 600 A 133.69.136.5"},
           {"a.b.c.jain.ad.jp. 600 A 10.0.0.1", "ns.jain.ad.jp. 600 AAAA 2001:db8::1",
            "jain.ad.jp. 600 MX 10 ns.jain.ad.jp.", "ns.jain.ad.jp. 600 TXT x",
            "a.b.c.jain.ad.jp. 600 A 10.0.0.2"})};
  LoadResult r = apply_diffs(*base, d, "IXFR test");
  ASSERT_NE(r.zone, nullptr) << r.errors[0].to_string();
  const ZoneData& z = r.zone->data();
  dns::Name nezu = name("nezu.jain.ad.jp.");
  EXPECT_EQ(z.find(nezu.data(), nezu.size()), kNone);
  dns::Name bc = name("b.c.jain.ad.jp.");
  const uint32_t ent = z.find(bc.data(), bc.size());
  ASSERT_NE(ent, kNone);
  EXPECT_TRUE(z.node(ent).flags & ZoneData::kEmptyNonTerminal);
  dns::Name abc = name("a.b.c.jain.ad.jp.");
  const uint32_t leaf = z.find(abc.data(), abc.size());
  ASSERT_NE(leaf, kNone);
  const ZoneData::RRset* a = z.rrset(z.node(leaf), dns::rrtype::kA);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->count, 2);
  EXPECT_EQ(r.zone->record_count(), 3u + 5u);
}

// Sets larger than the linear-scan limit are looked up through a hash index.
TEST(Patch, LargeRRset) {
  std::string text = kJain1;
  std::string expected_text = kJain1;
  expected_text.replace(expected_text.find("NS.JAIN.AD.JP. mohta.jain.ad.jp. 1 600"), 38,
                        "ns.jain.ad.jp. mohta.jain.ad.jp. 2 600");
  std::vector<std::string> removed, added;
  for (int i = 0; i < 200; ++i) {
    const std::string a = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    text += "big.jain.ad.jp. A " + a + "\n";
    if (i % 3 == 0) {
      removed.push_back("BIG.jain.ad.jp. 600 A " + a);
    } else {
      expected_text += "big.jain.ad.jp. A " + a + "\n";
    }
    if (i % 5 == 0) {
      const std::string b = "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256);
      added.push_back("big.jain.ad.jp. 600 A " + b);
      expected_text += "big.jain.ad.jp. A " + b + "\n";
    }
  }
  auto base = load("jain.ad.jp.", text);
  auto expected = load("jain.ad.jp.", expected_text);
  std::vector<ZoneDiff> d = {diff(1, 2, removed, added)};
  LoadResult r = apply_diffs(*base, d, "IXFR test");
  ASSERT_NE(r.zone, nullptr) << r.errors[0].to_string();
  EXPECT_EQ(dump(*r.zone), dump(*expected));
  // And an absent record in the big set is still caught.
  d = {diff(1, 2, {"big.jain.ad.jp. 600 A 10.9.9.9"}, {})};
  expect_error(apply_diffs(*base, d, "IXFR test"), "cannot delete big.jain.ad.jp. A 10.9.9.9");
}

// A 200k-record zone patched with a small diff: the result is right, and the
// time goes to the output (the bulk of it is ZoneBuilder indexing the zone).
TEST(Patch, LargeZoneSmallDiff) {
  constexpr int kOwners = 50'000;  // 4 records each
  std::string base_text =
      "$TTL 600\n@ SOA ns mohta 1 600 600 3600000 604800\n@ NS ns\n"
      "ns A 133.69.136.1\n";
  std::string want_text =
      "$TTL 600\n@ SOA ns mohta 2 600 600 3600000 604800\n@ NS ns\n"
      "ns A 133.69.136.1\n";
  std::vector<std::string> removed, added;
  for (int i = 0; i < kOwners; ++i) {
    const std::string h = "h" + std::to_string(i);
    const std::string lines = h + " A 10.0." + std::to_string(i / 256) + "." +
                              std::to_string(i % 256) + "\n" + h +
                              " AAAA 2001:db8::" + std::to_string(i % 10000) + "\n" + h + " TXT t" +
                              std::to_string(i) + "\n" + h + " MX 10 ns\n";
    base_text += lines;
    if (i % 5000 == 7) {
      removed.push_back(h + ".jain.ad.jp. 600 TXT t" + std::to_string(i));
      added.push_back(h + ".jain.ad.jp. 600 TXT changed");
      added.push_back("n" + std::to_string(i) + ".jain.ad.jp. 600 A 192.0.2.1");
      want_text += h + " A 10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "\n" +
                   h + " AAAA 2001:db8::" + std::to_string(i % 10000) + "\n" + h +
                   " TXT changed\n" + h + " MX 10 ns\nn" + std::to_string(i) + " A 192.0.2.1\n";
    } else {
      want_text += lines;
    }
  }
  auto base = load("jain.ad.jp.", base_text);
  auto want = load("jain.ad.jp.", want_text);
  ASSERT_TRUE(base && want);
  ASSERT_EQ(base->record_count(), 200'003u);
  std::vector<ZoneDiff> d = {diff(1, 2, removed, added)};
  const auto t0 = std::chrono::steady_clock::now();
  LoadResult r = apply_diffs(*base, d, "IXFR test");
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_NE(r.zone, nullptr) << r.errors[0].to_string();
  std::printf("[ timing ] apply_diffs: %zu records, %zu removed, %zu added: %.1f ms\n",
              base->record_count(), removed.size(), added.size(), ms);
  EXPECT_EQ(r.zone->record_count(), base->record_count() + removed.size());
  EXPECT_EQ(r.zone->serial(), 2u);
  EXPECT_EQ(dump(*r.zone), dump(*want));
}


// A seeded build keeps the base's node numbers; names that lose every
// record and have no descendant must stop existing (NXDOMAIN), a wildcard
// that goes away must stop matching, and a name can come back later.
TEST(ApplyDiffs, RemovedNamesLeaveTheIndex) {
  auto base = load("jain.ad.jp.",
                   "$TTL 600\n"
                   "jain.ad.jp. SOA ns.jain.ad.jp. mohta.jain.ad.jp. 1 600 600 3600000 604800\n"
                   "jain.ad.jp. NS ns.jain.ad.jp.\n"
                   "ns.jain.ad.jp. A 133.69.136.1\n"
                   "leaf.jain.ad.jp. A 192.0.2.1\n"
                   "b.a.jain.ad.jp. A 192.0.2.2\n"
                   "*.w.jain.ad.jp. A 192.0.2.3\n"
                   "x.w.jain.ad.jp. A 192.0.2.4\n"
                   "c.keep.jain.ad.jp. A 192.0.2.5\n"
                   "keep.jain.ad.jp. A 192.0.2.6\n");
  ASSERT_TRUE(base);
  ZoneDiff d = diff(1, 2,
                    {"leaf.jain.ad.jp. 600 A 192.0.2.1", "b.a.jain.ad.jp. 600 A 192.0.2.2",
                     "*.w.jain.ad.jp. 600 A 192.0.2.3", "keep.jain.ad.jp. 600 A 192.0.2.6"},
                    {});
  LoadResult r = apply_diffs(*base, std::span<const ZoneDiff>(&d, 1), "test");
  ASSERT_TRUE(r.zone) << (r.errors.empty() ? "" : r.errors[0].to_string());
  const ZoneData& z = r.zone->data();
  auto find = [&](const char* text) {
    dns::Name n = name(text).lowered();
    return z.find(n.data(), n.size());
  };
  EXPECT_EQ(find("leaf.jain.ad.jp."), kNone);
  EXPECT_EQ(find("b.a.jain.ad.jp."), kNone);
  EXPECT_EQ(find("a.jain.ad.jp."), kNone);  // an empty non-terminal with nothing below any more
  EXPECT_EQ(find("*.w.jain.ad.jp."), kNone);
  uint32_t w = find("w.jain.ad.jp.");
  ASSERT_NE(w, kNone);
  EXPECT_FALSE(z.node(w).flags & ZoneData::kWildcardChild);
  uint32_t keep = find("keep.jain.ad.jp.");
  ASSERT_NE(keep, kNone);  // lost its record but has a child: an empty non-terminal now
  EXPECT_TRUE(z.node(keep).flags & ZoneData::kEmptyNonTerminal);
  EXPECT_NE(find("c.keep.jain.ad.jp."), kNone);
  EXPECT_EQ(r.zone->record_count(), base->record_count() - 4);

  // The next version brings two of them back.
  ZoneDiff back = diff(2, 3, {}, {"leaf.jain.ad.jp. 600 A 192.0.2.9", "b.a.jain.ad.jp. 600 A 192.0.2.8"});
  LoadResult r2 = apply_diffs(*r.zone, std::span<const ZoneDiff>(&back, 1), "test");
  ASSERT_TRUE(r2.zone) << (r2.errors.empty() ? "" : r2.errors[0].to_string());
  const ZoneData& z2 = r2.zone->data();
  dns::Name leaf = name("leaf.jain.ad.jp.");
  uint32_t li = z2.find(leaf.data(), leaf.size());
  ASSERT_NE(li, kNone);
  EXPECT_EQ(z2.node(li).rrset_count, 1);
  dns::Name a = name("a.jain.ad.jp.");
  uint32_t ai = z2.find(a.data(), a.size());
  ASSERT_NE(ai, kNone);
  EXPECT_TRUE(z2.node(ai).flags & ZoneData::kEmptyNonTerminal);
  EXPECT_EQ(r2.zone->record_count(), base->record_count() - 2);
}


// The fast path (ZoneData::with_replaced_rrsets) must give exactly what a
// full build of the same records gives: records, flags, zone cuts and
// additional-section targets, node by node.
void expect_same_zone(const Zone& got, const Zone& want) {
  const ZoneData& g = got.data();
  const ZoneData& w = want.data();
  EXPECT_EQ(got.serial(), want.serial());
  EXPECT_EQ(g.negative_ttl(), w.negative_ttl());
  EXPECT_EQ(got.record_count(), want.record_count());
  auto name_of = [](const ZoneData& d, uint32_t i) {
    return i == kNone ? std::string("-") : dns::Name::from_wire(d.node_name(d.node(i))).to_text();
  };
  size_t live = 0;
  for (uint32_t wi = 0; wi < w.node_count(); ++wi) {
    const ZoneData::Node& wn = w.node(wi);
    uint32_t gi = g.find(w.node_name(wn), w.node_name_size(wn));
    ASSERT_NE(gi, kNone) << name_of(w, wi);
    ++live;
    const ZoneData::Node& gn = g.node(gi);
    EXPECT_EQ(gn.flags, wn.flags) << name_of(w, wi);
    EXPECT_EQ(name_of(g, gn.cut), name_of(w, wn.cut)) << name_of(w, wi);
    ASSERT_EQ(gn.rrset_count, wn.rrset_count) << name_of(w, wi);
    for (const auto& ws : w.rrsets(wn)) {
      const ZoneData::RRset* gs = g.rrset(gn, ws.type);
      ASSERT_NE(gs, nullptr) << name_of(w, wi) << " type " << ws.type;
      EXPECT_EQ(gs->ttl, ws.ttl);
      ASSERT_EQ(gs->count, ws.count) << name_of(w, wi) << " type " << ws.type;
      std::vector<std::string> a, b;
      const uint8_t* p = g.rdata(*gs);
      for (uint16_t k = 0; k < gs->count; ++k, p += 2 + dns::load_u16(p))
        a.emplace_back(reinterpret_cast<const char*>(p), 2 + dns::load_u16(p));
      p = w.rdata(ws);
      for (uint16_t k = 0; k < ws.count; ++k, p += 2 + dns::load_u16(p))
        b.emplace_back(reinterpret_cast<const char*>(p), 2 + dns::load_u16(p));
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      EXPECT_EQ(a, b) << name_of(w, wi) << " type " << ws.type;
      std::vector<std::string> ga, wa;
      for (const uint32_t* t = g.additional(*gs); t && *t != kNone; ++t) ga.push_back(name_of(g, *t));
      for (const uint32_t* t = w.additional(ws); t && *t != kNone; ++t) wa.push_back(name_of(w, *t));
      std::sort(ga.begin(), ga.end());
      std::sort(wa.begin(), wa.end());
      EXPECT_EQ(ga, wa) << name_of(w, wi) << " type " << ws.type;
    }
  }
  // No name the full build lacks.
  size_t got_live = 0;
  for (uint32_t gi = 0; gi < g.node_count(); ++gi) {
    const ZoneData::Node& gn = g.node(gi);
    if (g.find(g.node_name(gn), g.node_name_size(gn)) == gi) ++got_live;
  }
  EXPECT_EQ(got_live, live);
}

const char* kFast1 =
    "$TTL 300\n"
    "ex.test. SOA ns1.ex.test. h.ex.test. 1 600 600 3600000 300\n"
    "ex.test. NS ns1.ex.test.\n"
    "ex.test. MX 10 mail.ex.test.\n"
    "ex.test. MX 20 mail2.ex.test.\n"
    "ns1.ex.test. A 192.0.2.1\n"
    "mail.ex.test. A 192.0.2.2\n"
    "mail2.ex.test. AAAA 2001:db8::2\n"
    "www.ex.test. A 192.0.2.3\n"
    "www.ex.test. A 192.0.2.4\n"
    "www.ex.test. TXT \"hello\"\n"
    "alias.ex.test. CNAME www.ex.test.\n"
    "*.wild.ex.test. A 192.0.2.5\n"
    "sub.ex.test. NS ns.sub.ex.test.\n"
    "ns.sub.ex.test. A 192.0.2.6\n"
    "srv._tcp.ex.test. SRV 0 0 443 www.ex.test.\n"
    "ex.test. MX 30 ghost.ex.test.\n";  // points at a name without an address

std::string soa_line(const char* origin, uint32_t serial) {
  return std::string(origin) + " 300 SOA ns1." + origin + " h." + origin + " " + std::to_string(serial) +
         " 600 600 3600000 300";
}

ZoneDiff ex_diff(uint32_t from, uint32_t to, std::vector<std::string> removed,
                 std::vector<std::string> added) {
  ZoneDiff d;
  d.from_soa = rec(soa_line("ex.test.", from));
  d.to_soa = rec(soa_line("ex.test.", to));
  for (const auto& r : removed) d.removed.push_back(rec(r));
  for (const auto& a : added) d.added.push_back(rec(a));
  return d;
}

TEST(ApplyDiffs, FastPathEqualsFullBuild) {
  auto base = load("ex.test.", kFast1);
  ASSERT_TRUE(base);
  struct Case {
    std::vector<std::string> removed, added;
    std::string want_extra_removed, want_extra_added;  // lines to drop/add in the expected text
  };
  // Each: the diff, and the same change as zone text for the full build.
  std::vector<std::pair<ZoneDiff, std::string>> cases;
  std::string t = kFast1;
  auto replace_all = [](std::string s, const std::string& a, const std::string& b) {
    size_t i = s.find(a);
    if (i != std::string::npos) s.replace(i, a.size(), b);
    return s;
  };
  auto with_serial = [&](std::string s, uint32_t serial) {
    return replace_all(s, "h.ex.test. 1 600", "h.ex.test. " + std::to_string(serial) + " 600");
  };
  // 1. an address changes
  cases.push_back({ex_diff(1, 2, {"www.ex.test. 300 A 192.0.2.3"}, {"www.ex.test. 300 A 192.0.2.9"}),
                   with_serial(replace_all(t, "www.ex.test. A 192.0.2.3", "www.ex.test. A 192.0.2.9"), 2)});
  // 2. an MX target moves to a name with an address (additional targets recomputed)
  cases.push_back({ex_diff(1, 2, {"ex.test. 300 MX 20 mail2.ex.test."}, {"ex.test. 300 MX 30 www.ex.test."}),
                   with_serial(replace_all(t, "ex.test. MX 20 mail2.ex.test.", "ex.test. MX 30 www.ex.test."), 2)});
  // 3. a new type at an existing name, and a TXT removed
  cases.push_back({ex_diff(1, 2, {"www.ex.test. 300 TXT hello"}, {"mail.ex.test. 300 AAAA 2001:db8::9"}),
                   with_serial(replace_all(t, "www.ex.test. TXT \"hello\"\n", "mail.ex.test. AAAA 2001:db8::9\n"), 2)});
  // 4. glue below a delegation changes
  cases.push_back({ex_diff(1, 2, {"ns.sub.ex.test. 300 A 192.0.2.6"}, {"ns.sub.ex.test. 300 A 192.0.2.66"}),
                   with_serial(replace_all(t, "ns.sub.ex.test. A 192.0.2.6", "ns.sub.ex.test. A 192.0.2.66"), 2)});
  // 5. a TTL change of a whole RRset
  cases.push_back({ex_diff(1, 2, {"www.ex.test. 300 A 192.0.2.3", "www.ex.test. 300 A 192.0.2.4"},
                           {"www.ex.test. 60 A 192.0.2.3", "www.ex.test. 60 A 192.0.2.4"}),
                   with_serial(replace_all(replace_all(t, "www.ex.test. A 192.0.2.3", "www.ex.test. 60 A 192.0.2.3"),
                                           "www.ex.test. A 192.0.2.4", "www.ex.test. 60 A 192.0.2.4"), 2)});
  // 6. only the SOA
  cases.push_back({ex_diff(1, 2, {}, {}), with_serial(t, 2)});
  // 7. not simple (a new name, an NS change): the full build, same result
  cases.push_back({ex_diff(1, 2, {}, {"new.ex.test. 300 A 192.0.2.10"}),
                   with_serial(t + "new.ex.test. A 192.0.2.10\n", 2)});
  cases.push_back({ex_diff(1, 2, {"sub.ex.test. 300 NS ns.sub.ex.test."}, {"sub.ex.test. 300 NS ns1.ex.test."}),
                   with_serial(replace_all(t, "sub.ex.test. NS ns.sub.ex.test.", "sub.ex.test. NS ns1.ex.test."), 2)});
  // 9. a new name (fast path: a leaf under an existing name)
  cases.push_back({ex_diff(1, 2, {}, {"host9.ex.test. 300 A 192.0.2.9", "host9.ex.test. 300 TXT nine"}),
                   with_serial(t + "host9.ex.test. A 192.0.2.9\nhost9.ex.test. TXT nine\n", 2)});
  // 10. a new name that an MX already points at: the MX gains an additional target
  cases.push_back({ex_diff(1, 2, {}, {"ghost.ex.test. 300 A 192.0.2.77"}),
                   with_serial(t + "ghost.ex.test. A 192.0.2.77\n", 2)});
  // 11. a new wildcard: its parent gets the wildcard-child flag
  cases.push_back({ex_diff(1, 2, {}, {"*.www.ex.test. 300 TXT any"}),
                   with_serial(t + "*.www.ex.test. TXT any\n", 2)});
  // 12. a new name below a delegation (glue): its zone cut
  cases.push_back({ex_diff(1, 2, {}, {"deep.ns.sub.ex.test. 300 A 192.0.2.12"}),
                   with_serial(t + "deep.ns.sub.ex.test. A 192.0.2.12\n", 2)});
  // 13. a new name under a missing one (an empty non-terminal appears)
  cases.push_back({ex_diff(1, 2, {}, {"a.b.ex.test. 300 A 192.0.2.13"}),
                   with_serial(t + "a.b.ex.test. A 192.0.2.13\n", 2)});
  // 14. an existing name without address records gains one, nobody points at it
  cases.push_back({ex_diff(1, 2, {}, {"srv._tcp.ex.test. 300 A 192.0.2.14"}),
                   with_serial(t + "srv._tcp.ex.test. A 192.0.2.14\n", 2)});
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i + 1));
    LoadResult r = apply_diffs(*base, std::span<const ZoneDiff>(&cases[i].first, 1), "test");
    ASSERT_TRUE(r.zone) << (r.errors.empty() ? "" : r.errors[0].to_string());
    auto want = load("ex.test.", cases[i].second);
    ASSERT_TRUE(want);
    expect_same_zone(*r.zone, *want);
    // And once more on top of the result (a patched snapshot as the next base).
    ZoneDiff again = ex_diff(2, 3, {}, {});
    LoadResult r2 = apply_diffs(*r.zone, std::span<const ZoneDiff>(&again, 1), "test");
    ASSERT_TRUE(r2.zone);
    EXPECT_EQ(r2.zone->serial(), 3u);
    EXPECT_EQ(r2.zone->record_count(), want->record_count());
  }
}

TEST(ZoneDataFastPath, RefusesWhatItCannotDo) {
  auto base = load("ex.test.", kFast1);
  ASSERT_TRUE(base);
  const ZoneData& d = base->data();
  auto node = [&](const char* text) {
    dns::Name n = name(text).lowered();
    return d.find(n.data(), n.size());
  };
  auto one = [&](uint32_t ni, uint16_t type, uint16_t count) {
    ZoneData::RRsetReplacement r;
    r.node = ni;
    r.type = type;
    r.ttl = 300;
    r.count = count;
    for (uint16_t k = 0; k < count; ++k) r.records.insert(r.records.end(), {0, 4, 192, 0, 2, 99});
    return ZoneData::with_replaced_rrsets(d, std::span<const ZoneData::RRsetReplacement>(&r, 1));
  };
  EXPECT_TRUE(one(node("www.ex.test."), dns::rrtype::kA, 1));
  EXPECT_FALSE(one(node("mail.ex.test."), dns::rrtype::kA, 0));    // loses its last address
  EXPECT_FALSE(one(node("alias.ex.test."), dns::rrtype::kA, 1));   // data beside a CNAME
  EXPECT_FALSE(one(node("sub.ex.test."), dns::rrtype::kNS, 1));    // a zone cut
  EXPECT_FALSE(one(node("wild.ex.test."), dns::rrtype::kA, 1));    // an empty non-terminal gains data
  EXPECT_FALSE(one(node("www.ex.test."), dns::rrtype::kSOA, 1));   // SOA away from the apex
  EXPECT_FALSE(one(static_cast<uint32_t>(d.node_count()), dns::rrtype::kA, 1));

  auto fresh = [&](const char* owner, uint16_t type) {
    ZoneData::RRsetReplacement r;
    r.node = kNone;
    dns::Name n = name(owner).lowered();
    r.owner.assign(n.data(), n.data() + n.size());
    r.type = type;
    r.ttl = 300;
    r.count = 1;
    r.records = {0, 4, 192, 0, 2, 99};
    return ZoneData::with_replaced_rrsets(d, std::span<const ZoneData::RRsetReplacement>(&r, 1));
  };
  EXPECT_TRUE(fresh("new.ex.test.", dns::rrtype::kA));         // a leaf under the apex
  EXPECT_TRUE(fresh("x.www.ex.test.", dns::rrtype::kA));       // under an existing name
  EXPECT_FALSE(fresh("ghost.ex.test.", dns::rrtype::kA));      // an MX points at it
  EXPECT_FALSE(fresh("a.b.ex.test.", dns::rrtype::kA));        // needs an empty non-terminal
  EXPECT_FALSE(fresh("www.ex.test.", dns::rrtype::kA));        // not new
  EXPECT_FALSE(fresh("new.ex.test.", dns::rrtype::kNS));       // a zone cut
  EXPECT_FALSE(fresh("other.test.", dns::rrtype::kA));         // outside the zone
}

}  // namespace
}  // namespace tandem::zone
