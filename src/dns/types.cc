#include "dns/types.h"

#include <cstring>
#include <strings.h>

namespace tandem::dns {
namespace {

struct TypeName {
  uint16_t type;
  const char* name;
};

constexpr TypeName kTypeNames[] = {
    {1, "A"},         {2, "NS"},        {3, "MD"},          {4, "MF"},      {5, "CNAME"},
    {6, "SOA"},       {7, "MB"},        {8, "MG"},          {9, "MR"},      {10, "NULL"},
    {11, "WKS"},      {12, "PTR"},      {13, "HINFO"},      {14, "MINFO"},  {15, "MX"},
    {16, "TXT"},      {17, "RP"},       {18, "AFSDB"},      {24, "SIG"},    {25, "KEY"},
    {28, "AAAA"},     {29, "LOC"},      {33, "SRV"},        {35, "NAPTR"},  {36, "KX"},
    {37, "CERT"},     {39, "DNAME"},    {41, "OPT"},        {42, "APL"},    {43, "DS"},
    {44, "SSHFP"},    {45, "IPSECKEY"}, {46, "RRSIG"},      {47, "NSEC"},   {48, "DNSKEY"},
    {49, "DHCID"},    {50, "NSEC3"},    {51, "NSEC3PARAM"}, {52, "TLSA"},   {53, "SMIMEA"},
    {55, "HIP"},      {59, "CDS"},      {60, "CDNSKEY"},    {61, "OPENPGPKEY"}, {62, "CSYNC"},
    {63, "ZONEMD"},   {64, "SVCB"},     {65, "HTTPS"},      {99, "SPF"},    {108, "EUI48"},
    {109, "EUI64"},   {249, "TKEY"},    {250, "TSIG"},      {251, "IXFR"},  {252, "AXFR"},
    {253, "MAILB"},   {254, "MAILA"},   {255, "ANY"},       {256, "URI"},   {257, "CAA"},
};

std::optional<uint16_t> parse_number_suffix(std::string_view text, size_t prefix) {
  if (text.size() <= prefix || text.size() > prefix + 5) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = prefix; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<uint32_t>(text[i] - '0');
  }
  if (v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

bool iequals(std::string_view a, const char* b) {
  return a.size() == strlen(b) && strncasecmp(a.data(), b, a.size()) == 0;
}

}  // namespace

std::string type_to_text(uint16_t type) {
  for (const auto& t : kTypeNames)
    if (t.type == type) return t.name;
  return "TYPE" + std::to_string(type);
}

std::optional<uint16_t> type_from_text(std::string_view text) {
  for (const auto& t : kTypeNames)
    if (iequals(text, t.name)) return t.type;
  if (text.size() > 4 && strncasecmp(text.data(), "TYPE", 4) == 0) return parse_number_suffix(text, 4);
  return std::nullopt;
}

std::string class_to_text(uint16_t cls) {
  switch (cls) {
    case rrclass::kIN: return "IN";
    case rrclass::kCH: return "CH";
    case rrclass::kHS: return "HS";
    case rrclass::kNONE: return "NONE";
    case rrclass::kANY: return "ANY";
  }
  return "CLASS" + std::to_string(cls);
}

std::optional<uint16_t> class_from_text(std::string_view text) {
  if (iequals(text, "IN")) return rrclass::kIN;
  if (iequals(text, "CH") || iequals(text, "CHAOS")) return rrclass::kCH;
  if (iequals(text, "HS")) return rrclass::kHS;
  if (iequals(text, "NONE")) return rrclass::kNONE;
  if (iequals(text, "ANY")) return rrclass::kANY;
  if (text.size() > 5 && strncasecmp(text.data(), "CLASS", 5) == 0) return parse_number_suffix(text, 5);
  return std::nullopt;
}

std::string rcode_to_text(uint16_t rc) {
  static const char* names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rc < sizeof names / sizeof names[0]) return names[rc];
  if (rc == 16) return "BADVERS";
  return "RCODE" + std::to_string(rc);
}

}  // namespace tandem::dns
