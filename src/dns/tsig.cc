#include "dns/tsig.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>

#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::dns {
namespace {

struct AlgorithmInfo {
  TsigAlgorithm alg;
  const char* text;
  const char* digest;   // OpenSSL digest name
  const uint8_t* wire;  // lower-case uncompressed wire name
  size_t wire_size;
  size_t digest_size;
};

constexpr uint8_t kMd5Wire[] = "\x08hmac-md5\x07sig-alg\x03reg\x03int";
constexpr uint8_t kSha1Wire[] = "\x09hmac-sha1";
constexpr uint8_t kSha224Wire[] = "\x0bhmac-sha224";
constexpr uint8_t kSha256Wire[] = "\x0bhmac-sha256";
constexpr uint8_t kSha384Wire[] = "\x0bhmac-sha384";
constexpr uint8_t kSha512Wire[] = "\x0bhmac-sha512";

// sizeof includes the literal's terminating NUL, which is the root label.
constexpr AlgorithmInfo kAlgorithms[] = {
    {TsigAlgorithm::kHmacMd5, "hmac-md5", "MD5", kMd5Wire, sizeof kMd5Wire, 16},
    {TsigAlgorithm::kHmacSha1, "hmac-sha1", "SHA1", kSha1Wire, sizeof kSha1Wire, 20},
    {TsigAlgorithm::kHmacSha224, "hmac-sha224", "SHA224", kSha224Wire, sizeof kSha224Wire, 28},
    {TsigAlgorithm::kHmacSha256, "hmac-sha256", "SHA256", kSha256Wire, sizeof kSha256Wire, 32},
    {TsigAlgorithm::kHmacSha384, "hmac-sha384", "SHA384", kSha384Wire, sizeof kSha384Wire, 48},
    {TsigAlgorithm::kHmacSha512, "hmac-sha512", "SHA512", kSha512Wire, sizeof kSha512Wire, 64},
};

const AlgorithmInfo& info(TsigAlgorithm alg) { return kAlgorithms[static_cast<size_t>(alg)]; }

// Fixed part of a TSIG RR after the owner name: type, class, TTL, rdlength.
constexpr size_t kRrHeader = 10;
// Fixed rdata octets besides the algorithm name, MAC and other data:
// time (6), fudge (2), MAC size (2), original ID (2), error (2), other len (2).
constexpr size_t kRdataFixed = 16;

// Smallest MAC accepted at all (RFC 8945 5.2.2.1): max(10, half the hash).
size_t rfc_min_mac(size_t digest_size) { return std::max<size_t>(10, digest_size / 2); }

void write_time48(uint8_t* out, uint64_t t) {
  store_u16(out, static_cast<uint16_t>(t >> 32));
  store_u32(out + 2, static_cast<uint32_t>(t));
}

// The parts of a received TSIG RR; spans point into the message.
struct ParsedTsig {
  uint8_t key_name[kMaxNameWire];
  uint8_t alg_name[kMaxNameWire];
  size_t tsig_offset = 0;
  uint64_t time_signed = 0;
  uint16_t fudge = 0;
  std::span<const uint8_t> mac;
  uint16_t original_id = 0;
  uint16_t error = 0;
  std::span<const uint8_t> other;
};

// Finds and parses the TSIG RR. Returns kOk when found, kUnsigned when the
// message has none, kFormErr when the message or the TSIG is malformed or a
// TSIG is anywhere but last in the additional section (RFC 8945 5.1, 4.2).
TsigStatus parse_tsig(std::span<const uint8_t> msg, ParsedTsig& out) {
  const uint8_t* m = msg.data();
  const size_t size = msg.size();
  if (size < 12) return TsigStatus::kFormErr;
  const size_t qd = load_u16(m + 4);
  const size_t an = load_u16(m + 6);
  const size_t ns = load_u16(m + 8);
  const size_t ar = load_u16(m + 10);
  uint8_t scratch[kMaxNameWire];
  size_t pos = 12;
  for (size_t i = 0; i < qd; ++i) {
    if (!read_name(m, size, pos, scratch)) return TsigStatus::kFormErr;
    if (size - pos < 4) return TsigStatus::kFormErr;
    pos += 4;
  }
  const size_t total = an + ns + ar;
  size_t tsig_start = 0, rdata_start = 0, rdata_len = 0;
  bool found = false;
  for (size_t i = 0; i < total; ++i) {
    const size_t start = pos;
    if (!read_name(m, size, pos, scratch)) return TsigStatus::kFormErr;
    if (size - pos < kRrHeader) return TsigStatus::kFormErr;
    const uint16_t type = load_u16(m + pos);
    const size_t rdlen = load_u16(m + pos + 8);
    pos += kRrHeader;
    if (size - pos < rdlen) return TsigStatus::kFormErr;
    if (type == rrtype::kTSIG) {
      // Only one TSIG, and only as the last record of the additional section.
      if (i != total - 1 || ar == 0) return TsigStatus::kFormErr;
      if (load_u16(m + pos - 8) != rrclass::kANY || load_u32(m + pos - 6) != 0) {
        return TsigStatus::kFormErr;
      }
      found = true;
      tsig_start = start;
      rdata_start = pos;
      rdata_len = rdlen;
    }
    pos += rdlen;
  }
  if (!found) return TsigStatus::kUnsigned;
  if (pos != size) return TsigStatus::kFormErr;  // bytes after the TSIG RR

  out.tsig_offset = tsig_start;
  size_t name_pos = tsig_start;
  if (!read_name(m, size, name_pos, out.key_name)) return TsigStatus::kFormErr;

  // The rdata must hold exactly its fields; read it with its own bounds so a
  // field can never run into the next record.
  const size_t rdata_end = rdata_start + rdata_len;
  // The algorithm name is uncompressed (RFC 8945 4.2): read it within the
  // rdata and require the octets consumed to be the whole name.
  size_t alg_pos = 0;
  if (!read_name(m + rdata_start, rdata_len, alg_pos, out.alg_name) ||
      alg_pos != wire_name_size(out.alg_name)) {
    return TsigStatus::kFormErr;
  }
  WireReader r(m, rdata_end, rdata_start + alg_pos);
  const uint16_t time_hi = r.u16();
  const uint32_t time_lo = r.u32();
  out.time_signed = static_cast<uint64_t>(time_hi) << 32 | time_lo;
  out.fudge = r.u16();
  const size_t mac_size = r.u16();
  const size_t mac_pos = r.pos();
  r.skip(mac_size);
  out.original_id = r.u16();
  out.error = r.u16();
  const size_t other_len = r.u16();
  const size_t other_pos = r.pos();
  r.skip(other_len);
  if (!r.ok() || r.remaining() != 0) return TsigStatus::kFormErr;
  out.mac = msg.subspan(mac_pos, mac_size);
  out.other = msg.subspan(other_pos, other_len);
  return TsigStatus::kOk;
}

// The message as the signer saw it (RFC 8945 4.3.3 / 5.2): original ID,
// ARCOUNT less one, TSIG RR removed.
void digest_stripped(TsigHmac& h, std::span<const uint8_t> msg, const ParsedTsig& p) {
  h.update_u16(p.original_id);
  h.update(msg.data() + 2, 8);
  h.update_u16(static_cast<uint16_t>(load_u16(msg.data() + 10) - 1));
  h.update(msg.data() + 12, p.tsig_offset - 12);
}

// TSIG variables (RFC 8945 4.3.3): names canonical (lower case, uncompressed).
void digest_variables(TsigHmac& h, const uint8_t* key_name, const uint8_t* alg_name,
                      uint64_t time_signed, uint16_t fudge, uint16_t error,
                      std::span<const uint8_t> other) {
  uint8_t name[kMaxNameWire];
  size_t n = wire_name_size(key_name);
  memcpy(name, key_name, n);
  wire_name_lower(name, n);
  h.update(name, n);
  h.update_u16(rrclass::kANY);
  const uint8_t ttl[4] = {0, 0, 0, 0};
  h.update(ttl, 4);
  n = wire_name_size(alg_name);
  memcpy(name, alg_name, n);
  wire_name_lower(name, n);
  h.update(name, n);
  uint8_t timers[8];
  write_time48(timers, time_signed);
  store_u16(timers + 6, fudge);
  h.update(timers, 8);
  h.update_u16(error);
  h.update_u16(static_cast<uint16_t>(other.size()));
  h.update(other.data(), other.size());
}

// Timers only, for the later messages of a stream (RFC 8945 4.3.1, 5.3.1).
void digest_timers(TsigHmac& h, uint64_t time_signed, uint16_t fudge) {
  uint8_t timers[8];
  write_time48(timers, time_signed);
  store_u16(timers + 6, fudge);
  h.update(timers, 8);
}

void digest_prior_mac(TsigHmac& h, std::span<const uint8_t> mac) {
  if (mac.empty()) return;
  h.update_u16(static_cast<uint16_t>(mac.size()));
  h.update(mac.data(), mac.size());
}

// Writes a TSIG RR at buf[msg_size] and bumps ARCOUNT. Checks space first so
// nothing is written when it does not fit.
Result<size_t> append_rr(uint8_t* buf, size_t msg_size, size_t cap, const uint8_t* key_name,
                         const uint8_t* alg_name, uint64_t time_signed, uint16_t fudge,
                         std::span<const uint8_t> mac, uint16_t original_id, uint16_t error,
                         std::span<const uint8_t> other) {
  if (msg_size < 12 || msg_size > cap) return fail(Errc::kMalformed);
  const uint16_t arcount = load_u16(buf + 10);
  if (arcount == 0xffff || other.size() > 0xffff) return fail(Errc::kMalformed);
  const size_t key_size = wire_name_size(key_name);
  const size_t alg_size = wire_name_size(alg_name);
  const size_t rdlen = alg_size + kRdataFixed + mac.size() + other.size();
  if (rdlen > 0xffff) return fail(Errc::kMalformed);
  if (cap - msg_size < key_size + kRrHeader + rdlen) return fail(Errc::kNoSpace);
  WireWriter w(buf + msg_size, cap - msg_size);
  w.bytes(key_name, key_size);
  w.u16(rrtype::kTSIG);
  w.u16(rrclass::kANY);
  w.u32(0);
  w.u16(static_cast<uint16_t>(rdlen));
  w.bytes(alg_name, alg_size);
  uint8_t t[6];
  write_time48(t, time_signed);
  w.bytes(t, 6);
  w.u16(fudge);
  w.u16(static_cast<uint16_t>(mac.size()));
  if (!mac.empty()) w.bytes(mac.data(), mac.size());
  w.u16(original_id);
  w.u16(error);
  w.u16(static_cast<uint16_t>(other.size()));
  if (!other.empty()) w.bytes(other.data(), other.size());
  if (!w.ok()) return fail(Errc::kNoSpace);
  store_u16(buf + 10, static_cast<uint16_t>(arcount + 1));
  return msg_size + w.pos();
}

// Signs with `h` already primed (request MAC, or prior MAC + unsigned
// messages); `full` selects all TSIG variables or timers only.
Result<size_t> sign_with(TsigHmac& h, bool full, uint8_t* buf, size_t msg_size, size_t cap,
                         const TsigKey& key, const TsigSignParams& params, TsigMac* mac_out) {
  if (msg_size < 12 || msg_size > cap) return fail(Errc::kMalformed);
  const AlgorithmInfo& a = info(key.algorithm);
  // Check space before the HMAC so a too-small buffer fails cheaply.
  const size_t need = key.name.size() + kRrHeader + a.wire_size + kRdataFixed + a.digest_size +
                      params.other_data.size();
  if (cap - msg_size < need) return fail(Errc::kNoSpace);
  h.update(buf, msg_size);
  if (full) {
    digest_variables(h, key.name.data(), a.wire, params.time_signed, params.fudge, params.error,
                     params.other_data);
  } else {
    digest_timers(h, params.time_signed, params.fudge);
  }
  uint8_t mac[kMaxTsigMac];
  const size_t mac_size = h.final(mac);
  if (mac_size == 0) return fail(Errc::kMalformed);
  auto r = append_rr(buf, msg_size, cap, key.name.data(), a.wire, params.time_signed, params.fudge,
                     {mac, mac_size}, load_u16(buf), params.error, params.other_data);
  if (r && mac_out) mac_out->assign({mac, mac_size});
  return r;
}

// Copies the parsed fields into the result.
void fill_result(const ParsedTsig& p, TsigVerifyResult& res) {
  res.mac.assign(p.mac.size() <= kMaxTsigMac ? p.mac : p.mac.first(0));
  res.original_id = p.original_id;
  res.time_signed = p.time_signed;
  res.fudge = p.fudge;
  res.peer_error = p.error;
  res.tsig_offset = p.tsig_offset;
  res.key_name.assign_wire(p.key_name);
  res.algorithm_name.assign_wire(p.alg_name);
}

void set_error(TsigVerifyResult& res, TsigStatus s, uint16_t error) {
  res.status = s;
  res.error = error;
}

// MAC size, MAC, time and truncation checks (RFC 8945 5.2.2, 5.2.3,
// 5.2.2.1) with `h` primed; `full` as in sign_with.
void check_mac_and_time(TsigHmac& h, bool full, std::span<const uint8_t> msg, const ParsedTsig& p,
                        const TsigKey& key, uint64_t now, const TsigVerifyOptions& options,
                        TsigVerifyResult& res) {
  const size_t digest_size = info(key.algorithm).digest_size;
  const size_t mac_size = p.mac.size();
  // An unsigned error answer (5.3.2): MAC size 0 with the error set.
  if (mac_size == 0 && p.error != tsig_error::kNoError) {
    res.status = TsigStatus::kPeerError;
    return;
  }
  if (mac_size > digest_size || mac_size < rfc_min_mac(digest_size)) {
    res.status = TsigStatus::kFormErr;
    return;
  }
  digest_stripped(h, msg, p);
  if (full) {
    digest_variables(h, p.key_name, p.alg_name, p.time_signed, p.fudge, p.error, p.other);
  } else {
    digest_timers(h, p.time_signed, p.fudge);
  }
  uint8_t computed[kMaxTsigMac];
  // Truncated MACs compare on their first mac_size octets (5.2.2.1).
  if (h.final(computed) != digest_size || CRYPTO_memcmp(computed, p.mac.data(), mac_size) != 0) {
    set_error(res, TsigStatus::kBadSig, tsig_error::kBadSig);
    return;
  }
  const uint64_t skew = now > p.time_signed ? now - p.time_signed : p.time_signed - now;
  if (skew > p.fudge) {
    set_error(res, TsigStatus::kBadTime, tsig_error::kBadTime);
    return;
  }
  const size_t policy_min =
      std::min(digest_size, std::max(rfc_min_mac(digest_size), options.min_mac_size));
  if (mac_size < policy_min) {
    set_error(res, TsigStatus::kBadTrunc, tsig_error::kBadTrunc);
    return;
  }
  // A signed error answer (e.g. BADTIME from the peer) verifies but is not ok.
  res.status = p.error == tsig_error::kNoError ? TsigStatus::kOk : TsigStatus::kPeerError;
}

EVP_MAC* hmac_method() {
  // Fetched once; EVP_MAC_fetch is thread-safe and the result is shared.
  static EVP_MAC* method = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  return method;
}

}  // namespace

const char* tsig_algorithm_text(TsigAlgorithm alg) { return info(alg).text; }

std::optional<TsigAlgorithm> tsig_algorithm_from_text(std::string_view text) {
  for (const AlgorithmInfo& a : kAlgorithms) {
    std::string_view name = a.text;
    if (name.size() == text.size() &&
        std::equal(name.begin(), name.end(), text.begin(), [](char x, char y) {
          return x == static_cast<char>(lower_byte(static_cast<uint8_t>(y)));
        })) {
      return a.alg;
    }
  }
  return std::nullopt;
}

std::span<const uint8_t> tsig_algorithm_wire_name(TsigAlgorithm alg) {
  return {info(alg).wire, info(alg).wire_size};
}

std::optional<TsigAlgorithm> tsig_algorithm_from_wire(const uint8_t* name) {
  for (const AlgorithmInfo& a : kAlgorithms) {
    if (wire_name_equal(a.wire, name)) return a.alg;
  }
  return std::nullopt;
}

size_t tsig_digest_size(TsigAlgorithm alg) { return info(alg).digest_size; }

std::optional<TsigKey> make_tsig_key(const Name& name, std::string_view algorithm,
                                     std::span<const uint8_t> secret) {
  auto alg = tsig_algorithm_from_text(algorithm);
  if (!alg) return std::nullopt;
  return TsigKey{name, *alg, std::vector<uint8_t>(secret.begin(), secret.end())};
}

void TsigMac::assign(std::span<const uint8_t> m) {
  size = std::min(m.size(), kMaxTsigMac);
  if (size) memcpy(bytes.data(), m.data(), size);
}

void encode_tsig_time(uint64_t t, uint8_t* out) { write_time48(out, t); }

std::string tsig_error_text(uint16_t error) {
  switch (error) {
    case tsig_error::kBadSig:
      return "BADSIG";
    case tsig_error::kBadKey:
      return "BADKEY";
    case tsig_error::kBadTime:
      return "BADTIME";
    case tsig_error::kBadTrunc:
      return "BADTRUNC";
    default:
      return rcode_to_text(error);
  }
}

const char* tsig_status_text(TsigStatus s) {
  switch (s) {
    case TsigStatus::kOk:
      return "ok";
    case TsigStatus::kUnsigned:
      return "not signed";
    case TsigStatus::kMissing:
      return "TSIG missing";
    case TsigStatus::kFormErr:
      return "malformed TSIG";
    case TsigStatus::kBadKey:
      return "BADKEY";
    case TsigStatus::kBadSig:
      return "BADSIG";
    case TsigStatus::kBadTime:
      return "BADTIME";
    case TsigStatus::kBadTrunc:
      return "BADTRUNC";
    case TsigStatus::kPeerError:
      return "peer reported a TSIG error";
  }
  return "?";
}

uint16_t TsigVerifyResult::rcode() const {
  switch (status) {
    case TsigStatus::kOk:
    case TsigStatus::kUnsigned:
    case TsigStatus::kPeerError:
      return rcode::kNoError;
    case TsigStatus::kFormErr:
    case TsigStatus::kMissing:
      return rcode::kFormErr;
    default:
      return rcode::kNotAuth;  // RFC 8945 5.2: TSIG errors answer NOTAUTH
  }
}

// --- TsigHmac ---

TsigHmac::~TsigHmac() { EVP_MAC_CTX_free(ctx_); }

TsigHmac& TsigHmac::operator=(TsigHmac&& o) noexcept {
  if (this != &o) {
    EVP_MAC_CTX_free(ctx_);
    ctx_ = o.ctx_;
    alg_ = o.alg_;
    ok_ = o.ok_;
    o.ctx_ = nullptr;
    o.ok_ = false;
  }
  return *this;
}

bool TsigHmac::init(TsigAlgorithm alg, std::span<const uint8_t> secret) {
  alg_ = alg;
  ok_ = false;
  if (ctx_ == nullptr) {
    if (hmac_method() == nullptr) return false;
    ctx_ = EVP_MAC_CTX_new(hmac_method());
    if (ctx_ == nullptr) return false;
  }
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                          const_cast<char*>(info(alg).digest), 0),
                         OSSL_PARAM_construct_end()};
  // A null key would make OpenSSL reuse the previous one: pass a real
  // pointer even for an empty secret.
  static const uint8_t kEmpty = 0;
  ok_ = EVP_MAC_init(ctx_, secret.empty() ? &kEmpty : secret.data(), secret.size(), params) == 1;
  return ok_;
}

void TsigHmac::update(const void* p, size_t n) {
  if (ok_ && n > 0) ok_ = EVP_MAC_update(ctx_, static_cast<const unsigned char*>(p), n) == 1;
}

void TsigHmac::update_u16(uint16_t v) {
  uint8_t b[2];
  store_u16(b, v);
  update(b, 2);
}

size_t TsigHmac::final(uint8_t* out) {
  size_t n = 0;
  if (!ok_ || EVP_MAC_final(ctx_, out, &n, kMaxTsigMac) != 1) n = 0;
  ok_ = false;  // a context must be re-initialized before the next use
  return n;
}

// --- single messages ---

Result<size_t> tsig_sign(uint8_t* buf, size_t msg_size, size_t cap, const TsigKey& key,
                         const TsigSignParams& params, std::span<const uint8_t> request_mac,
                         TsigMac* mac_out) {
  if (request_mac.size() > kMaxTsigMac || params.other_data.size() > 0xffff) {
    return fail(Errc::kMalformed);
  }
  TsigHmac h;
  if (!h.init(key.algorithm, key.secret)) return fail(Errc::kMalformed);
  digest_prior_mac(h, request_mac);
  return sign_with(h, true, buf, msg_size, cap, key, params, mac_out);
}

TsigVerifyResult tsig_verify(std::span<const uint8_t> msg, std::span<const TsigKey> keys,
                             uint64_t now, std::span<const uint8_t> request_mac,
                             const TsigVerifyOptions& options) {
  TsigVerifyResult res;
  ParsedTsig p;
  res.status = parse_tsig(msg, p);
  if (res.status != TsigStatus::kOk) return res;
  fill_result(p, res);
  auto alg = tsig_algorithm_from_wire(p.alg_name);
  const TsigKey* key = nullptr;
  if (alg) {
    for (const TsigKey& k : keys) {
      if (k.algorithm == *alg && wire_name_equal(k.name.data(), p.key_name)) {
        key = &k;
        break;
      }
    }
  }
  if (key == nullptr) {  // 5.2.1
    set_error(res, TsigStatus::kBadKey, tsig_error::kBadKey);
    return res;
  }
  res.key = key;
  TsigHmac h;
  if (!h.init(key->algorithm, key->secret)) {
    set_error(res, TsigStatus::kBadSig, tsig_error::kBadSig);
    return res;
  }
  digest_prior_mac(h, request_mac);
  check_mac_and_time(h, true, msg, p, *key, now, options, res);
  return res;
}

Result<size_t> tsig_append_error(uint8_t* buf, size_t msg_size, size_t cap,
                                 const TsigVerifyResult& request, uint64_t now) {
  uint8_t other[6];
  std::span<const uint8_t> other_data;
  if (request.error == tsig_error::kBadTime) {
    encode_tsig_time(now, other);
    other_data = {other, 6};
  }
  if (msg_size < 12 || msg_size > cap) return fail(Errc::kMalformed);
  return append_rr(buf, msg_size, cap, request.key_name.data(), request.algorithm_name.data(), now,
                   request.fudge ? request.fudge : kDefaultTsigFudge, {}, load_u16(buf),
                   request.error, other_data);
}

// --- streams ---

TsigStreamSigner::TsigStreamSigner(const TsigKey& key, std::span<const uint8_t> request_mac,
                                   uint16_t fudge)
    : key_(key), fudge_(fudge) {
  request_mac_.assign(request_mac);
  if (hmac_.init(key_.algorithm, key_.secret)) digest_prior_mac(hmac_, request_mac_.span());
}

Result<size_t> TsigStreamSigner::sign(uint8_t* buf, size_t msg_size, size_t cap,
                                      uint64_t time_signed) {
  TsigSignParams params;
  params.time_signed = time_signed;
  params.fudge = fudge_;
  auto r = sign_with(hmac_, first_, buf, msg_size, cap, key_, params, &mac_);
  // On kNoSpace nothing was digested (space is checked first), so the caller
  // may retry with a smaller message.
  if (!r) return r;
  first_ = false;
  // The next signature starts from this MAC (5.3.1).
  if (hmac_.init(key_.algorithm, key_.secret)) digest_prior_mac(hmac_, mac_.span());
  return r;
}

void TsigStreamSigner::add_unsigned(std::span<const uint8_t> msg) {
  hmac_.update(msg.data(), msg.size());
}

TsigStreamVerifier::TsigStreamVerifier(const TsigKey& key, std::span<const uint8_t> request_mac,
                                       const TsigVerifyOptions& options)
    : key_(key), options_(options) {
  if (hmac_.init(key_.algorithm, key_.secret)) digest_prior_mac(hmac_, request_mac);
}

TsigVerifyResult TsigStreamVerifier::next(std::span<const uint8_t> msg, uint64_t now) {
  TsigVerifyResult res;
  if (failed_ != TsigStatus::kOk) {
    res.status = failed_;
    return res;
  }
  ParsedTsig p;
  res.status = parse_tsig(msg, p);
  if (res.status == TsigStatus::kUnsigned) {
    // The first message must be signed, and at most 99 in a row may not be.
    if (seen_ == 0 || unsigned_run_ >= kMaxUnsignedInStream) {
      res.status = failed_ = TsigStatus::kMissing;
      return res;
    }
    hmac_.update(msg.data(), msg.size());
    ++unsigned_run_;
    ++seen_;
    return res;
  }
  if (res.status != TsigStatus::kOk) {
    failed_ = res.status;
    return res;
  }
  fill_result(p, res);
  auto alg = tsig_algorithm_from_wire(p.alg_name);
  if (!alg || *alg != key_.algorithm || !wire_name_equal(key_.name.data(), p.key_name)) {
    set_error(res, TsigStatus::kBadKey, tsig_error::kBadKey);
    failed_ = res.status;
    return res;
  }
  res.key = &key_;
  check_mac_and_time(hmac_, seen_ == 0, msg, p, key_, now, options_, res);
  if (res.status != TsigStatus::kOk) {
    failed_ = res.status;
    return res;
  }
  ++seen_;
  unsigned_run_ = 0;
  prior_mac_ = res.mac;
  if (hmac_.init(key_.algorithm, key_.secret)) digest_prior_mac(hmac_, prior_mac_.span());
  return res;
}

TsigStatus TsigStreamVerifier::finish() const {
  if (failed_ != TsigStatus::kOk) return failed_;
  if (seen_ == 0 || unsigned_run_ > 0) return TsigStatus::kMissing;
  return TsigStatus::kOk;
}

Result<void> tsig_sign_request(std::vector<uint8_t>& msg, const TsigKey& key, uint64_t time_signed,
                               TsigMac* mac_out) {
  const size_t size = msg.size();
  // Room for the largest TSIG RR: key and algorithm names, fixed fields, MAC.
  msg.resize(size + 2 * kMaxNameWire + 16 + kMaxTsigMac + 8);
  TsigSignParams params;
  params.time_signed = time_signed;
  auto signed_size = tsig_sign(msg.data(), size, msg.size(), key, params, {}, mac_out);
  if (!signed_size) {
    msg.resize(size);
    return fail(signed_size.error());
  }
  msg.resize(*signed_size);
  return {};
}

}  // namespace tandem::dns
