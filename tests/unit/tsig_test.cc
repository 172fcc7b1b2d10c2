// Tests of TSIG signing and verification (RFC 8945). The reference vectors
// were produced by dnspython 2.3 with the time fixed at 1700000000, key
// "tsig-key.example." and secret 01 02 ... 20 (32 octets):
//   q = dns.message.make_query("example.com.", "SOA", use_edns=False); q.id = 0x1234
//   q.use_tsig(dns.tsig.Key("tsig-key.example.", secret, alg), fudge=300)
// and for the zone transfer stream, make_response(axfr_query).to_wire(multi=True,
// tsig_ctx=previous ctx) for three messages (SOA, www A, SOA).
#include "dns/tsig.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dns/types.h"
#include "dns/wire.h"
#include "util/encoding.h"

namespace tandem::dns {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes hex(std::string_view text) {
  Bytes out;
  EXPECT_TRUE(util::hex_decode(text, out)) << text;
  return out;
}

constexpr uint64_t kTime = 1700000000;
// Where the TSIG RR starts in the SOA queries: header, example.com., type, class.
constexpr size_t kQueryTsigOffset = 12 + 13 + 4;

// dnspython: signed SOA query, HMAC-SHA256.
constexpr char kQuerySha256[] =
    "123401000001000000000001076578616d706c6503636f6d000006000108747369672d6b6579076578616d706c65"
    "0000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c0020124d3e19652acecccd43a2864"
    "670f8ee94d091298916712752c111784a97ac84123400000000";
constexpr char kQueryMacSha256[] =
    "124d3e19652acecccd43a2864670f8ee94d091298916712752c111784a97ac84";
// dnspython: signed SOA query, HMAC-MD5 (algorithm name upper case on the wire).
constexpr char kQueryMd5[] =
    "123401000001000000000001076578616d706c6503636f6d000006000108747369672d6b6579076578616d706c65"
    "0000fa00ff00000000003a08484d41432d4d4435075349472d414c470352454703494e540000006553f100012c001"
    "09ae90a69dac5ca08cd0d5cbbcf889a4b123400000000";
constexpr char kQueryMacMd5[] = "9ae90a69dac5ca08cd0d5cbbcf889a4b";
// The answer to either query, before signing.
constexpr char kResponseUnsigned[] =
    "123481000001000100000000076578616d706c6503636f6d0000060001c00c0006000100000e100022036e7331c0"
    "0c0561646d696ec00c78a3f17500001c2000000e10001275000000012c";
// dnspython: that answer signed with the request MAC of kQuerySha256.
constexpr char kResponseSignedSha256[] =
    "123481000001000100000001076578616d706c6503636f6d0000060001c00c0006000100000e100022036e7331c0"
    "0c0561646d696ec00c78a3f17500001c2000000e10001275000000012c08747369672d6b6579076578616d706c65"
    "0000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c002026948c7dfe4dbd933afabe77"
    "e5638eaf474c3829511e016d640c58e396986d86123400000000";
// dnspython's MAC of that answer signed with the request MAC of kQueryMd5.
constexpr char kResponseMacMd5[] = "4b0d06a93882a725303c5d5f43955208";

// dnspython: an AXFR query and a three-message answer signed as a stream.
constexpr char kAxfrQuery[] =
    "432101000001000000000001076578616d706c6503636f6d0000fc000108747369672d6b6579076578616d706c65"
    "0000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c0020e4452600c1136ae49ab942cb"
    "0752d7dee536821d1719a2f6e4512f8ce3401ae8432100000000";
constexpr const char* kAxfr[3] = {
    "432181000001000100000001076578616d706c6503636f6d0000fc0001c00c0006000100000e100022036e7331c0"
    "0c0561646d696ec00c0000000100001c2000000e10001275000000012c08747369672d6b6579076578616d706c65"
    "0000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c0020737e8480240d642a10a998c0"
    "c76c71ae3f7f58fcbe5047f50f3ac882c62f219f432100000000",
    "432181000001000100000001076578616d706c6503636f6d0000fc000103777777c00c0001000100000e100004c0"
    "00020108747369672d6b6579076578616d706c650000fa00ff00000000003d0b686d61632d736861323536000000"
    "6553f100012c00208278ff71a2b243470c89e833dcbcb4777e19ff6806369304eb5db33a28e16d0f432100000000",
    "432181000001000100000001076578616d706c6503636f6d0000fc0001c00c0006000100000e100022036e7331c0"
    "0c0561646d696ec00c0000000100001c2000000e10001275000000012c08747369672d6b6579076578616d706c65"
    "0000fa00ff00000000003d0b686d61632d7368613235360000006553f100012c002080ea93fb48d0f23836b76830"
    "b44089991571fceb20f824b672fa1c2991b961a3432100000000",
};

Bytes test_secret() {
  Bytes s;
  for (uint8_t i = 1; i <= 32; ++i) s.push_back(i);
  return s;
}

TsigKey make_key(TsigAlgorithm alg, const char* name = "tsig-key.example.") {
  return TsigKey{*Name::parse_absolute(name), alg, test_secret()};
}

// The unsigned form of a signed message: TSIG RR cut, ARCOUNT decremented.
Bytes strip_tsig(const Bytes& signed_msg, const TsigKey& key) {
  TsigVerifyResult r = tsig_verify(signed_msg, {&key, 1}, kTime, {});
  EXPECT_NE(r.tsig_offset, 0u);
  Bytes out(signed_msg.begin(), signed_msg.begin() + r.tsig_offset);
  store_u16(out.data() + 10, static_cast<uint16_t>(load_u16(out.data() + 10) - 1));
  return out;
}

// Signs `msg` with tsig_sign into a fresh buffer; returns the signed bytes.
Bytes sign(const Bytes& msg, const TsigKey& key, std::span<const uint8_t> request_mac,
           uint64_t t = kTime, TsigMac* mac = nullptr) {
  Bytes buf(msg);
  buf.resize(msg.size() + 512);
  TsigSignParams params;
  params.time_signed = t;
  auto n = tsig_sign(buf.data(), msg.size(), buf.size(), key, params, request_mac, mac);
  EXPECT_TRUE(n.has_value());
  buf.resize(n.value_or(0));
  return buf;
}

// Offset of the MAC Size field of the TSIG RR at tsig_offset.
size_t mac_size_offset(const Bytes& msg, size_t tsig_offset) {
  size_t p = tsig_offset + wire_name_size(msg.data() + tsig_offset) + 10;
  p += wire_name_size(msg.data() + p);
  return p + 8;
}

// Rewrites the TSIG's MAC to its first `n` octets (as a truncating signer).
Bytes truncate_mac(const Bytes& msg, size_t tsig_offset, size_t n) {
  Bytes out(msg);
  const size_t at = mac_size_offset(out, tsig_offset);
  const size_t old = load_u16(out.data() + at);
  out.erase(out.begin() + static_cast<long>(at + 2 + n),
            out.begin() + static_cast<long>(at + 2 + old));
  store_u16(out.data() + at, static_cast<uint16_t>(n));
  const size_t rdlen_at = tsig_offset + wire_name_size(out.data() + tsig_offset) + 8;
  store_u16(out.data() + rdlen_at,
            static_cast<uint16_t>(load_u16(out.data() + rdlen_at) - (old - n)));
  return out;
}

TEST(TsigAlgorithm, NamesAndSizes) {
  const size_t sizes[] = {16, 20, 28, 32, 48, 64};
  const char* texts[] = {"hmac-md5",    "hmac-sha1",   "hmac-sha224",
                         "hmac-sha256", "hmac-sha384", "hmac-sha512"};
  for (size_t i = 0; i < 6; ++i) {
    TsigAlgorithm alg = kAllTsigAlgorithms[i];
    EXPECT_STREQ(tsig_algorithm_text(alg), texts[i]);
    EXPECT_EQ(tsig_algorithm_from_text(texts[i]), alg);
    EXPECT_EQ(tsig_digest_size(alg), sizes[i]);
    EXPECT_EQ(tsig_algorithm_from_wire(tsig_algorithm_wire_name(alg).data()), alg);
  }
  EXPECT_EQ(tsig_algorithm_from_text("HMAC-SHA256"), TsigAlgorithm::kHmacSha256);
  EXPECT_FALSE(tsig_algorithm_from_text("hmac-sha3"));
  EXPECT_FALSE(tsig_algorithm_from_text("hmac-md5.sig-alg.reg.int"));
  auto md5 = Name::parse_absolute("HMAC-MD5.SIG-ALG.REG.INT.");
  EXPECT_EQ(tsig_algorithm_from_wire(md5->data()), TsigAlgorithm::kHmacMd5);
  auto sha256 = Name::parse_absolute("hmac-sha256.");
  EXPECT_EQ(Name::from_wire(tsig_algorithm_wire_name(TsigAlgorithm::kHmacSha256).data()), *sha256);
  auto bad = Name::parse_absolute("hmac-md5.");
  EXPECT_FALSE(tsig_algorithm_from_wire(bad->data()));
}

TEST(TsigErrorText, NamesTsigErrorsThenRcodes) {
  EXPECT_EQ(tsig_error_text(tsig_error::kBadSig), "BADSIG");  // not BADVERS (also 16)
  EXPECT_EQ(tsig_error_text(tsig_error::kBadKey), "BADKEY");
  EXPECT_EQ(tsig_error_text(tsig_error::kBadTime), "BADTIME");
  EXPECT_EQ(tsig_error_text(tsig_error::kBadTrunc), "BADTRUNC");
  EXPECT_EQ(tsig_error_text(9), "NOTAUTH");
  EXPECT_EQ(tsig_error_text(23), "RCODE23");
}

TEST(TsigKey, FromConfigFields) {
  Bytes secret = test_secret();
  auto key = make_tsig_key(*Name::parse_absolute("k."), "hmac-sha512", secret);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->algorithm, TsigAlgorithm::kHmacSha512);
  EXPECT_EQ(key->secret, secret);
  EXPECT_EQ(key->name.to_text(), "k.");
  EXPECT_FALSE(make_tsig_key(*Name::parse_absolute("k."), "sha256", secret));
}

TEST(TsigVerify, AcceptsDnspythonQuerySha256) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  Bytes q = hex(kQuerySha256);
  TsigVerifyResult r = tsig_verify(q, {&key, 1}, kTime, {});
  EXPECT_EQ(r.status, TsigStatus::kOk) << tsig_status_text(r.status);
  EXPECT_EQ(r.key, &key);
  EXPECT_EQ(r.rcode(), rcode::kNoError);
  EXPECT_EQ(r.original_id, 0x1234);
  EXPECT_EQ(r.time_signed, kTime);
  EXPECT_EQ(r.fudge, 300);
  EXPECT_EQ(r.tsig_offset, kQueryTsigOffset);
  EXPECT_EQ(r.key_name.to_text(), "tsig-key.example.");
  Bytes mac = hex(kQueryMacSha256);
  EXPECT_EQ(Bytes(r.mac.span().begin(), r.mac.span().end()), mac);
}

TEST(TsigVerify, AcceptsDnspythonQueryMd5WithUpperCaseAlgorithm) {
  TsigKey key = make_key(TsigAlgorithm::kHmacMd5);
  TsigVerifyResult r = tsig_verify(hex(kQueryMd5), {&key, 1}, kTime, {});
  EXPECT_EQ(r.status, TsigStatus::kOk) << tsig_status_text(r.status);
  EXPECT_EQ(Bytes(r.mac.span().begin(), r.mac.span().end()), hex(kQueryMacMd5));
}

TEST(TsigVerify, FlippedBytesGiveBadSig) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  const Bytes q = hex(kQuerySha256);
  // Every octet of the question, flags and the MAC is covered.
  for (size_t at : {size_t{2}, size_t{3}, size_t{14}, size_t{26}, q.size() - 7}) {
    Bytes bad = q;
    bad[at] ^= 0x01;
    TsigVerifyResult r = tsig_verify(bad, {&key, 1}, kTime, {});
    EXPECT_EQ(r.status, TsigStatus::kBadSig) << "byte " << at;
    EXPECT_EQ(r.error, tsig_error::kBadSig);
    EXPECT_EQ(r.rcode(), rcode::kNotAuth);
  }
  // The time signed and fudge are covered too (flip the low time octet).
  Bytes bad = q;
  bad[mac_size_offset(q, kQueryTsigOffset) - 3] ^= 0x01;
  EXPECT_EQ(tsig_verify(bad, {&key, 1}, kTime, {}).status, TsigStatus::kBadSig);
  // The header ID is not: the digest uses the original ID (RFC 8945 4.3.3), so
  // a message whose ID was rewritten in transit still verifies.
  Bytes rewritten = q;
  rewritten[0] ^= 0xff;
  TsigVerifyResult r = tsig_verify(rewritten, {&key, 1}, kTime, {});
  EXPECT_EQ(r.status, TsigStatus::kOk);
  EXPECT_EQ(r.original_id, 0x1234);
  // A different secret fails.
  TsigKey wrong = key;
  wrong.secret[0] ^= 1;
  EXPECT_EQ(tsig_verify(q, {&wrong, 1}, kTime, {}).status, TsigStatus::kBadSig);
}

TEST(TsigVerify, UnknownKeyOrAlgorithmGivesBadKey) {
  const Bytes q = hex(kQuerySha256);
  TsigKey other_name = make_key(TsigAlgorithm::kHmacSha256, "other-key.example.");
  TsigVerifyResult r = tsig_verify(q, {&other_name, 1}, kTime, {});
  EXPECT_EQ(r.status, TsigStatus::kBadKey);
  EXPECT_EQ(r.error, tsig_error::kBadKey);
  EXPECT_EQ(r.key, nullptr);
  EXPECT_EQ(r.rcode(), rcode::kNotAuth);
  TsigKey other_alg = make_key(TsigAlgorithm::kHmacSha512);
  EXPECT_EQ(tsig_verify(q, {&other_alg, 1}, kTime, {}).status, TsigStatus::kBadKey);
  EXPECT_EQ(tsig_verify(q, {}, kTime, {}).status, TsigStatus::kBadKey);
  // The key name matches case-insensitively, and the right one of several is picked.
  TsigKey keys[] = {other_name, make_key(TsigAlgorithm::kHmacSha256, "TSIG-Key.Example.")};
  r = tsig_verify(q, keys, kTime, {});
  EXPECT_EQ(r.status, TsigStatus::kOk);
  EXPECT_EQ(r.key, &keys[1]);
}

TEST(TsigVerify, TimeOutsideFudgeGivesBadTime) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  const Bytes q = hex(kQuerySha256);
  EXPECT_EQ(tsig_verify(q, {&key, 1}, kTime + 300, {}).status, TsigStatus::kOk);
  EXPECT_EQ(tsig_verify(q, {&key, 1}, kTime - 300, {}).status, TsigStatus::kOk);
  for (uint64_t now : {kTime + 301, kTime - 301, uint64_t{0}}) {
    TsigVerifyResult r = tsig_verify(q, {&key, 1}, now, {});
    EXPECT_EQ(r.status, TsigStatus::kBadTime) << now;
    EXPECT_EQ(r.error, tsig_error::kBadTime);
    EXPECT_EQ(r.rcode(), rcode::kNotAuth);
    EXPECT_EQ(r.key, &key);  // known: the BADTIME answer is signed
  }
  // The MAC is checked before the time (RFC 8945 5.2): a forged late message
  // is BADSIG, not BADTIME.
  Bytes bad = q;
  bad[14] ^= 1;
  EXPECT_EQ(tsig_verify(bad, {&key, 1}, kTime + 1000, {}).status, TsigStatus::kBadSig);
}

TEST(TsigVerify, AcceptsDnspythonResponseOnlyWithRequestMac) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  const Bytes resp = hex(kResponseSignedSha256);
  const Bytes request_mac = hex(kQueryMacSha256);
  EXPECT_EQ(tsig_verify(resp, {&key, 1}, kTime, request_mac).status, TsigStatus::kOk);
  EXPECT_EQ(tsig_verify(resp, {&key, 1}, kTime, {}).status, TsigStatus::kBadSig);
  Bytes other_mac = request_mac;
  other_mac[0] ^= 1;
  EXPECT_EQ(tsig_verify(resp, {&key, 1}, kTime, other_mac).status, TsigStatus::kBadSig);
}

TEST(TsigSign, MatchesDnspythonResponseSha256) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  TsigMac mac;
  Bytes signed_msg = sign(hex(kResponseUnsigned), key, hex(kQueryMacSha256), kTime, &mac);
  EXPECT_EQ(signed_msg, hex(kResponseSignedSha256));
  EXPECT_EQ(mac.size, 32u);
}

TEST(TsigSign, MatchesDnspythonMacMd5) {
  TsigKey key = make_key(TsigAlgorithm::kHmacMd5);
  TsigMac mac;
  Bytes signed_msg = sign(hex(kResponseUnsigned), key, hex(kQueryMacMd5), kTime, &mac);
  // dnspython writes the algorithm name in upper case, we in lower case; the
  // MAC is over the canonical form, so it must be the same.
  EXPECT_EQ(Bytes(mac.span().begin(), mac.span().end()), hex(kResponseMacMd5));
  const Bytes tail(signed_msg.end() - 6 - 16, signed_msg.end() - 6);
  EXPECT_EQ(tail, hex(kResponseMacMd5));
  EXPECT_EQ(tsig_verify(signed_msg, {&key, 1}, kTime, hex(kQueryMacMd5)).status, TsigStatus::kOk);
}

TEST(TsigSign, RoundTripAllAlgorithms) {
  const Bytes query = strip_tsig(hex(kQuerySha256), make_key(TsigAlgorithm::kHmacSha256));
  ASSERT_EQ(load_u16(query.data() + 10), 0);
  for (TsigAlgorithm alg : kAllTsigAlgorithms) {
    SCOPED_TRACE(tsig_algorithm_text(alg));
    TsigKey key = make_key(alg);
    TsigMac qmac;
    Bytes q = sign(query, key, {}, kTime, &qmac);
    EXPECT_EQ(qmac.size, tsig_digest_size(alg));
    EXPECT_EQ(load_u16(q.data() + 10), 1);
    TsigVerifyResult r = tsig_verify(q, {&key, 1}, kTime + 10, {});
    ASSERT_EQ(r.status, TsigStatus::kOk) << tsig_status_text(r.status);
    EXPECT_EQ(Bytes(r.mac.span().begin(), r.mac.span().end()),
              Bytes(qmac.span().begin(), qmac.span().end()));
    // The answer, signed with the request MAC we got from verification.
    Bytes answer = hex(kResponseUnsigned);
    Bytes a = sign(answer, key, r.mac.span(), kTime + 11);
    EXPECT_EQ(tsig_verify(a, {&key, 1}, kTime + 12, qmac.span()).status, TsigStatus::kOk);
    EXPECT_EQ(tsig_verify(a, {&key, 1}, kTime + 12, {}).status, TsigStatus::kBadSig);
    // Another algorithm with the same name and secret is another key.
    TsigKey other = make_key(alg == TsigAlgorithm::kHmacSha1 ? TsigAlgorithm::kHmacSha256
                                                             : TsigAlgorithm::kHmacSha1);
    EXPECT_EQ(tsig_verify(q, {&other, 1}, kTime, {}).status, TsigStatus::kBadKey);
  }
}

TEST(TsigSign, CapacityIsRespected) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  const Bytes query = strip_tsig(hex(kQuerySha256), key);
  const size_t full = hex(kQuerySha256).size();
  Bytes buf(full, 0xee);
  memcpy(buf.data(), query.data(), query.size());
  TsigSignParams params;
  params.time_signed = kTime;
  auto r = tsig_sign(buf.data(), query.size(), full - 1, key, params, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::kNoSpace);
  EXPECT_EQ(Bytes(buf.begin(), buf.begin() + static_cast<long>(query.size())), query);
  EXPECT_EQ(buf[query.size()], 0xee);  // nothing written
  r = tsig_sign(buf.data(), query.size(), full, key, params, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, full);
  EXPECT_EQ(buf, hex(kQuerySha256));  // the same bytes dnspython made
  // A message shorter than a header cannot be signed.
  EXPECT_EQ(tsig_sign(buf.data(), 11, full, key, params, {}).error(), Errc::kMalformed);
}

TEST(TsigVerify, TruncatedMacRules) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  const Bytes q = hex(kQuerySha256);
  // SHA-256: at least max(10, 32 / 2) = 16 octets (RFC 8945 5.2.2.1).
  Bytes t16 = truncate_mac(q, kQueryTsigOffset, 16);
  EXPECT_EQ(tsig_verify(t16, {&key, 1}, kTime, {}).status, TsigStatus::kOk);
  Bytes t15 = truncate_mac(q, kQueryTsigOffset, 15);
  EXPECT_EQ(tsig_verify(t15, {&key, 1}, kTime, {}).status, TsigStatus::kFormErr);
  // Local policy asking for more gives BADTRUNC, once the MAC is known good.
  TsigVerifyOptions strict;
  strict.min_mac_size = 32;
  TsigVerifyResult r = tsig_verify(t16, {&key, 1}, kTime, {}, strict);
  EXPECT_EQ(r.status, TsigStatus::kBadTrunc);
  EXPECT_EQ(r.error, tsig_error::kBadTrunc);
  EXPECT_EQ(tsig_verify(q, {&key, 1}, kTime, {}, strict).status, TsigStatus::kOk);
  Bytes t16bad = t16;
  t16bad[15] ^= 1;
  EXPECT_EQ(tsig_verify(t16bad, {&key, 1}, kTime, {}, strict).status, TsigStatus::kBadSig);
  // MD5: the floor is 10 octets, not 8.
  TsigKey md5 = make_key(TsigAlgorithm::kHmacMd5);
  const Bytes qm = hex(kQueryMd5);
  EXPECT_EQ(tsig_verify(truncate_mac(qm, kQueryTsigOffset, 10), {&md5, 1}, kTime, {}).status,
            TsigStatus::kOk);
  EXPECT_EQ(tsig_verify(truncate_mac(qm, kQueryTsigOffset, 9), {&md5, 1}, kTime, {}).status,
            TsigStatus::kFormErr);
  // A MAC longer than the hash is FORMERR.
  Bytes longer = q;
  const size_t at = mac_size_offset(longer, kQueryTsigOffset);
  longer.insert(longer.begin() + static_cast<long>(at + 2 + 32), 0x00);
  store_u16(longer.data() + at, 33);
  const size_t rdlen_at = kQueryTsigOffset + wire_name_size(longer.data() + kQueryTsigOffset) + 8;
  store_u16(longer.data() + rdlen_at,
            static_cast<uint16_t>(load_u16(longer.data() + rdlen_at) + 1));
  EXPECT_EQ(tsig_verify(longer, {&key, 1}, kTime, {}).status, TsigStatus::kFormErr);
}

TEST(TsigVerify, UnsignedMessage) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  TsigVerifyResult r = tsig_verify(hex(kResponseUnsigned), {&key, 1}, kTime, {});
  EXPECT_EQ(r.status, TsigStatus::kUnsigned);
  EXPECT_EQ(r.rcode(), rcode::kNoError);
}

TEST(TsigVerify, MalformedIsFormErrNeverACrash) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  const Bytes q = hex(kQuerySha256);
  auto status = [&](const Bytes& m) { return tsig_verify(m, {&key, 1}, kTime, {}).status; };

  // A record after the TSIG.
  Bytes not_last = q;
  const uint8_t a_rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
  not_last.insert(not_last.end(), a_rr, a_rr + sizeof a_rr);
  store_u16(not_last.data() + 10, 2);
  EXPECT_EQ(status(not_last), TsigStatus::kFormErr);

  // Two TSIG RRs.
  Bytes two = q;
  two.insert(two.end(), q.begin() + kQueryTsigOffset, q.end());
  store_u16(two.data() + 10, 2);
  EXPECT_EQ(status(two), TsigStatus::kFormErr);

  // The TSIG counted in the answer section instead of the additional one.
  Bytes in_answer = q;
  store_u16(in_answer.data() + 6, 1);
  store_u16(in_answer.data() + 10, 0);
  EXPECT_EQ(status(in_answer), TsigStatus::kFormErr);

  // Truncated rdata: RDLENGTH shortened by one, message cut to match.
  Bytes short_rdata = q;
  short_rdata.pop_back();
  const size_t rdlen_at = kQueryTsigOffset + wire_name_size(q.data() + kQueryTsigOffset) + 8;
  store_u16(short_rdata.data() + rdlen_at,
            static_cast<uint16_t>(load_u16(q.data() + rdlen_at) - 1));
  EXPECT_EQ(status(short_rdata), TsigStatus::kFormErr);

  // Class other than ANY.
  Bytes in_class = q;
  store_u16(in_class.data() + rdlen_at - 6, rrclass::kIN);
  EXPECT_EQ(status(in_class), TsigStatus::kFormErr);

  // Trailing garbage after the TSIG RR.
  Bytes trailing = q;
  trailing.push_back(0);
  EXPECT_EQ(status(trailing), TsigStatus::kFormErr);

  // Compressed algorithm name (pointer to "example." of the question).
  Bytes compressed = q;
  {
    const size_t alg_at = rdlen_at + 2;
    const size_t alg_len = wire_name_size(q.data() + alg_at);
    compressed.erase(compressed.begin() + static_cast<long>(alg_at),
                     compressed.begin() + static_cast<long>(alg_at + alg_len));
    const uint8_t ptr[] = {0xc0, 12};
    compressed.insert(compressed.begin() + static_cast<long>(alg_at), ptr, ptr + 2);
    store_u16(compressed.data() + rdlen_at,
              static_cast<uint16_t>(load_u16(q.data() + rdlen_at) - alg_len + 2));
  }
  EXPECT_EQ(status(compressed), TsigStatus::kFormErr);

  // Every prefix: FORMERR (counts promise more) and no out-of-bounds read
  // (run under ASan in the debug build).
  for (size_t n = 0; n < q.size(); ++n) {
    Bytes prefix(q.begin(), q.begin() + static_cast<long>(n));
    EXPECT_EQ(status(prefix), TsigStatus::kFormErr) << n;
  }
  // Random corruption never crashes and is never accepted.
  std::mt19937 rng(12345);
  for (int i = 0; i < 3000; ++i) {
    Bytes m = q;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) m[rng() % m.size()] = static_cast<uint8_t>(rng());
    if (m == q) continue;
    if (rng() % 4 == 0) m.resize(rng() % m.size());
    TsigVerifyResult r = tsig_verify(m, {&key, 1}, kTime, {});
    // Only the header ID is not covered by the MAC.
    if (r.status == TsigStatus::kOk) {
      EXPECT_TRUE(std::equal(m.begin() + 2, m.end(), q.begin() + 2, q.end())) << i;
    }
  }
}

TEST(TsigErrorAnswer, BadKeyAnswerIsUnsignedAndEchoesTheKey) {
  TsigKey client_key = make_key(TsigAlgorithm::kHmacSha256);
  TsigKey server_key = make_key(TsigAlgorithm::kHmacSha256, "another.example.");
  const Bytes q = hex(kQuerySha256);
  TsigVerifyResult req = tsig_verify(q, {&server_key, 1}, kTime, {});
  ASSERT_EQ(req.status, TsigStatus::kBadKey);
  Bytes answer = hex(kResponseUnsigned);
  const size_t size = answer.size();
  answer.resize(size + 200);
  auto n = tsig_append_error(answer.data(), size, answer.size(), req, kTime + 5);
  ASSERT_TRUE(n);
  answer.resize(*n);
  // The client sees a TSIG with its key, MAC size 0 and error BADKEY.
  TsigVerifyResult r = tsig_verify(answer, {&client_key, 1}, kTime + 5, req.mac.span());
  EXPECT_EQ(r.status, TsigStatus::kPeerError);
  EXPECT_EQ(r.peer_error, tsig_error::kBadKey);
  EXPECT_EQ(r.mac.size, 0u);
  EXPECT_EQ(r.original_id, 0x1234);
  EXPECT_EQ(r.time_signed, kTime + 5);
  // Too small a buffer.
  Bytes small = hex(kResponseUnsigned);
  EXPECT_EQ(tsig_append_error(small.data(), small.size(), small.size(), req, kTime).error(),
            Errc::kNoSpace);
}

TEST(TsigErrorAnswer, SignedBadTimeAnswerCarriesServerTime) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  const Bytes q = hex(kQuerySha256);
  const uint64_t server_now = kTime + 1000;
  TsigVerifyResult req = tsig_verify(q, {&key, 1}, server_now, {});
  ASSERT_EQ(req.status, TsigStatus::kBadTime);
  uint8_t other[6];
  encode_tsig_time(server_now, other);
  Bytes answer = hex(kResponseUnsigned);
  const size_t size = answer.size();
  answer.resize(size + 200);
  TsigSignParams params;
  params.time_signed = req.time_signed;
  params.error = tsig_error::kBadTime;
  params.other_data = other;
  auto n = tsig_sign(answer.data(), size, answer.size(), key, params, req.mac.span());
  ASSERT_TRUE(n);
  answer.resize(*n);
  TsigVerifyResult r = tsig_verify(answer, {&key, 1}, kTime, hex(kQueryMacSha256));
  EXPECT_EQ(r.status, TsigStatus::kPeerError);
  EXPECT_EQ(r.peer_error, tsig_error::kBadTime);
  EXPECT_EQ(Bytes(answer.end() - 6, answer.end()), Bytes(other, other + 6));
}

// --- multi-message answers (RFC 8945 5.3.1) ---

TEST(TsigStream, VerifiesDnspythonAxfrStream) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  TsigVerifyResult qr = tsig_verify(hex(kAxfrQuery), {&key, 1}, kTime, {});
  ASSERT_EQ(qr.status, TsigStatus::kOk);
  TsigStreamVerifier v(key, qr.mac.span());
  for (const char* m : kAxfr) {
    TsigVerifyResult r = v.next(hex(m), kTime);
    EXPECT_EQ(r.status, TsigStatus::kOk) << tsig_status_text(r.status);
  }
  EXPECT_EQ(v.finish(), TsigStatus::kOk);
  // Each later message is chained: verified alone it is not valid.
  EXPECT_EQ(tsig_verify(hex(kAxfr[1]), {&key, 1}, kTime, qr.mac.span()).status,
            TsigStatus::kBadSig);
  // Out of order fails.
  TsigStreamVerifier swapped(key, qr.mac.span());
  EXPECT_EQ(swapped.next(hex(kAxfr[0]), kTime).status, TsigStatus::kOk);
  EXPECT_EQ(swapped.next(hex(kAxfr[2]), kTime).status, TsigStatus::kBadSig);
  EXPECT_EQ(swapped.next(hex(kAxfr[1]), kTime).status, TsigStatus::kBadSig);  // stays failed
  EXPECT_EQ(swapped.finish(), TsigStatus::kBadSig);
}

TEST(TsigStream, SignerMatchesDnspythonStream) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  TsigVerifyResult qr = tsig_verify(hex(kAxfrQuery), {&key, 1}, kTime, {});
  ASSERT_EQ(qr.status, TsigStatus::kOk);
  TsigStreamSigner s(key, qr.mac.span());
  for (const char* m : kAxfr) {
    const Bytes expected = hex(m);
    Bytes buf = strip_tsig(expected, key);
    const size_t size = buf.size();
    buf.resize(expected.size());
    // One octet short first: kNoSpace, and the stream is not disturbed.
    auto r = s.sign(buf.data(), size, expected.size() - 1, kTime);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), Errc::kNoSpace);
    r = s.sign(buf.data(), size, buf.size(), kTime);
    ASSERT_TRUE(r);
    EXPECT_EQ(buf, expected);
  }
}

// Builds n distinct unsigned answer messages.
std::vector<Bytes> answers(size_t n) {
  std::vector<Bytes> out;
  const Bytes base = hex(kResponseUnsigned);
  for (size_t i = 0; i < n; ++i) {
    Bytes m = base;
    if (!m.empty()) m.back() = static_cast<uint8_t>(i);  // the SOA minimum differs per message
    out.push_back(m);
  }
  return out;
}

// Signs the messages marked in `is_signed` as a stream and leaves the others unsigned.
std::vector<Bytes> sign_stream(const TsigKey& key, std::span<const uint8_t> request_mac,
                               std::vector<Bytes> msgs, const std::vector<bool>& is_signed) {
  TsigStreamSigner s(key, request_mac);
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (!is_signed[i]) {
      s.add_unsigned(msgs[i]);
      continue;
    }
    const size_t size = msgs[i].size();
    msgs[i].resize(size + 200);
    auto n = s.sign(msgs[i].data(), size, msgs[i].size(), kTime + i);
    EXPECT_TRUE(n);
    msgs[i].resize(n.value_or(0));
  }
  return msgs;
}

TEST(TsigStream, ThreeSignedMessages) {
  for (TsigAlgorithm alg : kAllTsigAlgorithms) {
    SCOPED_TRACE(tsig_algorithm_text(alg));
    TsigKey key = make_key(alg);
    TsigMac request_mac;
    sign(strip_tsig(hex(kQuerySha256), make_key(TsigAlgorithm::kHmacSha256)), key, {}, kTime,
         &request_mac);
    auto msgs = sign_stream(key, request_mac.span(), answers(3), {true, true, true});
    // The first is an ordinary signed answer to the request.
    EXPECT_EQ(tsig_verify(msgs[0], {&key, 1}, kTime, request_mac.span()).status, TsigStatus::kOk);
    TsigStreamVerifier v(key, request_mac.span());
    for (const Bytes& m : msgs) EXPECT_EQ(v.next(m, kTime).status, TsigStatus::kOk);
    EXPECT_EQ(v.finish(), TsigStatus::kOk);
    // With another request MAC nothing verifies.
    Bytes other(request_mac.span().begin(), request_mac.span().end());
    other[0] ^= 1;
    TsigStreamVerifier w(key, other);
    EXPECT_EQ(w.next(msgs[0], kTime).status, TsigStatus::kBadSig);
  }
}

TEST(TsigStream, UnsignedMessageInTheMiddleIsCovered) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  const Bytes request_mac = hex(kQueryMacSha256);
  auto msgs = sign_stream(key, request_mac, answers(3), {true, false, true});
  EXPECT_EQ(load_u16(msgs[1].data() + 10), 0);  // really unsigned
  TsigStreamVerifier v(key, request_mac);
  EXPECT_EQ(v.next(msgs[0], kTime).status, TsigStatus::kOk);
  EXPECT_EQ(v.next(msgs[1], kTime).status, TsigStatus::kUnsigned);
  EXPECT_EQ(v.next(msgs[2], kTime).status, TsigStatus::kOk);
  EXPECT_EQ(v.finish(), TsigStatus::kOk);
  // A change in the unsigned message is caught by the next signature.
  TsigStreamVerifier t(key, request_mac);
  Bytes tampered = msgs[1];
  tampered[tampered.size() - 2] ^= 1;
  EXPECT_EQ(t.next(msgs[0], kTime).status, TsigStatus::kOk);
  EXPECT_EQ(t.next(tampered, kTime).status, TsigStatus::kUnsigned);
  EXPECT_EQ(t.next(msgs[2], kTime).status, TsigStatus::kBadSig);
  EXPECT_EQ(t.finish(), TsigStatus::kBadSig);
  // So is a dropped unsigned message.
  TsigStreamVerifier d(key, request_mac);
  EXPECT_EQ(d.next(msgs[0], kTime).status, TsigStatus::kOk);
  EXPECT_EQ(d.next(msgs[2], kTime).status, TsigStatus::kBadSig);
}

TEST(TsigStream, StreamEndingUnsignedIsRejected) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  const Bytes request_mac = hex(kQueryMacSha256);
  auto msgs = sign_stream(key, request_mac, answers(3), {true, true, false});
  TsigStreamVerifier v(key, request_mac);
  EXPECT_EQ(v.next(msgs[0], kTime).status, TsigStatus::kOk);
  EXPECT_EQ(v.next(msgs[1], kTime).status, TsigStatus::kOk);
  EXPECT_EQ(v.next(msgs[2], kTime).status, TsigStatus::kUnsigned);
  EXPECT_EQ(v.finish(), TsigStatus::kMissing);
  // And a stream whose first message is unsigned.
  TsigStreamVerifier f(key, request_mac);
  EXPECT_EQ(f.next(msgs[2], kTime).status, TsigStatus::kMissing);
  EXPECT_EQ(f.finish(), TsigStatus::kMissing);
  // An empty stream is not a signed one.
  TsigStreamVerifier e(key, request_mac);
  EXPECT_EQ(e.finish(), TsigStatus::kMissing);
}

TEST(TsigStream, At99UnsignedInARowButNot100) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  const Bytes request_mac = hex(kQueryMacSha256);
  for (size_t run : {size_t{99}, size_t{100}}) {
    SCOPED_TRACE(run);
    std::vector<bool> is_signed(run + 2, false);
    is_signed.front() = is_signed.back() = true;
    auto msgs = sign_stream(key, request_mac, answers(run + 2), is_signed);
    TsigStreamVerifier v(key, request_mac);
    EXPECT_EQ(v.next(msgs[0], kTime).status, TsigStatus::kOk);
    for (size_t i = 1; i <= 99; ++i) {
      ASSERT_EQ(v.next(msgs[i], kTime).status, TsigStatus::kUnsigned) << i;
    }
    if (run == 99) {
      EXPECT_EQ(v.next(msgs[100], kTime + 100).status, TsigStatus::kOk);
      EXPECT_EQ(v.finish(), TsigStatus::kOk);
    } else {
      EXPECT_EQ(v.next(msgs[100], kTime).status, TsigStatus::kMissing);
      EXPECT_EQ(v.finish(), TsigStatus::kMissing);
    }
  }
}

TEST(TsigStream, WrongKeyOrMalformedFails) {
  TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
  TsigKey other = make_key(TsigAlgorithm::kHmacSha256, "other.example.");
  const Bytes request_mac = hex(kQueryMacSha256);
  auto msgs = sign_stream(other, request_mac, answers(2), {true, true});
  TsigStreamVerifier v(key, request_mac);
  EXPECT_EQ(v.next(msgs[0], kTime).status, TsigStatus::kBadKey);
  EXPECT_EQ(v.finish(), TsigStatus::kBadKey);
  TsigStreamVerifier m(key, request_mac);
  Bytes truncated(msgs[0].begin(), msgs[0].end() - 3);
  EXPECT_EQ(m.next(truncated, kTime).status, TsigStatus::kFormErr);
  // Time is checked on every signed message.
  auto good = sign_stream(key, request_mac, answers(2), {true, true});
  TsigStreamVerifier t(key, request_mac);
  EXPECT_EQ(t.next(good[0], kTime).status, TsigStatus::kOk);
  EXPECT_EQ(t.next(good[1], kTime + 302).status, TsigStatus::kBadTime);
}

}  // namespace
}  // namespace tandem::dns
