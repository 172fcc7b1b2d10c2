#include "zone/diff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/types.h"
#include "zone/zone_data.h"

namespace tandem::zone {
namespace {

using dns::rrtype::kA;
using dns::rrtype::kMX;
using dns::rrtype::kTXT;

std::shared_ptr<const Zone> load(const std::string& body, uint32_t serial = 1) {
  std::string text = "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 admin " + std::to_string(serial) +
                     " 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n" + body;
  LoadResult r = load_zone_text(*dns::Name::parse_absolute("example."), text, "z.zone");
  EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors[0].message);
  return r.zone;
}

std::vector<uint8_t> wire(const char* name) {
  dns::Name n = dns::Name::parse_absolute(name).value().lowered();
  return {n.data(), n.data() + n.size()};
}

DiffRecord rec(const char* owner, uint16_t type, uint32_t ttl, std::vector<uint8_t> rdata) {
  return DiffRecord{wire(owner), type, ttl, std::move(rdata)};
}

std::vector<uint8_t> a(uint8_t last) { return {192, 0, 2, last}; }

// Sorted copy, so that tests do not depend on the order of the diff.
std::vector<DiffRecord> sorted(std::vector<DiffRecord> v) {
  std::sort(v.begin(), v.end(), [](const DiffRecord& x, const DiffRecord& y) {
    return std::tie(x.owner, x.type, x.ttl, x.rdata) < std::tie(y.owner, y.type, y.ttl, y.rdata);
  });
  return v;
}

TEST(Diff, IdenticalZonesGiveAnEmptyDiff) {
  auto z1 = load("www A 192.0.2.2\nwww A 192.0.2.3\n", 1);
  auto z2 = load("www A 192.0.2.2\nwww A 192.0.2.3\n", 2);
  ZoneDiff d = compute_diff(*z1, *z2);
  EXPECT_TRUE(d.removed.empty());
  EXPECT_TRUE(d.added.empty());
  EXPECT_EQ(d.from_serial(), 1u);
  EXPECT_EQ(d.to_serial(), 2u);
  EXPECT_EQ(d.from_soa.owner, wire("example."));
  EXPECT_EQ(d.from_soa.type, dns::rrtype::kSOA);
  EXPECT_EQ(d.to_soa.ttl, 3600u);
}

// ZoneData keeps an RRset's records in load order: another order is no change.
TEST(Diff, RecordOrderInsideAnRRsetIsNoChange) {
  auto z1 = load("www A 192.0.2.2\nwww A 192.0.2.3\nwww A 192.0.2.4\n", 1);
  auto z2 = load("www A 192.0.2.4\nwww A 192.0.2.2\nwww A 192.0.2.3\n", 2);
  ZoneDiff d = compute_diff(*z1, *z2);
  EXPECT_TRUE(d.removed.empty());
  EXPECT_TRUE(d.added.empty());
}

TEST(Diff, RecordAddedAndRemovedInAnRRset) {
  auto z1 = load("www A 192.0.2.2\nwww A 192.0.2.3\n", 1);
  auto z2 = load("www A 192.0.2.3\nwww A 192.0.2.9\n", 2);
  ZoneDiff d = compute_diff(*z1, *z2);
  EXPECT_EQ(d.removed, std::vector<DiffRecord>{rec("www.example.", kA, 3600, a(2))});
  EXPECT_EQ(d.added, std::vector<DiffRecord>{rec("www.example.", kA, 3600, a(9))});
}

TEST(Diff, TtlChangeRemovesAndAddsTheWholeRRset) {
  auto z1 = load("www A 192.0.2.2\nwww A 192.0.2.3\n", 1);
  auto z2 = load("www 60 A 192.0.2.2\nwww 60 A 192.0.2.3\n", 2);
  ZoneDiff d = compute_diff(*z1, *z2);
  EXPECT_EQ(sorted(d.removed), (std::vector<DiffRecord>{rec("www.example.", kA, 3600, a(2)),
                                                        rec("www.example.", kA, 3600, a(3))}));
  EXPECT_EQ(sorted(d.added), (std::vector<DiffRecord>{rec("www.example.", kA, 60, a(2)),
                                                      rec("www.example.", kA, 60, a(3))}));
}

TEST(Diff, NodeRemovedAndNodeAdded) {
  auto z1 = load("old A 192.0.2.5\nold TXT \"x\"\n", 1);
  auto z2 = load("new MX 10 ns1\n", 2);
  ZoneDiff d = compute_diff(*z1, *z2);
  EXPECT_EQ(sorted(d.removed), sorted({rec("old.example.", kA, 3600, a(5)),
                                       rec("old.example.", kTXT, 3600, {1, 'x'})}));
  std::vector<uint8_t> mx = {0, 10};
  std::vector<uint8_t> target = wire("ns1.example.");
  mx.insert(mx.end(), target.begin(), target.end());
  EXPECT_EQ(d.added, std::vector<DiffRecord>{rec("new.example.", kMX, 3600, mx)});
}

TEST(Diff, RRsetOfANewTypeAtAnExistingNode) {
  auto z1 = load("www A 192.0.2.2\n", 1);
  auto z2 = load("www A 192.0.2.2\nwww TXT \"t\"\n", 2);
  ZoneDiff d = compute_diff(*z1, *z2);
  EXPECT_TRUE(d.removed.empty());
  EXPECT_EQ(d.added, std::vector<DiffRecord>{rec("www.example.", kTXT, 3600, {1, 't'})});
  ZoneDiff back = compute_diff(*z2, *z1);
  EXPECT_EQ(back.removed, d.added);
  EXPECT_TRUE(back.added.empty());
}

// b.example. is an empty non-terminal in one version and has data in the other.
TEST(Diff, EmptyNonTerminalGainsAndLosesData) {
  auto z1 = load("a.b A 192.0.2.7\n", 1);
  auto z2 = load("a.b A 192.0.2.7\nb A 192.0.2.8\n", 2);
  ZoneDiff d = compute_diff(*z1, *z2);
  EXPECT_TRUE(d.removed.empty());
  EXPECT_EQ(d.added, std::vector<DiffRecord>{rec("b.example.", kA, 3600, a(8))});
  ZoneDiff back = compute_diff(*z2, *z1);
  EXPECT_EQ(back.removed, std::vector<DiffRecord>{rec("b.example.", kA, 3600, a(8))});
  EXPECT_TRUE(back.added.empty());
}

TEST(Diff, SoaChangesAreNeverInTheLists) {
  auto z1 = load("", 1);
  std::string text =
      "$ORIGIN example.\n@ 60 SOA ns9 hostmaster 7 1 1 1 1\n@ 3600 NS ns1\nns1 3600 A 192.0.2.1\n";
  auto z2 = load_zone_text(*dns::Name::parse_absolute("example."), text, "z.zone").zone;
  ASSERT_NE(z2, nullptr);
  ZoneDiff d = compute_diff(*z1, *z2);
  EXPECT_TRUE(d.removed.empty());
  EXPECT_TRUE(d.added.empty());
  EXPECT_EQ(d.to_serial(), 7u);
  EXPECT_EQ(d.to_soa.ttl, 60u);
}

TEST(Diff, SoaRdataSerial) {
  std::vector<uint8_t> rd = wire("ns1.example.");
  std::vector<uint8_t> rname = wire("admin.example.");
  rd.insert(rd.end(), rname.begin(), rname.end());
  for (uint8_t b : {0x12, 0x34, 0x56, 0x78}) rd.push_back(b);
  rd.resize(rd.size() + 16, 0);
  EXPECT_EQ(soa_rdata_serial(rd), 0x12345678u);
  rd.pop_back();  // one octet short
  EXPECT_EQ(soa_rdata_serial(rd), 0u);
  EXPECT_EQ(soa_rdata_serial({}), 0u);
  std::vector<uint8_t> bad = {200, 'x'};  // label length beyond 63
  bad.resize(40, 0);
  EXPECT_EQ(soa_rdata_serial(bad), 0u);
}

TEST(Diff, BytesGrowWithTheRecords) {
  ZoneDiff d;
  const size_t empty = d.bytes();
  d.added.push_back(rec("www.example.", kA, 1, a(1)));
  EXPECT_GT(d.bytes(), empty + 4 + 13);
  d.removed.push_back(rec("www.example.", kA, 1, a(1)));
  EXPECT_GT(d.bytes(), empty + 2 * (4 + 13));
}

// Nodes stored in another order are matched through the name index.
TEST(Diff, NodesInAnotherOrder) {
  std::string forward, backward;
  for (int i = 0; i < 2000; ++i) {
    const std::string line =
        "n" + std::to_string(i) + " A 192.0.2." + std::to_string(i % 250) + "\n";
    forward += line;
    backward = line + backward;
  }
  auto z1 = load(forward + "x.y.z A 192.0.2.1\n", 1);
  auto z2 = load("x.y.z A 192.0.2.1\n" + backward, 2);
  ZoneDiff d = compute_diff(*z1, *z2);
  EXPECT_TRUE(d.removed.empty());
  EXPECT_TRUE(d.added.empty());
  auto z3 = load("gone.y.z A 192.0.2.1\n" + backward, 3);
  d = compute_diff(*z2, *z3);
  EXPECT_EQ(d.removed, std::vector<DiffRecord>{rec("x.y.z.example.", kA, 3600, a(1))});
  EXPECT_EQ(d.added, std::vector<DiffRecord>{rec("gone.y.z.example.", kA, 3600, a(1))});
}

// A large zone with one change: the diff holds just that change, and the
// comparison stays linear (a quadratic one would take minutes here).
TEST(Diff, LargeZoneWithOneChange) {
  std::string body;
  for (int i = 0; i < 50000; ++i)
    body += "h" + std::to_string(i) + " A 192.0.2." + std::to_string(i % 250) + "\n";
  auto z1 = load(body, 1);
  auto z2 = load(body + "h17 A 198.51.100.1\n", 2);
  auto t0 = std::chrono::steady_clock::now();
  ZoneDiff d = compute_diff(*z1, *z2);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_TRUE(d.removed.empty());
  EXPECT_EQ(d.added, std::vector<DiffRecord>{rec("h17.example.", kA, 3600, {198, 51, 100, 1})});
  EXPECT_LT(ms.count(), 2000);
}

}  // namespace
}  // namespace tandem::zone
