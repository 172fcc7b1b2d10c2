// TSIG (RFC 8945): HMAC transaction signatures on DNS messages. Signing
// appends the TSIG RR to a message in a caller-owned buffer; verification
// parses the TSIG RR of a received message and checks key, MAC and time in the
// order of RFC 8945 5.2. Multi-message answers (zone transfers, 5.3.1) use
// TsigStreamSigner / TsigStreamVerifier. No I/O; the clock is a parameter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.h"
#include "util/result.h"

typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace tandem::dns {

// RFC 8945 6 (HMAC-MD5, HMAC-SHA1) and RFC 4635 (SHA-2). Same order as
// config::TsigAlgorithm.
enum class TsigAlgorithm {
  kHmacMd5,
  kHmacSha1,
  kHmacSha224,
  kHmacSha256,
  kHmacSha384,
  kHmacSha512
};

inline constexpr TsigAlgorithm kAllTsigAlgorithms[] = {
    TsigAlgorithm::kHmacMd5,    TsigAlgorithm::kHmacSha1,   TsigAlgorithm::kHmacSha224,
    TsigAlgorithm::kHmacSha256, TsigAlgorithm::kHmacSha384, TsigAlgorithm::kHmacSha512};

// "hmac-sha256" etc., the names used in the config and by BIND/Knot.
const char* tsig_algorithm_text(TsigAlgorithm alg);
// Case-insensitive inverse of tsig_algorithm_text; nullopt for anything else.
std::optional<TsigAlgorithm> tsig_algorithm_from_text(std::string_view text);
// The algorithm name as it goes on the wire, lower case, uncompressed
// ("hmac-sha256.", and "hmac-md5.sig-alg.reg.int." for MD5).
std::span<const uint8_t> tsig_algorithm_wire_name(TsigAlgorithm alg);
// The algorithm of an uncompressed wire name (case-insensitive), or nullopt.
std::optional<TsigAlgorithm> tsig_algorithm_from_wire(const uint8_t* name);
// Output size of the hash in octets (16 for MD5 ... 64 for SHA-512).
size_t tsig_digest_size(TsigAlgorithm alg);

inline constexpr size_t kMaxTsigMac = 64;
inline constexpr uint16_t kDefaultTsigFudge = 300;
// RFC 8945 5.3.1: a client accepts at most 99 unsigned messages in a row.
inline constexpr size_t kMaxUnsignedInStream = 99;

// TSIG error field values (RFC 8945 3, IANA DNS RCODEs).
namespace tsig_error {
inline constexpr uint16_t kNoError = 0, kBadSig = 16, kBadKey = 17, kBadTime = 18, kBadTrunc = 22;
}
// The mnemonic of a TSIG error field value ("BADSIG", "BADKEY", "BADTIME",
// "BADTRUNC"); any other value as dns::rcode_to_text names it ("NOTAUTH",
// "RCODE23"), 16 being BADSIG here rather than BADVERS (RFC 8945 3).
std::string tsig_error_text(uint16_t error);

struct TsigKey {
  Name name;  // the key name that goes on the wire (RFC 8945 4.2)
  TsigAlgorithm algorithm = TsigAlgorithm::kHmacSha256;
  std::vector<uint8_t> secret;
};

// Builds a key from the config's fields (config::Key: name, the algorithm's
// text via config::tsig_algorithm_text, decoded secret). Nullopt for an
// unknown algorithm name.
std::optional<TsigKey> make_tsig_key(const Name& name, std::string_view algorithm,
                                     std::span<const uint8_t> secret);

// A MAC held inline (no allocation), at most kMaxTsigMac octets.
struct TsigMac {
  std::array<uint8_t, kMaxTsigMac> bytes{};
  size_t size = 0;
  std::span<const uint8_t> span() const { return {bytes.data(), size}; }
  void assign(std::span<const uint8_t> m);
};

struct TsigSignParams {
  uint64_t time_signed = 0;  // seconds since the epoch; 48 bits on the wire
  uint16_t fudge = kDefaultTsigFudge;
  uint16_t error = tsig_error::kNoError;  // e.g. kBadTime in a signed BADTIME answer
  std::span<const uint8_t> other_data;    // e.g. 6 octets of server time for BADTIME
};

// Writes `t` as the 48-bit big-endian time of RFC 8945 4.3.3 into out[0..6)
// (the Other Data of a BADTIME answer, 5.2.3).
void encode_tsig_time(uint64_t t, uint8_t* out);

// Signs the complete message in buf[0..msg_size) (its ID is the original ID)
// and appends the TSIG RR at msg_size, incrementing ARCOUNT. `request_mac` is
// the MAC of the request when signing a response (empty for a request);
// RFC 8945 4.3.3. The MAC is also stored in *mac_out when given, to verify
// the answer or chain the next message.
// Returns the new message size.
// Errors: kNoSpace (the RR does not fit in `cap`; buf is left unchanged),
// kMalformed (msg_size < 12, ARCOUNT already 65535, oversized request MAC or
// other data, or an HMAC failure).
[[nodiscard]] Result<size_t> tsig_sign(uint8_t* buf, size_t msg_size, size_t cap,
                                       const TsigKey& key, const TsigSignParams& params,
                                       std::span<const uint8_t> request_mac,
                                       TsigMac* mac_out = nullptr);

// Signs a request held in `msg` (RFC 8945 4.2), growing it by the TSIG RR;
// the MAC goes to *mac_out, to verify the answer with. Errors: as tsig_sign.
[[nodiscard]] Result<void> tsig_sign_request(std::vector<uint8_t>& msg, const TsigKey& key,
                                             uint64_t time_signed, TsigMac* mac_out);

enum class TsigStatus {
  kOk,         // signed, known key, MAC and time good
  kUnsigned,   // the message has no TSIG RR (the caller decides if that is fine)
  kMissing,    // a TSIG was required here (stream rules, 5.3.1) but is absent
  kFormErr,    // malformed TSIG, TSIG not last, MAC size invalid (5.2.2.1)
  kBadKey,     // unknown key name or algorithm (5.2.1)
  kBadSig,     // MAC does not verify (5.2.2)
  kBadTime,    // time signed outside now +- fudge (5.2.3)
  kBadTrunc,   // valid but truncated below the local minimum (5.2.2.1)
  kPeerError,  // an unsigned error answer (MAC size 0, error set: 5.3.2); see peer_error
};
const char* tsig_status_text(TsigStatus s);

struct TsigVerifyResult {
  TsigStatus status = TsigStatus::kUnsigned;
  // The TSIG error code to answer with (tsig_error::k*), meaningful for
  // kBadKey/kBadSig/kBadTime/kBadTrunc; 0 otherwise.
  uint16_t error = tsig_error::kNoError;
  const TsigKey* key = nullptr;  // the matching key (set once the key check passed)
  TsigMac mac;                   // the received MAC: the request MAC for signing the answer
  uint16_t original_id = 0;
  uint64_t time_signed = 0;
  uint16_t fudge = 0;
  uint16_t peer_error = 0;  // the Error field as received
  size_t tsig_offset = 0;   // where the TSIG RR starts = size of the message without it
  Name key_name;            // as received, to echo in an error answer (5.3.2)
  Name algorithm_name;      // as received
  // RCODE for the answer: NOERROR for kOk/kUnsigned, FORMERR, or NOTAUTH for
  // the TSIG errors (RFC 8945 5.2).
  uint16_t rcode() const;
};

struct TsigVerifyOptions {
  // Local policy minimum MAC size (5.2.2.1); 0 = the RFC minimum only,
  // max(10, hash size / 2). A MAC that verifies but is shorter gives kBadTrunc.
  size_t min_mac_size = 0;
};

// Verifies a received message. `keys` are the keys we know; `now` is the
// current time in seconds; `request_mac` is the MAC of our request when `msg`
// is an answer to it (empty otherwise). Checks in RFC 8945 5.2 order: the TSIG
// RR must be the last record and the only one (else kFormErr), key, MAC size
// (kFormErr), MAC (kBadSig), time (kBadTime), truncation policy (kBadTrunc).
// Never reads outside msg.
TsigVerifyResult tsig_verify(std::span<const uint8_t> msg, std::span<const TsigKey> keys,
                             uint64_t now, std::span<const uint8_t> request_mac,
                             const TsigVerifyOptions& options = {});

// Appends the unsigned error TSIG RR of RFC 8945 5.3.2 (MAC size 0) to the
// answer in buf[0..msg_size), echoing the request's key and algorithm names
// from `request`, with request.error and, for BADTIME, `now` as Other Data.
// Use for BADKEY and BADSIG; a BADTIME answer is signed instead (tsig_sign
// with error kBadTime). Errors: kNoSpace, kMalformed (as tsig_sign).
[[nodiscard]] Result<size_t> tsig_append_error(uint8_t* buf, size_t msg_size, size_t cap,
                                               const TsigVerifyResult& request, uint64_t now);

// An HMAC in progress (OpenSSL EVP_MAC), movable, not copyable.
class TsigHmac {
 public:
  TsigHmac() = default;
  ~TsigHmac();
  TsigHmac(TsigHmac&& o) noexcept : ctx_(o.ctx_), alg_(o.alg_) { o.ctx_ = nullptr; }
  TsigHmac& operator=(TsigHmac&& o) noexcept;
  TsigHmac(const TsigHmac&) = delete;
  TsigHmac& operator=(const TsigHmac&) = delete;

  // (Re)starts with a key; false on an OpenSSL failure.
  [[nodiscard]] bool init(TsigAlgorithm alg, std::span<const uint8_t> secret);
  void update(const void* p, size_t n);
  void update_u16(uint16_t v);
  // Finishes into out (kMaxTsigMac octets); returns the size, 0 on failure.
  size_t final(uint8_t* out);

 private:
  EVP_MAC_CTX* ctx_ = nullptr;
  TsigAlgorithm alg_ = TsigAlgorithm::kHmacSha256;
  bool ok_ = false;
};

// Signs the messages of a multi-message answer (RFC 8945 5.3.1): the first
// with the request MAC and all TSIG variables, the next ones with the prior
// MAC, the unsigned messages since, the message and the timers only. The
// server must sign the first and the last message and at least every 100th.
// The key must outlive the signer.
class TsigStreamSigner {
 public:
  TsigStreamSigner(const TsigKey& key, std::span<const uint8_t> request_mac,
                   uint16_t fudge = kDefaultTsigFudge);
  // Signs buf[0..msg_size) in place as tsig_sign does; same errors.
  [[nodiscard]] Result<size_t> sign(uint8_t* buf, size_t msg_size, size_t cap,
                                    uint64_t time_signed);
  // Records a message sent without TSIG: the next signature covers it.
  void add_unsigned(std::span<const uint8_t> msg);
  const TsigMac& last_mac() const { return mac_; }

 private:
  const TsigKey& key_;
  TsigMac request_mac_;
  uint16_t fudge_;
  TsigMac mac_;
  TsigHmac hmac_;  // running digest of the unsigned messages since the last signed one
  bool first_ = true;
};

// Verifies the messages of a multi-message answer (RFC 8945 5.3.1) in order.
// The first message must be signed; up to 99 unsigned ones in a row are
// accepted between signed ones; finish() checks that the last was signed.
// The key must outlive the verifier.
class TsigStreamVerifier {
 public:
  TsigStreamVerifier(const TsigKey& key, std::span<const uint8_t> request_mac,
                     const TsigVerifyOptions& options = {});
  // Verifies the next message. kOk for a good signed message, kUnsigned for
  // an accepted unsigned one, kMissing when a signature was required, or the
  // failure of tsig_verify. After a failure the stream stays failed.
  TsigVerifyResult next(std::span<const uint8_t> msg, uint64_t now);
  // kOk when at least one message was seen, no failure occurred and the last
  // message was signed; kMissing when it was not, or the earlier failure.
  TsigStatus finish() const;

 private:
  const TsigKey& key_;
  TsigVerifyOptions options_;
  TsigMac prior_mac_;
  TsigHmac hmac_;  // prior MAC + unsigned messages since
  size_t unsigned_run_ = 0;
  size_t seen_ = 0;
  TsigStatus failed_ = TsigStatus::kOk;
};

}  // namespace tandem::dns
