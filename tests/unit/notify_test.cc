// Tests of the NOTIFY messages (RFC 1996) in both directions, the NOTIFY
// retransmission schedule and the refresh jitter.
#include "xfr/notify.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::xfr {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint16_t kId = 0x1F2E;
constexpr uint32_t kSerial = 2024120401;

dns::Name name(const char* text) { return dns::Name::parse_absolute(text).value(); }

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
void put_name(Bytes& b, const char* text) {
  dns::Name n = name(text);
  b.insert(b.end(), n.data(), n.data() + n.size());
}

// Uncompressed SOA rdata: ns1.<zone> admin.<zone> serial 3600 600 86400 300.
Bytes soa_rdata(uint32_t serial, const char* mname = "ns1.example.",
                const char* rname = "admin.example.") {
  Bytes r;
  put_name(r, mname);
  put_name(r, rname);
  put32(r, serial);
  for (uint32_t v : {3600u, 600u, 86400u, 300u}) put32(r, v);
  return r;
}

// A header with the given flags and counts.
Bytes header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an = 0) {
  Bytes b;
  put16(b, id);
  put16(b, flags);
  put16(b, qd);
  put16(b, an);
  put16(b, 0);
  put16(b, 0);
  return b;
}
constexpr uint16_t kNotifyFlags = 4 << 11;  // opcode NOTIFY
constexpr uint16_t kQr = 0x8000;

void put_question(Bytes& b, const char* qname, uint16_t qtype = dns::rrtype::kSOA,
                  uint16_t qclass = dns::rrclass::kIN) {
  put_name(b, qname);
  put16(b, qtype);
  put16(b, qclass);
}

// --- parse_notify / make_notify ---

TEST(MakeNotify, WithoutSoaParsesBack) {
  Bytes m = make_notify(name("example."), kId, std::nullopt);
  ASSERT_EQ(m.size(), 12u + 9 + 4);
  EXPECT_EQ(dns::load_u16(m.data()), kId);
  EXPECT_EQ(dns::load_u16(m.data() + 2), 0x2400);  // opcode NOTIFY, AA
  EXPECT_EQ(dns::load_u16(m.data() + 4), 1);
  EXPECT_EQ(dns::load_u16(m.data() + 6), 0);
  auto r = parse_notify(m);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->id, kId);
  EXPECT_EQ(r->zone, name("example."));
  EXPECT_FALSE(r->serial.has_value());
}

TEST(MakeNotify, WithSoaCarriesSerial) {
  Bytes rdata = soa_rdata(kSerial);
  Bytes m = make_notify(name("Example.COM."), 7, std::span<const uint8_t>(rdata), 3600);
  EXPECT_EQ(dns::load_u16(m.data() + 6), 1);  // ANCOUNT
  // The answer: pointer to the QNAME, SOA IN, TTL, rdata as given.
  const size_t an = 12 + 13 + 4;
  EXPECT_EQ(dns::load_u16(m.data() + an), 0xC00C);
  EXPECT_EQ(dns::load_u16(m.data() + an + 2), dns::rrtype::kSOA);
  EXPECT_EQ(dns::load_u16(m.data() + an + 4), dns::rrclass::kIN);
  EXPECT_EQ(dns::load_u32(m.data() + an + 6), 3600u);
  EXPECT_EQ(dns::load_u16(m.data() + an + 10), rdata.size());
  EXPECT_TRUE(std::equal(rdata.begin(), rdata.end(), m.begin() + an + 12));
  ASSERT_EQ(m.size(), an + 12 + rdata.size());
  auto r = parse_notify(m);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->id, 7);
  EXPECT_EQ(r->zone.to_text(), "Example.COM.");  // case preserved
  ASSERT_TRUE(r->serial.has_value());
  EXPECT_EQ(*r->serial, kSerial);
}

TEST(ParseNotify, CompressedSoaInAnswer) {
  // As BIND sends it: owner and the names inside the SOA compressed.
  Bytes m = header(kId, kNotifyFlags | 0x0400, 1, 1);
  put_question(m, "example.");
  put16(m, 0xC00C);
  put16(m, dns::rrtype::kSOA);
  put16(m, dns::rrclass::kIN);
  put32(m, 3600);
  Bytes rd = {3, 'n', 's', '1', 0xC0, 0x0C, 5, 'a', 'd', 'm', 'i', 'n', 0xC0, 0x0C};
  put32(rd, 42);
  for (uint32_t v : {1u, 2u, 3u, 4u}) put32(rd, v);
  put16(m, static_cast<uint16_t>(rd.size()));
  m.insert(m.end(), rd.begin(), rd.end());
  auto r = parse_notify(m);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->serial, 42u);
}

TEST(ParseNotify, SoaOfAnotherOwnerIgnored) {
  Bytes m = header(kId, kNotifyFlags, 1, 2);
  put_question(m, "example.");
  Bytes rd = soa_rdata(1);
  put_name(m, "other.");
  put16(m, dns::rrtype::kSOA);
  put16(m, dns::rrclass::kIN);
  put32(m, 0);
  put16(m, static_cast<uint16_t>(rd.size()));
  m.insert(m.end(), rd.begin(), rd.end());
  // Then an A record at the apex: skipped.
  put_name(m, "example.");
  put16(m, dns::rrtype::kA);
  put16(m, dns::rrclass::kIN);
  put32(m, 0);
  put16(m, 4);
  put32(m, 0xC0000201);
  auto r = parse_notify(m);
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->serial.has_value());
}

TEST(ParseNotify, AdditionalSectionIgnored) {
  Bytes m = make_notify(name("example."), kId, std::nullopt);
  dns::store_u16(m.data() + 10, 1);  // ARCOUNT 1 with garbage: TSIG is the caller's job
  m.push_back(0xFF);
  EXPECT_TRUE(parse_notify(m));
}

std::string parse_error(const Bytes& m) {
  auto r = parse_notify(m);
  return r ? "(parsed)" : r.error();
}

TEST(ParseNotify, Rejects) {
  EXPECT_EQ(parse_error(Bytes(11, 0)), "NOTIFY shorter than a DNS header");

  Bytes m = header(kId, kNotifyFlags, 0);
  EXPECT_EQ(parse_error(m), "NOTIFY without a question");

  m = header(kId, kNotifyFlags, 2);
  put_question(m, "example.");
  put_question(m, "example.");
  EXPECT_EQ(parse_error(m), "NOTIFY with 2 questions");

  m = header(kId, kNotifyFlags, 1);
  put_question(m, "example.", dns::rrtype::kA);
  EXPECT_EQ(parse_error(m), "NOTIFY for type A, expected SOA");

  m = header(kId, kNotifyFlags, 1);
  put_question(m, "example.", dns::rrtype::kSOA, dns::rrclass::kCH);
  EXPECT_EQ(parse_error(m), "NOTIFY for class CH, expected IN");

  m = header(kId, 0, 1);  // opcode QUERY
  put_question(m, "example.");
  EXPECT_EQ(parse_error(m), "opcode 0 is not NOTIFY");

  m = header(kId, kNotifyFlags | kQr, 1);
  put_question(m, "example.");
  EXPECT_EQ(parse_error(m), "QR set: a response, not a NOTIFY request");

  m = header(kId, kNotifyFlags, 1);
  put_question(m, "example.");
  m.pop_back();
  EXPECT_EQ(parse_error(m), "NOTIFY with a malformed or truncated question");

  m = header(kId, kNotifyFlags, 1);
  m.insert(m.end(), {0xC0, 0x20, 0, 6, 0, 1});  // forward compression pointer
  EXPECT_EQ(parse_error(m), "NOTIFY with a malformed or truncated question");
}

TEST(ParseNotify, RejectsBrokenAnswers) {
  Bytes base = header(kId, kNotifyFlags, 1, 1);
  put_question(base, "example.");

  Bytes m = base;  // ANCOUNT 1, no record
  EXPECT_EQ(parse_error(m), "NOTIFY with a malformed answer record 1");

  m = base;  // rdata shorter than RDLENGTH
  put16(m, 0xC00C);
  put16(m, dns::rrtype::kSOA);
  put16(m, dns::rrclass::kIN);
  put32(m, 0);
  put16(m, 40);
  m.insert(m.end(), 10, 0);
  EXPECT_EQ(parse_error(m), "NOTIFY with a truncated answer record 1");

  // SOA rdata without the 20 fixed octets.
  m = base;
  Bytes rd = soa_rdata(5);
  rd.resize(rd.size() - 4);
  put16(m, 0xC00C);
  put16(m, dns::rrtype::kSOA);
  put16(m, dns::rrclass::kIN);
  put32(m, 0);
  put16(m, static_cast<uint16_t>(rd.size()));
  m.insert(m.end(), rd.begin(), rd.end());
  EXPECT_EQ(parse_error(m), "NOTIFY with a malformed SOA in the answer section");

  // SOA rdata whose name runs past RDLENGTH.
  m = base;
  put16(m, 0xC00C);
  put16(m, dns::rrtype::kSOA);
  put16(m, dns::rrclass::kIN);
  put32(m, 0);
  put16(m, 3);
  m.insert(m.end(), {5, 'a', 'b'});
  m.insert(m.end(), {'c', 'd', 'e', 0, 0, 0});
  EXPECT_EQ(parse_error(m), "NOTIFY with a malformed SOA in the answer section");
}

// --- build_notify_answer / check_notify_answer ---

TEST(NotifyAnswer, BuildAndCheckRoundTrip) {
  Bytes rdata = soa_rdata(kSerial);
  Bytes req = make_notify(name("Example."), kId, std::span<const uint8_t>(rdata));
  auto parsed = parse_notify(req);
  ASSERT_TRUE(parsed);
  uint8_t out[512];
  size_t n = build_notify_answer(*parsed, out, sizeof out);
  ASSERT_EQ(n, 12u + 9 + 4);
  Bytes a(out, out + n);
  EXPECT_EQ(dns::load_u16(a.data()), kId);
  EXPECT_EQ(dns::load_u16(a.data() + 2), 0xA400);  // QR, opcode NOTIFY, AA, NOERROR
  EXPECT_EQ(dns::load_u16(a.data() + 4), 1);
  EXPECT_EQ(dns::load_u16(a.data() + 6), 0);
  EXPECT_EQ(dns::load_u16(a.data() + 8), 0);
  EXPECT_EQ(dns::load_u16(a.data() + 10), 0);
  // The question is the request's, byte for byte.
  EXPECT_TRUE(std::equal(a.begin() + 12, a.end(), req.begin() + 12));
  auto ok = check_notify_answer(a, kId, name("example."));
  EXPECT_TRUE(ok) << ok.error();
}

TEST(NotifyAnswer, RawOverloadEchoesRd) {
  Bytes req = make_notify(name("example."), kId, std::nullopt);
  req[2] |= 0x01;  // RD
  uint8_t out[512];
  size_t n = build_notify_answer(std::span<const uint8_t>(req), out, sizeof out);
  ASSERT_GT(n, 0u);
  EXPECT_EQ(dns::load_u16(out + 2), 0xA500);
  EXPECT_TRUE(check_notify_answer({out, n}, kId, name("example.")));
  // Not a NOTIFY: nothing built.
  Bytes bad = header(kId, 0, 1);
  put_question(bad, "example.");
  EXPECT_EQ(build_notify_answer(std::span<const uint8_t>(bad), out, sizeof out), 0u);
}

TEST(NotifyAnswer, TooSmallBufferGivesZero) {
  NotifyRequest req{kId, name("example."), std::nullopt};
  uint8_t out[24];
  EXPECT_EQ(build_notify_answer(req, out, sizeof out), 0u);
  EXPECT_EQ(build_notify_answer(req, out, 0), 0u);
}

// An answer to a NOTIFY for example. with the given fields.
Bytes notify_answer(uint16_t id = kId, uint16_t flags = kNotifyFlags | kQr | 0x0400,
                    const char* qname = "example.", uint16_t qtype = dns::rrtype::kSOA,
                    uint16_t qd = 1) {
  Bytes a = header(id, flags, qd);
  for (uint16_t i = 0; i < qd; ++i) put_question(a, qname, qtype);
  return a;
}

std::string check_error(const Bytes& a) {
  auto r = check_notify_answer(a, kId, name("example."));
  return r ? "(ok)" : r.error();
}

TEST(CheckNotifyAnswer, Accepts) {
  EXPECT_EQ(check_error(notify_answer()), "(ok)");
  EXPECT_EQ(check_error(notify_answer(kId, kNotifyFlags | kQr, "EXAMPLE.")), "(ok)");  // no AA
}

TEST(CheckNotifyAnswer, Errors) {
  EXPECT_EQ(check_error(Bytes(5, 0)), "answer shorter than a DNS header");
  EXPECT_EQ(check_error(notify_answer(0x1234)), "answer has ID 4660, expected 7982");
  EXPECT_EQ(check_error(notify_answer(kId, kNotifyFlags)), "answer has QR clear");
  EXPECT_EQ(check_error(notify_answer(kId, kQr)), "answer has opcode 0, expected NOTIFY");
  EXPECT_EQ(check_error(notify_answer(kId, kNotifyFlags | kQr, "example.org.")),
            "answer is for example.org., expected example.");
  EXPECT_EQ(check_error(notify_answer(kId, kNotifyFlags | kQr, "example.", dns::rrtype::kA)),
            "answer question is IN A, expected IN SOA");
  EXPECT_EQ(check_error(notify_answer(kId, kNotifyFlags | kQr | dns::rcode::kRefused)),
            "secondary answered REFUSED");
  EXPECT_EQ(check_error(notify_answer(kId, kNotifyFlags | kQr, "example.", dns::rrtype::kSOA, 2)),
            "answer has 2 questions");
  // An error answer without a question still reports the RCODE.
  EXPECT_EQ(check_error(notify_answer(kId, kNotifyFlags | kQr | dns::rcode::kNotAuth, "example.",
                                      dns::rrtype::kSOA, 0)),
            "secondary answered NOTAUTH");
  // NOERROR needs the question.
  EXPECT_EQ(check_error(notify_answer(kId, kNotifyFlags | kQr, "example.", dns::rrtype::kSOA, 0)),
            "answer has no question");
  Bytes cut = notify_answer();
  cut.resize(cut.size() - 2);
  EXPECT_EQ(check_error(cut), "answer has a malformed question");
}

// --- NotifyRetry ---

TEST(NotifyRetry, DefaultDoublesFromOneSecondFiveTries) {
  NotifyRetry r;
  std::vector<int64_t> delays;
  while (true) {
    EXPECT_FALSE(r.give_up());
    delays.push_back(r.next_delay_ms());
    if (r.give_up()) break;
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000}));
  EXPECT_EQ(r.tries(), 5);
}

TEST(NotifyRetry, IntervalCapped) {
  NotifyRetry r(6, 500, 3000);
  std::vector<int64_t> delays;
  while (!r.give_up()) delays.push_back(r.next_delay_ms());
  EXPECT_EQ(delays, (std::vector<int64_t>{500, 1000, 2000, 3000, 3000, 3000}));
}

TEST(NotifyRetry, AtLeastOneTry) {
  NotifyRetry r(0, 0, 0);
  EXPECT_FALSE(r.give_up());
  EXPECT_EQ(r.next_delay_ms(), 1);
  EXPECT_TRUE(r.give_up());
}

// --- RefreshJitter ---

TEST(RefreshJitter, DeterministicAndInRange) {
  std::set<int64_t> seen;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    int64_t j = RefreshJitter::jitter(3'600'000, seed, 10);
    EXPECT_EQ(j, RefreshJitter::jitter(3'600'000, seed, 10));
    ASSERT_GE(j, 3'240'000);
    ASSERT_LE(j, 3'600'000);
    seen.insert(j);
    lo = std::min(lo, j);
    hi = std::max(hi, j);
  }
  // Spread over the range, not clustered.
  EXPECT_GT(seen.size(), 1900u);
  EXPECT_LT(lo, 3'260'000);
  EXPECT_GT(hi, 3'580'000);
}

TEST(RefreshJitter, EdgeCases) {
  EXPECT_EQ(RefreshJitter::jitter(5000, 123, 0), 5000);
  EXPECT_EQ(RefreshJitter::jitter(0, 123, 50), 0);
  EXPECT_EQ(RefreshJitter::jitter(-10, 123, 50), -10);
  for (uint64_t seed = 0; seed < 100; ++seed) {
    int64_t j = RefreshJitter::jitter(1000, seed, 250);  // clamped to 100 %
    EXPECT_GE(j, 0);
    EXPECT_LE(j, 1000);
    EXPECT_EQ(RefreshJitter::jitter(1000, seed, -5), 1000);
  }
  const int64_t big = INT64_MAX / 2;
  int64_t j = RefreshJitter::jitter(big, 99, 100);
  EXPECT_GE(j, 0);
  EXPECT_LE(j, big);
}

}  // namespace
}  // namespace tandem::xfr
