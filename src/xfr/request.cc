#include "xfr/request.h"

#include <utility>

#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::xfr {

namespace {

constexpr size_t kHeaderSize = 12;

// "xfr" for a key named "xfr.": how keys are written in the config.
std::string key_text(const dns::Name& name) {
  std::string text = name.to_text();
  if (text.size() > 1 && text.back() == '.') text.pop_back();
  return text;
}

bool source_matches(const config::Acl& acl, const net::SocketAddress& source) {
  if (acl.addresses.empty()) return true;
  for (const net::Prefix& prefix : acl.addresses) {
    if (prefix.contains(source.sa())) return true;
  }
  return false;
}

// Same key: name (case-insensitive, RFC 8945 4.2) and algorithm.
bool same_key(const config::Key& want, const dns::TsigKey& got) {
  return want.algorithm == got.algorithm && want.name == got.name;
}

RequestDecision decide(RequestDecision::Verdict verdict, dns::TsigVerifyResult tsig,
                       std::string reason) {
  RequestDecision d;
  d.verdict = verdict;
  d.tsig = std::move(tsig);
  d.reason = std::move(reason);
  return d;
}

// The ACL part, for an unsigned request (`key` null) or one whose TSIG
// verified with `key`.
RequestDecision check_acls(dns::TsigVerifyResult tsig, const net::SocketAddress& source,
                           config::AclAction action, const std::vector<config::Acl>& acls) {
  const dns::TsigKey* key = tsig.status == dns::TsigStatus::kOk ? tsig.key : nullptr;
  bool action_listed = false;
  bool address_matched = false;
  std::string key_reason;  // of the first ACL that matched all but the key
  for (const config::Acl& acl : acls) {
    if (!acl.allows(action)) continue;
    action_listed = true;
    if (!source_matches(acl, source)) continue;
    address_matched = true;
    if (!acl.key) {
      return decide(RequestDecision::kAllowed, std::move(tsig), "allowed by ACL " + acl.id);
    }
    if (key != nullptr && same_key(*acl.key, *key)) {
      return decide(RequestDecision::kAllowed, std::move(tsig),
                    "allowed by ACL " + acl.id + " with key " + acl.key->id);
    }
    if (key_reason.empty()) {
      key_reason = "ACL " + acl.id + " requires key " + acl.key->id;
      if (key != nullptr) key_reason += ", request signed with key " + key_text(key->name);
    }
  }
  std::string reason;
  if (!action_listed) {
    reason = std::string("no ACL allows ") + config::acl_action_text(action);
  } else if (!address_matched) {
    reason = "not in any ACL";
  } else {
    reason = std::move(key_reason);
  }
  return decide(RequestDecision::kRefused, std::move(tsig), std::move(reason));
}

// Copies the request's only question, uncompressed, to `w`; false when there
// is not exactly one or it does not parse.
bool copy_question(std::span<const uint8_t> request, dns::WireWriter& w) {
  if (dns::load_u16(request.data() + 4) != 1) return false;
  uint8_t qname[dns::kMaxNameWire];
  size_t pos = kHeaderSize;
  auto size = dns::read_name(request.data(), request.size(), pos, qname);
  if (!size || request.size() - pos < 4) return false;
  w.bytes(qname, *size);
  w.bytes(request.data() + pos, 4);  // QTYPE, QCLASS
  return w.ok();
}

}  // namespace

RequestDecision authorize_request(std::span<const uint8_t> msg, const net::SocketAddress& source,
                                  config::AclAction action, const std::vector<config::Acl>& acls,
                                  std::span<const dns::TsigKey> keys, uint64_t now) {
  dns::TsigVerifyResult tsig = dns::tsig_verify(msg, keys, now, {});
  switch (tsig.status) {
    case dns::TsigStatus::kOk:
    case dns::TsigStatus::kUnsigned:
      return check_acls(std::move(tsig), source, action, acls);
    case dns::TsigStatus::kBadKey:
    case dns::TsigStatus::kBadSig:
    case dns::TsigStatus::kBadTime:
    case dns::TsigStatus::kBadTrunc: {
      std::string reason = "TSIG " + dns::tsig_error_text(tsig.error) + " with key " +
                           key_text(tsig.key_name);
      return decide(RequestDecision::kTsigError, std::move(tsig), std::move(reason));
    }
    case dns::TsigStatus::kPeerError:
      // A request carrying a TSIG error (or an unsigned error TSIG, MAC size
      // 0) authenticates nothing and is no valid request.
      return decide(RequestDecision::kFormErr, std::move(tsig),
                    "TSIG error field set in a request");
    case dns::TsigStatus::kFormErr:
    case dns::TsigStatus::kMissing:
      break;
  }
  return decide(RequestDecision::kFormErr, std::move(tsig),
                msg.size() < kHeaderSize ? "message shorter than a header" : "malformed TSIG");
}

uint8_t decision_rcode(const RequestDecision& decision) {
  switch (decision.verdict) {
    case RequestDecision::kAllowed:
      return dns::rcode::kNoError;
    case RequestDecision::kRefused:
      return dns::rcode::kRefused;
    case RequestDecision::kTsigError:
      return dns::rcode::kNotAuth;
    case RequestDecision::kFormErr:
      return dns::rcode::kFormErr;
  }
  return dns::rcode::kServFail;
}

size_t build_error_answer(std::span<const uint8_t> request, const RequestDecision& decision,
                          uint8_t rcode, uint8_t* out, size_t cap, uint64_t now) {
  if (request.size() < kHeaderSize || cap < kHeaderSize) return 0;
  dns::WireWriter w(out, cap);
  w.bytes(request.data(), 2);  // ID
  // QR set; opcode and RD echoed (RFC 1035 4.1.1); AA, TC, RA, Z, AD, CD clear.
  w.u8(static_cast<uint8_t>(0x80 | (request[2] & 0x79)));
  w.u8(rcode & 0x0F);
  for (int i = 0; i < 4; ++i) w.u16(0);
  if (copy_question(request, w)) {
    dns::store_u16(out + 4, 1);
  } else {
    w.rewind(kHeaderSize);
  }
  if (!w.ok()) return 0;
  const size_t size = w.pos();
  const dns::TsigVerifyResult& tsig = decision.tsig;

  if (decision.verdict == RequestDecision::kTsigError) {
    if (tsig.error == dns::tsig_error::kBadTime && tsig.key != nullptr) {
      // RFC 8945 5.2.3: the key and MAC verified, only the clocks disagree, so
      // the answer is signed; it carries the client's Time Signed and our
      // time in Other Data, so the client can check it against its own clock.
      uint8_t server_time[6];
      dns::encode_tsig_time(now, server_time);
      dns::TsigSignParams params;
      params.time_signed = tsig.time_signed;
      params.fudge = tsig.fudge;
      params.error = dns::tsig_error::kBadTime;
      params.other_data = {server_time, 6};
      auto r = dns::tsig_sign(out, size, cap, *tsig.key, params, tsig.mac.span());
      return r ? *r : 0;
    }
    // RFC 8945 5.2.1, 5.2.2, 5.3.2: no verified key, so the answer is unsigned
    // (MAC size 0) and only echoes the key and algorithm names.
    auto r = dns::tsig_append_error(out, size, cap, tsig, now);
    return r ? *r : 0;
  }
  if (tsig.status == dns::TsigStatus::kOk && tsig.key != nullptr) {
    // RFC 8945 5.3: the answer to a validly signed request is signed.
    dns::TsigSignParams params;
    params.time_signed = now;
    params.fudge = tsig.fudge ? tsig.fudge : dns::kDefaultTsigFudge;
    auto r = dns::tsig_sign(out, size, cap, *tsig.key, params, tsig.mac.span());
    return r ? *r : 0;
  }
  return size;
}

}  // namespace tandem::xfr
