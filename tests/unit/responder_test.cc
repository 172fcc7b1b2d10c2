#include "server/responder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::server {
namespace {

using dns::Name;

const char kZone[] = R"(
$ORIGIN example.
$TTL 3600
@         SOA   ns1 hostmaster 2024010101 7200 3600 1209600 300
@         NS    ns1
@         NS    ns2
@         MX    10 mail
ns1       A     192.0.2.1
ns1       AAAA  2001:db8::1
ns2       A     192.0.2.2
mail      A     192.0.2.3
www       CNAME web
web       A     192.0.2.4
chain1    CNAME chain2
chain2    CNAME www
out       CNAME www.example.net.
loop1     CNAME loop2
loop2     CNAME loop1
*.wild    A     192.0.2.5
*.wild    MX    10 mail
cn.wild   TXT   "not wild"
a.b.ent   A     192.0.2.6
sub       NS    ns.sub
sub       NS    ns.elsewhere.net.
sub       DS    12345 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.sub    A     192.0.2.7
dn        DNAME example.net.
big       TXT   "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big       TXT   "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big       TXT   "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big       TXT   "3123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big       TXT   "4123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big       TXT   "5123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)";

struct Rr {
  std::string owner;
  uint16_t type;
  uint32_t ttl;
  std::vector<uint8_t> rdata;  // as on the wire (may hold pointers)
};

struct Reply {
  uint16_t id = 0;
  uint8_t flags2 = 0, flags3 = 0;
  uint16_t rcode = 0;
  std::vector<Rr> sections[3];
  bool has_opt = false;
  uint16_t opt_size = 0;
  uint8_t opt_ext_rcode = 0;
  bool aa() const { return flags2 & 0x04; }
  bool tc() const { return flags2 & 0x02; }
};

class ResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = zone::load_zone_text(*Name::parse_absolute("example."), kZone, "test.zone");
    for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
    ASSERT_TRUE(r.zone);
    zones_ = zone::ZoneSet({r.zone});
  }

  static std::vector<uint8_t> query(const std::string& name, uint16_t type, bool edns = false,
                                    uint16_t edns_size = 1232, uint8_t edns_version = 0) {
    std::vector<uint8_t> q = {0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, edns ? uint8_t{1} : uint8_t{0}};
    Name n = *Name::parse_absolute(name);
    q.insert(q.end(), n.data(), n.data() + n.size());
    q.push_back(static_cast<uint8_t>(type >> 8));
    q.push_back(static_cast<uint8_t>(type));
    q.push_back(0);
    q.push_back(1);
    if (edns) {
      uint8_t opt[11] = {0, 0, 41, static_cast<uint8_t>(edns_size >> 8), static_cast<uint8_t>(edns_size),
                         0, edns_version, 0, 0, 0, 0};
      q.insert(q.end(), opt, opt + 11);
    }
    return q;
  }

  Reply ask(const std::vector<uint8_t>& q, Transport t = Transport::kUdp) {
    size_t n = responder_.respond(zones_, q.data(), q.size(), out_, sizeof out_, t);
    last_size_ = n;
    Reply r;
    if (n < 12) return r;
    dns::WireReader rd(out_, n);
    r.id = rd.u16();
    r.flags2 = rd.u8();
    r.flags3 = rd.u8();
    r.rcode = r.flags3 & 0x0F;
    uint16_t counts[4];
    for (auto& c : counts) c = rd.u16();
    uint8_t name[dns::kMaxNameWire];
    for (int i = 0; i < counts[0]; ++i) {
      rd.name(name);
      rd.skip(4);
    }
    for (int s = 0; s < 3; ++s) {
      for (int i = 0; i < counts[s + 1]; ++i) {
        Rr rr;
        size_t ns = rd.name(name);
        EXPECT_TRUE(rd.ok());
        if (!rd.ok()) return r;
        rr.owner = Name::from_wire(name).to_text();
        (void)ns;
        rr.type = rd.u16();
        uint16_t cls = rd.u16();
        rr.ttl = rd.u32();
        uint16_t len = rd.u16();
        rr.rdata.assign(rd.cursor(), rd.cursor() + (rd.remaining() >= len ? len : 0));
        rd.skip(len);
        if (rr.type == dns::rrtype::kOPT) {
          r.has_opt = true;
          r.opt_size = cls;
          r.opt_ext_rcode = static_cast<uint8_t>(rr.ttl >> 24);
          continue;
        }
        r.sections[s].push_back(rr);
      }
    }
    EXPECT_TRUE(rd.ok());
    EXPECT_EQ(rd.remaining(), 0u);
    return r;
  }

  zone::ZoneSet zones_;
  Responder responder_;
  uint8_t out_[65536];
  size_t last_size_ = 0;
};

TEST_F(ResponderTest, ExactMatchKeepsQueryCase) {
  Reply r = ask(query("WWW.Example.", dns::rrtype::kA));
  EXPECT_EQ(r.id, 0xABCD);
  EXPECT_EQ(r.rcode, dns::rcode::kNoError);
  EXPECT_TRUE(r.aa());
  ASSERT_EQ(r.sections[0].size(), 2u);  // CNAME www -> web, then web A
  EXPECT_EQ(r.sections[0][0].owner, "WWW.Example.");
  EXPECT_EQ(r.sections[0][0].type, dns::rrtype::kCNAME);
  // Compression may take the case of an earlier occurrence (the query's).
  EXPECT_EQ(*Name::parse_absolute(r.sections[0][1].owner), *Name::parse_absolute("web.example."));
  EXPECT_EQ(r.sections[0][1].rdata, (std::vector<uint8_t>{192, 0, 2, 4}));
  EXPECT_TRUE(r.sections[1].empty());
}

TEST_F(ResponderTest, NxdomainHasSoaWithNegativeTtl) {
  Reply r = ask(query("nope.example.", dns::rrtype::kA));
  EXPECT_EQ(r.rcode, dns::rcode::kNXDomain);
  EXPECT_TRUE(r.aa());
  EXPECT_TRUE(r.sections[0].empty());
  ASSERT_EQ(r.sections[1].size(), 1u);
  EXPECT_EQ(r.sections[1][0].type, dns::rrtype::kSOA);
  EXPECT_EQ(r.sections[1][0].ttl, 300u);  // RFC 2308 3: min(3600, MINIMUM 300)
}

TEST_F(ResponderTest, NodataAndEmptyNonTerminal) {
  Reply r = ask(query("web.example.", dns::rrtype::kAAAA));
  EXPECT_EQ(r.rcode, dns::rcode::kNoError);
  EXPECT_TRUE(r.sections[0].empty());
  ASSERT_EQ(r.sections[1].size(), 1u);
  EXPECT_EQ(r.sections[1][0].type, dns::rrtype::kSOA);
  Reply ent = ask(query("b.ent.example.", dns::rrtype::kA));
  EXPECT_EQ(ent.rcode, dns::rcode::kNoError);  // RFC 4592 2.2.2: exists, no data
  EXPECT_TRUE(ent.sections[0].empty());
  EXPECT_EQ(ent.sections[1].size(), 1u);
}

TEST_F(ResponderTest, CnameChainsAndLoops) {
  Reply r = ask(query("chain1.example.", dns::rrtype::kA));
  ASSERT_EQ(r.sections[0].size(), 4u);
  EXPECT_EQ(r.sections[0][3].type, dns::rrtype::kA);
  Reply out = ask(query("out.example.", dns::rrtype::kA));
  EXPECT_EQ(out.rcode, dns::rcode::kNoError);
  EXPECT_EQ(out.sections[0].size(), 1u);  // target outside the zone: not followed
  Reply loop = ask(query("loop1.example.", dns::rrtype::kA));
  EXPECT_EQ(loop.sections[0].size(), 2u);  // stops where the loop closes
  Reply cname = ask(query("www.example.", dns::rrtype::kCNAME));
  EXPECT_EQ(cname.sections[0].size(), 1u);
}

TEST_F(ResponderTest, WildcardSynthesis) {
  Reply r = ask(query("Foo.Bar.wild.example.", dns::rrtype::kA));
  EXPECT_EQ(r.rcode, dns::rcode::kNoError);
  ASSERT_EQ(r.sections[0].size(), 1u);
  EXPECT_EQ(r.sections[0][0].owner, "Foo.Bar.wild.example.");
  Reply nodata = ask(query("x.wild.example.", dns::rrtype::kAAAA));
  EXPECT_EQ(nodata.rcode, dns::rcode::kNoError);
  EXPECT_TRUE(nodata.sections[0].empty());
  // An existing name under the wildcard's parent is not synthesized.
  Reply exists = ask(query("cn.wild.example.", dns::rrtype::kA));
  EXPECT_TRUE(exists.sections[0].empty());
  // The MX answer from the wildcard brings the target's addresses.
  Reply mx = ask(query("m.wild.example.", dns::rrtype::kMX));
  ASSERT_EQ(mx.sections[0].size(), 1u);
  ASSERT_EQ(mx.sections[2].size(), 1u);
  EXPECT_EQ(mx.sections[2][0].owner, "mail.example.");
}

TEST_F(ResponderTest, ReferralWithGlue) {
  Reply r = ask(query("host.sub.example.", dns::rrtype::kA));
  EXPECT_EQ(r.rcode, dns::rcode::kNoError);
  EXPECT_FALSE(r.aa());
  EXPECT_TRUE(r.sections[0].empty());
  ASSERT_EQ(r.sections[1].size(), 2u);
  EXPECT_EQ(r.sections[1][0].type, dns::rrtype::kNS);
  ASSERT_EQ(r.sections[2].size(), 1u);
  EXPECT_EQ(r.sections[2][0].owner, "ns.sub.example.");
  // Glue itself is not authoritative data: a referral too.
  Reply glue = ask(query("ns.sub.example.", dns::rrtype::kA));
  EXPECT_FALSE(glue.aa());
  EXPECT_EQ(glue.sections[1].size(), 2u);
  // DS at the cut is the parent's data (RFC 4035 3.1.4.1).
  Reply ds = ask(query("sub.example.", dns::rrtype::kDS));
  EXPECT_TRUE(ds.aa());
  ASSERT_EQ(ds.sections[0].size(), 1u);
  EXPECT_EQ(ds.sections[0][0].type, dns::rrtype::kDS);
}

TEST_F(ResponderTest, DnameSynthesizesCname) {
  Reply r = ask(query("a.b.dn.example.", dns::rrtype::kA));
  EXPECT_EQ(r.rcode, dns::rcode::kNoError);
  ASSERT_EQ(r.sections[0].size(), 2u);
  EXPECT_EQ(r.sections[0][0].type, dns::rrtype::kDNAME);
  EXPECT_EQ(r.sections[0][1].type, dns::rrtype::kCNAME);
  EXPECT_EQ(r.sections[0][1].owner, "a.b.dn.example.");
  Name target = *Name::parse_absolute("a.b.example.net.");
  EXPECT_EQ(r.sections[0][1].rdata, std::vector<uint8_t>(target.data(), target.data() + target.size()));
  // Substitution past 255 octets: YXDOMAIN (RFC 6672 2.2).
  std::string lng = std::string(50, 'y') + ".";  // 51 + 3 * 64 + 12 = 255 octets
  for (int i = 0; i < 3; ++i) lng += std::string(63, 'x') + ".";
  Reply yx = ask(query(lng + "dn.example.", dns::rrtype::kA));
  EXPECT_EQ(yx.rcode, dns::rcode::kYXDomain);
}

TEST_F(ResponderTest, RefusedOutsideOurZones) {
  Reply r = ask(query("example.org.", dns::rrtype::kA));
  EXPECT_EQ(r.rcode, dns::rcode::kRefused);
  EXPECT_FALSE(r.aa());
  Reply root = ask(query(".", dns::rrtype::kNS));
  EXPECT_EQ(root.rcode, dns::rcode::kRefused);
}

TEST_F(ResponderTest, MalformedQueries) {
  auto q = query("www.example.", dns::rrtype::kA);
  q[5] = 2;  // QDCOUNT 2
  EXPECT_EQ(ask(q).rcode, dns::rcode::kFormErr);
  q = query("www.example.", dns::rrtype::kA);
  q.push_back(0);  // trailing garbage
  EXPECT_EQ(ask(q).rcode, dns::rcode::kFormErr);
  q = query("www.example.", dns::rrtype::kA);
  q[2] |= 0x80;  // a response: dropped
  EXPECT_EQ(responder_.respond(zones_, q.data(), q.size(), out_, sizeof out_, Transport::kUdp), 0u);
  std::vector<uint8_t> shortq = {1, 2, 3};
  EXPECT_EQ(responder_.respond(zones_, shortq.data(), shortq.size(), out_, sizeof out_, Transport::kUdp), 0u);
  q = query("www.example.", dns::rrtype::kA);
  q[2] = static_cast<uint8_t>((q[2] & ~0x78) | (dns::opcode::kStatus << 3));
  EXPECT_EQ(ask(q).rcode, dns::rcode::kNotImp);
  q = query("www.example.", dns::rrtype::kAXFR);
  EXPECT_EQ(ask(q).rcode, dns::rcode::kNotImp);  // AXFR over UDP
  EXPECT_EQ(ask(q, Transport::kTcp).rcode, dns::rcode::kRefused);
}

TEST_F(ResponderTest, EdnsEchoAndBadvers) {
  Reply r = ask(query("www.example.", dns::rrtype::kA, true, 4096));
  EXPECT_TRUE(r.has_opt);
  EXPECT_EQ(r.opt_size, kMaxUdpPayload);
  Reply bad = ask(query("www.example.", dns::rrtype::kA, true, 4096, 1));
  EXPECT_TRUE(bad.has_opt);
  EXPECT_EQ(bad.opt_ext_rcode, 1);  // BADVERS = 16 = ext 1, header 0
  EXPECT_EQ(bad.rcode, 0);
  EXPECT_TRUE(bad.sections[0].empty());
}

TEST_F(ResponderTest, TruncationOverUdpFullAnswerOverTcp) {
  Reply udp = ask(query("big.example.", dns::rrtype::kTXT));
  EXPECT_TRUE(udp.tc());
  EXPECT_LE(last_size_, 512u);
  Reply edns = ask(query("big.example.", dns::rrtype::kTXT, true, 1232));
  EXPECT_FALSE(edns.tc());
  EXPECT_EQ(edns.sections[0].size(), 6u);
  Reply tcp = ask(query("big.example.", dns::rrtype::kTXT), Transport::kTcp);
  EXPECT_FALSE(tcp.tc());
  EXPECT_EQ(tcp.sections[0].size(), 6u);
}

TEST_F(ResponderTest, AdditionalForMxAndNs) {
  Reply mx = ask(query("example.", dns::rrtype::kMX));
  ASSERT_EQ(mx.sections[0].size(), 1u);
  ASSERT_EQ(mx.sections[2].size(), 1u);
  EXPECT_EQ(mx.sections[2][0].owner, "mail.example.");
  Reply ns = ask(query("example.", dns::rrtype::kNS));
  EXPECT_EQ(ns.sections[0].size(), 2u);
  EXPECT_EQ(ns.sections[2].size(), 3u);  // ns1 A, ns1 AAAA, ns2 A
}

TEST_F(ResponderTest, NamesAreCompressed) {
  ask(query("example.", dns::rrtype::kNS));
  // 12 header + 12 question + 2 NS records each (2 owner ptr + 10 + 6 rdata "ns1"+ptr)
  // would be far above this bound without compression.
  EXPECT_LT(last_size_, 12u + 12 + 2 * 18 + 3 * 28 + 4);
}

}  // namespace
}  // namespace tandem::server
