// Rdata codecs driven by one description per RR type (the Knot/PowerDNS
// approach): each type is a list of field kinds, and the four operations
// (text -> wire, wire -> text, message -> canonical wire, validation) walk that
// list. Adding a type is one line in find_desc().
//
// Types without a description (LOC, WKS, APL, IPSECKEY, ...) are handled only
// in the RFC 3597 generic form, in both directions.
#include "dns/rdata.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

#include "dns/rdata_text.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "util/encoding.h"

namespace tandem::dns {
namespace {

// Types not named in types.h.
constexpr uint16_t kMD = 3, kMF = 4, kMB = 7, kMG = 8, kMR = 9, kMINFO = 14, kRP = 17, kAFSDB = 18,
                   kSIG = 24, kKEY = 25, kKX = 36, kDHCID = 49, kSMIMEA = 53, kCDS = 59,
                   kCDNSKEY = 60, kOPENPGPKEY = 61, kCSYNC = 62, kZONEMD = 63, kSPF = 99,
                   kEUI48 = 108, kEUI64 = 109, kURI = 256;

enum class F : uint8_t {
  kU8,
  kU16,
  kU32,
  kPeriod,     // u32; the text may use TTL units (SOA timers, RRSIG original TTL)
  kTime,       // u32; text YYYYMMDDHHmmSS or seconds (RFC 4034 3.2)
  kType,       // u16 RR type, text by mnemonic (RRSIG type covered)
  kAlg,        // u8 DNSSEC algorithm, text by number or mnemonic
  kIPv4,       // 4 octets
  kIPv6,       // 16 octets
  kCName,      // domain name that may arrive compressed (RFC 3597 4)
  kName,       // domain name that is never compressed
  kStr,        // <character-string>
  kStrs,       // one or more <character-string>s up to the end (TXT)
  kB64,        // base64 up to the end; text may span several tokens
  kHex,        // hex up to the end; text may span several tokens
  kSalt,       // u8 length + octets; text hex or "-" for none (RFC 5155 3.3)
  kHash,       // u8 length + octets; text base32hex (RFC 5155 3.3)
  kBitmap,     // type bitmap up to the end (RFC 4034 4.1.2)
  kCaaTag,     // u8 length + alphanumeric octets (RFC 8659 4.1)
  kRestStr,    // octets up to the end, text one (quoted) string (CAA value, URI)
  kEui48,      // 6 octets, text xx-xx-xx-xx-xx-xx (RFC 7043)
  kEui64,      // 8 octets
  kSvcParams,  // SvcParams up to the end (RFC 9460 2.2)
};

struct Field {
  F kind;
  const char* name;  // used in error messages; "" when the message says enough
};

// --- type descriptions ---
constexpr Field kDescA[] = {{F::kIPv4, ""}};
constexpr Field kDescAAAA[] = {{F::kIPv6, ""}};
constexpr Field kDescCName[] = {{F::kCName, "name"}};  // NS CNAME PTR MB MG MR MD MF
constexpr Field kDescDName[] = {{F::kName, "target"}};
constexpr Field kDescSOA[] = {
    {F::kCName, "mname"},  {F::kCName, "rname"},   {F::kU32, "serial"},    {F::kPeriod, "refresh"},
    {F::kPeriod, "retry"}, {F::kPeriod, "expire"}, {F::kPeriod, "minimum"}};
constexpr Field kDescMX[] = {{F::kU16, "preference"}, {F::kCName, "exchange"}};
constexpr Field kDescAFSDB[] = {{F::kU16, "subtype"}, {F::kCName, "hostname"}};
constexpr Field kDescKX[] = {{F::kU16, "preference"}, {F::kName, "exchanger"}};
constexpr Field kDescMINFO[] = {{F::kCName, "rmailbx"}, {F::kCName, "emailbx"}};
constexpr Field kDescRP[] = {{F::kCName, "mbox"}, {F::kCName, "txt"}};
constexpr Field kDescTXT[] = {{F::kStrs, "text"}};
constexpr Field kDescHINFO[] = {{F::kStr, "cpu"}, {F::kStr, "os"}};
constexpr Field kDescSRV[] = {
    {F::kU16, "priority"}, {F::kU16, "weight"}, {F::kU16, "port"}, {F::kCName, "target"}};
constexpr Field kDescNAPTR[] = {{F::kU16, "order"},  {F::kU16, "preference"},
                                {F::kStr, "flags"},  {F::kStr, "services"},
                                {F::kStr, "regexp"}, {F::kCName, "replacement"}};
constexpr Field kDescDS[] = {
    {F::kU16, "key tag"}, {F::kAlg, "algorithm"}, {F::kU8, "digest type"}, {F::kHex, "digest"}};
constexpr Field kDescDNSKEY[] = {
    {F::kU16, "flags"}, {F::kU8, "protocol"}, {F::kAlg, "algorithm"}, {F::kB64, "public key"}};
constexpr Field kDescRRSIG[] = {
    {F::kType, "type covered"},   {F::kAlg, "algorithm"},   {F::kU8, "labels"},
    {F::kPeriod, "original TTL"}, {F::kTime, "expiration"}, {F::kTime, "inception"},
    {F::kU16, "key tag"},         {F::kName, "signer"},     {F::kB64, "signature"}};
// SIG (RFC 2535) is RRSIG's ancestor; RFC 3597 4 lists its signer as decompressible.
constexpr Field kDescSIG[] = {
    {F::kType, "type covered"},   {F::kAlg, "algorithm"},   {F::kU8, "labels"},
    {F::kPeriod, "original TTL"}, {F::kTime, "expiration"}, {F::kTime, "inception"},
    {F::kU16, "key tag"},         {F::kCName, "signer"},    {F::kB64, "signature"}};
constexpr Field kDescNSEC[] = {{F::kName, "next name"}, {F::kBitmap, "type bitmap"}};
constexpr Field kDescNSEC3[] = {{F::kU8, "hash algorithm"},      {F::kU8, "flags"},
                                {F::kU16, "iterations"},         {F::kSalt, "salt"},
                                {F::kHash, "next hashed owner"}, {F::kBitmap, "type bitmap"}};
constexpr Field kDescNSEC3PARAM[] = {
    {F::kU8, "hash algorithm"}, {F::kU8, "flags"}, {F::kU16, "iterations"}, {F::kSalt, "salt"}};
constexpr Field kDescTLSA[] = {
    {F::kU8, "usage"}, {F::kU8, "selector"}, {F::kU8, "matching type"}, {F::kHex, "data"}};
constexpr Field kDescSSHFP[] = {
    {F::kU8, "algorithm"}, {F::kU8, "fingerprint type"}, {F::kHex, "fingerprint"}};
constexpr Field kDescCAA[] = {{F::kU8, "flags"}, {F::kCaaTag, "tag"}, {F::kRestStr, "value"}};
constexpr Field kDescURI[] = {{F::kU16, "priority"}, {F::kU16, "weight"}, {F::kRestStr, "target"}};
constexpr Field kDescB64[] = {{F::kB64, "data"}};  // DHCID, OPENPGPKEY
constexpr Field kDescCSYNC[] = {
    {F::kU32, "serial"}, {F::kU16, "flags"}, {F::kBitmap, "type bitmap"}};
constexpr Field kDescZONEMD[] = {
    {F::kU32, "serial"}, {F::kU8, "scheme"}, {F::kU8, "hash algorithm"}, {F::kHex, "digest"}};
constexpr Field kDescEUI48[] = {{F::kEui48, "address"}};
constexpr Field kDescEUI64[] = {{F::kEui64, "address"}};
constexpr Field kDescSVCB[] = {
    {F::kU16, "priority"}, {F::kName, "target"}, {F::kSvcParams, "parameters"}};

std::span<const Field> find_desc(uint16_t type) {
  switch (type) {
    case rrtype::kA:
      return kDescA;
    case rrtype::kAAAA:
      return kDescAAAA;
    case rrtype::kNS:
    case rrtype::kCNAME:
    case rrtype::kPTR:
    case kMD:
    case kMF:
    case kMB:
    case kMG:
    case kMR:
      return kDescCName;
    case rrtype::kDNAME:
      return kDescDName;
    case rrtype::kSOA:
      return kDescSOA;
    case rrtype::kMX:
      return kDescMX;
    case kAFSDB:
      return kDescAFSDB;
    case kKX:
      return kDescKX;
    case kMINFO:
      return kDescMINFO;
    case kRP:
      return kDescRP;
    case rrtype::kTXT:
    case kSPF:
      return kDescTXT;
    case rrtype::kHINFO:
      return kDescHINFO;
    case rrtype::kSRV:
      return kDescSRV;
    case rrtype::kNAPTR:
      return kDescNAPTR;
    case rrtype::kDS:
    case kCDS:
      return kDescDS;
    case rrtype::kDNSKEY:
    case kCDNSKEY:
    case kKEY:
      return kDescDNSKEY;
    case rrtype::kRRSIG:
      return kDescRRSIG;
    case kSIG:
      return kDescSIG;
    case rrtype::kNSEC:
      return kDescNSEC;
    case rrtype::kNSEC3:
      return kDescNSEC3;
    case rrtype::kNSEC3PARAM:
      return kDescNSEC3PARAM;
    case rrtype::kTLSA:
    case kSMIMEA:
      return kDescTLSA;
    case rrtype::kSSHFP:
      return kDescSSHFP;
    case rrtype::kCAA:
      return kDescCAA;
    case kURI:
      return kDescURI;
    case kDHCID:
    case kOPENPGPKEY:
      return kDescB64;
    case kCSYNC:
      return kDescCSYNC;
    case kZONEMD:
      return kDescZONEMD;
    case kEUI48:
      return kDescEUI48;
    case kEUI64:
      return kDescEUI64;
    case rrtype::kSVCB:
    case rrtype::kHTTPS:
      return kDescSVCB;
    default:
      return {};
  }
}

// Text kinds that take all remaining tokens, and how many they need at least.
bool takes_rest_of_text(F k) {
  return k == F::kStrs || k == F::kB64 || k == F::kHex || k == F::kBitmap || k == F::kSvcParams;
}
size_t min_rest_tokens(F k) { return (k == F::kBitmap || k == F::kSvcParams) ? 0 : 1; }

// --- DNSSEC algorithm mnemonics (IANA "DNS Security Algorithm Numbers") ---
struct AlgName {
  uint8_t num;
  const char* name;
};
constexpr AlgName kAlgNames[] = {
    {1, "RSAMD5"},
    {2, "DH"},
    {3, "DSA"},
    {5, "RSASHA1"},
    {6, "DSA-NSEC3-SHA1"},
    {7, "RSASHA1-NSEC3-SHA1"},
    {8, "RSASHA256"},
    {10, "RSASHA512"},
    {12, "ECC-GOST"},
    {13, "ECDSAP256SHA256"},
    {14, "ECDSAP384SHA384"},
    {15, "ED25519"},
    {16, "ED448"},
    {252, "INDIRECT"},
    {253, "PRIVATEDNS"},
    {254, "PRIVATEOID"},
};

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower_byte(static_cast<uint8_t>(a[i])) != lower_byte(static_cast<uint8_t>(b[i])))
      return false;
  return true;
}

// --- SVCB parameter keys (RFC 9460 14.3.2, RFC 9461, RFC 9540) ---
constexpr uint16_t kSvcMandatory = 0, kSvcAlpn = 1, kSvcNoDefaultAlpn = 2, kSvcPort = 3,
                   kSvcIpv4Hint = 4, kSvcEch = 5, kSvcIpv6Hint = 6, kSvcDohPath = 7, kSvcOhttp = 8,
                   kSvcInvalidKey = 65535;
constexpr const char* kSvcKeyNames[] = {"mandatory", "alpn",     "no-default-alpn",
                                        "port",      "ipv4hint", "ech",
                                        "ipv6hint",  "dohpath",  "ohttp"};
constexpr uint16_t kSvcKnownKeys = sizeof kSvcKeyNames / sizeof kSvcKeyNames[0];

std::optional<uint16_t> svc_key_from_text(std::string_view s) {
  for (uint16_t k = 0; k < kSvcKnownKeys; ++k)
    if (s == kSvcKeyNames[k]) return k;
  if (s.size() > 3 && s.substr(0, 3) == "key") {
    auto v = parse_uint(s.substr(3), 65535);
    if (v) return static_cast<uint16_t>(*v);
  }
  return std::nullopt;
}

void append_svc_key(uint16_t key, std::string& out) {
  if (key < kSvcKnownKeys) {
    out.append(kSvcKeyNames[key]);
  } else {
    out.append("key");
    out.append(std::to_string(key));
  }
}

// Checks SvcParams wire data (RFC 9460 2.2): keys strictly increasing, values
// well formed for the keys we know, and every key listed in "mandatory"
// present. Returns nullptr when valid, else the problem.
const char* check_svc_params(const uint8_t* p, const uint8_t* end) {
  const uint8_t* mand = nullptr;
  size_t mand_len = 0;
  int32_t prev = -1;
  const uint8_t* params = p;
  while (p < end) {
    if (end - p < 4) return "truncated SvcParam";
    uint16_t key = load_u16(p), len = load_u16(p + 2);
    p += 4;
    if (static_cast<size_t>(end - p) < len) return "truncated SvcParam value";
    if (static_cast<int32_t>(key) <= prev) return "SvcParam keys not in strictly increasing order";
    prev = key;
    const uint8_t* v = p;
    p += len;
    switch (key) {
      case kSvcMandatory:
        if (len == 0 || len % 2) return "bad mandatory value";
        for (size_t i = 0; i < len; i += 2) {
          uint16_t k = load_u16(v + i);
          if (k == kSvcMandatory) return "mandatory must not list itself";
          if (i > 0 && k <= load_u16(v + i - 2))
            return "mandatory keys not in strictly increasing order";
        }
        mand = v;
        mand_len = len;
        break;
      case kSvcAlpn: {
        if (len == 0) return "empty alpn";
        size_t i = 0;
        while (i < len) {
          uint8_t l = v[i];
          if (l == 0) return "empty alpn identifier";
          if (i + 1 + l > len) return "truncated alpn identifier";
          i += 1 + l;
        }
        break;
      }
      case kSvcNoDefaultAlpn:
      case kSvcOhttp:
        if (len != 0) return "no-default-alpn and ohttp take no value";
        break;
      case kSvcPort:
        if (len != 2) return "bad port value";
        break;
      case kSvcIpv4Hint:
        if (len == 0 || len % 4) return "bad ipv4hint value";
        break;
      case kSvcEch:
        if (len == 0) return "empty ech";
        break;
      case kSvcIpv6Hint:
        if (len == 0 || len % 16) return "bad ipv6hint value";
        break;
      case kSvcInvalidKey:
        return "key65535 is reserved";
      default:
        break;
    }
  }
  // Every mandatory key must be present; both lists are sorted, so merge.
  if (mand) {
    const uint8_t* q = params;
    for (size_t i = 0; i < mand_len; i += 2) {
      uint16_t want = load_u16(mand + i);
      bool found = false;
      while (q < end) {
        uint16_t key = load_u16(q);
        uint16_t len = load_u16(q + 2);
        if (key > want) break;
        q += 4 + len;
        if (key == want) {
          found = true;
          break;
        }
      }
      if (!found) return "a key listed in mandatory is missing";
    }
  }
  return nullptr;
}

// Checks an RFC 4034 4.1.2 type bitmap: windows in increasing order, 1..32
// octets each, no trailing zero octet (so the encoding is canonical).
bool check_bitmap(const uint8_t* p, const uint8_t* end) {
  int prev = -1;
  while (p < end) {
    if (end - p < 2) return false;
    int win = p[0];
    size_t len = p[1];
    if (win <= prev || len == 0 || len > 32 || static_cast<size_t>(end - p - 2) < len) return false;
    if (p[1 + len] == 0) return false;
    prev = win;
    p += 2 + len;
  }
  return true;
}

// Length of the uncompressed wire name at p within [p, end), 0 if malformed.
size_t name_len(const uint8_t* p, const uint8_t* end) {
  const uint8_t* s = p;
  while (p < end) {
    uint8_t l = *p;
    if (l == 0) {
      size_t n = static_cast<size_t>(p - s) + 1;
      return n <= kMaxNameWire ? n : 0;
    }
    if (l > kMaxLabel) return 0;  // also rejects compression pointers
    p += l + 1;
    if (static_cast<size_t>(p - s) >= kMaxNameWire) return 0;
  }
  return 0;
}

// Size of the field of kind k at p in uncompressed rdata ending at end, or
// -1 if it does not fit. Checks structure only, not content.
ptrdiff_t field_size(F k, const uint8_t* p, const uint8_t* end) {
  ptrdiff_t avail = end - p;
  ptrdiff_t n;
  switch (k) {
    case F::kU8:
    case F::kAlg:
      n = 1;
      break;
    case F::kU16:
    case F::kType:
      n = 2;
      break;
    case F::kU32:
    case F::kPeriod:
    case F::kTime:
    case F::kIPv4:
      n = 4;
      break;
    case F::kIPv6:
      n = 16;
      break;
    case F::kEui48:
      n = 6;
      break;
    case F::kEui64:
      n = 8;
      break;
    case F::kCName:
    case F::kName: {
      size_t l = name_len(p, end);
      return l ? static_cast<ptrdiff_t>(l) : -1;
    }
    case F::kStr:
    case F::kSalt:
    case F::kHash:
    case F::kCaaTag:
      if (avail < 1) return -1;
      n = 1 + p[0];
      break;
    case F::kStrs:
    case F::kB64:
    case F::kHex:
    case F::kBitmap:
    case F::kRestStr:
    case F::kSvcParams:
      return avail;
    default:
      return -1;
  }
  return n <= avail ? n : -1;
}

// Content checks beyond structure, for a field of size n at p.
bool field_content_ok(F k, const uint8_t* p, size_t n) {
  switch (k) {
    case F::kStrs: {
      if (n == 0) return false;  // TXT holds at least one string (RFC 1035 3.3.14)
      size_t i = 0;
      while (i < n) i += 1 + p[i];
      return i == n;
    }
    case F::kHash:
      return n > 1;
    case F::kCaaTag:
      if (n < 2) return false;  // RFC 8659 4.1: the tag is at least one octet
      for (size_t i = 1; i < n; ++i)
        if (!isalnum(p[i])) return false;
      return true;
    case F::kBitmap:
      return check_bitmap(p, p + n);
    case F::kSvcParams:
      return check_svc_params(p, p + n) == nullptr;
    default:
      return true;
  }
}

bool valid_with_desc(std::span<const Field> desc, std::span<const uint8_t> rdata) {
  const uint8_t* p = rdata.data();
  const uint8_t* end = p + rdata.size();
  for (const Field& f : desc) {
    ptrdiff_t n = field_size(f.kind, p, end);
    if (n < 0 || !field_content_ok(f.kind, p, static_cast<size_t>(n))) return false;
    p += n;
  }
  return p == end;
}

// --- time (RFC 4034 3.2) ---

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// "YYYYMMDDHHmmSS" (exactly 14 digits) is a UTC date, taken modulo 2^32 as
// RFC 4034 3.2 says; any other all-digit text is seconds since the epoch.
std::optional<uint32_t> parse_time(std::string_view s) {
  if (s.size() != 14) return parse_uint(s, 0xFFFFFFFF);
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  auto num = [&](size_t at, size_t len) {
    unsigned v = 0;
    for (size_t i = at; i < at + len; ++i) v = v * 10 + static_cast<unsigned>(s[i] - '0');
    return v;
  };
  unsigned year = num(0, 4), mon = num(4, 2), day = num(6, 2), hour = num(8, 2), min = num(10, 2),
           sec = num(12, 2);
  static constexpr unsigned kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > kMonthDays[mon - 1] || hour > 23 ||
      min > 59 || sec > 59)
    return std::nullopt;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (mon == 2 && day == 29 && !leap) return std::nullopt;
  int64_t t = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
  return static_cast<uint32_t>(static_cast<uint64_t>(t));  // modulo 2^32
}

// Prints a 32-bit time as YYYYMMDDHHmmSS, reading it as unsigned seconds since
// 1970 (so 1970..2106; kdig 3.2 reads it as signed and prints 1969 dates for
// values from 2^31, which is not what RFC 4034 3.2 means).
void append_time(uint32_t t, std::string& out) {
  int64_t days = t / 86400;
  uint32_t rem = t % 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[32];
  snprintf(buf, sizeof buf, "%04lld%02u%02u%02u%02u%02u", static_cast<long long>(y), m, d,
           rem / 3600, rem / 60 % 60, rem % 60);
  out.append(buf);
}

// --- text -> wire ---

// Dotted-quad IPv4 with the rules of inet_pton (exactly four decimal octets,
// no leading zeros), without copying the token to NUL-terminate it.
bool parse_ipv4(std::string_view t, uint8_t out[4]) {
  size_t i = 0;
  for (int k = 0; k < 4; ++k) {
    if (k > 0) {
      if (i >= t.size() || t[i] != '.') return false;
      ++i;
    }
    size_t b = i;
    unsigned v = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9' && i - b < 3) {
      v = v * 10 + static_cast<unsigned>(t[i] - '0');
      ++i;
    }
    if (i == b || v > 255 || (i - b > 1 && t[b] == '0')) return false;
    out[k] = static_cast<uint8_t>(v);
  }
  return i == t.size();
}

class TextReader {
 public:
  TextReader(uint16_t type, std::span<const TextToken> toks, const Name& origin,
             std::vector<uint8_t>& out)
      : type_(type), toks_(toks), origin_(origin), out_(out) {}

  Result<void, std::string> run(std::span<const Field> desc);

 private:
  using Res = Result<void, std::string>;
  std::string where(const Field& f) const {
    std::string s = type_to_text(type_);
    if (*f.name) {
      s += ' ';
      s += f.name;
    }
    return s + ": ";
  }
  Res field_error(const Field& f, const std::string& msg) const {
    return fail(*f.name ? where(f) + msg : msg);
  }
  Res number(const Field& f, std::string_view t, uint32_t max, size_t width);
  Res string(const Field& f, std::string_view raw, bool with_length, size_t max_len);
  Res field(const Field& f);
  Res bitmap(const Field& f);
  Res svc_params(const Field& f);
  void put_u16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v >> 8));
    out_.push_back(static_cast<uint8_t>(v));
  }
  void put_u32(uint32_t v) {
    put_u16(static_cast<uint16_t>(v >> 16));
    put_u16(static_cast<uint16_t>(v));
  }

  uint16_t type_;
  std::span<const TextToken> toks_;
  size_t i_ = 0;
  const Name& origin_;
  std::vector<uint8_t>& out_;
};

Result<void, std::string> TextReader::number(const Field& f, std::string_view t, uint32_t max,
                                             size_t width) {
  auto v = parse_uint(t, max);
  if (!v)
    return field_error(
        f, "bad number '" + std::string(t) + "' (expected 0-" + std::to_string(max) + ")");
  if (width == 1) out_.push_back(static_cast<uint8_t>(*v));
  if (width == 2) put_u16(static_cast<uint16_t>(*v));
  if (width == 4) put_u32(*v);
  return {};
}

Result<void, std::string> TextReader::string(const Field& f, std::string_view raw, bool with_length,
                                             size_t max_len) {
  size_t at = out_.size();
  if (with_length) out_.push_back(0);
  auto r = unescape_text(raw, out_);
  if (!r) return field_error(f, r.error());
  size_t len = out_.size() - at - (with_length ? 1 : 0);
  if (len > max_len)
    return field_error(f, "string longer than " + std::to_string(max_len) + " octets");
  if (with_length) out_[at] = static_cast<uint8_t>(len);
  return {};
}

Result<void, std::string> TextReader::bitmap(const Field& f) {
  // Windows are filled lazily: only touched windows are cleared.
  uint8_t bits[256][32];
  uint8_t win_len[256] = {};
  for (; i_ < toks_.size(); ++i_) {
    auto t = parse_type(toks_[i_].text);
    if (!t) return field_error(f, "unknown type '" + std::string(toks_[i_].text) + "'");
    unsigned w = *t >> 8, bit = *t & 0xFF;
    if (win_len[w] == 0) memset(bits[w], 0, 32);
    bits[w][bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    win_len[w] = std::max<uint8_t>(win_len[w], static_cast<uint8_t>(bit / 8 + 1));
  }
  for (unsigned w = 0; w < 256; ++w) {
    if (!win_len[w]) continue;
    out_.push_back(static_cast<uint8_t>(w));
    out_.push_back(win_len[w]);
    out_.insert(out_.end(), bits[w], bits[w] + win_len[w]);
  }
  return {};
}

// Splits an RFC 9460 A.1 value-list (already unescaped as a char-string) on
// unescaped commas; "\," and "\\" stand for a comma and a backslash in an item.
// Calls item(bytes) for each; returns false if an item callback fails.
template <class Fn>
bool split_value_list(const std::vector<uint8_t>& v, Fn&& item) {
  std::vector<uint8_t> cur;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == ',') {
      if (!item(cur)) return false;
      cur.clear();
      continue;
    }
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    cur.push_back(v[i]);
  }
  return true;
}

Result<void, std::string> TextReader::svc_params(const Field& f) {
  struct Param {
    uint16_t key;
    std::vector<uint8_t> value;
  };
  std::vector<Param> params;
  std::vector<uint8_t> raw;
  for (; i_ < toks_.size(); ++i_) {
    std::string_view t = toks_[i_].text;
    size_t eq = t.find('=');
    std::string_view key_text = t.substr(0, eq);
    auto key = svc_key_from_text(key_text);
    if (!key) return field_error(f, "unknown SvcParam key '" + std::string(key_text) + "'");
    if (*key == kSvcInvalidKey) return field_error(f, "key65535 is reserved");
    bool has_value = eq != std::string_view::npos;
    raw.clear();
    if (has_value) {
      std::string_view v = t.substr(eq + 1);
      // key="value": the tokenizer keeps the quotes of a quote inside a token.
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      auto r = unescape_text(v, raw);
      if (!r) return field_error(f, r.error());
    }
    Param p{*key, {}};
    std::string name;
    append_svc_key(*key, name);
    bool generic = key_text.substr(0, 3) == "key";  // keyNNNNN=: opaque value
    auto bad = [&](const std::string& why) {
      return field_error(f, "bad " + name + " value '" +
                                std::string(has_value ? t.substr(eq + 1) : "") + "': " + why);
    };
    if (generic) {
      p.value = raw;
    } else {
      switch (*key) {
        case kSvcMandatory: {
          std::vector<uint16_t> keys;
          bool ok = split_value_list(raw, [&](const std::vector<uint8_t>& item) {
            auto k = svc_key_from_text(
                std::string_view(reinterpret_cast<const char*>(item.data()), item.size()));
            if (!k) return false;
            keys.push_back(*k);
            return true;
          });
          if (!ok || keys.empty()) return bad("expected a list of keys");
          std::sort(keys.begin(), keys.end());
          if (std::adjacent_find(keys.begin(), keys.end()) != keys.end())
            return bad("duplicate key");
          for (uint16_t k : keys) {
            p.value.push_back(static_cast<uint8_t>(k >> 8));
            p.value.push_back(static_cast<uint8_t>(k));
          }
          break;
        }
        case kSvcAlpn: {
          bool ok = split_value_list(raw, [&](const std::vector<uint8_t>& item) {
            if (item.empty() || item.size() > 255) return false;
            p.value.push_back(static_cast<uint8_t>(item.size()));
            p.value.insert(p.value.end(), item.begin(), item.end());
            return true;
          });
          if (!ok || !has_value) return bad("expected identifiers of 1-255 octets");
          break;
        }
        case kSvcNoDefaultAlpn:
        case kSvcOhttp:
          if (!raw.empty()) return bad("takes no value");
          break;
        case kSvcPort: {
          auto v = parse_uint(
              std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()), 65535);
          if (!v) return bad("expected a number 0-65535");
          p.value = {static_cast<uint8_t>(*v >> 8), static_cast<uint8_t>(*v)};
          break;
        }
        case kSvcIpv4Hint:
        case kSvcIpv6Hint: {
          int af = *key == kSvcIpv4Hint ? AF_INET : AF_INET6;
          size_t alen = af == AF_INET ? 4 : 16;
          bool ok = split_value_list(raw, [&](const std::vector<uint8_t>& item) {
            char buf[64];
            if (item.empty() || item.size() >= sizeof buf) return false;
            memcpy(buf, item.data(), item.size());
            buf[item.size()] = 0;
            uint8_t addr[16];
            if (inet_pton(af, buf, addr) != 1) return false;
            p.value.insert(p.value.end(), addr, addr + alen);
            return true;
          });
          if (!ok || !has_value) return bad("expected a list of addresses");
          break;
        }
        case kSvcEch: {
          std::string_view b64(reinterpret_cast<const char*>(raw.data()), raw.size());
          if (raw.empty() || !util::base64_decode(b64, p.value)) return bad("expected base64");
          break;
        }
        default:  // dohpath (RFC 9461): a URI template, kept as given
          p.value = raw;
          break;
      }
    }
    if (p.value.size() > 65535) return bad("too long");
    params.push_back(std::move(p));
  }
  std::sort(params.begin(), params.end(),
            [](const Param& a, const Param& b) { return a.key < b.key; });
  for (size_t k = 1; k < params.size(); ++k) {
    if (params[k].key == params[k - 1].key) {
      std::string name;
      append_svc_key(params[k].key, name);
      return field_error(f, "duplicate SvcParam key '" + name + "'");
    }
  }
  // RFC 9460 8: every key that "mandatory" lists must be present.
  if (!params.empty() && params[0].key == kSvcMandatory) {
    const std::vector<uint8_t>& m = params[0].value;
    for (size_t k = 0; k + 1 < m.size(); k += 2) {
      uint16_t want = static_cast<uint16_t>(m[k] << 8 | m[k + 1]);
      bool present =
          std::any_of(params.begin(), params.end(), [&](const Param& p) { return p.key == want; });
      if (!present) {
        std::string name;
        append_svc_key(want, name);
        return field_error(f, "key '" + name + "' is listed in mandatory but missing");
      }
    }
  }
  size_t at = out_.size();
  for (const Param& p : params) {
    put_u16(p.key);
    put_u16(static_cast<uint16_t>(p.value.size()));
    out_.insert(out_.end(), p.value.begin(), p.value.end());
  }
  if (const char* why = check_svc_params(out_.data() + at, out_.data() + out_.size()))
    return field_error(f, why);
  return {};
}

Result<void, std::string> TextReader::field(const Field& f) {
  // Kinds that consume the remaining tokens.
  switch (f.kind) {
    case F::kStrs:
      for (; i_ < toks_.size(); ++i_) {
        auto r = string(f, toks_[i_].text, true, 255);
        if (!r) return r;
      }
      return {};
    case F::kB64: {
      util::Base64Decoder d;
      for (; i_ < toks_.size(); ++i_)
        if (!d.feed(toks_[i_].text, out_))
          return field_error(f, "bad base64 '" + std::string(toks_[i_].text) + "'");
      if (!d.finish()) return field_error(f, "base64 data ends in a partial group");
      return {};
    }
    case F::kHex: {
      util::HexDecoder d;
      for (; i_ < toks_.size(); ++i_)
        if (!d.feed(toks_[i_].text, out_))
          return field_error(f, "bad hex '" + std::string(toks_[i_].text) + "'");
      if (!d.finish()) return field_error(f, "odd number of hex digits");
      return {};
    }
    case F::kBitmap:
      return bitmap(f);
    case F::kSvcParams:
      return svc_params(f);
    default:
      break;
  }
  const std::string_view t = toks_[i_++].text;
  switch (f.kind) {
    case F::kU8:
      return number(f, t, 0xFF, 1);
    case F::kU16:
      return number(f, t, 0xFFFF, 2);
    case F::kU32:
      return number(f, t, 0xFFFFFFFF, 4);
    case F::kPeriod: {
      auto v = parse_ttl(t, 0xFFFFFFFF);
      if (!v) return field_error(f, "bad time value '" + std::string(t) + "'");
      put_u32(*v);
      return {};
    }
    case F::kTime: {
      auto v = parse_time(t);
      if (!v)
        return field_error(
            f, "bad time '" + std::string(t) + "' (expected YYYYMMDDHHmmSS or seconds)");
      put_u32(*v);
      return {};
    }
    case F::kType: {
      auto v = parse_type(t);
      if (!v) return field_error(f, "unknown type '" + std::string(t) + "'");
      put_u16(*v);
      return {};
    }
    case F::kAlg: {
      for (const auto& a : kAlgNames) {
        if (iequal(t, a.name)) {
          out_.push_back(a.num);
          return {};
        }
      }
      return number(f, t, 0xFF, 1);
    }
    case F::kIPv4: {
      uint8_t addr[4];
      if (!parse_ipv4(t, addr)) return field_error(f, "bad IPv4 address '" + std::string(t) + "'");
      out_.insert(out_.end(), addr, addr + 4);
      return {};
    }
    case F::kIPv6: {
      char buf[64];
      uint8_t addr[16];
      bool ok = t.size() < sizeof buf;
      if (ok) {
        memcpy(buf, t.data(), t.size());
        buf[t.size()] = 0;
        ok = inet_pton(AF_INET6, buf, addr) == 1;
      }
      if (!ok) return field_error(f, "bad IPv6 address '" + std::string(t) + "'");
      out_.insert(out_.end(), addr, addr + 16);
      return {};
    }
    case F::kCName:
    case F::kName: {
      auto r = append_name(t, origin_, out_);
      if (!r) return fail(where(f) + r.error());
      return {};
    }
    case F::kStr:
      return string(f, t, true, 255);
    case F::kRestStr:
      return string(f, t, false, 65535);
    case F::kSalt: {
      if (t == "-") {
        out_.push_back(0);
        return {};
      }
      size_t at = out_.size();
      out_.push_back(0);
      if (!util::hex_decode(t, out_)) return field_error(f, "bad hex '" + std::string(t) + "'");
      if (out_.size() - at - 1 > 255) return field_error(f, "longer than 255 octets");
      out_[at] = static_cast<uint8_t>(out_.size() - at - 1);
      return {};
    }
    case F::kHash: {
      size_t at = out_.size();
      out_.push_back(0);
      if (!util::base32hex_decode(t, out_) || out_.size() == at + 1)
        return field_error(f, "bad base32hex '" + std::string(t) + "'");
      if (out_.size() - at - 1 > 255) return field_error(f, "longer than 255 octets");
      out_[at] = static_cast<uint8_t>(out_.size() - at - 1);
      return {};
    }
    case F::kCaaTag: {
      if (t.empty() || t.size() > 255 ||
          !std::all_of(t.begin(), t.end(), [](char c) { return isalnum(static_cast<uint8_t>(c)); }))
        return field_error(f, "bad tag '" + std::string(t) + "' (expected letters and digits)");
      out_.push_back(static_cast<uint8_t>(t.size()));
      out_.insert(out_.end(), t.begin(), t.end());
      return {};
    }
    case F::kEui48:
    case F::kEui64: {
      const size_t n = f.kind == F::kEui48 ? 6 : 8;
      // xx-xx-...: n hex pairs joined by n-1 dashes (RFC 7043 3.1, 4.1)
      bool ok = t.size() == n * 3 - 1;
      for (size_t k = 0; ok && k < n; ++k) {
        int hi = util::hex_digit_value(t[k * 3]), lo = util::hex_digit_value(t[k * 3 + 1]);
        if (hi < 0 || lo < 0 || (k + 1 < n && t[k * 3 + 2] != '-'))
          ok = false;
        else
          out_.push_back(static_cast<uint8_t>(hi << 4 | lo));
      }
      if (!ok) return field_error(f, "bad EUI address '" + std::string(t) + "'");
      return {};
    }
    default:
      return fail("internal error: unhandled field kind");
  }
}

Result<void, std::string> TextReader::run(std::span<const Field> desc) {
  // Check the token count first, for a clear message.
  size_t fixed = 0, min_rest = 0;
  bool rest = false;
  for (const Field& f : desc) {
    if (takes_rest_of_text(f.kind)) {
      rest = true;
      min_rest = min_rest_tokens(f.kind);
    } else {
      ++fixed;
    }
  }
  const size_t got = toks_.size();
  if (got < fixed + min_rest || (!rest && got > fixed)) {
    std::string msg = type_to_text(type_) + ": expected ";
    if (rest) msg += "at least ";
    size_t want = fixed + min_rest;
    msg +=
        std::to_string(want) + (want == 1 ? " field" : " fields") + ", got " + std::to_string(got);
    return fail(msg);
  }
  for (const Field& f : desc) {
    auto r = field(f);
    if (!r) return r;
  }
  return {};
}

Result<void, std::string> generic_from_text(uint16_t type, std::span<const TextToken> toks,
                                            std::vector<uint8_t>& out) {
  // toks[0] is "\#"
  if (toks.size() < 2) return fail("generic rdata: expected '\\# length hex'");
  auto len = parse_uint(toks[1].text, 65535);
  if (!len) return fail("generic rdata: bad length '" + std::string(toks[1].text) + "'");
  size_t at = out.size();
  util::HexDecoder d;
  for (size_t i = 2; i < toks.size(); ++i)
    if (!d.feed(toks[i].text, out))
      return fail("generic rdata: bad hex '" + std::string(toks[i].text) + "'");
  if (!d.finish()) return fail("generic rdata: odd number of hex digits");
  if (out.size() - at != *len)
    return fail("generic rdata: length " + std::to_string(*len) + " but " +
                std::to_string(out.size() - at) + " octets of data");
  auto desc = find_desc(type);
  if (!desc.empty() && !valid_with_desc(desc, {out.data() + at, out.size() - at}))
    return fail("generic rdata is not valid " + type_to_text(type) + " data");
  return {};
}

// --- wire -> text ---

void append_name_text(const uint8_t* p, std::string& out) { out += Name::from_wire(p).to_text(); }

// Escapes a value for the unquoted "key=value" form of SvcParams: like a
// quoted body, plus the characters that would end or split a token.
void append_unquoted(std::span<const uint8_t> data, std::string& out) {
  for (uint8_t c : data) {
    if (c == ' ' || c == ';' || c == '(' || c == ')') {
      char esc[5];
      snprintf(esc, sizeof esc, "\\%03u", c);
      out.append(esc);
    } else {
      append_quoted_body({&c, 1}, out);
    }
  }
}

void append_svc_params(const uint8_t* p, const uint8_t* end, std::string& out) {
  while (p < end) {
    uint16_t key = load_u16(p), len = load_u16(p + 2);
    const uint8_t* v = p + 4;
    p = v + len;
    out.push_back(' ');
    append_svc_key(key, out);
    switch (key) {
      case kSvcMandatory:
        out.push_back('=');
        for (size_t i = 0; i < len; i += 2) {
          if (i) out.push_back(',');
          append_svc_key(load_u16(v + i), out);
        }
        break;
      case kSvcAlpn: {
        // Value-list escaping (RFC 9460 A.1) then char-string escaping.
        out.push_back('=');
        std::vector<uint8_t> list;
        for (size_t i = 0; i < len; i += 1 + v[i]) {
          if (i) list.push_back(',');
          for (size_t j = 0; j < v[i]; ++j) {
            uint8_t c = v[i + 1 + j];
            if (c == ',' || c == '\\') list.push_back('\\');
            list.push_back(c);
          }
        }
        append_unquoted(list, out);
        break;
      }
      case kSvcNoDefaultAlpn:
      case kSvcOhttp:
        break;
      case kSvcPort:
        out.push_back('=');
        out += std::to_string(load_u16(v));
        break;
      case kSvcIpv4Hint:
      case kSvcIpv6Hint: {
        out.push_back('=');
        const bool v4 = key == kSvcIpv4Hint;
        const size_t alen = v4 ? 4 : 16;
        for (size_t i = 0; i < len; i += alen) {
          if (i) out.push_back(',');
          char buf[INET6_ADDRSTRLEN];
          inet_ntop(v4 ? AF_INET : AF_INET6, v + i, buf, sizeof buf);
          out += buf;
        }
        break;
      }
      case kSvcEch:
        out.push_back('=');
        util::base64_encode({v, len}, out);
        break;
      case kSvcDohPath:
        out.push_back('=');
        append_unquoted({v, len}, out);
        break;
      default:
        // Unknown keys: the value as a quoted char-string, nothing when empty
        // (as kdig prints them).
        if (len) {
          out += "=\"";
          append_quoted_body({v, len}, out);
          out.push_back('"');
        }
        break;
    }
  }
}

void append_bitmap(const uint8_t* p, const uint8_t* end, std::string& out) {
  while (p < end) {
    unsigned win = p[0], len = p[1];
    for (unsigned i = 0; i < len; ++i)
      for (unsigned b = 0; b < 8; ++b)
        if (p[2 + i] & (0x80 >> b)) {
          out.push_back(' ');
          out += type_to_text(static_cast<uint16_t>(win << 8 | (i * 8 + b)));
        }
    p += 2 + len;
  }
}

void append_generic(std::span<const uint8_t> rdata, std::string& out) {
  out += "\\# " + std::to_string(rdata.size());
  if (!rdata.empty()) {
    out.push_back(' ');
    util::hex_encode(rdata, out);
  }
}

// Formats valid rdata; false if some field has no presentation form (an empty
// base64 or hex field), in which case the caller uses the generic form.
bool format_with_desc(std::span<const Field> desc, std::span<const uint8_t> rdata,
                      std::string& out) {
  const uint8_t* p = rdata.data();
  const uint8_t* end = p + rdata.size();
  bool first = true;
  for (const Field& f : desc) {
    size_t n = static_cast<size_t>(field_size(f.kind, p, end));
    // Fields that print nothing when empty do not get a separator either.
    if (!first && f.kind != F::kBitmap && f.kind != F::kSvcParams) out.push_back(' ');
    first = false;
    switch (f.kind) {
      case F::kU8:
      case F::kAlg:
        out += std::to_string(p[0]);
        break;
      case F::kU16:
        out += std::to_string(load_u16(p));
        break;
      case F::kU32:
      case F::kPeriod:
        out += std::to_string(load_u32(p));
        break;
      case F::kTime:
        append_time(load_u32(p), out);
        break;
      case F::kType:
        out += type_to_text(load_u16(p));
        break;
      case F::kIPv4:
      case F::kIPv6: {
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(f.kind == F::kIPv4 ? AF_INET : AF_INET6, p, buf, sizeof buf);
        out += buf;
        break;
      }
      case F::kCName:
      case F::kName:
        append_name_text(p, out);
        break;
      case F::kStr:
        out.push_back('"');
        append_quoted_body({p + 1, p[0]}, out);
        out.push_back('"');
        break;
      case F::kStrs:
        for (size_t i = 0; i < n; i += 1 + p[i]) {
          if (i) out.push_back(' ');
          out.push_back('"');
          append_quoted_body({p + i + 1, p[i]}, out);
          out.push_back('"');
        }
        break;
      case F::kB64:
        if (n == 0) return false;
        util::base64_encode({p, n}, out);
        break;
      case F::kHex:
        if (n == 0) return false;
        util::hex_encode({p, n}, out);
        break;
      case F::kSalt:
        if (p[0] == 0)
          out.push_back('-');
        else
          util::hex_encode({p + 1, p[0]}, out);
        break;
      case F::kHash:
        util::base32hex_encode({p + 1, p[0]}, out);
        break;
      case F::kBitmap:
        append_bitmap(p, p + n, out);
        break;
      case F::kCaaTag:
        out.append(reinterpret_cast<const char*>(p + 1), p[0]);
        break;
      case F::kRestStr:
        out.push_back('"');
        append_quoted_body({p, n}, out);
        out.push_back('"');
        break;
      case F::kEui48:
      case F::kEui64: {
        for (size_t i = 0; i < n; ++i) {
          char buf[4];
          snprintf(buf, sizeof buf, i ? "-%02X" : "%02X", p[i]);  // kdig prints upper case
          out += buf;
        }
        break;
      }
      case F::kSvcParams:
        append_svc_params(p, p + n, out);
        break;
    }
    p += n;
  }
  return true;
}

}  // namespace

namespace {

// Fast path for the most common record of all: "A 192.0.2.1" as four plain
// decimal octets. Anything else (or anything odd) takes the general path,
// which also produces the error messages.
bool ipv4_fast(std::string_view t, uint8_t out[4]) {
  size_t i = 0;
  for (int k = 0; k < 4; ++k) {
    if (k > 0) {
      if (i >= t.size() || t[i] != '.') return false;
      ++i;
    }
    unsigned v = 0;
    size_t digits = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9' && digits < 3) {
      v = v * 10 + static_cast<unsigned>(t[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || v > 255 || (digits > 1 && t[i - digits] == '0')) return false;
    out[k] = static_cast<uint8_t>(v);
  }
  return i == t.size();
}

}  // namespace

Result<void, std::string> rdata_from_text(uint16_t type, std::span<const TextToken> tokens,
                                          const Name& origin, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  uint8_t a[4];
  if (type == rrtype::kA && tokens.size() == 1 && !tokens[0].quoted && ipv4_fast(tokens[0].text, a)) {
    out.resize(start + 4);
    memcpy(out.data() + start, a, 4);
    return {};
  }
  Result<void, std::string> r;
  if (!tokens.empty() && !tokens[0].quoted && tokens[0].text == "\\#") {
    r = generic_from_text(type, tokens, out);
  } else {
    auto desc = find_desc(type);
    if (desc.empty()) {
      r = fail("type " + type_to_text(type) +
               " is only supported in the RFC 3597 generic form '\\# length hex'");
    } else {
      r = TextReader(type, tokens, origin, out).run(desc);
    }
  }
  if (r && out.size() - start > 65535) r = fail("rdata longer than 65535 octets");
  if (!r) out.resize(start);
  return r;
}

std::string rdata_to_text(uint16_t type, std::span<const uint8_t> rdata) {
  std::string out;
  auto desc = find_desc(type);
  if (!desc.empty() && valid_with_desc(desc, rdata)) {
    if (format_with_desc(desc, rdata, out)) return out;
    out.clear();
  }
  append_generic(rdata, out);
  return out;
}

Result<void> rdata_from_wire(uint16_t type, const uint8_t* msg, size_t msg_size, size_t pos,
                             uint16_t rdlen, std::vector<uint8_t>& out) {
  if (pos > msg_size || rdlen > msg_size - pos) return fail(Errc::kTruncated);
  const size_t end = pos + rdlen;
  const size_t start = out.size();
  // Fast path for the bulk of a zone transfer: fixed-size addresses.
  if (type == rrtype::kA || type == rrtype::kAAAA) {
    if (rdlen != (type == rrtype::kA ? 4 : 16)) return fail(Errc::kMalformed);
    out.insert(out.end(), msg + pos, msg + end);
    return {};
  }
  auto desc = find_desc(type);
  if (desc.empty()) {  // opaque to us: any octets (RFC 3597 4)
    out.insert(out.end(), msg + pos, msg + end);
    return {};
  }
  Errc err = Errc::kMalformed;
  bool ok = true;
  for (const Field& f : desc) {
    if (f.kind == F::kCName) {
      // Names of the RFC 1035 types (and those RFC 3597 4 says to accept
      // compressed) may point anywhere earlier in the message.
      uint8_t buf[kMaxNameWire];
      size_t p = pos;
      auto n = read_name(msg, msg_size, p, buf);
      if (!n || p > end) {
        ok = false;
        err = n ? Errc::kMalformed : n.error();
        break;
      }
      out.insert(out.end(), buf, buf + *n);
      pos = p;
      continue;
    }
    ptrdiff_t n = field_size(f.kind, msg + pos, msg + end);
    if (n < 0) {
      ok = false;
      // A name pointer where compression is not allowed, or a short field.
      break;
    }
    out.insert(out.end(), msg + pos, msg + pos + n);
    pos += static_cast<size_t>(n);
  }
  if (ok && pos != end) ok = false;
  if (ok && !valid_with_desc(desc, {out.data() + start, out.size() - start})) ok = false;
  if (!ok) {
    out.resize(start);
    return fail(err);
  }
  return {};
}

bool rdata_is_valid(uint16_t type, std::span<const uint8_t> rdata) {
  auto desc = find_desc(type);
  return desc.empty() || valid_with_desc(desc, rdata);
}

}  // namespace tandem::dns
