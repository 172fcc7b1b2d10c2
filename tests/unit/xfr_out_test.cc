#include "xfr/xfr_out.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "dns/name.h"
#include "dns/tsig.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "xfr/axfr_in.h"
#include "zone/records.h"
#include "zone/zone_data.h"

namespace tandem::xfr {
namespace {

using dns::rrtype::kAXFR;
using dns::rrtype::kIXFR;
using dns::rrtype::kSOA;

constexpr uint16_t kId = 0x2B1C;
constexpr uint64_t kNow = 1'700'000'000;

dns::Name name(const char* text) { return dns::Name::parse_absolute(text).value(); }

std::string soa_line(uint32_t serial) {
  return "@ SOA ns1 admin " + std::to_string(serial) + " 3600 600 86400 300\n";
}

std::shared_ptr<const zone::Zone> load(const std::string& body, uint32_t serial) {
  std::string text = "$ORIGIN example.\n$TTL 3600\n" + soa_line(serial) +
                     "@ NS ns1\n@ NS ns2.example.net.\nns1 A 192.0.2.1\n" + body;
  zone::LoadResult r = zone::load_zone_text(name("example."), text, "z.zone");
  EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors[0].message);
  return r.zone;
}

const char* kSmallBody =
    "www A 192.0.2.2\nwww A 192.0.2.3\nwww AAAA 2001:db8::1\n"
    "@ MX 10 mail\nmail A 192.0.2.4\nalias CNAME www\nft CNAME www.example.org.\n"
    "sub NS ns.sub\nns.sub A 192.0.2.9\n4.2 PTR www\ntxt TXT \"hello\" \"world\"\n"
    "deep.a.b.c A 192.0.2.10\n";

// A zone of about `n` records of assorted types.
std::string big_body(int n) {
  std::string s;
  for (int i = 0; s.size() < 1 || i < n / 5; ++i) {
    const std::string h = "host" + std::to_string(i);
    s += h + " A 10.0." + std::to_string(i / 250 % 250) + "." + std::to_string(i % 250) + "\n";
    s += h + " AAAA 2001:db8::" + std::to_string(i % 9999) + "\n";
    s += h + " MX 10 mx" + std::to_string(i % 7) + ".example.\n";
    s += "c" + std::to_string(i) + " CNAME " + h + "\n";
    s += h + " TXT \"record number " + std::to_string(i) + "\"\n";
  }
  return s;
}

using Rec = std::tuple<std::vector<uint8_t>, uint16_t, uint32_t, std::vector<uint8_t>>;

std::vector<Rec> records_of(const zone::Zone& z) {
  std::vector<Rec> out;
  zone::for_each_record(z.data(), [&](const zone::RecordView& r) {
    out.emplace_back(std::vector<uint8_t>(r.owner.begin(), r.owner.end()), r.type, r.ttl,
                     std::vector<uint8_t>(r.rdata.begin(), r.rdata.end()));
  });
  std::sort(out.begin(), out.end());
  return out;
}

XfrOutRequest request(uint16_t qtype = kAXFR, uint32_t client_serial = 0) {
  XfrOutRequest r;
  r.id = kId;
  dns::Name q = name("Example.");  // the asker's case is echoed in the question
  r.qname.assign(q.data(), q.data() + q.size());
  r.qtype = qtype;
  r.client_serial = client_serial;
  return r;
}

std::vector<std::vector<uint8_t>> run(XfrOutStream& s) {
  std::vector<std::vector<uint8_t>> out;
  std::vector<uint8_t> buf(XfrOutStream::kMaxMessage);
  for (int guard = 0; guard < 100000; ++guard) {
    const size_t n = s.next(buf.data(), buf.size(), kNow);
    if (n == 0) break;
    out.emplace_back(buf.begin(), buf.begin() + n);
  }
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.next(buf.data(), buf.size(), kNow), 0u);  // stays ended
  return out;
}

// One answer record as read back, names decompressed.
struct Answer {
  dns::Name owner;
  uint16_t type;
  uint32_t ttl;
  uint32_t serial;  // SOA only
};

std::vector<Answer> answers(const std::vector<uint8_t>& msg) {
  std::vector<Answer> out;
  size_t pos = 12;
  uint8_t n[dns::kMaxNameWire];
  for (uint16_t i = 0; i < dns::load_u16(msg.data() + 4); ++i) {
    EXPECT_TRUE(dns::read_name(msg.data(), msg.size(), pos, n).has_value());
    pos += 4;
  }
  for (uint16_t i = 0; i < dns::load_u16(msg.data() + 6); ++i) {
    Answer a;
    EXPECT_TRUE(dns::read_name(msg.data(), msg.size(), pos, n).has_value());
    a.owner = dns::Name::from_wire(n);
    a.type = dns::load_u16(msg.data() + pos);
    a.ttl = dns::load_u32(msg.data() + pos + 4);
    const size_t rdlen = dns::load_u16(msg.data() + pos + 8);
    pos += 10;
    a.serial = 0;
    if (a.type == kSOA) {
      size_t p = pos;
      EXPECT_TRUE(dns::read_name(msg.data(), msg.size(), p, n).has_value());
      EXPECT_TRUE(dns::read_name(msg.data(), msg.size(), p, n).has_value());
      a.serial = dns::load_u32(msg.data() + p);
    }
    pos += rdlen;
    out.push_back(a);
  }
  return out;
}

AxfrParams consumer_params(const dns::TsigKey* key = nullptr, std::span<const uint8_t> mac = {}) {
  AxfrParams p;
  p.origin = name("example.");
  p.query_id = kId;
  p.key = key;
  p.request_mac = mac;
  p.peer = "test";
  p.now = kNow;
  return p;
}

// Streams the zone and loads it back with the secondary's consumer.
void round_trip(std::shared_ptr<const zone::Zone> z, const dns::TsigKey* key = nullptr,
                size_t sign_every = 1, size_t min_messages = 1) {
  XfrOutRequest req = request();
  req.key = key;
  const uint8_t mac[32] = {1, 2, 3};
  req.request_mac.assign(mac);
  XfrOutStream s(z, nullptr, req);
  s.set_sign_every(sign_every);
  auto msgs = run(s);
  EXPECT_EQ(s.kind(), XfrOutKind::kAxfr);
  EXPECT_GE(msgs.size(), min_messages);
  EXPECT_EQ(s.messages(), msgs.size());
  EXPECT_EQ(s.records(), z->record_count() + 1);
  EXPECT_EQ(s.serial(), z->serial());
  AxfrConsumer c(consumer_params(key, mac));
  uint64_t total = 0;
  for (size_t i = 0; i < msgs.size(); ++i) {
    const auto& m = msgs[i];
    total += m.size();
    EXPECT_LE(m.size(), XfrOutStream::kMaxMessage);
    EXPECT_EQ(dns::load_u16(m.data()), kId);
    EXPECT_EQ(m[2], 0x84);                                   // QR, AA, opcode QUERY
    EXPECT_EQ(m[3], 0x00);                                   // NOERROR
    EXPECT_EQ(dns::load_u16(m.data() + 4), i == 0 ? 1 : 0);  // the question in the first only
    if (key) {
      const bool signed_expected = i == 0 || i + 1 == msgs.size() || i % sign_every == 0;
      EXPECT_EQ(dns::load_u16(m.data() + 10), signed_expected ? 1 : 0) << "message " << i;
    }
    AxfrStatus st = c.feed(m);
    ASSERT_NE(st.state, AxfrState::kFailed) << st.reason;
  }
  EXPECT_EQ(s.bytes(), total);
  ASSERT_EQ(c.status().state, AxfrState::kDone) << c.status().reason;
  zone::LoadResult r = c.take();
  ASSERT_NE(r.zone, nullptr);
  EXPECT_EQ(r.zone->serial(), z->serial());
  EXPECT_EQ(records_of(*r.zone), records_of(*z));
}

// --- parse_xfr_request ---

class RequestMsg {
 public:
  RequestMsg(uint16_t qtype, const char* qname = "Example.", uint16_t flags = 0x0100) {
    u16(kId);
    u16(flags);
    u16(1);
    u16(0);
    u16(0);
    u16(0);
    dns::Name q = name(qname);
    b_.insert(b_.end(), q.data(), q.data() + q.size());
    u16(qtype);
    u16(dns::rrclass::kIN);
  }
  // The client's SOA in the authority section, owner and MNAME compressed
  // against the question name (offset 12).
  RequestMsg& soa(uint32_t serial, uint16_t type = kSOA) {
    u16(0xC00C);
    u16(type);
    u16(dns::rrclass::kIN);
    u16(0);
    u16(3600);
    const size_t rd = b_.size();
    u16(0);
    b_.insert(b_.end(), {3, 'n', 's', '1'});
    u16(0xC00C);
    b_.insert(b_.end(), {5, 'a', 'd', 'm', 'i', 'n', 0});
    u16(static_cast<uint16_t>(serial >> 16));
    u16(static_cast<uint16_t>(serial));
    for (int i = 0; i < 8; ++i) u16(0);
    dns::store_u16(b_.data() + rd, static_cast<uint16_t>(b_.size() - rd - 2));
    dns::store_u16(b_.data() + 8, static_cast<uint16_t>(dns::load_u16(b_.data() + 8) + 1));
    return *this;
  }
  std::vector<uint8_t>& bytes() { return b_; }

 private:
  void u16(uint16_t v) {
    b_.push_back(static_cast<uint8_t>(v >> 8));
    b_.push_back(static_cast<uint8_t>(v));
  }
  std::vector<uint8_t> b_;
};

void expect_error(std::vector<uint8_t> msg, const std::string& part) {
  auto r = parse_xfr_request(msg);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find(part), std::string::npos) << r.error();
}

TEST(XfrOutRequest, Axfr) {
  RequestMsg m(kAXFR);
  auto r = parse_xfr_request(m.bytes());
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->id, kId);
  EXPECT_EQ(r->qtype, kAXFR);
  EXPECT_TRUE(r->rd);
  dns::Name q = name("Example.");
  EXPECT_EQ(r->qname, std::vector<uint8_t>(q.data(), q.data() + q.size()));  // case kept
  EXPECT_EQ(r->key, nullptr);
}

TEST(XfrOutRequest, IxfrReadsTheClientSerial) {
  RequestMsg m(kIXFR, "Example.", 0x0000);
  m.soa(0x89ABCDEF);
  auto r = parse_xfr_request(m.bytes());
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->qtype, kIXFR);
  EXPECT_EQ(r->client_serial, 0x89ABCDEFu);
  EXPECT_FALSE(r->rd);
}

TEST(XfrOutRequest, Errors) {
  expect_error({0, 1, 0}, "shorter than a DNS header");
  expect_error(RequestMsg(kAXFR, "example.", 0x8000).bytes(), "not a query");
  expect_error(RequestMsg(kAXFR, "example.", 0x2800).bytes(), "opcode 5 is not QUERY");
  {
    RequestMsg m(kAXFR);
    m.bytes()[5] = 2;
    expect_error(m.bytes(), "question count is 2, expected 1");
    m.bytes()[5] = 0;
    expect_error(m.bytes(), "question count is 0, expected 1");
  }
  {
    RequestMsg m(kAXFR);
    m.bytes().pop_back();
    expect_error(m.bytes(), "malformed question");
  }
  expect_error(RequestMsg(dns::rrtype::kA).bytes(), "query type A is not AXFR or IXFR");
  {
    RequestMsg m(kAXFR);
    m.bytes().back() = dns::rrclass::kCH;
    expect_error(m.bytes(), "class CH is not IN");
  }
  expect_error(RequestMsg(kIXFR).bytes(), "IXFR without an SOA in the authority section");
  expect_error(RequestMsg(kIXFR).soa(5, dns::rrtype::kNS).bytes(), "not the SOA of the zone");
  {
    RequestMsg m(kIXFR);
    m.soa(5);
    m.bytes().erase(m.bytes().end() - 3, m.bytes().end());
    expect_error(m.bytes(), "malformed authority section");
  }
  {
    // The SOA's rdlength too short for the serial.
    RequestMsg m(kIXFR);
    m.soa(5);
    const size_t rdlen_at = m.bytes().size() - 20 - 7 - 6 - 2;
    dns::store_u16(m.bytes().data() + rdlen_at, 15);
    expect_error(m.bytes(), "malformed authority section");
  }
}

// --- AXFR ---

TEST(XfrOut, SmallZoneInOneMessage) {
  auto z = load(kSmallBody, 42);
  XfrOutStream s(z, nullptr, request());
  auto msgs = run(s);
  ASSERT_EQ(msgs.size(), 1u);
  const auto& m = msgs[0];
  // The question as asked.
  const uint8_t q[] = {7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 252, 0, 1};
  EXPECT_TRUE(std::equal(std::begin(q), std::end(q), m.begin() + 12));
  std::vector<Answer> an = answers(m);
  ASSERT_EQ(an.size(), z->record_count() + 1);
  EXPECT_EQ(an.front().type, kSOA);
  EXPECT_EQ(an.front().serial, 42u);
  EXPECT_EQ(an.back().type, kSOA);
  EXPECT_EQ(an.back().serial, 42u);
  for (size_t i = 1; i + 1 < an.size(); ++i) EXPECT_NE(an[i].type, kSOA);
  round_trip(z);
}

// Owners and the names in NS/CNAME/MX/PTR/SOA rdata are compressed: the
// message is much smaller than the records written out in full.
TEST(XfrOut, NamesAreCompressed) {
  auto z = load(kSmallBody, 1);
  size_t full = 12 + 13 + 4;
  zone::for_each_record(
      z->data(), [&](const zone::RecordView& r) { full += r.owner.size() + 10 + r.rdata.size(); });
  full += 12 + 10 + z->data().rrset(z->data().node(0), kSOA)->data_size;  // closing SOA
  XfrOutStream s(z, nullptr, request());
  auto msgs = run(s);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_LT(msgs[0].size() * 4, full * 3) << msgs[0].size() << " vs " << full;
  // "www.example." never appears in full: owners point at the apex.
  const uint8_t www[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  EXPECT_EQ(std::search(msgs[0].begin(), msgs[0].end(), std::begin(www), std::end(www)),
            msgs[0].end());
}

TEST(XfrOut, LargeZoneInSeveralMessages) {
  auto z = load(big_body(50000), 7);
  ASSERT_GT(z->record_count(), 50000u);
  round_trip(z, nullptr, 1, 10);
}

class XfrOutTsig : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *dns::make_tsig_key(name("xfr-key."), "hmac-sha256", std::vector<uint8_t>(32, 0x5A));
  }
  dns::TsigKey key_;
};

TEST_F(XfrOutTsig, SmallZoneSigned) { round_trip(load(kSmallBody, 3), &key_); }

TEST_F(XfrOutTsig, LargeZoneEveryMessageSigned) {
  round_trip(load(big_body(50000), 3), &key_, 1, 10);
}

TEST_F(XfrOutTsig, LargeZoneEveryFifthMessageSigned) {
  round_trip(load(big_body(50000), 3), &key_, 5, 10);
}

TEST_F(XfrOutTsig, Sha512LeavesRoomForTheLongerMac) {
  key_ = *dns::make_tsig_key(name("a-much-longer-key-name.for-tsig.example."), "hmac-sha512",
                             std::vector<uint8_t>(64, 0x11));
  round_trip(load(big_body(20000), 3), &key_, 1, 4);
}

// A record that cannot fit in any message ends the stream with SERVFAIL.
TEST(XfrOut, RecordTooLargeGivesServfail) {
  std::string txt = "big TXT";
  for (int i = 0; i < 255; ++i) txt += " \"" + std::string(255, 'x') + "\"";
  txt += " \"" + std::string(254, 'y') + "\"\n";
  auto z = load(txt, 1);
  ASSERT_NE(z, nullptr);
  XfrOutStream s(z, nullptr, request());
  auto msgs = run(s);
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.back()[3] & 0x0F, dns::rcode::kServFail);
  EXPECT_EQ(dns::load_u16(msgs.back().data() + 6), 0);
  EXPECT_NE(s.error().find("does not fit"), std::string::npos);
}

// --- IXFR ---

TEST(XfrOut, IxfrClientUpToDate) {
  auto z = load(kSmallBody, 10);
  for (uint32_t client : {10u, 11u}) {
    XfrOutStream s(z, nullptr, request(kIXFR, client));
    EXPECT_EQ(s.kind(), XfrOutKind::kIxfrUpToDate);
    auto msgs = run(s);
    ASSERT_EQ(msgs.size(), 1u);
    std::vector<Answer> an = answers(msgs[0]);
    ASSERT_EQ(an.size(), 1u);
    EXPECT_EQ(an[0].type, kSOA);
    EXPECT_EQ(an[0].serial, 10u);
    // The question stays IXFR.
    EXPECT_EQ(dns::load_u16(msgs[0].data() + 12 + 9), kIXFR);
  }
}

struct History {
  std::shared_ptr<const zone::Zone> v1, v2, v3;
  std::shared_ptr<Journal> journal = std::make_shared<Journal>();
  History() {
    v1 = load("a A 192.0.2.10\nb A 192.0.2.11\n", 1);
    v2 = load("a A 192.0.2.10\nb A 192.0.2.12\nc A 192.0.2.13\n", 2);
    v3 = load("a 60 A 192.0.2.10\nb A 192.0.2.12\nd A 192.0.2.14\n", 3);
    journal->add(zone::compute_diff(*v1, *v2));
    journal->add(zone::compute_diff(*v2, *v3));
  }
};

// RFC 1995 4: SOA(new), SOA(old), removed, SOA(new), added, SOA(new).
TEST(XfrOut, IxfrFromTheJournal) {
  History h;
  XfrOutStream s(h.v3, h.journal, request(kIXFR, 1));
  ASSERT_EQ(s.kind(), XfrOutKind::kIxfr);
  auto msgs = run(s);
  ASSERT_EQ(msgs.size(), 1u);
  std::vector<Answer> an = answers(msgs[0]);
  // 1 -> 3: removed a(3600), b .11; added a(60), b .12, d.
  ASSERT_EQ(an.size(), 4u + 2u + 3u);
  EXPECT_EQ(s.diff_records(), 5u);
  EXPECT_EQ(an[0].serial, 3u);
  EXPECT_EQ(an[1].serial, 1u);
  EXPECT_EQ(an[4].type, kSOA);
  EXPECT_EQ(an[4].serial, 3u);
  EXPECT_EQ(an[8].serial, 3u);
  std::vector<std::pair<std::string, uint32_t>> removed, added;
  for (size_t i = 2; i < 4; ++i) removed.emplace_back(an[i].owner.to_text(), an[i].ttl);
  for (size_t i = 5; i < 8; ++i) added.emplace_back(an[i].owner.to_text(), an[i].ttl);
  std::sort(removed.begin(), removed.end());
  std::sort(added.begin(), added.end());
  using P = std::pair<std::string, uint32_t>;
  EXPECT_EQ(removed, (std::vector<P>{{"a.example.", 3600}, {"b.example.", 3600}}));
  EXPECT_EQ(added,
            (std::vector<P>{{"a.example.", 60}, {"b.example.", 3600}, {"d.example.", 3600}}));
  EXPECT_EQ(s.records(), 9u);
}

TEST(XfrOut, IxfrFromTheMiddleOfTheJournal) {
  History h;
  XfrOutStream s(h.v3, h.journal, request(kIXFR, 2));
  ASSERT_EQ(s.kind(), XfrOutKind::kIxfr);
  std::vector<Answer> an = answers(run(s).at(0));
  // 2 -> 3: removed a(3600), c; added a(60), d.
  ASSERT_EQ(an.size(), 4u + 2u + 2u);
  EXPECT_EQ(an[1].serial, 2u);
}

void expect_full_zone_for_ixfr(XfrOutStream& s, const zone::Zone& z) {
  EXPECT_EQ(s.kind(), XfrOutKind::kIxfrAsAxfr);
  auto msgs = run(s);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(dns::load_u16(msgs[0].data() + 12 + 9), kIXFR);  // the question stays IXFR
  std::vector<Answer> an = answers(msgs[0]);
  ASSERT_EQ(an.size(), z.record_count() + 1);
  EXPECT_EQ(an.front().serial, z.serial());
  EXPECT_NE(an[1].type, kSOA);  // AXFR-style: no old SOA second
  EXPECT_EQ(an.back().serial, z.serial());
}

TEST(XfrOut, IxfrOlderThanTheJournalGetsTheFullZone) {
  History h;
  XfrOutStream s(h.v3, h.journal, request(kIXFR, 0));
  expect_full_zone_for_ixfr(s, *h.v3);
}

TEST(XfrOut, IxfrWithoutJournalGetsTheFullZone) {
  History h;
  XfrOutStream s(h.v3, nullptr, request(kIXFR, 1));
  expect_full_zone_for_ixfr(s, *h.v3);
}

// A journal that does not end at the served version is not used.
TEST(XfrOut, IxfrWithAStaleJournalGetsTheFullZone) {
  History h;
  auto v4 = load("d A 192.0.2.14\n", 4);
  XfrOutStream s(v4, h.journal, request(kIXFR, 1));
  expect_full_zone_for_ixfr(s, *v4);
}

TEST(XfrOut, IxfrSerialHalfwayRoundIsAFullZone) {
  auto z = load(kSmallBody, 0x80000005u);
  XfrOutStream s(z, nullptr, request(kIXFR, 5));
  expect_full_zone_for_ixfr(s, *z);
}

// A diff too big for one message, signed: every message verifies in the
// stream, the sequence is complete and in order.
TEST_F(XfrOutTsig, LargeIxfrSpansMessages) {
  auto v1 = load("", 1);
  auto v2 = load(big_body(20000), 2);
  auto j = std::make_shared<Journal>();
  j->add(zone::compute_diff(*v1, *v2));
  XfrOutRequest req = request(kIXFR, 1);
  req.key = &key_;
  XfrOutStream s(v2, j, req);
  ASSERT_EQ(s.kind(), XfrOutKind::kIxfr);
  auto msgs = run(s);
  ASSERT_GT(msgs.size(), 2u);
  dns::TsigStreamVerifier verifier(key_, {});
  std::vector<Answer> all;
  for (const auto& m : msgs) {
    EXPECT_EQ(verifier.next(m, kNow).status, dns::TsigStatus::kOk);
    for (const Answer& a : answers(m)) all.push_back(a);
  }
  EXPECT_EQ(verifier.finish(), dns::TsigStatus::kOk);
  const size_t added = v2->record_count() - v1->record_count();
  ASSERT_EQ(all.size(), 4 + added);
  EXPECT_EQ(all[0].serial, 2u);
  EXPECT_EQ(all[1].serial, 1u);
  EXPECT_EQ(all[2].serial, 2u);  // nothing removed
  EXPECT_EQ(all.back().serial, 2u);
  for (size_t i = 3; i + 1 < all.size(); ++i) ASSERT_NE(all[i].type, kSOA) << i;
}

}  // namespace
}  // namespace tandem::xfr
