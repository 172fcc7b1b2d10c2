// RR type, class, opcode and rcode numbers (IANA DNS parameters) and their
// mnemonics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::dns {

namespace rrtype {
inline constexpr uint16_t kA = 1, kNS = 2, kCNAME = 5, kSOA = 6, kPTR = 12, kHINFO = 13,
                          kMX = 15, kTXT = 16, kAAAA = 28, kSRV = 33, kNAPTR = 35, kDNAME = 39,
                          kOPT = 41, kDS = 43, kSSHFP = 44, kRRSIG = 46, kNSEC = 47, kDNSKEY = 48,
                          kNSEC3 = 50, kNSEC3PARAM = 51, kTLSA = 52, kSVCB = 64, kHTTPS = 65,
                          kTKEY = 249, kTSIG = 250, kIXFR = 251, kAXFR = 252, kMAILB = 253,
                          kMAILA = 254, kANY = 255, kCAA = 257;
}  // namespace rrtype

namespace rrclass {
inline constexpr uint16_t kIN = 1, kCH = 3, kHS = 4, kNONE = 254, kANY = 255;
}

namespace opcode {
inline constexpr uint8_t kQuery = 0, kIQuery = 1, kStatus = 2, kNotify = 4, kUpdate = 5;
}

namespace rcode {
inline constexpr uint16_t kNoError = 0, kFormErr = 1, kServFail = 2, kNXDomain = 3, kNotImp = 4,
                          kRefused = 5, kYXDomain = 6, kYXRRSet = 7, kNXRRSet = 8, kNotAuth = 9,
                          kNotZone = 10, kBadVers = 16, kBadSig = 16, kBadKey = 17, kBadTime = 18;
}

// "A", "AAAA", ... or "TYPE12345" (RFC 3597 5).
std::string type_to_text(uint16_t type);
// Accepts mnemonics (case-insensitive) and TYPEnnn.
std::optional<uint16_t> type_from_text(std::string_view text);
// "IN", "CH", "HS", "NONE", "ANY" or "CLASS123".
std::string class_to_text(uint16_t cls);
std::optional<uint16_t> class_from_text(std::string_view text);
std::string rcode_to_text(uint16_t rc);

// Meta and question-only types that never appear as data in a zone (RFC 6895 3.1).
inline bool is_meta_type(uint16_t t) { return t == rrtype::kOPT || (t >= 128 && t <= 255); }

}  // namespace tandem::dns
