#include "xfr/journal.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/types.h"

namespace tandem::xfr {
namespace {

using dns::rrtype::kA;
using zone::DiffRecord;
using zone::ZoneDiff;

std::vector<uint8_t> wire(const char* name) {
  dns::Name n = dns::Name::parse_absolute(name).value();
  return {n.data(), n.data() + n.size()};
}

DiffRecord soa(uint32_t serial) {
  DiffRecord r{wire("jain.ad.jp."), dns::rrtype::kSOA, 600, wire("ns.jain.ad.jp.")};
  std::vector<uint8_t> rname = wire("mohta.jain.ad.jp.");
  r.rdata.insert(r.rdata.end(), rname.begin(), rname.end());
  for (uint32_t v : {serial, 600u, 600u, 3600000u, 604800u})
    for (int s = 24; s >= 0; s -= 8) r.rdata.push_back(static_cast<uint8_t>(v >> s));
  return r;
}

DiffRecord a(const char* owner, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3,
             uint32_t ttl = 600) {
  return DiffRecord{wire(owner), kA, ttl, {b0, b1, b2, b3}};
}

ZoneDiff diff(uint32_t from, uint32_t to, std::vector<DiffRecord> removed = {},
              std::vector<DiffRecord> added = {}) {
  return ZoneDiff{soa(from), soa(to), std::move(removed), std::move(added)};
}

TEST(Journal, EmptyJournal) {
  Journal j;
  EXPECT_TRUE(j.empty());
  EXPECT_EQ(j.size(), 0u);
  EXPECT_EQ(j.bytes(), 0u);
  EXPECT_EQ(j.newest_serial(), 0u);
  EXPECT_FALSE(j.condensed_from(0).has_value());
  EXPECT_EQ(j.max_bytes(), size_t{64} << 20);
  EXPECT_EQ(j.max_diffs(), 1000u);
}

TEST(Journal, DiffsChain) {
  Journal j;
  j.add(diff(1, 2));
  j.add(diff(2, 3));
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j.oldest_serial(), 1u);
  EXPECT_EQ(j.newest_serial(), 3u);
  EXPECT_EQ(j.bytes(), diff(1, 2).bytes() + diff(2, 3).bytes());
}

// A diff that does not start where the history ends replaces it.
TEST(Journal, BrokenChainResets) {
  Journal j;
  j.add(diff(1, 2));
  j.add(diff(2, 3));
  j.add(diff(7, 8));
  EXPECT_EQ(j.size(), 1u);
  EXPECT_EQ(j.oldest_serial(), 7u);
  EXPECT_EQ(j.newest_serial(), 8u);
  EXPECT_EQ(j.bytes(), diff(7, 8).bytes());
  EXPECT_FALSE(j.condensed_from(1).has_value());
}

TEST(Journal, CountBoundDropsTheOldest) {
  Journal j(size_t{1} << 30, 3);
  for (uint32_t s = 1; s <= 5; ++s) j.add(diff(s, s + 1));
  EXPECT_EQ(j.size(), 3u);
  EXPECT_EQ(j.oldest_serial(), 3u);
  EXPECT_EQ(j.newest_serial(), 6u);
  EXPECT_FALSE(j.condensed_from(2).has_value());
  EXPECT_TRUE(j.condensed_from(3).has_value());
}

TEST(Journal, ByteBoundDropsTheOldest) {
  const size_t one = diff(1, 2, {}, {a("x.jain.ad.jp.", 1, 2, 3, 4)}).bytes();
  Journal j(2 * one + one / 2);
  for (uint32_t s = 1; s <= 4; ++s)
    j.add(diff(s, s + 1, {}, {a("x.jain.ad.jp.", 1, 2, 3, static_cast<uint8_t>(s))}));
  EXPECT_EQ(j.size(), 2u);
  EXPECT_LE(j.bytes(), 2 * one + one / 2);
  EXPECT_EQ(j.oldest_serial(), 3u);
}

TEST(Journal, DiffLargerThanTheBoundEmptiesTheJournal) {
  Journal j(10);
  j.add(diff(1, 2));
  EXPECT_TRUE(j.empty());
  EXPECT_EQ(j.bytes(), 0u);
}

// Copies share diffs but not history: adding to a copy leaves the original.
TEST(Journal, CopiesAreIndependent) {
  Journal j;
  j.add(diff(1, 2));
  Journal k = j;
  k.add(diff(2, 3));
  EXPECT_EQ(j.size(), 1u);
  EXPECT_EQ(j.newest_serial(), 2u);
  EXPECT_EQ(k.size(), 2u);
  EXPECT_EQ(k.newest_serial(), 3u);
}

// The example of RFC 1995 7: serial 1 -> 2 removes NEZU and adds JAIN-BB
// (two addresses); 2 -> 3 replaces JAIN-BB's 133.69.136.4 with .3. From 1
// the condensed answer removes NEZU and adds JAIN-BB's .3 and 192.41.197.2.
TEST(Journal, Rfc1995Example) {
  Journal j;
  j.add(
      diff(1, 2, {a("NEZU.JAIN.AD.JP.", 133, 69, 136, 5)},
           {a("JAIN-BB.JAIN.AD.JP.", 133, 69, 136, 4), a("JAIN-BB.JAIN.AD.JP.", 192, 41, 197, 2)}));
  j.add(diff(2, 3, {a("JAIN-BB.JAIN.AD.JP.", 133, 69, 136, 4)},
             {a("JAIN-BB.JAIN.AD.JP.", 133, 69, 136, 3)}));
  std::optional<ZoneDiff> d = j.condensed_from(1);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->from_serial(), 1u);
  EXPECT_EQ(d->to_serial(), 3u);
  EXPECT_EQ(d->removed, std::vector<DiffRecord>{a("NEZU.JAIN.AD.JP.", 133, 69, 136, 5)});
  EXPECT_EQ(d->added, (std::vector<DiffRecord>{a("JAIN-BB.JAIN.AD.JP.", 192, 41, 197, 2),
                                               a("JAIN-BB.JAIN.AD.JP.", 133, 69, 136, 3)}));
  // From 2: the second diff as it is.
  std::optional<ZoneDiff> d2 = j.condensed_from(2);
  ASSERT_TRUE(d2.has_value());
  EXPECT_EQ(d2->from_serial(), 2u);
  EXPECT_EQ(d2->removed, std::vector<DiffRecord>{a("JAIN-BB.JAIN.AD.JP.", 133, 69, 136, 4)});
  EXPECT_EQ(d2->added, std::vector<DiffRecord>{a("JAIN-BB.JAIN.AD.JP.", 133, 69, 136, 3)});
  EXPECT_FALSE(j.condensed_from(3).has_value());  // no diff starts at the newest
  EXPECT_FALSE(j.condensed_from(0).has_value());
}

TEST(Journal, RemovedThenAddedBackDisappears) {
  Journal j;
  j.add(diff(1, 2, {a("x.jain.ad.jp.", 10, 0, 0, 1)}, {}));
  j.add(diff(2, 3, {}, {a("X.jain.ad.jp.", 10, 0, 0, 1)}));  // owner case differs: same record
  std::optional<ZoneDiff> d = j.condensed_from(1);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->removed.empty());
  EXPECT_TRUE(d->added.empty());
}

TEST(Journal, AddedThenRemovedDisappears) {
  Journal j;
  j.add(diff(1, 2, {}, {a("x.jain.ad.jp.", 10, 0, 0, 1), a("y.jain.ad.jp.", 10, 0, 0, 2)}));
  j.add(diff(2, 3, {a("x.jain.ad.jp.", 10, 0, 0, 1)}, {}));
  j.add(diff(3, 4, {}, {a("x.jain.ad.jp.", 10, 0, 0, 1)}));
  j.add(diff(4, 5, {a("x.jain.ad.jp.", 10, 0, 0, 1)}, {}));
  std::optional<ZoneDiff> d = j.condensed_from(1);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->removed.empty());
  EXPECT_EQ(d->added, std::vector<DiffRecord>{a("y.jain.ad.jp.", 10, 0, 0, 2)});
  EXPECT_EQ(d->to_serial(), 5u);
}

// A TTL change (removal + addition with the new TTL) survives condensation,
// and two TTL changes condense into one.
TEST(Journal, TtlChangesCondense) {
  Journal j;
  j.add(diff(1, 2, {a("x.jain.ad.jp.", 10, 0, 0, 1, 600)}, {a("x.jain.ad.jp.", 10, 0, 0, 1, 60)}));
  j.add(diff(2, 3, {a("x.jain.ad.jp.", 10, 0, 0, 1, 60)}, {a("x.jain.ad.jp.", 10, 0, 0, 1, 30)}));
  std::optional<ZoneDiff> d = j.condensed_from(1);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->removed, std::vector<DiffRecord>{a("x.jain.ad.jp.", 10, 0, 0, 1, 600)});
  EXPECT_EQ(d->added, std::vector<DiffRecord>{a("x.jain.ad.jp.", 10, 0, 0, 1, 30)});
}

// Serials wrap (RFC 1982): a history across 2^32 chains like any other.
TEST(Journal, SerialWrapChains) {
  Journal j;
  j.add(diff(0xFFFFFFFEu, 0xFFFFFFFFu, {}, {a("x.jain.ad.jp.", 1, 1, 1, 1)}));
  j.add(diff(0xFFFFFFFFu, 1, {}, {a("y.jain.ad.jp.", 1, 1, 1, 1)}));
  EXPECT_EQ(j.size(), 2u);
  std::optional<ZoneDiff> d = j.condensed_from(0xFFFFFFFEu);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->added.size(), 2u);
  EXPECT_EQ(d->to_serial(), 1u);
}

}  // namespace
}  // namespace tandem::xfr
