// libFuzzer target: arbitrary bytes as zone file text ($INCLUDE disabled).
// The reader must not crash, and every record it hands out must be valid wire
// rdata whose presentation form (rdata_to_text) reads back to the same bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "dns/rdata.h"
#include "dns/types.h"
#include "zone/parser.h"

using namespace tandem;

namespace {

// Reads "@ TYPE text" back with the zone reader, so the text goes through the
// same tokenizer as a zone file; aborts unless it gives `want` again.
void check_round_trip(uint16_t type, const std::string& text, std::span<const uint8_t> want) {
  zone::ParseOptions o;
  o.allow_include = false;
  std::string line = "@ " + dns::type_to_text(type) + " " + text + "\n";
  bool seen = false;
  auto errors = zone::parse_zone_text(line, "roundtrip", o, [&](const zone::ParsedRecord& r) {
    seen = true;
    if (r.rdata.size() != want.size() ||
        !std::equal(r.rdata.begin(), r.rdata.end(), want.begin())) {
      fprintf(stderr, "round trip changed the rdata: %s\n", line.c_str());
      abort();
    }
  });
  if (!seen || !errors.empty()) {
    fprintf(stderr, "printed rdata does not parse: %s%s\n", line.c_str(),
            errors.empty() ? "" : errors[0].to_string().c_str());
    abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zone::ParseOptions o;
  o.origin = *dns::Name::parse_absolute("example.");
  o.allow_include = false;
  o.max_errors = 50;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t records = 0;
  zone::parse_zone_text(text, "fuzz.zone", o, [&](const zone::ParsedRecord& r) {
    if (!dns::rdata_is_valid(r.type, r.rdata)) {
      fprintf(stderr, "reader produced invalid rdata for type %u\n", r.type);
      abort();
    }
    // $GENERATE can make 65536 records: check a sample to keep runs fast.
    if (records++ < 64) check_round_trip(r.type, dns::rdata_to_text(r.type, r.rdata), r.rdata);
  });
  return 0;
}
