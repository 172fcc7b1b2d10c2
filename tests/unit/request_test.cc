// Tests of the transfer/NOTIFY request authorisation (TSIG first, then ACLs)
// and of the error answers, which are parsed back and, when signed, verified
// with dns::tsig_verify as a client would.
#include "xfr/request.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::xfr {
namespace {

using Bytes = std::vector<uint8_t>;
using config::AclAction;

constexpr uint64_t kNow = 1'700'000'000;
constexpr uint16_t kId = 0x5A17;

dns::Name name(const char* text) { return dns::Name::parse_absolute(text).value(); }

Bytes secret(uint8_t first) {
  Bytes s;
  for (uint8_t i = 0; i < 32; ++i) s.push_back(static_cast<uint8_t>(first + i));
  return s;
}

dns::TsigKey tsig_key(const char* key_name, dns::TsigAlgorithm alg, uint8_t first) {
  return dns::TsigKey{name(key_name), alg, secret(first)};
}

config::Key config_key(const dns::TsigKey& k, const char* id) {
  return config::Key{id, k.name, k.algorithm, k.secret};
}

net::SocketAddress addr(const char* text) { return net::SocketAddress::parse(text, 5353).value(); }

config::Acl acl(const char* id, std::vector<const char*> prefixes, std::vector<AclAction> actions,
                std::optional<config::Key> key = std::nullopt) {
  config::Acl a;
  a.id = id;
  for (const char* p : prefixes) a.addresses.push_back(net::Prefix::parse(p).value());
  a.actions = std::move(actions);
  a.key = std::move(key);
  return a;
}

// A query for `qname`/`qtype` class IN, opcode `opcode`, RD set.
Bytes query(const char* qname = "example.", uint16_t qtype = dns::rrtype::kAXFR,
            uint8_t opcode = dns::opcode::kQuery) {
  Bytes m(12, 0);
  dns::store_u16(m.data(), kId);
  m[2] = static_cast<uint8_t>(opcode << 3 | 0x01);
  dns::store_u16(m.data() + 4, 1);
  dns::Name n = name(qname);
  m.insert(m.end(), n.data(), n.data() + n.size());
  m.push_back(static_cast<uint8_t>(qtype >> 8));
  m.push_back(static_cast<uint8_t>(qtype));
  m.push_back(0);
  m.push_back(dns::rrclass::kIN);
  return m;
}

// `msg` signed with `key` at `time` (fresh request: no prior MAC).
Bytes sign(const Bytes& msg, const dns::TsigKey& key, uint64_t time = kNow) {
  Bytes buf(msg);
  buf.resize(msg.size() + 512);
  dns::TsigSignParams params;
  params.time_signed = time;
  auto size = dns::tsig_sign(buf.data(), msg.size(), buf.size(), key, params, {});
  EXPECT_TRUE(size.has_value());
  buf.resize(size.value_or(msg.size()));
  return buf;
}

class RequestTest : public ::testing::Test {
 protected:
  RequestTest() {
    // What the server knows: xfr (SHA-256), other (SHA-256), and a key also
    // named xfr but with another algorithm.
    keys_.push_back(tsig_key("xfr.", dns::TsigAlgorithm::kHmacSha256, 1));
    keys_.push_back(tsig_key("other.", dns::TsigAlgorithm::kHmacSha256, 50));
    keys_.push_back(tsig_key("xfr.", dns::TsigAlgorithm::kHmacSha512, 100));
  }
  const dns::TsigKey& xfr() const { return keys_[0]; }
  const dns::TsigKey& other() const { return keys_[1]; }
  const dns::TsigKey& xfr512() const { return keys_[2]; }

  RequestDecision decide(const Bytes& msg, const char* source,
                         AclAction action = AclAction::kTransfer, uint64_t now = kNow) {
    return authorize_request(msg, addr(source), action, acls_, keys_, now);
  }

  std::vector<dns::TsigKey> keys_;
  std::vector<config::Acl> acls_;
};

// --- verdicts ---

TEST_F(RequestTest, NoAclRefusesByDefault) {
  RequestDecision d = decide(query(), "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kRefused);
  EXPECT_EQ(d.reason, "no ACL allows transfer");
  EXPECT_EQ(d.tsig.status, dns::TsigStatus::kUnsigned);
  EXPECT_EQ(decision_rcode(d), dns::rcode::kRefused);
}

TEST_F(RequestTest, AclForAnotherActionRefuses) {
  acls_.push_back(acl("notifiers", {}, {AclAction::kNotify}));
  RequestDecision d = decide(query(), "192.0.2.1", AclAction::kTransfer);
  EXPECT_EQ(d.verdict, RequestDecision::kRefused);
  EXPECT_EQ(d.reason, "no ACL allows transfer");
  // The same ACL allows a NOTIFY from anywhere.
  d = decide(query("example.", dns::rrtype::kSOA, dns::opcode::kNotify), "192.0.2.1",
             AclAction::kNotify);
  EXPECT_EQ(d.verdict, RequestDecision::kAllowed);
  EXPECT_EQ(d.reason, "allowed by ACL notifiers");
}

TEST_F(RequestTest, NotifyWithOnlyTransferAclRefused) {
  acls_.push_back(acl("downstream", {"192.0.2.0/24"}, {AclAction::kTransfer}));
  RequestDecision d = decide(query("example.", dns::rrtype::kSOA, dns::opcode::kNotify),
                             "192.0.2.1", AclAction::kNotify);
  EXPECT_EQ(d.verdict, RequestDecision::kRefused);
  EXPECT_EQ(d.reason, "no ACL allows notify");
}

TEST_F(RequestTest, SourceInsidePrefixAllowed) {
  acls_.push_back(acl("downstream", {"198.51.100.0/24", "192.0.2.0/25"}, {AclAction::kTransfer}));
  RequestDecision d = decide(query(), "192.0.2.127");
  EXPECT_EQ(d.verdict, RequestDecision::kAllowed);
  EXPECT_EQ(d.reason, "allowed by ACL downstream");
  EXPECT_EQ(d.tsig.status, dns::TsigStatus::kUnsigned);
  EXPECT_EQ(decision_rcode(d), dns::rcode::kNoError);
}

TEST_F(RequestTest, SourceOutsidePrefixRefused) {
  acls_.push_back(acl("downstream", {"192.0.2.0/25"}, {AclAction::kTransfer}));
  RequestDecision d = decide(query(), "192.0.2.128");
  EXPECT_EQ(d.verdict, RequestDecision::kRefused);
  EXPECT_EQ(d.reason, "not in any ACL");
}

TEST_F(RequestTest, Ipv6Prefixes) {
  acls_.push_back(acl("v6", {"2001:db8::/32"}, {AclAction::kTransfer}));
  EXPECT_EQ(decide(query(), "2001:db8:ffff::53").verdict, RequestDecision::kAllowed);
  RequestDecision d = decide(query(), "2001:db9::1");
  EXPECT_EQ(d.verdict, RequestDecision::kRefused);
  EXPECT_EQ(d.reason, "not in any ACL");
  // An IPv4 source does not match an IPv6 prefix.
  EXPECT_EQ(decide(query(), "192.0.2.1").verdict, RequestDecision::kRefused);
}

TEST_F(RequestTest, Ipv4MappedSourceMatchesIpv4Prefix) {
  acls_.push_back(acl("v4", {"192.0.2.0/24"}, {AclAction::kTransfer}));
  EXPECT_EQ(decide(query(), "::ffff:192.0.2.9").verdict, RequestDecision::kAllowed);
  EXPECT_EQ(decide(query(), "::ffff:192.0.3.9").verdict, RequestDecision::kRefused);
}

TEST_F(RequestTest, EmptyAddressListMatchesAnySource) {
  acls_.push_back(acl("anyone", {}, {AclAction::kTransfer, AclAction::kNotify}));
  EXPECT_EQ(decide(query(), "203.0.113.9").verdict, RequestDecision::kAllowed);
  EXPECT_EQ(decide(query(), "::1").verdict, RequestDecision::kAllowed);
}

TEST_F(RequestTest, KeyRequiredButRequestUnsigned) {
  acls_.push_back(acl("downstream", {"192.0.2.0/24"}, {AclAction::kTransfer},
                      config_key(xfr(), "xfr")));
  RequestDecision d = decide(query(), "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kRefused);
  EXPECT_EQ(d.reason, "ACL downstream requires key xfr");
}

TEST_F(RequestTest, KeyRequiredAndSignedWithIt) {
  acls_.push_back(acl("downstream", {"192.0.2.0/24"}, {AclAction::kTransfer},
                      config_key(xfr(), "xfr")));
  RequestDecision d = decide(sign(query(), xfr()), "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kAllowed);
  EXPECT_EQ(d.reason, "allowed by ACL downstream with key xfr");
  EXPECT_EQ(d.tsig.status, dns::TsigStatus::kOk);
  EXPECT_EQ(d.tsig.key, &keys_[0]);
  EXPECT_EQ(d.tsig.mac.size, 32u);
}

TEST_F(RequestTest, KeyMatchIsCaseInsensitive) {
  keys_[0].name = name("XFR.");  // the server's copy in upper case
  acls_.push_back(acl("downstream", {}, {AclAction::kTransfer},
                      config_key(tsig_key("xfr.", dns::TsigAlgorithm::kHmacSha256, 1), "xfr")));
  EXPECT_EQ(decide(sign(query(), xfr()), "192.0.2.1").verdict, RequestDecision::kAllowed);
}

TEST_F(RequestTest, SignedWithAnotherKnownKeyRefused) {
  acls_.push_back(acl("downstream", {"192.0.2.0/24"}, {AclAction::kTransfer},
                      config_key(xfr(), "xfr")));
  RequestDecision d = decide(sign(query(), other()), "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kRefused);
  EXPECT_EQ(d.reason, "ACL downstream requires key xfr, request signed with key other");
  EXPECT_EQ(d.tsig.status, dns::TsigStatus::kOk);  // the REFUSED answer gets signed
}

TEST_F(RequestTest, SameKeyNameOtherAlgorithmRefused) {
  acls_.push_back(acl("downstream", {}, {AclAction::kTransfer}, config_key(xfr(), "xfr")));
  RequestDecision d = decide(sign(query(), xfr512()), "192.0.2.1");
  EXPECT_EQ(d.tsig.status, dns::TsigStatus::kOk);
  EXPECT_EQ(d.verdict, RequestDecision::kRefused);
  EXPECT_EQ(d.reason, "ACL downstream requires key xfr, request signed with key xfr");
}

TEST_F(RequestTest, SignedWithoutNeedingItAllowed) {
  acls_.push_back(acl("open", {"192.0.2.0/24"}, {AclAction::kTransfer}));
  RequestDecision d = decide(sign(query(), other()), "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kAllowed);
  EXPECT_EQ(d.reason, "allowed by ACL open");
  EXPECT_EQ(d.tsig.status, dns::TsigStatus::kOk);
  EXPECT_EQ(d.tsig.key, &keys_[1]);
}

TEST_F(RequestTest, LaterAclAllowsWhenEarlierNeedsKey) {
  acls_.push_back(acl("keyed", {"192.0.2.0/24"}, {AclAction::kTransfer}, config_key(xfr(), "xfr")));
  acls_.push_back(acl("host", {"192.0.2.7"}, {AclAction::kTransfer}));
  EXPECT_EQ(decide(query(), "192.0.2.7").reason, "allowed by ACL host");
  // Another host of the /24 only gets the keyed ACL's reason.
  RequestDecision d = decide(query(), "192.0.2.8");
  EXPECT_EQ(d.verdict, RequestDecision::kRefused);
  EXPECT_EQ(d.reason, "ACL keyed requires key xfr");
}

TEST_F(RequestTest, SecondKeyedAclMatches) {
  acls_.push_back(acl("a", {}, {AclAction::kTransfer}, config_key(xfr(), "xfr")));
  acls_.push_back(acl("b", {}, {AclAction::kTransfer}, config_key(other(), "other")));
  RequestDecision d = decide(sign(query(), other()), "192.0.2.8");
  EXPECT_EQ(d.verdict, RequestDecision::kAllowed);
  EXPECT_EQ(d.reason, "allowed by ACL b with key other");
}

TEST_F(RequestTest, BadSigIsTsigError) {
  acls_.push_back(acl("open", {}, {AclAction::kTransfer}));
  // Same name and algorithm as the server's xfr key, another secret.
  RequestDecision d =
      decide(sign(query(), tsig_key("xfr.", dns::TsigAlgorithm::kHmacSha256, 7)), "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kTsigError);
  EXPECT_EQ(d.tsig.status, dns::TsigStatus::kBadSig);
  EXPECT_EQ(d.tsig.error, dns::tsig_error::kBadSig);
  EXPECT_EQ(d.reason, "TSIG BADSIG with key xfr");
  EXPECT_EQ(decision_rcode(d), dns::rcode::kNotAuth);
}

TEST_F(RequestTest, UnknownKeyIsBadKey) {
  acls_.push_back(acl("open", {}, {AclAction::kTransfer}));
  RequestDecision d =
      decide(sign(query(), tsig_key("stranger.", dns::TsigAlgorithm::kHmacSha256, 1)), "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kTsigError);
  EXPECT_EQ(d.tsig.error, dns::tsig_error::kBadKey);
  EXPECT_EQ(d.reason, "TSIG BADKEY with key stranger");
  EXPECT_EQ(d.tsig.key, nullptr);
}

TEST_F(RequestTest, OldTimeIsBadTime) {
  acls_.push_back(acl("open", {}, {AclAction::kTransfer}));
  RequestDecision d = decide(sign(query(), xfr(), kNow - 301), "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kTsigError);
  EXPECT_EQ(d.tsig.error, dns::tsig_error::kBadTime);
  EXPECT_EQ(d.reason, "TSIG BADTIME with key xfr");
  // Within the fudge it is fine.
  EXPECT_EQ(decide(sign(query(), xfr(), kNow - 300), "192.0.2.1").verdict,
            RequestDecision::kAllowed);
}

TEST_F(RequestTest, TsigErrorWinsOverAcl) {
  // Even a source no ACL allows gets the TSIG error first (RFC 8945 5.2).
  RequestDecision d =
      decide(sign(query(), tsig_key("stranger.", dns::TsigAlgorithm::kHmacSha256, 1)), "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kTsigError);
}

TEST_F(RequestTest, MalformedTsigIsFormErr) {
  acls_.push_back(acl("open", {}, {AclAction::kTransfer}));
  Bytes msg = sign(query(), xfr());
  msg.push_back(0);  // a byte after the TSIG RR
  RequestDecision d = decide(msg, "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kFormErr);
  EXPECT_EQ(d.reason, "malformed TSIG");
  EXPECT_EQ(decision_rcode(d), dns::rcode::kFormErr);

  // A MAC size below the RFC minimum (5.2.2.1): cut the MAC to 4 octets.
  Bytes good = sign(query(), xfr());
  RequestDecision ok = decide(good, "192.0.2.1");
  ASSERT_EQ(ok.tsig.status, dns::TsigStatus::kOk);
  // TSIG rdata: algorithm name, time (6), fudge (2), MAC size (2), MAC ...
  size_t mac_size_at = ok.tsig.tsig_offset + xfr().name.size() + 10 +
                       dns::tsig_algorithm_wire_name(xfr().algorithm).size() + 8;
  ASSERT_EQ(dns::load_u16(good.data() + mac_size_at), 32);
  Bytes cut(good.begin(), good.begin() + mac_size_at);
  cut.push_back(0);
  cut.push_back(4);
  cut.insert(cut.end(), good.begin() + mac_size_at + 2, good.begin() + mac_size_at + 6);
  cut.insert(cut.end(), good.begin() + mac_size_at + 2 + 32, good.end());
  size_t rdlen_at = ok.tsig.tsig_offset + xfr().name.size() + 8;
  dns::store_u16(cut.data() + rdlen_at, dns::load_u16(cut.data() + rdlen_at) - 28);
  EXPECT_EQ(decide(cut, "192.0.2.1").verdict, RequestDecision::kFormErr);
}

TEST_F(RequestTest, ShortMessageIsFormErr) {
  acls_.push_back(acl("open", {}, {AclAction::kTransfer}));
  RequestDecision d = decide(Bytes{0x12, 0x34, 0}, "192.0.2.1");
  EXPECT_EQ(d.verdict, RequestDecision::kFormErr);
  EXPECT_EQ(d.reason, "message shorter than a header");
}

TEST_F(RequestTest, RequestWithTsigErrorFieldIsFormErr) {
  acls_.push_back(acl("open", {}, {AclAction::kTransfer}));
  Bytes buf = query();
  size_t size = buf.size();
  buf.resize(size + 512);
  dns::TsigSignParams params;
  params.time_signed = kNow;
  params.error = dns::tsig_error::kBadTime;
  size = dns::tsig_sign(buf.data(), size, buf.size(), xfr(), params, {}).value();
  buf.resize(size);
  EXPECT_EQ(decide(buf, "192.0.2.1").verdict, RequestDecision::kFormErr);
}

// --- error answers ---

struct Parsed {
  uint16_t id, flags, qd, an, ns, ar;
};
Parsed header(const Bytes& m) {
  return {dns::load_u16(m.data()),     dns::load_u16(m.data() + 2),
          dns::load_u16(m.data() + 4), dns::load_u16(m.data() + 6),
          dns::load_u16(m.data() + 8), dns::load_u16(m.data() + 10)};
}

Bytes answer(const Bytes& request, const RequestDecision& d, uint8_t rcode, size_t cap = 1024,
             uint64_t now = kNow) {
  Bytes out(cap);
  size_t n = build_error_answer(request, d, rcode, out.data(), out.size(), now);
  out.resize(n);
  return out;
}

TEST_F(RequestTest, RefusedAnswerUnsigned) {
  Bytes req = query("Example.", dns::rrtype::kIXFR);
  RequestDecision d = decide(req, "192.0.2.1");
  ASSERT_EQ(d.verdict, RequestDecision::kRefused);
  Bytes a = answer(req, d, decision_rcode(d));
  ASSERT_EQ(a.size(), req.size());
  Parsed h = header(a);
  EXPECT_EQ(h.id, kId);
  EXPECT_EQ(h.flags, 0x8105);  // QR, opcode QUERY, RD echoed, REFUSED
  EXPECT_EQ(h.qd, 1);
  EXPECT_EQ(h.an + h.ns + h.ar, 0);
  // The question is echoed byte for byte (case preserved).
  EXPECT_TRUE(std::equal(a.begin() + 12, a.end(), req.begin() + 12));
}

TEST_F(RequestTest, RefusedAnswerSignedWhenRequestSigned) {
  acls_.push_back(acl("downstream", {"192.0.2.0/24"}, {AclAction::kTransfer},
                      config_key(xfr(), "xfr")));
  Bytes req = sign(query(), other());
  RequestDecision d = decide(req, "192.0.2.1");
  ASSERT_EQ(d.verdict, RequestDecision::kRefused);
  Bytes a = answer(req, d, decision_rcode(d), 1024, kNow + 5);
  ASSERT_GT(a.size(), 0u);
  Parsed h = header(a);
  EXPECT_EQ(h.flags & 0x0F, dns::rcode::kRefused);
  EXPECT_EQ(h.ar, 1);
  // The client verifies it with its key and request MAC.
  dns::TsigVerifyResult v = dns::tsig_verify(a, {&other(), 1}, kNow + 5, d.tsig.mac.span());
  EXPECT_EQ(v.status, dns::TsigStatus::kOk);
  EXPECT_EQ(v.time_signed, kNow + 5);
  // ... and not with another request MAC.
  Bytes wrong_mac(32, 0xAA);
  EXPECT_EQ(dns::tsig_verify(a, {&other(), 1}, kNow, wrong_mac).status, dns::TsigStatus::kBadSig);
}

TEST_F(RequestTest, BadSigAnswerIsUnsignedNotAuth) {
  dns::TsigKey client = tsig_key("xfr.", dns::TsigAlgorithm::kHmacSha256, 7);
  Bytes req = sign(query(), client);
  RequestDecision d = decide(req, "192.0.2.1");
  ASSERT_EQ(d.verdict, RequestDecision::kTsigError);
  Bytes a = answer(req, d, decision_rcode(d));
  ASSERT_GT(a.size(), query().size());
  Parsed h = header(a);
  EXPECT_EQ(h.flags & 0x0F, dns::rcode::kNotAuth);
  EXPECT_EQ(h.qd, 1);
  EXPECT_EQ(h.ar, 1);
  dns::TsigVerifyResult v = dns::tsig_verify(a, {&client, 1}, kNow, d.tsig.mac.span());
  EXPECT_EQ(v.status, dns::TsigStatus::kPeerError);  // MAC size 0 with the error set
  EXPECT_EQ(v.peer_error, dns::tsig_error::kBadSig);
  EXPECT_EQ(v.mac.size, 0u);
  EXPECT_EQ(v.key_name, name("xfr."));
}

TEST_F(RequestTest, BadKeyAnswerEchoesKeyName) {
  dns::TsigKey client = tsig_key("stranger.", dns::TsigAlgorithm::kHmacSha384, 1);
  Bytes req = sign(query(), client);
  RequestDecision d = decide(req, "192.0.2.1");
  ASSERT_EQ(d.verdict, RequestDecision::kTsigError);
  Bytes a = answer(req, d, decision_rcode(d));
  ASSERT_GT(a.size(), 0u);
  EXPECT_EQ(header(a).flags & 0x0F, dns::rcode::kNotAuth);
  dns::TsigVerifyResult v = dns::tsig_verify(a, {&client, 1}, kNow, d.tsig.mac.span());
  EXPECT_EQ(v.status, dns::TsigStatus::kPeerError);
  EXPECT_EQ(v.peer_error, dns::tsig_error::kBadKey);
  EXPECT_EQ(v.mac.size, 0u);
  EXPECT_EQ(v.key_name, name("stranger."));
}

TEST_F(RequestTest, BadTimeAnswerIsSignedWithServerTime) {
  const uint64_t client_time = kNow - 1000;
  Bytes req = sign(query(), xfr(), client_time);
  RequestDecision d = decide(req, "192.0.2.1");
  ASSERT_EQ(d.verdict, RequestDecision::kTsigError);
  ASSERT_EQ(d.tsig.error, dns::tsig_error::kBadTime);
  Bytes a = answer(req, d, decision_rcode(d));
  ASSERT_GT(a.size(), 0u);
  Parsed h = header(a);
  EXPECT_EQ(h.flags & 0x0F, dns::rcode::kNotAuth);
  EXPECT_EQ(h.ar, 1);
  // The client, whose clock says client_time, verifies the MAC: the answer is
  // signed by its key over its request MAC, and carries its own time.
  dns::TsigVerifyResult v = dns::tsig_verify(a, {&xfr(), 1}, client_time, d.tsig.mac.span());
  EXPECT_EQ(v.status, dns::TsigStatus::kPeerError);  // a verified, signed error answer
  EXPECT_EQ(v.peer_error, dns::tsig_error::kBadTime);
  EXPECT_EQ(v.time_signed, client_time);
  EXPECT_EQ(v.mac.size, 32u);
  // The TSIG RR ends with Error, Other Len = 6, Other Data = the server's time.
  ASSERT_GE(a.size(), 10u);
  const uint8_t* tail = a.data() + a.size() - 10;
  EXPECT_EQ(dns::load_u16(tail), dns::tsig_error::kBadTime);
  EXPECT_EQ(dns::load_u16(tail + 2), 6);
  uint8_t expect_time[6];
  dns::encode_tsig_time(kNow, expect_time);
  EXPECT_TRUE(std::equal(tail + 4, tail + 10, expect_time));
  // Another secret does not verify it: it really is signed.
  dns::TsigKey wrong = tsig_key("xfr.", dns::TsigAlgorithm::kHmacSha256, 9);
  EXPECT_EQ(dns::tsig_verify(a, {&wrong, 1}, client_time, d.tsig.mac.span()).status,
            dns::TsigStatus::kBadSig);
}

TEST_F(RequestTest, FormErrAnswerUnsigned) {
  acls_.push_back(acl("open", {}, {AclAction::kTransfer}));
  Bytes req = sign(query(), xfr());
  req.push_back(0);
  RequestDecision d = decide(req, "192.0.2.1");
  ASSERT_EQ(d.verdict, RequestDecision::kFormErr);
  Bytes a = answer(req, d, decision_rcode(d));
  ASSERT_EQ(a.size(), query().size());
  Parsed h = header(a);
  EXPECT_EQ(h.flags & 0x0F, dns::rcode::kFormErr);
  EXPECT_EQ(h.qd, 1);
  EXPECT_EQ(h.ar, 0);
}

TEST_F(RequestTest, AnswerWithoutQuestionWhenQuestionBroken) {
  Bytes req = query();
  req.resize(req.size() - 3);  // QTYPE/QCLASS cut
  RequestDecision d = decide(req, "192.0.2.1");
  ASSERT_EQ(d.verdict, RequestDecision::kFormErr);
  Bytes a = answer(req, d, decision_rcode(d));
  ASSERT_EQ(a.size(), 12u);
  EXPECT_EQ(header(a).qd, 0);
  EXPECT_EQ(header(a).flags & 0x0F, dns::rcode::kFormErr);
}

TEST_F(RequestTest, NotifyOpcodeEchoed) {
  Bytes req = query("example.", dns::rrtype::kSOA, dns::opcode::kNotify);
  RequestDecision d = decide(req, "192.0.2.1", AclAction::kNotify);
  Bytes a = answer(req, d, decision_rcode(d));
  ASSERT_GT(a.size(), 0u);
  EXPECT_EQ((header(a).flags >> 11) & 0x0F, dns::opcode::kNotify);
  EXPECT_TRUE(header(a).flags & 0x8000);
}

TEST_F(RequestTest, AnswerTooBigForBufferGivesZero) {
  Bytes req = sign(query(), xfr(), kNow - 1000);
  RequestDecision d = decide(req, "192.0.2.1");
  ASSERT_EQ(d.verdict, RequestDecision::kTsigError);
  // Room for the header and question but not the TSIG RR.
  EXPECT_EQ(answer(req, d, decision_rcode(d), query().size() + 10).size(), 0u);
  EXPECT_EQ(answer(req, d, decision_rcode(d), 8).size(), 0u);
  EXPECT_EQ(answer(Bytes{1, 2, 3}, d, dns::rcode::kFormErr).size(), 0u);
}

}  // namespace
}  // namespace tandem::xfr
