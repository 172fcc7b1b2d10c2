// Rdata codecs: every type round-trips text -> wire -> text, against wire
// bytes from dnspython and presentation strings as kdig (Knot 3.2) prints
// them; plus compression on input (RFC 3597 4), the RFC 3597 generic form,
// validation, and the error messages.
#include "dns/rdata.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/types.h"

namespace tandem::dns {
namespace {

// Splits rdata text into tokens the way the zone file reader does (without
// comments and parentheses): quoted strings lose their quotes, a quote inside
// a token is kept with what it encloses, backslash escapes stay in the text.
std::vector<TextToken> tokenize(std::string_view s) {
  std::vector<TextToken> out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '\t') {
      ++i;
      continue;
    }
    if (s[i] == '"') {
      size_t b = ++i;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      out.push_back({s.substr(b, i - b), true});
      ++i;
      continue;
    }
    size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') {
      if (s[i] == '\\') {
        i += 2;
      } else if (s[i] == '"') {
        ++i;
        while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
        ++i;
      } else {
        ++i;
      }
    }
    out.push_back({s.substr(b, std::min(i, s.size()) - b), false});
  }
  return out;
}

std::vector<uint8_t> unhex(std::string_view h) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string hex(std::span<const uint8_t> b) {
  std::string s;
  char buf[3];
  for (uint8_t c : b) {
    snprintf(buf, sizeof buf, "%02x", c);
    s += buf;
  }
  return s;
}

const Name& origin() {
  static const Name n = *Name::parse_absolute("example.");
  return n;
}

uint16_t type_of(const char* mnemonic) { return *type_from_text(mnemonic); }

// Parses text as rdata of `type`; returns the wire form or the error.
Result<std::vector<uint8_t>, std::string> from_text(uint16_t type, std::string_view text) {
  std::vector<uint8_t> out;
  auto toks = tokenize(text);
  auto r = rdata_from_text(type, toks, origin(), out);
  if (!r) return tl::unexpected(r.error());
  return out;
}

std::string error_of(const char* type, std::string_view text) {
  auto r = from_text(type_of(type), text);
  return r ? "(no error)" : r.error();
}

struct Case {
  const char* type;
  const char* input;
  const char* text;  // expected presentation
  const char* wire;  // expected wire form, hex
};

const Case kCases[] = {
    {"A", "192.0.2.1", "192.0.2.1", "c0000201"},
    {"A", "0.0.0.0", "0.0.0.0", "00000000"},
    {"AAAA", "2001:db8::1", "2001:db8::1", "20010db8000000000000000000000001"},
    {"AAAA", "::ffff:1.2.3.4", "::ffff:1.2.3.4", "00000000000000000000ffff01020304"},
    {"AAAA", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1",
     "20010db8000000000000000000000001"},
    {"NS", "ns1.example.", "ns1.example.", "036e7331076578616d706c6500"},
    {"NS", "ns1", "ns1.example.", "036e7331076578616d706c6500"},
    {"CNAME", "@", "example.", "076578616d706c6500"},
    {"CNAME", "a\\.b.Example.", "a\\.b.Example.", "03612e62074578616d706c6500"},
    {"PTR", "host.example.", "host.example.", "04686f7374076578616d706c6500"},
    {"MB", "mb", "mb.example.", "026d62076578616d706c6500"},
    {"MG", "mg.example.", "mg.example.", "026d67076578616d706c6500"},
    {"MR", "mr.example.", "mr.example.", "026d72076578616d706c6500"},
    {"SOA", "ns1 hostmaster 2024010101 1h 30m 2w 1d",
     "ns1.example. hostmaster.example. 2024010101 3600 1800 1209600 86400",
     "036e7331076578616d706c65000a686f73746d6173746572076578616d706c650078a3"
     "f17500000e10000007080012750000015180"},
    {"SOA", "ns1.example. hostmaster.example. 4294967295 7200 3600 1209600 300",
     "ns1.example. hostmaster.example. 4294967295 7200 3600 1209600 300",
     "036e7331076578616d706c65000a686f73746d6173746572076578616d706c6500ffff"
     "ffff00001c2000000e10001275000000012c"},
    {"MX", "10 mx", "10 mx.example.", "000a026d78076578616d706c6500"},
    {"MX", "0 .", "0 .", "000000"},
    {"TXT", "\"hello world\" unquoted \"a\\\"b\\\\c\" \"\"",
     "\"hello world\" \"unquoted\" \"a\\\"b\\\\c\" \"\"",
     "0b68656c6c6f20776f726c6408756e71756f746564056122625c6300"},
    {"TXT", "\"\\010\\255~\" \"tab\\009\"", "\"\\010\\255~\" \"tab\\009\"", "030aff7e0474616209"},
    {"TXT", "a\\032b \\\"", "\"a b\" \"\\\"\"", "036120620122"},
    {"SPF", "\"v=spf1 -all\"", "\"v=spf1 -all\"", "0b763d73706631202d616c6c"},
    {"HINFO", "\"PC\" \"Linux 6\"", "\"PC\" \"Linux 6\"", "025043074c696e75782036"},
    {"HINFO", "PC Linux", "\"PC\" \"Linux\"", "025043054c696e7578"},
    {"MINFO", "a b.example.", "a.example. b.example.",
     "0161076578616d706c65000162076578616d706c6500"},
    {"RP", "mbox.example. txt", "mbox.example. txt.example.",
     "046d626f78076578616d706c650003747874076578616d706c6500"},
    {"AFSDB", "1 a", "1 a.example.", "00010161076578616d706c6500"},
    {"KX", "10 kx.example.", "10 kx.example.", "000a026b78076578616d706c6500"},
    {"SRV", "0 5 5060 sip", "0 5 5060 sip.example.", "0000000513c403736970076578616d706c6500"},
    {"SRV", "65535 65535 65535 .", "65535 65535 65535 .", "ffffffffffff00"},
    {"NAPTR", "100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:x@example.com!\" _sip._udp",
     "100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:x@example.com!\" _sip._udp.example.",
     "0064000a0153075349502b44325518215e2e2a24217369703a78406578616d706c652e"
     "636f6d21045f736970045f756470076578616d706c6500"},
    {"NAPTR", "100 50 \"a\" \"z3950+N2L+N2C\" \"\" cidserver.example.com.",
     "100 50 \"a\" \"z3950+N2L+N2C\" \"\" cidserver.example.com.",
     "0064003201610d7a333935302b4e324c2b4e3243000963696473657276657207657861"
     "6d706c6503636f6d00"},
    {"DNAME", "target.example.org.", "target.example.org.",
     "06746172676574076578616d706c65036f726700"},
    {"DS",
     "12345 8 2 49fd46e6c4b45c55d4ac69cbd3cd34ac 1afe51de49fd46e6c4b45c55d4a"
     "c69cb",
     "12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE49FD46E6C4B45C55D4AC"
     "69CB",
     "3039080249fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de49fd46e6c4b45c55d4ac69"
     "cb"},
    {"DS", "60485 RSASHA1 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
     "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
     "ec4505012bb183af5f22588179a53b0a98631fad1a292118"},
    {"CDS", "0 0 0 00", "0 0 0 00", "0000000000"},
    {"DNSKEY",
     "257 3 8 AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjF FVQUT"
     "f6v58fLjwBd0YI0EzrAcQqBGCzh/RStIoO8g0NfnfL2MTJRkxoX bfDaUeVPQuYEhg37NZ"
     "WAJQ9VnMVDxP/VHL496M/QZxkjf5/Efucp2gaD X6RS6CXpoY68LsvPVjR0ZSwzz1apAzv"
     "N9dlzEheX7ICJBBtuA6G3LQpz W5hOA2hzCTMjJPJ8LbqF6dsV6DoBQzgul0sGIcGOYl7O"
     "yQdXfZ57relS Qageu+ipAdTTJ25AsRTAoub8ONGcLmqrAmRLKBP1dfwhYB4N7knNnulq "
     "QxA+Uk1ihz0=",
     "257 3 8 AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjFFVQUTf"
     "6v58fLjwBd0YI0EzrAcQqBGCzh/RStIoO8g0NfnfL2MTJRkxoXbfDaUeVPQuYEhg37NZWA"
     "JQ9VnMVDxP/VHL496M/QZxkjf5/Efucp2gaDX6RS6CXpoY68LsvPVjR0ZSwzz1apAzvN9d"
     "lzEheX7ICJBBtuA6G3LQpzW5hOA2hzCTMjJPJ8LbqF6dsV6DoBQzgul0sGIcGOYl7OyQdX"
     "fZ57relSQageu+ipAdTTJ25AsRTAoub8ONGcLmqrAmRLKBP1dfwhYB4N7knNnulqQxA+Uk"
     "1ihz0=",
     "0101030803010001a80020a95566ba42e886bb804cda84e47ef56dbd7aec612615552c"
     "ec906d2116d0ef207028c51554144dfeafe7c7cb8f005dd18234133ac0710a81182ce1"
     "fd14ad2283bc83435f9df2f6313251931a176df0da51e54f42e604860dfb359580250f"
     "559cc543c4ffd51cbe3de8cfd06719237f9fc47ee729da06835fa452e825e9a18ebc2e"
     "cbcf563474652c33cf56a9033bcdf5d973121797ec8089041b6e03a1b72d0a735b984e"
     "03687309332324f27c2dba85e9db15e83a0143382e974b0621c18e625ecec907577d9e"
     "7bade95241a81ebbe8a901d4d3276e40b114c0a2e6fc38d19c2e6aab02644b2813f575"
     "fc21601e0dee49cd9ee96a43103e524d62873d"},
    {"DNSKEY",
     "256 3 ECDSAP256SHA256 oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD"
     "5ar0IRd8 KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA==",
     "256 3 13 oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXXF"
     "JkqmVfRvMGPmM1x8fGAa2XhSA==",
     "0100030da09311112cf9138818cd2feae970ebbd4d6a30f6088c25b325a39abbc5cd11"
     "97aa098283e5aaf421177c2aa5d714992a9957d1bcc18f98cd71f1f1806b65e148"},
    {"CDNSKEY", "0 3 0 AA==", "0 3 0 AA==", "0000030000"},
    {"KEY",
     "256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31"
     "GajIQKY+5CptLr3buXA10hWqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJB"
     "OztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w==",
     "256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31"
     "GajIQKY+5CptLr3buXA10hWqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJB"
     "OztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w==",
     "010003050103d22a6ca77f35b893206fd35e4c506d8378843709b97e041647e1bff43d"
     "8d64c649af1e371973c9e891fce3df519a8c840a63ee42a6d2ebddbb97035d215aa4e4"
     "17b1fa45fa11a9741ea2098c1dfa5fb5feb332fd4bc8152089aef36ba644cce2413b3b"
     "72be18cbef8da253f4e93d2103866d9234a2e28df529a67d5468dbefe3"},
    {"RRSIG",
     "A 8 2 3600 20240101000000 20231201000000 12345 example. AwEAAagAIKlVZr"
     "pC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjF",
     "A 8 2 3600 20240101000000 20231201000000 12345 example. AwEAAagAIKlVZr"
     "pC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjF",
     "0001080200000e1065920080656922003039076578616d706c650003010001a80020a9"
     "5566ba42e886bb804cda84e47ef56dbd7aec612615552cec906d2116d0ef207028c5"},
    {"RRSIG", "TYPE1234 ECDSAP256SHA256 2 1h 1700000000 1 12345 example. AwEA AQ==",
     "TYPE1234 13 2 3600 20231114221320 19700101000001 12345 example. AwEAAQ"
     "==",
     "04d20d0200000e106553f100000000013039076578616d706c650003010001"},
    {"RRSIG", "NSEC3PARAM 8 0 0 21060207062815 19700101000000 0 . AA==",
     "NSEC3PARAM 8 0 0 21060207062815 19700101000000 0 . AA==",
     "0033080000000000ffffffff0000000000000000"},
    {"SIG", "A 8 2 3600 20240101000000 20231201000000 12345 example. AA==",
     "A 8 2 3600 20240101000000 20231201000000 12345 example. AA==",
     "0001080200000e1065920080656922003039076578616d706c650000"},
    {"NSEC", "host.example. A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY TYPE1234 CAA",
     "host.example. A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY CAA TYPE1234",
     "04686f7374076578616d706c6500000762018008000380010140041b00000000000000"
     "0000000000000000000000000000000000000020"},
    {"NSEC", "next.example. NS A NS", "next.example. A NS", "046e657874076578616d706c6500000160"},
    {"NSEC", "next.example.", "next.example.", "046e657874076578616d706c6500"},
    {"NSEC3", "1 1 12 aabbccdd 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG",
     "1 1 12 AABBCCDD 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG",
     "0101000c04aabbccdd1417f3df17b2b2adaef615257de4d2020b80ac6c7c0006400000"
     "000002"},
    {"NSEC3", "1 0 0 - 2vptu5timamqttgl4luu9kg21e0aor3s",
     "1 0 0 - 2vptu5timamqttgl4luu9kg21e0aor3s",
     "01000000001417f3df17b2b2adaef615257de4d2020b80ac6c7c"},
    {"NSEC3PARAM", "1 0 10 AABBCCDD", "1 0 10 AABBCCDD", "0100000a04aabbccdd"},
    {"NSEC3PARAM", "1 0 0 -", "1 0 0 -", "0100000000"},
    {"TLSA", "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6",
     "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6",
     "0301010c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6"},
    {"SMIMEA", "3 1 1 0c72ac70", "3 1 1 0C72AC70", "0301010c72ac70"},
    {"SSHFP", "1 1 123456789abcdef67890123456789abcdef67890",
     "1 1 123456789ABCDEF67890123456789ABCDEF67890",
     "0101123456789abcdef67890123456789abcdef67890"},
    {"CAA", "0 issue \"letsencrypt.org\"", "0 issue \"letsencrypt.org\"",
     "000569737375656c657473656e63727970742e6f7267"},
    {"CAA", "128 tbs \"Unknown; \\\"x\"", "128 tbs \"Unknown; \\\"x\"",
     "8003746273556e6b6e6f776e3b202278"},
    {"CAA", "0 issue \"\"", "0 issue \"\"", "00056973737565"},
    {"CAA", "0 iodef mailto:x@example.com", "0 iodef \"mailto:x@example.com\"",
     "0005696f6465666d61696c746f3a78406578616d706c652e636f6d"},
    {"URI", "10 1 \"https://example.com/\"", "10 1 \"https://example.com/\"",
     "000a000168747470733a2f2f6578616d706c652e636f6d2f"},
    {"EUI48", "00-11-22-33-44-55", "00-11-22-33-44-55", "001122334455"},
    {"EUI48", "aa-bb-cc-dd-ee-ff", "AA-BB-CC-DD-EE-FF", "aabbccddeeff"},
    {"EUI64", "00-11-22-33-44-55-66-77", "00-11-22-33-44-55-66-77", "0011223344556677"},
    {"OPENPGPKEY", "AwEAAQ==", "AwEAAQ==", "03010001"},
    {"DHCID", "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
     "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
     "000201636fc0b8271c82825bb1ac5c41cf5351aa69b4febd94e8f17cdb95000da48c40"},
    {"CSYNC", "66 3 A NS AAAA", "66 3 A NS AAAA", "000000420003000460000008"},
    {"ZONEMD",
     "2024010101 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56"
     "664C5D3D60C72AC70B745AC19998811B131D662C9",
     "2024010101 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56"
     "664C5D3D60C72AC70B745AC19998811B131D662C9",
     "78a3f17501010c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664"
     "c5d3d60c72ac70b745ac19998811b131d662c9"},
    {"SVCB", "0 foo.example.", "0 foo.example.", "000003666f6f076578616d706c6500"},
    {"SVCB", "1 . alpn=h2,h3 port=8443", "1 . alpn=h2,h3 port=8443",
     "000100000100060268320268330003000220fb"},
    {"SVCB",
     "1 . port=8443 ipv6hint=2001:db8::1,::1 mandatory=ipv6hint,port ipv4hin"
     "t=192.0.2.1,192.0.2.2 no-default-alpn alpn=h2",
     "1 . mandatory=port,ipv6hint alpn=h2 no-default-alpn port=8443 ipv4hint"
     "=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1,::1",
     "000100000000040003000600010003026832000200000003000220fb00040008c00002"
     "01c00002020006002020010db800000000000000000000000100000000000000000000"
     "000000000001"},
    {"SVCB",
     "16 foo.example.org. ech=AEj+DQBEAQAgACAdd+scUi0IYFsXnUIU7ko2Nd9+F8M26p"
     "AGZVpz/KrWPgAEAAEAAWQVZWNoLXNpdGVzLmV4YW1wbGUubmV0AAA=",
     "16 foo.example.org. ech=AEj+DQBEAQAgACAdd+scUi0IYFsXnUIU7ko2Nd9+F8M26p"
     "AGZVpz/KrWPgAEAAEAAWQVZWNoLXNpdGVzLmV4YW1wbGUubmV0AAA=",
     "001003666f6f076578616d706c65036f7267000005004a0048fe0d004401002000201d"
     "77eb1c522d08605b179d4214ee4a3635df7e17c336ea9006655a73fcaad63e00040001"
     "000164156563682d73697465732e6578616d706c652e6e65740000"},
    {"SVCB", "1 foo.example.com. key667=\"hello\"", "1 foo.example.com. key667=\"hello\"",
     "000103666f6f076578616d706c6503636f6d00029b000568656c6c6f"},
    {"SVCB", "1 foo.example.com. key667=\"hello\\210qoo\"",
     "1 foo.example.com. key667=\"hello\\210qoo\"",
     "000103666f6f076578616d706c6503636f6d00029b000968656c6c6fd2716f6f"},
    {"HTTPS", "1 . alpn=\"h2,h\\\\,3\" key65001 key65002=\"a b\"",
     "1 . alpn=h2,h\\\\,3 key65001 key65002=\"a b\"",
     "0001000001000702683203682c33fde90000fdea0003612062"},
    {"HTTPS", "1 . key1=\\002h2 key3=\\000\\080", "1 . alpn=h2 port=80",
     "00010000010003026832000300020050"},
    {"HTTPS", "1 . alpn=f\\\\\\\\oo\\\\,bar,h2", "1 . alpn=f\\\\\\\\oo\\\\,bar,h2",
     "0001000001000c08665c6f6f2c626172026832"},
};

class RoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(RoundTrip, TextWireText) {
  const Case& c = GetParam();
  const uint16_t type = type_of(c.type);
  auto wire = from_text(type, c.input);
  ASSERT_TRUE(wire) << c.type << " " << c.input << ": " << wire.error();
  EXPECT_EQ(hex(*wire), c.wire) << c.type << " " << c.input;
  EXPECT_TRUE(rdata_is_valid(type, *wire));
  EXPECT_EQ(rdata_to_text(type, *wire), c.text);
  // The printed form parses back to the same bytes.
  auto again = from_text(type, c.text);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(*again, *wire);
}

TEST_P(RoundTrip, GenericFormOfKnownType) {
  const Case& c = GetParam();
  const uint16_t type = type_of(c.type);
  std::vector<uint8_t> bytes = unhex(c.wire);
  std::string generic = "\\# " + std::to_string(bytes.size()) + " " + c.wire;
  auto wire = from_text(type, generic);
  ASSERT_TRUE(wire) << wire.error();
  EXPECT_EQ(*wire, bytes);
}

TEST_P(RoundTrip, FromWireInMessage) {
  const Case& c = GetParam();
  const uint16_t type = type_of(c.type);
  std::vector<uint8_t> bytes = unhex(c.wire);
  std::vector<uint8_t> msg(12, 0);  // a header, then the rdata
  msg.insert(msg.end(), bytes.begin(), bytes.end());
  msg.push_back(0xFF);                // bytes after the rdata must not be read as part of it
  std::vector<uint8_t> out = {0xAA};  // rdata_from_wire appends
  ASSERT_TRUE(
      rdata_from_wire(type, msg.data(), msg.size(), 12, static_cast<uint16_t>(bytes.size()), out));
  EXPECT_EQ(out.size(), bytes.size() + 1);
  EXPECT_EQ(std::vector<uint8_t>(out.begin() + 1, out.end()), bytes);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RoundTrip, ::testing::ValuesIn(kCases));

// --- RFC 3597 4: names in rdata arriving compressed ---

// A message whose question name "example." sits at offset 12, followed by
// the given rdata at offset 29 (after QTYPE/QCLASS and 4 filler octets).
struct Msg {
  std::vector<uint8_t> bytes;
  size_t rdata_at = 0;
};
Msg message_with_rdata(const std::vector<uint8_t>& rdata) {
  Msg m;
  m.bytes.assign(12, 0);
  const uint8_t q[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1, 0, 0, 0, 0};
  m.bytes.insert(m.bytes.end(), q, q + sizeof q);
  m.rdata_at = m.bytes.size();
  m.bytes.insert(m.bytes.end(), rdata.begin(), rdata.end());
  return m;
}

Result<std::string> decompress(const char* type, const std::vector<uint8_t>& rdata) {
  Msg m = message_with_rdata(rdata);
  std::vector<uint8_t> out;
  auto r = rdata_from_wire(type_of(type), m.bytes.data(), m.bytes.size(), m.rdata_at,
                           static_cast<uint16_t>(rdata.size()), out);
  if (!r) return tl::unexpected(r.error());
  return rdata_to_text(type_of(type), out);
}

TEST(RdataFromWire, DecompressesRfc1035Types) {
  // MX 10 mx.<pointer to example.>
  EXPECT_EQ(*decompress("MX", {0, 10, 2, 'm', 'x', 0xC0, 12}), "10 mx.example.");
  EXPECT_EQ(*decompress("NS", {0xC0, 12}), "example.");
  EXPECT_EQ(*decompress("CNAME", {3, 'w', 'w', 'w', 0xC0, 12}), "www.example.");
  EXPECT_EQ(*decompress("PTR", {0xC0, 12}), "example.");
  EXPECT_EQ(*decompress("SOA", {2, 'n', 's', 0xC0, 12, 0xC0, 12, 0, 0, 0, 1, 0, 0, 0,
                                2, 0,   0,   0,    3,  0,    0,  0, 4, 0, 0, 0, 5}),
            "ns.example. example. 1 2 3 4 5");
  EXPECT_EQ(*decompress("MINFO", {0xC0, 12, 1, 'a', 0xC0, 12}), "example. a.example.");
}

TEST(RdataFromWire, DecompressesTypesRfc3597SaysToAccept) {
  // SRV, NAPTR, RP, AFSDB: RFC 3597 4 "SHOULD also decompress".
  EXPECT_EQ(*decompress("SRV", {0, 1, 0, 2, 0, 3, 0xC0, 12}), "1 2 3 example.");
  EXPECT_EQ(*decompress("AFSDB", {0, 1, 0xC0, 12}), "1 example.");
}

TEST(RdataFromWire, RejectsCompressionInNewerTypes) {
  EXPECT_FALSE(decompress("DNAME", {0xC0, 12}));  // RFC 6672 2.1
  EXPECT_FALSE(decompress("KX", {0, 1, 0xC0, 12}));
  EXPECT_FALSE(decompress("NSEC", {0xC0, 12, 0, 1, 0x40}));  // RFC 4034 4.1.1
  EXPECT_FALSE(decompress("SVCB", {0, 1, 0xC0, 12}));        // RFC 9460 2.2
  std::vector<uint8_t> rrsig = {0, 1, 8, 2, 0, 0, 0, 60,   0,  0,   0,
                                2, 0, 0, 0, 1, 0, 7, 0xC0, 12, 0xAB};
  EXPECT_FALSE(decompress("RRSIG", rrsig));
  rrsig[18] = 0;  // signer "." instead of the pointer
  rrsig.erase(rrsig.begin() + 19);
  EXPECT_EQ(*decompress("RRSIG", rrsig), "A 8 2 60 19700101000002 19700101000001 7 . qw==");
}

TEST(RdataFromWire, RejectsBadPointersAndOverruns) {
  // A pointer to itself / forward.
  EXPECT_EQ(decompress("NS", {0xC0, 29}).error(), Errc::kBadPointer);
  EXPECT_EQ(decompress("NS", {0xC0, 40}).error(), Errc::kBadPointer);
  // The name runs past rdlen into the next octets of the message.
  Msg m = message_with_rdata({0, 10, 2, 'm', 'x', 0});
  std::vector<uint8_t> out;
  EXPECT_FALSE(rdata_from_wire(rrtype::kMX, m.bytes.data(), m.bytes.size(), m.rdata_at, 5, out));
  EXPECT_TRUE(out.empty());
  // rdlen beyond the message.
  EXPECT_EQ(
      rdata_from_wire(rrtype::kA, m.bytes.data(), m.bytes.size(), m.rdata_at, 100, out).error(),
      Errc::kTruncated);
  // Trailing octets after the last field.
  EXPECT_FALSE(decompress("NS", {0xC0, 12, 0}));
  EXPECT_FALSE(decompress("A", {1, 2, 3, 4, 5}));
}

TEST(RdataFromWire, UnknownTypesAreOpaque) {
  EXPECT_EQ(*decompress("TYPE65534", {0xC0, 12, 0xFF}), "\\# 3 C00CFF");
  EXPECT_EQ(*decompress("TYPE65534", {}), "\\# 0");
}

TEST(RdataFromWire, AppendsAndLeavesOutputAloneOnError) {
  Msg m = message_with_rdata({1, 2, 3});
  std::vector<uint8_t> out = {9, 9};
  EXPECT_FALSE(rdata_from_wire(rrtype::kA, m.bytes.data(), m.bytes.size(), m.rdata_at, 3, out));
  EXPECT_EQ(out, (std::vector<uint8_t>{9, 9}));
}

// --- RFC 3597 generic form ---

TEST(RdataGeneric, UnknownTypes) {
  auto w = from_text(65534, "\\# 2 abcd");
  ASSERT_TRUE(w);
  EXPECT_EQ(hex(*w), "abcd");
  EXPECT_EQ(rdata_to_text(65534, *w), "\\# 2 ABCD");
  w = from_text(65534, "\\# 0");
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->empty());
  EXPECT_EQ(rdata_to_text(65534, *w), "\\# 0");
  w = from_text(65534, "\\# 4 01 02 0304");  // hex split over tokens
  ASSERT_TRUE(w);
  EXPECT_EQ(hex(*w), "01020304");
}

TEST(RdataGeneric, KnownTypeIsValidatedAndPrintedNormally) {
  auto w = from_text(rrtype::kA, "\\# 4 C0000201");
  ASSERT_TRUE(w);
  EXPECT_EQ(rdata_to_text(rrtype::kA, *w), "192.0.2.1");
  EXPECT_EQ(error_of("A", "\\# 3 010203"), "generic rdata is not valid A data");
  EXPECT_EQ(error_of("MX", "\\# 5 000a 01 61 00 00"),
            "generic rdata: length 5 but 6 octets of data");
  EXPECT_EQ(error_of("MX", "\\# 6 000a 01 61 00 00"), "generic rdata is not valid MX data");
}

TEST(RdataGeneric, Errors) {
  EXPECT_EQ(error_of("TYPE65534", "\\#"), "generic rdata: expected '\\# length hex'");
  EXPECT_EQ(error_of("TYPE65534", "\\# x"), "generic rdata: bad length 'x'");
  EXPECT_EQ(error_of("TYPE65534", "\\# 70000"), "generic rdata: bad length '70000'");
  EXPECT_EQ(error_of("TYPE65534", "\\# 1 abc"), "generic rdata: odd number of hex digits");
  EXPECT_EQ(error_of("TYPE65534", "\\# 1 zz"), "generic rdata: bad hex 'zz'");
  EXPECT_EQ(error_of("TYPE65534", "\\# 2 ab"), "generic rdata: length 2 but 1 octets of data");
  EXPECT_EQ(error_of("TYPE65534", "abcd"),
            "type TYPE65534 is only supported in the RFC 3597 generic form '\\# length hex'");
  EXPECT_EQ(error_of("LOC", "52 22 23.000 N 4 53 32.000 E -2.00m"),
            "type LOC is only supported in the RFC 3597 generic form '\\# length hex'");
}

TEST(RdataGeneric, QuotedBackslashHashIsText) {
  std::vector<uint8_t> out;
  std::vector<TextToken> toks = {{"\\#", true}};
  ASSERT_TRUE(rdata_from_text(rrtype::kTXT, toks, origin(), out));
  EXPECT_EQ(rdata_to_text(rrtype::kTXT, out), "\"#\"");
}

TEST(RdataToText, FallsBackToGenericForBadOrUnprintableRdata) {
  const std::vector<uint8_t> three = {1, 2, 3};
  EXPECT_EQ(rdata_to_text(rrtype::kA, three), "\\# 3 010203");
  // DS with an empty digest and DNSKEY with an empty key have no
  // presentation form that parses back.
  EXPECT_EQ(rdata_to_text(rrtype::kDS, std::vector<uint8_t>{0, 1, 8, 2}), "\\# 4 00010802");
  EXPECT_EQ(rdata_to_text(rrtype::kDNSKEY, std::vector<uint8_t>{1, 0, 3, 8}), "\\# 4 01000308");
  EXPECT_EQ(rdata_to_text(rrtype::kTXT, std::vector<uint8_t>{}), "\\# 0");
}

// --- error messages ---

TEST(RdataErrors, FieldCountAndNumbers) {
  EXPECT_EQ(error_of("MX", "10"), "MX: expected 2 fields, got 1");
  EXPECT_EQ(error_of("MX", "10 a b"), "MX: expected 2 fields, got 3");
  EXPECT_EQ(error_of("A", ""), "A: expected 1 field, got 0");
  EXPECT_EQ(error_of("TXT", ""), "TXT: expected at least 1 field, got 0");
  EXPECT_EQ(error_of("DS", "1 8 2"), "DS: expected at least 4 fields, got 3");
  EXPECT_EQ(error_of("MX", "65536 a"), "MX preference: bad number '65536' (expected 0-65535)");
  EXPECT_EQ(error_of("MX", "-1 a"), "MX preference: bad number '-1' (expected 0-65535)");
  EXPECT_EQ(error_of("TLSA", "256 1 1 00"), "TLSA usage: bad number '256' (expected 0-255)");
  EXPECT_EQ(error_of("SOA", "a b 4294967296 1 2 3 4"),
            "SOA serial: bad number '4294967296' (expected 0-4294967295)");
  EXPECT_EQ(error_of("SOA", "a b 1 1x 2 3 4"), "SOA refresh: bad time value '1x'");
  EXPECT_TRUE(from_text(rrtype::kMX, "65535 a"));
  EXPECT_TRUE(from_text(rrtype::kSOA, "a b 4294967295 4294967295 0 1 2"));
}

TEST(RdataErrors, Addresses) {
  EXPECT_EQ(error_of("A", "1.2.3"), "bad IPv4 address '1.2.3'");
  EXPECT_EQ(error_of("A", "1.2.3.4.5"), "bad IPv4 address '1.2.3.4.5'");
  EXPECT_EQ(error_of("A", "256.1.1.1"), "bad IPv4 address '256.1.1.1'");
  EXPECT_EQ(error_of("A", "01.2.3.4"), "bad IPv4 address '01.2.3.4'");  // as inet_pton
  EXPECT_EQ(error_of("A", "1.2.3.4 "), "(no error)");  // trailing blank is not a token
  EXPECT_EQ(error_of("A", "1..3.4"), "bad IPv4 address '1..3.4'");
  EXPECT_EQ(error_of("AAAA", "1::2::3"), "bad IPv6 address '1::2::3'");
  EXPECT_EQ(error_of("AAAA", "192.0.2.1"), "bad IPv6 address '192.0.2.1'");
  EXPECT_EQ(error_of("EUI48", "00-11-22-33-44"), "EUI48 address: bad EUI address '00-11-22-33-44'");
  EXPECT_EQ(error_of("EUI48", "00:11:22:33:44:55"),
            "EUI48 address: bad EUI address '00:11:22:33:44:55'");
}

TEST(RdataErrors, StringsAndNames) {
  EXPECT_EQ(error_of("TXT", std::string(256, 'x')), "TXT text: string longer than 255 octets");
  EXPECT_TRUE(from_text(rrtype::kTXT, std::string(255, 'x')));
  EXPECT_EQ(error_of("TXT", "a\\"), "TXT text: dangling backslash in 'a\\'");
  EXPECT_EQ(error_of("TXT", "\\256"), "TXT text: \\DDD escape above 255 in '\\256'");
  EXPECT_EQ(error_of("TXT", "\\12x"), "TXT text: bad \\DDD escape in '\\12x'");
  EXPECT_EQ(error_of("MX", "1 a..b"), "MX exchange: empty label in name 'a..b'");
  EXPECT_EQ(error_of("CNAME", std::string(64, 'a')),
            "CNAME name: label longer than 63 octets '" + std::string(64, 'a') + "'");
  EXPECT_EQ(error_of("CAA", "0 is-sue \"x\""),
            "CAA tag: bad tag 'is-sue' (expected letters and digits)");
}

TEST(RdataErrors, Dnssec) {
  EXPECT_EQ(error_of("DS", "1 8 2 abc"), "DS digest: odd number of hex digits");
  EXPECT_EQ(error_of("DS", "1 8 2 abcg"), "DS digest: bad hex 'abcg'");
  EXPECT_EQ(error_of("DNSKEY", "256 3 8 AwE"),
            "DNSKEY public key: base64 data ends in a partial group");
  EXPECT_EQ(error_of("DNSKEY", "256 3 8 Aw== AQ=="), "DNSKEY public key: bad base64 'AQ=='");
  EXPECT_EQ(error_of("DNSKEY", "256 3 8 A*=="), "DNSKEY public key: bad base64 'A*=='");
  EXPECT_EQ(error_of("DNSKEY", "256 3 NOPE AA=="),
            "DNSKEY algorithm: bad number 'NOPE' (expected 0-255)");
  EXPECT_EQ(error_of("RRSIG", "FOO 8 2 1 1 1 1 . AA=="), "RRSIG type covered: unknown type 'FOO'");
  EXPECT_EQ(error_of("RRSIG", "A 8 2 1 20230229000000 1 1 . AA=="),
            "RRSIG expiration: bad time '20230229000000' (expected YYYYMMDDHHmmSS or seconds)");
  EXPECT_EQ(error_of("RRSIG", "A 8 2 1 19691231235959 1 1 . AA=="),
            "RRSIG expiration: bad time '19691231235959' (expected YYYYMMDDHHmmSS or seconds)");
  EXPECT_EQ(error_of("RRSIG", "A 8 2 1 4294967296 1 1 . AA=="),
            "RRSIG expiration: bad time '4294967296' (expected YYYYMMDDHHmmSS or seconds)");
  EXPECT_EQ(error_of("NSEC", "a. A BOGUS"), "NSEC type bitmap: unknown type 'BOGUS'");
  EXPECT_EQ(error_of("NSEC3", "1 0 0 xyz 2vptu5timamqttgl4luu9kg21e0aor3s"),
            "NSEC3 salt: bad hex 'xyz'");
  EXPECT_EQ(error_of("NSEC3", "1 0 0 - 2vptu5timamqttgl4luu9kg21e0aor3w"),
            "NSEC3 next hashed owner: bad base32hex '2vptu5timamqttgl4luu9kg21e0aor3w'");
}

TEST(RdataErrors, Svcb) {
  EXPECT_EQ(error_of("SVCB", "1 . foo=1"), "SVCB parameters: unknown SvcParam key 'foo'");
  EXPECT_EQ(error_of("SVCB", "1 . alpn=h2 alpn=h3"),
            "SVCB parameters: duplicate SvcParam key 'alpn'");
  EXPECT_EQ(error_of("SVCB", "1 . port=1 key3=\\000\\001"),
            "SVCB parameters: duplicate SvcParam key 'port'");
  EXPECT_EQ(error_of("SVCB", "1 . mandatory=alpn port=1"),
            "SVCB parameters: key 'alpn' is listed in mandatory but missing");
  EXPECT_EQ(error_of("SVCB", "1 . mandatory=mandatory"),
            "SVCB parameters: mandatory must not list itself");
  EXPECT_EQ(error_of("SVCB", "1 . mandatory=port,port port=1"),
            "SVCB parameters: bad mandatory value 'port,port': duplicate key");
  EXPECT_EQ(error_of("SVCB", "1 . key65535"), "SVCB parameters: key65535 is reserved");
  EXPECT_EQ(error_of("SVCB", "1 . alpn="),
            "SVCB parameters: bad alpn value '': expected identifiers of 1-255 octets");
  EXPECT_EQ(error_of("SVCB", "1 . alpn=h2,,h3"),
            "SVCB parameters: bad alpn value 'h2,,h3': expected identifiers of 1-255 octets");
  EXPECT_EQ(error_of("SVCB", "1 . port=65536"),
            "SVCB parameters: bad port value '65536': expected a number 0-65535");
  EXPECT_EQ(error_of("SVCB", "1 . ipv4hint=1.2.3"),
            "SVCB parameters: bad ipv4hint value '1.2.3': expected a list of addresses");
  EXPECT_EQ(error_of("SVCB", "1 . ipv6hint=1.2.3.4"),
            "SVCB parameters: bad ipv6hint value '1.2.3.4': expected a list of addresses");
  EXPECT_EQ(error_of("SVCB", "1 . no-default-alpn=x alpn=h2"),
            "SVCB parameters: bad no-default-alpn value 'x': takes no value");
  EXPECT_EQ(error_of("SVCB", "1 . ech=***"),
            "SVCB parameters: bad ech value '***': expected base64");
  EXPECT_EQ(error_of("SVCB", "1 . key1=\\000"), "SVCB parameters: empty alpn identifier");
  // AliasMode may carry parameters (RFC 9460 2.4.2: they are ignored).
  EXPECT_TRUE(from_text(rrtype::kSVCB, "0 foo.example. port=1"));
}

TEST(RdataErrors, OutputUntouchedOnError) {
  std::vector<uint8_t> out = {1, 2, 3};
  auto toks = tokenize("10 a..b");
  EXPECT_FALSE(rdata_from_text(rrtype::kMX, toks, origin(), out));
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3}));
  toks = tokenize("1 . alpn=h2 alpn=h3");
  EXPECT_FALSE(rdata_from_text(rrtype::kSVCB, toks, origin(), out));
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3}));
  // And appends on success.
  toks = tokenize("192.0.2.1");
  ASSERT_TRUE(rdata_from_text(rrtype::kA, toks, origin(), out));
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3, 192, 0, 2, 1}));
}

// --- times (RFC 4034 3.2) ---

TEST(RdataTime, DatesAndIntegers) {
  auto sig = [](const std::string& exp) {
    auto w = from_text(rrtype::kRRSIG, "A 8 2 1 " + exp + " 0 1 . AA==");
    if (!w) return w.error();
    std::string t = rdata_to_text(rrtype::kRRSIG, *w);
    return t.substr(8, 14);  // the expiration as printed
  };
  EXPECT_EQ(sig("0"), "19700101000000");
  EXPECT_EQ(sig("19700101000000"), "19700101000000");
  EXPECT_EQ(sig("4294967295"), "21060207062815");
  EXPECT_EQ(sig("21060207062815"), "21060207062815");
  EXPECT_EQ(sig("21060207062816"), "19700101000000");  // modulo 2^32
  EXPECT_EQ(sig("20240229120000"), "20240229120000");  // leap day
  EXPECT_EQ(sig("20000229000000"), "20000229000000");  // 400-year leap
  EXPECT_EQ(sig("1700000000"), "20231114221320");
  EXPECT_NE(sig("21000229000000"), "21000229000000");  // 2100 is not a leap year
  EXPECT_NE(sig("20241301000000"), "20241301000000");
  EXPECT_NE(sig("20240101240000"), "20240101240000");
}

TEST(RdataTime, PeriodsWithUnits) {
  auto w = from_text(rrtype::kSOA, "a b 1 1w2d3h4m5s 1W 1D 1H");
  ASSERT_TRUE(w);
  EXPECT_EQ(rdata_to_text(rrtype::kSOA, *w), "a.example. b.example. 1 788645 604800 86400 3600");
}

// --- rdata_is_valid ---

bool valid(const char* type, const std::vector<uint8_t>& rdata) {
  return rdata_is_valid(type_of(type), rdata);
}

TEST(RdataIsValid, Structure) {
  EXPECT_TRUE(valid("A", {1, 2, 3, 4}));
  EXPECT_FALSE(valid("A", {1, 2, 3}));
  EXPECT_FALSE(valid("AAAA", std::vector<uint8_t>(15)));
  EXPECT_TRUE(valid("NS", {0}));
  EXPECT_FALSE(valid("NS", {}));
  EXPECT_FALSE(valid("NS", {1, 'a'}));    // no root label
  EXPECT_FALSE(valid("NS", {0xC0, 12}));  // stored names are uncompressed
  EXPECT_FALSE(valid("NS", {64}));        // label over 63
  std::vector<uint8_t> long_name;
  for (int i = 0; i < 4; ++i) {
    long_name.push_back(63);
    long_name.insert(long_name.end(), 63, 'a');
  }
  long_name.push_back(0);  // 257 octets
  EXPECT_FALSE(valid("NS", long_name));
  EXPECT_FALSE(valid("SOA", std::vector<uint8_t>(21)));
  EXPECT_TRUE(valid("SOA", std::vector<uint8_t>(22)));
  EXPECT_FALSE(valid("TXT", {}));  // at least one string
  EXPECT_FALSE(valid("TXT", {3, 'a', 'b'}));
  EXPECT_TRUE(valid("TXT", {0, 0}));
  EXPECT_TRUE(valid("TYPE65534", {0xC0}));  // unknown: anything
  EXPECT_TRUE(valid("LOC", {}));            // no description: anything
}

TEST(RdataIsValid, Bitmaps) {
  EXPECT_TRUE(valid("NSEC", {0}));                     // empty bitmap
  EXPECT_TRUE(valid("NSEC", {0, 0, 1, 0x40}));         // A
  EXPECT_FALSE(valid("NSEC", {0, 0, 0}));              // window with 0 octets
  EXPECT_FALSE(valid("NSEC", {0, 0, 2, 0x40, 0}));     // trailing zero octet
  EXPECT_FALSE(valid("NSEC", {0, 1, 1, 1, 0, 1, 1}));  // windows out of order
  EXPECT_FALSE(valid("NSEC", {0, 0, 1, 1, 0, 1, 1}));  // window repeated
  std::vector<uint8_t> w33 = {0, 0, 33};
  w33.insert(w33.end(), 33, 1);
  EXPECT_FALSE(valid("NSEC", w33));
  EXPECT_FALSE(valid("NSEC", {0, 0, 2, 0x40}));  // truncated
}

TEST(RdataIsValid, Nsec3AndCaa) {
  EXPECT_FALSE(valid("NSEC3", {1, 0, 0, 0, 0, 0}));  // empty next hash
  EXPECT_TRUE(valid("NSEC3", {1, 0, 0, 0, 0, 1, 0xAB}));
  EXPECT_FALSE(valid("NSEC3", {1, 0, 0, 0, 1}));  // salt runs out
  EXPECT_TRUE(valid("CAA", {0, 5, 'i', 's', 's', 'u', 'e'}));
  EXPECT_FALSE(valid("CAA", {0, 0}));  // empty tag (RFC 8659 4.1)
  EXPECT_FALSE(valid("CAA", {0, 2, 'a', '-'}));
  EXPECT_FALSE(valid("CAA", {0, 3, 'a'}));
}

TEST(RdataIsValid, SvcParams) {
  auto svcb = [](std::vector<uint8_t> params) {
    std::vector<uint8_t> r = {0, 1, 0};
    r.insert(r.end(), params.begin(), params.end());
    return valid("SVCB", r);
  };
  EXPECT_TRUE(svcb({}));
  EXPECT_TRUE(svcb({0, 3, 0, 2, 1, 187}));                            // port=443
  EXPECT_FALSE(svcb({0, 3, 0, 3, 1, 187, 0}));                        // port of 3 octets
  EXPECT_FALSE(svcb({0, 3, 0, 2, 1, 187, 0, 1, 0, 3, 2, 'h', '2'}));  // keys out of order
  EXPECT_FALSE(svcb({0, 3, 0, 2, 1, 187, 0, 3, 0, 2, 1, 187}));       // duplicate key
  EXPECT_FALSE(svcb({0, 1, 0, 0}));                                   // empty alpn
  EXPECT_FALSE(svcb({0, 1, 0, 2, 0, 'x'}));                           // empty alpn id
  EXPECT_FALSE(svcb({0, 1, 0, 2, 5, 'x'}));                           // alpn id overruns
  EXPECT_FALSE(svcb({0, 2, 0, 1, 0}));                                // no-default-alpn + value
  EXPECT_FALSE(svcb({0, 4, 0, 5, 1, 2, 3, 4, 5}));                    // ipv4hint 5 octets
  EXPECT_FALSE(svcb({0, 6, 0, 4, 1, 2, 3, 4}));                       // ipv6hint 4 octets
  EXPECT_FALSE(svcb({0, 0, 0, 2, 0, 3}));                             // mandatory port, absent
  EXPECT_TRUE(svcb({0, 0, 0, 2, 0, 3, 0, 3, 0, 2, 1, 187}));
  EXPECT_FALSE(svcb({0, 0, 0, 2, 0, 0}));  // mandatory lists itself
  EXPECT_FALSE(svcb({0, 0, 0, 1, 0}));     // odd mandatory length
  EXPECT_FALSE(svcb({0xFF, 0xFF, 0, 0}));  // key65535
  EXPECT_FALSE(svcb({0, 3, 0, 2, 1}));     // truncated value
  EXPECT_FALSE(svcb({0, 3, 0}));           // truncated key
  EXPECT_TRUE(svcb({0xFF, 0xFE, 0, 0}));   // unknown key, empty
}

}  // namespace
}  // namespace tandem::dns
