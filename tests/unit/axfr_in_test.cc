#include "xfr/axfr_in.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "dns/tsig.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "zone/zone_data.h"

namespace tandem::xfr {
namespace {

using dns::rrtype::kA;
using dns::rrtype::kNS;
using dns::rrtype::kSOA;
using dns::rrtype::kTXT;

constexpr uint16_t kId = 0x4A21;
constexpr uint32_t kSerial = 2024010101;
constexpr uint64_t kNow = 1'700'000'000;

dns::Name name(const char* text) { return dns::Name::parse_absolute(text).value(); }

// Writes one AXFR response message, compressing every name (owners and the
// names inside NS/SOA rdata) against the names already written, as a primary
// does (RFC 1035 4.1.4).
class Msg {
 public:
  explicit Msg(uint16_t id = kId, bool question = true, uint16_t rcode = 0,
               const char* qname = "example.", uint16_t qtype = dns::rrtype::kAXFR) {
    u16(id);
    u16(0x8400);  // QR, AA
    buf_[3] |= static_cast<uint8_t>(rcode & 0x0F);
    for (int i = 0; i < 4; ++i) u16(0);
    if (question) {
      write_name(qname);
      u16(qtype);
      u16(dns::rrclass::kIN);
      dns::store_u16(buf_.data() + 4, 1);
    }
  }
  Msg& soa(const char* owner, uint32_t serial) {
    size_t rd = begin(owner, kSOA);
    write_name("ns1.example.");
    write_name("admin.example.");
    u32(serial);
    for (uint32_t v : {3600u, 600u, 86400u, 300u}) u32(v);
    return end(rd);
  }
  Msg& ns(const char* owner, const char* target) {
    size_t rd = begin(owner, kNS);
    write_name(target);
    return end(rd);
  }
  Msg& a(const char* owner, uint8_t last_octet) {
    size_t rd = begin(owner, kA);
    for (uint8_t b : {uint8_t{192}, uint8_t{0}, uint8_t{2}, last_octet}) buf_.push_back(b);
    return end(rd);
  }
  Msg& txt(const char* owner, const std::string& text) {
    size_t rd = begin(owner, kTXT);
    buf_.push_back(static_cast<uint8_t>(text.size()));
    buf_.insert(buf_.end(), text.begin(), text.end());
    return end(rd);
  }
  // Any record with raw rdata and class.
  Msg& raw(const char* owner, uint16_t type, std::vector<uint8_t> rdata,
           uint16_t cls = dns::rrclass::kIN) {
    size_t rd = begin(owner, type, cls);
    buf_.insert(buf_.end(), rdata.begin(), rdata.end());
    return end(rd);
  }
  const std::vector<uint8_t>& bytes() const { return buf_; }
  std::vector<uint8_t>& mutable_bytes() { return buf_; }

 private:
  void u16(uint16_t v) {
    buf_.push_back(static_cast<uint8_t>(v >> 8));
    buf_.push_back(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void write_name(const char* text) {
    dns::Name n = name(text);
    const uint8_t* p = n.data();
    while (*p) {
      std::string suffix(reinterpret_cast<const char*>(p), dns::wire_name_size(p));
      for (char& c : suffix) c = static_cast<char>(dns::lower_byte(static_cast<uint8_t>(c)));
      auto it = offsets_.find(suffix);
      if (it != offsets_.end()) {
        u16(static_cast<uint16_t>(0xC000 | it->second));
        return;
      }
      if (buf_.size() < 0x3FFF) offsets_[suffix] = buf_.size();
      buf_.insert(buf_.end(), p, p + 1 + *p);
      p += 1 + *p;
    }
    buf_.push_back(0);
  }
  size_t begin(const char* owner, uint16_t type, uint16_t cls = dns::rrclass::kIN) {
    write_name(owner);
    u16(type);
    u16(cls);
    u32(3600);
    u16(0);  // rdlength, patched by end()
    return buf_.size();
  }
  Msg& end(size_t rd) {
    dns::store_u16(buf_.data() + rd - 2, static_cast<uint16_t>(buf_.size() - rd));
    dns::store_u16(buf_.data() + 6, static_cast<uint16_t>(dns::load_u16(buf_.data() + 6) + 1));
    return *this;
  }
  std::vector<uint8_t> buf_;
  std::map<std::string, size_t> offsets_;  // lower-cased wire suffix -> offset
};

// The zone's records between the two SOAs.
Msg& body(Msg& m) {
  return m.ns("example.", "ns1.example.")
      .a("ns1.example.", 1)
      .a("www.example.", 2)
      .txt("mail.example.", "hello");
}

AxfrParams params(AxfrLimits limits = {}) {
  AxfrParams p;
  p.origin = name("example.");
  p.query_id = kId;
  p.limits = limits;
  p.peer = "192.0.2.53#53";
  p.now = kNow;
  return p;
}

bool has_name(const zone::Zone& z, const char* text) {
  dns::Name n = name(text).lowered();
  return z.data().find(n.data(), n.size()) != zone::kNone;
}

void expect_failed(const AxfrStatus& st, const std::string& reason_part) {
  EXPECT_EQ(st.state, AxfrState::kFailed);
  EXPECT_NE(st.reason.find(reason_part), std::string::npos) << st.reason;
}

// A failed or unfinished transfer never hands out a zone.
void expect_no_zone(AxfrConsumer& c) {
  zone::LoadResult r = c.take();
  EXPECT_EQ(r.zone, nullptr);
  EXPECT_FALSE(r.errors.empty());
}

TEST(AxfrIn, OneMessage) {
  Msg m;
  m.soa("example.", kSerial);
  body(m).soa("example.", kSerial);
  AxfrConsumer c(params());
  AxfrStatus st = c.feed(m.bytes());
  ASSERT_EQ(st.state, AxfrState::kDone) << st.reason;
  EXPECT_EQ(c.stats().messages, 1u);
  EXPECT_EQ(c.stats().records, 6u);
  EXPECT_EQ(c.stats().bytes, m.bytes().size());
  EXPECT_EQ(c.stats().serial, kSerial);
  zone::LoadResult r = c.take();
  ASSERT_NE(r.zone, nullptr);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.zone->serial(), kSerial);
  EXPECT_EQ(r.zone->record_count(), 5u);  // the closing SOA is not a second record
  EXPECT_EQ(r.zone->source(), "AXFR from 192.0.2.53#53");
  EXPECT_TRUE(has_name(*r.zone, "www.example."));
  EXPECT_TRUE(has_name(*r.zone, "MAIL.example."));
  EXPECT_FALSE(has_name(*r.zone, "ftp.example."));
}

// Owners and the names in NS/SOA rdata arrive as compression pointers; the
// zone must hold them uncompressed.
TEST(AxfrIn, NameCompressionIsUndone) {
  Msg m;
  m.soa("example.", kSerial);
  body(m).soa("example.", kSerial);
  // The message really is compressed: "ns1.example." appears once in full.
  const std::vector<uint8_t>& b = m.bytes();
  const uint8_t ns1[] = {3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  auto first = std::search(b.begin(), b.end(), std::begin(ns1), std::end(ns1));
  EXPECT_EQ(first, b.end());  // never with its full suffix: always "ns1" + pointer
  AxfrConsumer c(params());
  ASSERT_EQ(c.feed(b).state, AxfrState::kDone) << c.status().reason;
  zone::LoadResult r = c.take();
  ASSERT_NE(r.zone, nullptr);
  const zone::ZoneData& d = r.zone->data();
  const zone::ZoneData::RRset* ns = d.rrset(d.node(d.apex()), kNS);
  ASSERT_NE(ns, nullptr);
  ASSERT_EQ(ns->count, 1);
  const uint8_t* rd = d.rdata(*ns);
  ASSERT_EQ(dns::load_u16(rd), sizeof ns1);
  EXPECT_EQ(std::vector<uint8_t>(rd + 2, rd + 2 + sizeof ns1),
            std::vector<uint8_t>(std::begin(ns1), std::end(ns1)));
}

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// An AXFR response for example.org. (ID 0x1234) written by dnspython 2.3
// (dns.message.make_response + to_wire), which compresses owners and the
// names inside SOA, NS, MX, CNAME and the closing SOA's rdata; SRV targets
// stay uncompressed as RFC 2782 requires. Zone:
//   @ SOA ns1 hostmaster 7 3600 600 86400 300; @ NS ns1; @ NS ns2.example.net.
//   @ MX 10 mail; ns1 A 192.0.2.1; mail A 192.0.2.25; www CNAME mail
//   _sip._tcp SRV 0 5 5060 mail
TEST(AxfrIn, MessageFromDnspython) {
  const std::vector<uint8_t> msg = from_hex(
      "123481000001000900000000076578616d706c65036f72670000fc0001c00c00"
      "06000100000e100027036e7331c00c0a686f73746d6173746572c00c00000007"
      "00000e1000000258000151800000012cc00c0002000100000e100011036e7332"
      "076578616d706c65036e657400c00c0002000100000e100002c029c00c000f00"
      "0100000e100009000a046d61696cc00cc0290001000100000e100004c0000201"
      "c0890001000100000e100004c000021903777777c00c0005000100000e100002"
      "c089045f736970045f746370c00c0021000100000e1000080000000513c4c089"
      "c00c0006000100000e100018c029c02f0000000700000e100000025800015180"
      "0000012c");
  ASSERT_EQ(msg.size(), 260u);
  AxfrParams p = params();
  p.origin = name("example.org.");
  p.query_id = 0x1234;
  AxfrConsumer c(p);
  ASSERT_EQ(c.feed(msg).state, AxfrState::kDone) << c.status().reason;
  EXPECT_EQ(c.stats().records, 9u);
  EXPECT_EQ(c.stats().serial, 7u);
  zone::LoadResult r = c.take();
  ASSERT_NE(r.zone, nullptr);
  EXPECT_EQ(r.zone->serial(), 7u);
  EXPECT_EQ(r.zone->record_count(), 8u);
  EXPECT_TRUE(has_name(*r.zone, "_sip._tcp.example.org."));
  const zone::ZoneData& d = r.zone->data();
  dns::Name www = name("www.example.org.");
  const uint32_t node = d.find(www.data(), www.size());
  ASSERT_NE(node, zone::kNone);
  const zone::ZoneData::RRset* cname = d.rrset(d.node(node), dns::rrtype::kCNAME);
  ASSERT_NE(cname, nullptr);
  dns::Name mail = name("mail.example.org.");
  const uint8_t* rd = d.rdata(*cname);
  ASSERT_EQ(dns::load_u16(rd), mail.size());
  EXPECT_TRUE(dns::wire_name_equal(rd + 2, mail.data()));
}

TEST(AxfrIn, ThreeMessages) {
  Msg m1, m2(kId, false), m3(kId, false);
  m1.soa("example.", kSerial).ns("example.", "ns1.example.");
  m2.a("ns1.example.", 1).a("www.example.", 2);
  m3.txt("mail.example.", "hello").soa("example.", kSerial);
  AxfrConsumer c(params());
  EXPECT_EQ(c.feed(m1.bytes()).state, AxfrState::kNeedMore);
  EXPECT_EQ(c.feed(m2.bytes()).state, AxfrState::kNeedMore);
  ASSERT_EQ(c.feed(m3.bytes()).state, AxfrState::kDone) << c.status().reason;
  EXPECT_EQ(c.stats().messages, 3u);
  EXPECT_EQ(c.stats().records, 6u);
  EXPECT_EQ(c.stats().bytes, m1.bytes().size() + m2.bytes().size() + m3.bytes().size());
  zone::LoadResult r = c.take();
  ASSERT_NE(r.zone, nullptr);
  EXPECT_EQ(r.zone->serial(), kSerial);
  EXPECT_TRUE(has_name(*r.zone, "www.example."));
  EXPECT_TRUE(has_name(*r.zone, "mail.example."));
}

TEST(AxfrIn, MissingClosingSoaNeverGivesAZone) {
  Msg m;
  m.soa("example.", kSerial);
  body(m);
  AxfrConsumer c(params());
  EXPECT_EQ(c.feed(m.bytes()).state, AxfrState::kNeedMore);
  zone::LoadResult r = c.take();
  EXPECT_EQ(r.zone, nullptr);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "transfer not complete");
}

TEST(AxfrIn, OutOfZoneRecordFails) {
  Msg m;
  m.soa("example.", kSerial);
  body(m).a("x.example.net.", 9).soa("example.", kSerial);
  AxfrConsumer c(params());
  expect_failed(c.feed(m.bytes()), "record outside the zone: x.example.net.");
  expect_no_zone(c);
}

TEST(AxfrIn, FirstRecordNotSoaFails) {
  Msg m;
  body(m).soa("example.", kSerial);
  AxfrConsumer c(params());
  expect_failed(c.feed(m.bytes()), "first record is not the SOA of example.");
  expect_no_zone(c);
}

TEST(AxfrIn, SoaOfAnotherNameFirstFails) {
  Msg m;
  m.soa("sub.example.", kSerial);
  AxfrConsumer c(params());
  expect_failed(c.feed(m.bytes()), "first record is not the SOA of example.");
}

TEST(AxfrIn, ErrorRcodeIsNamed) {
  {
    AxfrConsumer c(params());
    expect_failed(c.feed(Msg(kId, true, dns::rcode::kRefused).bytes()), "primary answered REFUSED");
    expect_no_zone(c);
  }
  {
    AxfrConsumer c(params());
    expect_failed(c.feed(Msg(kId, true, dns::rcode::kNotAuth).bytes()), "primary answered NOTAUTH");
  }
  {
    // An error after a good first message still fails the whole transfer.
    Msg m1;
    m1.soa("example.", kSerial);
    AxfrConsumer c(params());
    EXPECT_EQ(c.feed(m1.bytes()).state, AxfrState::kNeedMore);
    expect_failed(c.feed(Msg(kId, false, dns::rcode::kServFail).bytes()),
                  "primary answered SERVFAIL");
    expect_no_zone(c);
  }
}

TEST(AxfrIn, WrongIdFails) {
  Msg m(kId + 1);
  m.soa("example.", kSerial);
  body(m).soa("example.", kSerial);
  AxfrConsumer c(params());
  expect_failed(c.feed(m.bytes()), "has ID 18978, expected 18977");
  expect_no_zone(c);
}

TEST(AxfrIn, HeaderChecks) {
  {
    Msg m;
    m.soa("example.", kSerial);
    m.mutable_bytes()[2] &= 0x7F;  // QR clear
    AxfrConsumer c(params());
    expect_failed(c.feed(m.bytes()), "not a response");
  }
  {
    Msg m;
    m.soa("example.", kSerial);
    m.mutable_bytes()[2] |= dns::opcode::kNotify << 3;
    AxfrConsumer c(params());
    expect_failed(c.feed(m.bytes()), "opcode 4");
  }
  {
    const uint8_t shortmsg[] = {0x4A, 0x21, 0x84};
    AxfrConsumer c(params());
    expect_failed(c.feed(shortmsg), "too short");
  }
  {
    AxfrConsumer c(params());
    expect_failed(c.feed(Msg().bytes()), "first message has no answer records");
  }
}

TEST(AxfrIn, QuestionMustBeOurs) {
  {
    Msg m(kId, true, 0, "example.org.");
    m.soa("example.", kSerial);
    AxfrConsumer c(params());
    expect_failed(c.feed(m.bytes()), "answers example.org. AXFR IN, expected example. AXFR IN");
  }
  {
    Msg m(kId, true, 0, "example.", dns::rrtype::kIXFR);
    m.soa("example.", kSerial);
    AxfrConsumer c(params());
    expect_failed(c.feed(m.bytes()), "IXFR");
  }
}

TEST(AxfrIn, RecordsAfterClosingSoaFail) {
  {
    Msg m;
    m.soa("example.", kSerial);
    body(m).soa("example.", kSerial).a("late.example.", 7);
    AxfrConsumer c(params());
    expect_failed(c.feed(m.bytes()), "record after the closing SOA");
    expect_no_zone(c);
  }
  {
    Msg m1, m2(kId, false);
    m1.soa("example.", kSerial);
    body(m1).soa("example.", kSerial);
    m2.a("late.example.", 7);
    AxfrConsumer c(params());
    EXPECT_EQ(c.feed(m1.bytes()).state, AxfrState::kDone);
    expect_failed(c.feed(m2.bytes()), "message 2 after the end of the transfer");
    expect_no_zone(c);
  }
}

TEST(AxfrIn, SerialChangeInsideTransferFails) {
  Msg m;
  m.soa("example.", kSerial);
  body(m).soa("example.", kSerial + 1);
  AxfrConsumer c(params());
  expect_failed(c.feed(m.bytes()), "SOA serial changed during the transfer");
}

// RFC 1995 4: SOA(new), SOA(old), deletions, SOA(new), additions, SOA(new).
TEST(AxfrIn, IxfrShapedAnswerAsksForFallback) {
  Msg m;
  m.soa("example.", kSerial + 1).soa("example.", kSerial).a("www.example.", 2);
  m.soa("example.", kSerial + 1).a("www.example.", 3).soa("example.", kSerial + 1);
  AxfrConsumer c(params());
  AxfrStatus st = c.feed(m.bytes());
  EXPECT_EQ(st.state, AxfrState::kIxfrFallback);
  EXPECT_EQ(st.reason, "IXFR response: fall back to AXFR");
  expect_no_zone(c);
}

TEST(AxfrIn, LimitsAreEnforced) {
  Msg m;
  m.soa("example.", kSerial);
  body(m).soa("example.", kSerial);
  {
    AxfrLimits limits;
    limits.max_records = 5;
    AxfrConsumer c(params(limits));
    expect_failed(c.feed(m.bytes()), "limit of 5 records");
    expect_no_zone(c);
  }
  {
    AxfrLimits limits;
    limits.max_records = 6;  // exactly enough
    AxfrConsumer c(params(limits));
    EXPECT_EQ(c.feed(m.bytes()).state, AxfrState::kDone);
  }
  {
    AxfrLimits limits;
    limits.max_bytes = m.bytes().size() - 1;
    AxfrConsumer c(params(limits));
    expect_failed(c.feed(m.bytes()), "limit of " + std::to_string(limits.max_bytes) + " octets");
  }
}

TEST(AxfrIn, BadRecordsFail) {
  {
    Msg m;
    m.soa("example.", kSerial).raw("www.example.", kA, {192, 0, 2});  // 3-octet A
    AxfrConsumer c(params());
    expect_failed(c.feed(m.bytes()), "record 2 (message 1) www.example. A: bad rdata");
  }
  {
    Msg m;
    m.soa("example.", kSerial).raw("www.example.", kA, {192, 0, 2, 1}, dns::rrclass::kCH);
    AxfrConsumer c(params());
    expect_failed(c.feed(m.bytes()), "has class CH, expected IN");
  }
  {
    Msg m;
    m.soa("example.", kSerial).raw("www.example.", dns::rrtype::kOPT, {});
    AxfrConsumer c(params());
    expect_failed(c.feed(m.bytes()), "unexpected www.example. OPT");
  }
  {
    Msg m;
    m.soa("example.", kSerial).a("www.example.", 2);
    std::vector<uint8_t> b = m.bytes();
    b.resize(b.size() - 6);  // cut inside the fixed fields of record 2
    AxfrConsumer c(params());
    expect_failed(c.feed(b), "record 2 (message 1)");
  }
  {
    Msg m;
    m.soa("example.", kSerial).a("www.example.", 2);
    std::vector<uint8_t> b = m.bytes();
    // The last record is "www" + pointer (6), fixed fields (10), rdata (4):
    // aim its owner's pointer past the end of the message.
    b[b.size() - 20 + 5] = 0xFF;
    AxfrConsumer c(params());
    expect_failed(c.feed(b), "bad owner name");
  }
  {
    Msg m;
    m.soa("example.", kSerial).soa("sub.example.", kSerial);
    AxfrConsumer c(params());
    expect_failed(c.feed(m.bytes()), "SOA below the apex: sub.example.");
  }
}

// A complete transfer whose zone does not pass the checks (no NS at the apex)
// is not handed out either; the builder's errors come back.
TEST(AxfrIn, ZoneThatDoesNotCheckFails) {
  Msg m;
  m.soa("example.", kSerial).a("www.example.", 2).soa("example.", kSerial);
  AxfrConsumer c(params());
  expect_failed(c.feed(m.bytes()), "zone from AXFR from 192.0.2.53#53 does not check");
  zone::LoadResult r = c.take();
  EXPECT_EQ(r.zone, nullptr);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].file, "AXFR from 192.0.2.53#53");
}

// --- TSIG (RFC 8945 5.3.1) ---

class AxfrInTsig : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *dns::make_tsig_key(name("xfr-key."), "hmac-sha256", std::vector<uint8_t>(32, 0x5A));
    // Our signed AXFR request, whose MAC the answer's first signature covers.
    Msg request;
    request.mutable_bytes()[2] = 0;  // a query
    std::vector<uint8_t> buf = request.bytes();
    buf.resize(512);
    dns::TsigSignParams sign_params;
    sign_params.time_signed = kNow;
    auto size = dns::tsig_sign(buf.data(), request.bytes().size(), buf.size(), key_, sign_params,
                               {}, &request_mac_);
    ASSERT_TRUE(size.has_value());
    m1_.soa("example.", kSerial).ns("example.", "ns1.example.");
    m2_.a("ns1.example.", 1).a("www.example.", 2);
    m3_.txt("mail.example.", "hello").soa("example.", kSerial);
  }

  AxfrParams tsig_params() {
    AxfrParams p = params();
    p.key = &key_;
    p.request_mac = request_mac_.span();
    return p;
  }

  // Signs the messages; `sign[i]` false leaves message i unsigned.
  std::vector<std::vector<uint8_t>> stream(std::vector<bool> sign, uint64_t time = kNow) {
    dns::TsigStreamSigner signer(key_, request_mac_.span());
    std::vector<std::vector<uint8_t>> out;
    const Msg* msgs[] = {&m1_, &m2_, &m3_};
    for (size_t i = 0; i < 3; ++i) {
      std::vector<uint8_t> b = msgs[i]->bytes();
      if (sign[i]) {
        const size_t size = b.size();
        b.resize(size + 256);
        auto n = signer.sign(b.data(), size, b.size(), time);
        EXPECT_TRUE(n.has_value());
        b.resize(n.value_or(size));
      } else {
        signer.add_unsigned(b);
      }
      out.push_back(std::move(b));
    }
    return out;
  }

  dns::TsigKey key_;
  dns::TsigMac request_mac_;
  Msg m1_, m2_{kId, false}, m3_{kId, false};
};

TEST_F(AxfrInTsig, SignedStreamIsAccepted) {
  auto msgs = stream({true, true, true});
  AxfrConsumer c(tsig_params());
  EXPECT_EQ(c.feed(msgs[0]).state, AxfrState::kNeedMore);
  EXPECT_EQ(c.feed(msgs[1]).state, AxfrState::kNeedMore);
  ASSERT_EQ(c.feed(msgs[2]).state, AxfrState::kDone) << c.status().reason;
  zone::LoadResult r = c.take();
  ASSERT_NE(r.zone, nullptr);
  EXPECT_EQ(r.zone->serial(), kSerial);
  EXPECT_TRUE(has_name(*r.zone, "www.example."));
}

// RFC 8945 5.3.1: messages between signed ones may be unsigned.
TEST_F(AxfrInTsig, UnsignedMiddleMessageIsAccepted) {
  auto msgs = stream({true, false, true});
  AxfrConsumer c(tsig_params());
  for (auto& m : msgs) c.feed(m);
  EXPECT_EQ(c.status().state, AxfrState::kDone) << c.status().reason;
  EXPECT_NE(c.take().zone, nullptr);
}

TEST_F(AxfrInTsig, FlippedByteFails) {
  auto msgs = stream({true, true, true});
  msgs[1][30] ^= 0x01;  // inside the first record of message 2
  AxfrConsumer c(tsig_params());
  EXPECT_EQ(c.feed(msgs[0]).state, AxfrState::kNeedMore);
  expect_failed(c.feed(msgs[1]), "TSIG: BADSIG on message 2");
  expect_failed(c.feed(msgs[2]), "TSIG: BADSIG on message 2");  // stays failed
  expect_no_zone(c);
}

// Changing the TSIG RR's type makes message 2 look unsigned, which is
// allowed on its own; the next signature covers it and catches the change.
TEST_F(AxfrInTsig, HiddenSignatureIsCaughtByTheNextOne) {
  auto msgs = stream({true, true, true});
  const size_t tsig_type = m2_.bytes().size() + name("xfr-key.").size();
  ASSERT_EQ(dns::load_u16(msgs[1].data() + tsig_type), dns::rrtype::kTSIG);
  msgs[1][tsig_type + 1] ^= 0x01;
  AxfrConsumer c(tsig_params());
  EXPECT_EQ(c.feed(msgs[0]).state, AxfrState::kNeedMore);
  EXPECT_EQ(c.feed(msgs[1]).state, AxfrState::kNeedMore);
  expect_failed(c.feed(msgs[2]), "TSIG: BADSIG on message 3");
  expect_no_zone(c);
}

TEST_F(AxfrInTsig, StreamEndingUnsignedFails) {
  auto msgs = stream({true, true, false});
  AxfrConsumer c(tsig_params());
  c.feed(msgs[0]);
  c.feed(msgs[1]);
  expect_failed(c.feed(msgs[2]), "TSIG: the last message is not signed");
  expect_no_zone(c);
}

TEST_F(AxfrInTsig, UnsignedFirstMessageFails) {
  auto msgs = stream({false, true, true});
  AxfrConsumer c(tsig_params());
  expect_failed(c.feed(msgs[0]), "TSIG: message 1 is not signed");
}

TEST_F(AxfrInTsig, WrongRequestMacFails) {
  auto msgs = stream({true, true, true});
  AxfrParams p = tsig_params();
  std::vector<uint8_t> other(request_mac_.size, 0);
  p.request_mac = other;
  AxfrConsumer c(p);
  expect_failed(c.feed(msgs[0]), "TSIG: BADSIG on message 1");
}

TEST_F(AxfrInTsig, TimeOutsideFudgeFails) {
  auto msgs = stream({true, true, true}, kNow - 3600);
  AxfrConsumer c(tsig_params());
  expect_failed(c.feed(msgs[0]), "TSIG: BADTIME on message 1");
  // The same stream is fine for a consumer whose clock agrees.
  AxfrConsumer late(tsig_params());
  late.set_now(kNow - 3600);
  for (auto& m : msgs) late.feed(m);
  EXPECT_EQ(late.status().state, AxfrState::kDone) << late.status().reason;
}

TEST_F(AxfrInTsig, UnsignedErrorAnswerNamesTheRcode) {
  AxfrConsumer c(tsig_params());
  expect_failed(c.feed(Msg(kId, true, dns::rcode::kNotAuth).bytes()), "primary answered NOTAUTH");
}

}  // namespace
}  // namespace tandem::xfr
