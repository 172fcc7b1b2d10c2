// libFuzzer target: arbitrary bytes as a DNS message holding one rdata.
//   data[0]   picks the RR type (from the types with a description, or any)
//   data[1]   where the rdata starts in the message (the octets before it are
//             what compression pointers can point at)
//   data[2..] the message
// rdata_from_wire must not crash; what it accepts must be valid, and its
// presentation form must read back to the same bytes. Bytes that are valid as
// uncompressed rdata must print and read back too.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dns/rdata.h"
#include "dns/types.h"
#include "zone/parser.h"

using namespace tandem;

namespace {

constexpr uint16_t kTypes[] = {1,  2,  3,  4,  5,  6,   7,   8,   9,   12, 13, 14,
                               15, 16, 17, 18, 24, 25,  28,  33,  35,  36, 39, 43,
                               44, 46, 47, 48, 49, 50,  51,  52,  53,  59, 60, 61,
                               62, 63, 64, 65, 99, 108, 109, 256, 257, 29, 10, 65534};

void check_text(uint16_t type, std::span<const uint8_t> rdata) {
  std::string text = dns::rdata_to_text(type, rdata);
  zone::ParseOptions o;
  o.allow_include = false;
  std::string line = "@ " + dns::type_to_text(type) + " " + text + "\n";
  std::vector<uint8_t> got;
  bool seen = false;
  auto errors = zone::parse_zone_text(line, "roundtrip", o, [&](const zone::ParsedRecord& r) {
    seen = true;
    got.assign(r.rdata.begin(), r.rdata.end());
  });
  if (!seen || !errors.empty()) {
    fprintf(stderr, "printed rdata does not parse: %s%s\n", line.c_str(),
            errors.empty() ? "" : errors[0].to_string().c_str());
    abort();
  }
  if (got.size() != rdata.size() || !std::equal(got.begin(), got.end(), rdata.begin())) {
    fprintf(stderr, "round trip changed the rdata: %s\n", line.c_str());
    abort();
  }
  if (dns::rdata_to_text(type, got) != text) {
    fprintf(stderr, "text not stable: %s\n", line.c_str());
    abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint16_t type = kTypes[data[0] % (sizeof kTypes / sizeof kTypes[0])];
  const uint8_t* msg = data + 2;
  const size_t msg_size = size - 2;
  const size_t pos = msg_size ? data[1] % (msg_size + 1) : 0;
  const size_t rdlen = std::min<size_t>(msg_size - pos, 65535);

  std::vector<uint8_t> out;
  if (dns::rdata_from_wire(type, msg, msg_size, pos, static_cast<uint16_t>(rdlen), out)) {
    if (!dns::rdata_is_valid(type, out)) {
      fprintf(stderr, "rdata_from_wire accepted invalid rdata of type %u\n", type);
      abort();
    }
    check_text(type, out);
  }
  std::span<const uint8_t> raw(msg + pos, rdlen);
  if (dns::rdata_is_valid(type, raw))
    check_text(type, raw);
  else
    (void)dns::rdata_to_text(type, raw);  // must not crash either
  return 0;
}
