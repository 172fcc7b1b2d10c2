#include "xfr/secondary.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/types.h"

namespace tandem::xfr {
namespace {

// SOA rdata from its fields, split on blanks (no quoting needed for SOA).
std::vector<uint8_t> soa_rdata(const char* text) {
  auto origin = dns::Name::parse_absolute("example.org.");
  std::vector<std::string> words;
  std::string w;
  for (const char* p = text;; ++p) {
    if (*p == ' ' || *p == 0) {
      if (!w.empty()) words.push_back(w);
      w.clear();
      if (*p == 0) break;
    } else {
      w += *p;
    }
  }
  std::vector<dns::TextToken> tokens;
  for (const auto& x : words) tokens.push_back({x, false});
  std::vector<uint8_t> out;
  auto r = dns::rdata_from_text(dns::rrtype::kSOA, tokens, *origin, out);
  EXPECT_TRUE(r) << text;
  return out;
}

TEST(SoaTimers, ReadsRefreshRetryExpire) {
  auto t = soa_timers(soa_rdata("ns1 admin 7 3600 600 1209600 300"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->refresh, 3600u);
  EXPECT_EQ(t->retry, 600u);
  EXPECT_EQ(t->expire, 1209600u);
  std::vector<uint8_t> bad = soa_rdata("ns1 admin 7 3600 600 1209600 300");
  bad.pop_back();
  EXPECT_FALSE(soa_timers(bad));
  EXPECT_FALSE(soa_timers({}));
}

TEST(RefreshSchedule, SucceededSetsRefreshWithJitterAndExpire) {
  RefreshSchedule s({}, 42);
  EXPECT_FALSE(s.has_zone());
  EXPECT_TRUE(s.due(0));
  s.started();
  EXPECT_FALSE(s.due(0));
  s.finished();
  s.succeeded({100, 10, 1000}, std::nullopt, 1'000'000);
  EXPECT_TRUE(s.has_zone());
  // REFRESH minus at most 10%.
  EXPECT_GE(s.next_refresh_ms(), 1'000'000 + 90'000);
  EXPECT_LE(s.next_refresh_ms(), 1'000'000 + 100'000);
  EXPECT_EQ(s.expire_at_ms(), 1'000'000 + 1'000'000);
  EXPECT_FALSE(s.expired(1'999'999));
  EXPECT_TRUE(s.expired(2'000'000));
  EXPECT_EQ(s.refreshed_at_ms(), 1'000'000);
}

TEST(RefreshSchedule, EdnsExpireOptionReplacesSoaExpire) {
  RefreshSchedule s({}, 1);
  s.succeeded({100, 10, 1000}, 30u, 0);  // RFC 7314: the primary has 30 s left
  EXPECT_EQ(s.expire_at_ms(), 30'000);
  EXPECT_EQ(s.expire_seconds(), 30u);
}

TEST(RefreshSchedule, FailureRetriesAfterRetryAndKeepsExpireClock) {
  RefreshSchedule s({}, 7);
  s.succeeded({100, 20, 60}, std::nullopt, 0);
  s.started();
  s.finished();
  s.failed(5'000);
  EXPECT_GE(s.next_refresh_ms(), 5'000 + 18'000);
  EXPECT_LE(s.next_refresh_ms(), 5'000 + 20'000);
  EXPECT_EQ(s.expire_at_ms(), 60'000);  // unchanged by a failure
  EXPECT_EQ(s.failures(), 1);
}

TEST(RefreshSchedule, WithoutZoneBacksOffUpToAMinute) {
  RefreshSchedule s({}, 3);
  int64_t now = 0;
  int64_t last_delay = 0;
  for (int i = 0; i < 10; ++i) {
    s.failed(now);
    int64_t delay = s.next_refresh_ms() - now;
    EXPECT_GE(delay, last_delay * 9 / 10 - 1);
    EXPECT_LE(delay, 60'000);
    last_delay = delay;
    now = s.next_refresh_ms();
  }
  EXPECT_GE(last_delay, 54'000);
}

TEST(RefreshSchedule, ClampsApply) {
  TimerClamps c;
  c.refresh_min = 60;
  c.retry_max = 30;
  c.expire_min = 3600;
  RefreshSchedule s(c, 9);
  s.succeeded({5, 600, 10}, std::nullopt, 0);
  EXPECT_EQ(s.timers().refresh, 60u);
  EXPECT_EQ(s.timers().retry, 30u);
  EXPECT_EQ(s.expire_at_ms(), 3'600'000);
}

TEST(RefreshSchedule, ShortTimersAreHonouredByDefault) {
  RefreshSchedule s({}, 5);
  s.succeeded({2, 1, 8}, std::nullopt, 0);
  EXPECT_EQ(s.timers().refresh, 2u);
  EXPECT_EQ(s.timers().retry, 1u);
  EXPECT_EQ(s.expire_at_ms(), 8'000);
}

TEST(RefreshSchedule, NotifyDuringRefreshRunsAnotherRightAfter) {
  RefreshSchedule s({}, 11);
  s.succeeded({3600, 600, 86400}, std::nullopt, 0);
  EXPECT_FALSE(s.due(1000));
  s.refresh_now(1000);
  EXPECT_TRUE(s.due(1000));
  s.started();
  s.refresh_now(1500);  // a NOTIFY while the refresh runs
  s.finished();
  s.succeeded({3600, 600, 86400}, std::nullopt, 2000);
  EXPECT_TRUE(s.due(2000));  // goes again at once: the NOTIFY may announce a newer serial
  s.started();
  s.finished();
  s.succeeded({3600, 600, 86400}, std::nullopt, 2100);
  EXPECT_FALSE(s.due(2100));
}

TEST(RefreshSchedule, LoadedKeepsTheExpireClockOfBeforeTheRestart) {
  RefreshSchedule s({}, 13);
  // Confirmed 100 s before the restart, EXPIRE 120 s: 20 s left.
  s.loaded({3600, 600, 120}, 900'000, 120, 1'000'000);
  EXPECT_TRUE(s.due(1'000'000));  // ask the primaries at once
  EXPECT_EQ(s.expire_at_ms(), 1'020'000);
  EXPECT_FALSE(s.expired(1'019'999));
  EXPECT_TRUE(s.expired(1'020'000));
  // Already past: expired at once.
  RefreshSchedule old({}, 13);
  old.loaded({3600, 600, 120}, 0, 120, 1'000'000);
  EXPECT_TRUE(old.expired(1'000'000));
}

TEST(RefreshSchedule, JitterSpreadsZones) {
  std::set<int64_t> seen;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    RefreshSchedule s({}, seed);
    s.succeeded({3600, 600, 86400}, std::nullopt, 0);
    seen.insert(s.next_refresh_ms());
  }
  EXPECT_GT(seen.size(), 15u);
}

}  // namespace
}  // namespace tandem::xfr
