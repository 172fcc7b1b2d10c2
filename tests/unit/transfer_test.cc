// The pure parts of a refresh: the request messages we send and how we read
// an SOA answer. The exchange itself is covered by the interop tests.
#include "xfr/transfer.h"

#include <gtest/gtest.h>

#include "dns/types.h"
#include "dns/wire.h"
#include "xfr/ixfr_in.h"

namespace tandem::xfr {
namespace {

using dns::load_u16;

dns::Name name(const char* text) { return *dns::Name::parse_absolute(text); }

TEST(BuildXfrRequest, AxfrWithExpireOption) {
  auto m = build_xfr_request(name("example.org."), dns::rrtype::kSOA, 0x1234, true);
  EXPECT_EQ(load_u16(m.data()), 0x1234);
  EXPECT_EQ(m[2], 0);  // a query, no RD
  EXPECT_EQ(load_u16(m.data() + 4), 1);
  EXPECT_EQ(load_u16(m.data() + 8), 0);
  EXPECT_EQ(load_u16(m.data() + 10), 1);  // the OPT
  // The OPT ends the message: option 9 (EXPIRE), empty (RFC 7314 2).
  EXPECT_EQ(load_u16(m.data() + m.size() - 4), 9);
  EXPECT_EQ(load_u16(m.data() + m.size() - 2), 0);
}

TEST(BuildXfrRequest, IxfrCarriesOurSoaInAuthority) {
  std::vector<uint8_t> rd = {3, 'n', 's', '1', 0, 5, 'a', 'd', 'm', 'i', 'n', 0,
                             0, 0, 0, 42, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4};
  auto m = make_ixfr_query(name("example.org."), 7, rd, 300);
  EXPECT_EQ(load_u16(m.data() + 8), 1);   // NSCOUNT
  EXPECT_EQ(load_u16(m.data() + 10), 0);  // no OPT
  // The authority SOA's rdata is ours, unchanged, at the end.
  ASSERT_GE(m.size(), rd.size());
  EXPECT_TRUE(std::equal(rd.begin(), rd.end(), m.end() - static_cast<long>(rd.size())));
}

// An answer built by hand: header, question, one SOA (compressed owner), OPT with EXPIRE.
std::vector<uint8_t> soa_answer(uint8_t flags2, uint8_t rcode, bool with_soa, bool with_expire) {
  std::vector<uint8_t> m = {0x12, 0x34, flags2, rcode, 0, 1, 0, with_soa ? uint8_t(1) : uint8_t(0), 0, 0, 0,
                            with_expire ? uint8_t(1) : uint8_t(0)};
  auto origin = name("example.org.");
  m.insert(m.end(), origin.data(), origin.data() + origin.size());
  m.insert(m.end(), {0, 6, 0, 1});
  if (with_soa) {
    m.insert(m.end(), {0xC0, 12, 0, 6, 0, 1, 0, 0, 1, 0x2C});
    std::vector<uint8_t> rd = {3, 'n', 's', '1', 0xC0, 12, 5, 'a', 'd', 'm', 'i', 'n', 0xC0, 12,
                               0, 0, 0, 42, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0x0E, 0x10, 0, 0, 0, 4};
    m.push_back(0);
    m.push_back(static_cast<uint8_t>(rd.size()));
    m.insert(m.end(), rd.begin(), rd.end());
  }
  if (with_expire) m.insert(m.end(), {0, 0, 41, 4, 0xD0, 0, 0, 0, 0, 0, 8, 0, 9, 0, 4, 0, 0, 0, 99});
  return m;
}

TEST(ParseSoaAnswer, ReadsSerialExpireAndOption) {
  auto a = parse_soa_answer(soa_answer(0x84, 0, true, true), name("example.org."));
  ASSERT_TRUE(a) << a.error();
  EXPECT_TRUE(a->authoritative);
  EXPECT_EQ(a->serial, 42u);
  EXPECT_EQ(a->expire, 3600u);
  EXPECT_EQ(a->expire_option, 99u);
}

TEST(ParseSoaAnswer, NoSoaNoAaAndErrors) {
  auto a = parse_soa_answer(soa_answer(0x80, 5, false, false), name("example.org."));
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->authoritative);
  EXPECT_EQ(a->rcode, 5);
  EXPECT_FALSE(a->serial);
  // An SOA of another name is not ours.
  EXPECT_FALSE(parse_soa_answer(soa_answer(0x84, 0, true, false), name("example.net."))->serial);
  // Truncations anywhere fail cleanly.
  auto full = soa_answer(0x84, 0, true, true);
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
    auto r = parse_soa_answer(cut, name("example.org."));
    if (r) {
      EXPECT_FALSE(r->serial && r->expire_option) << n;
    }
  }
}

TEST(RefreshZone, FailsWithReasonWhenNoPrimaryAnswers) {
  RefreshRequest req;
  req.origin = name("example.org.");
  config::Remote r;
  r.id = "nobody";
  r.addresses.push_back(*net::SocketAddress::parse("127.0.0.1@1", 53));
  req.primaries.push_back(r);
  req.timeout_ms = 300;
  RefreshOutcome out = refresh_zone(req);
  EXPECT_EQ(out.result, RefreshResult::kFailed);
  EXPECT_NE(out.message.find("127.0.0.1@1"), std::string::npos) << out.message;
  RefreshRequest none;
  none.origin = req.origin;
  EXPECT_EQ(refresh_zone(none).message, "no primary address configured");
}

}  // namespace
}  // namespace tandem::xfr
