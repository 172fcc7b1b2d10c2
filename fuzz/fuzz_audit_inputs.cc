// libFuzzer target: what `tandem audit` reads from others. data[0] picks:
//   0  a DNS response from a nameserver (audit/query_engine parse_message)
//   1  a domains file (audit/domains)
//   2  root hints (audit/resolver)
//   3  a --providers file (audit/providers)
//   4  a stored zone's meta file (store/zone_store parse_meta)
// Nothing may crash; parse_message's names must be valid wire names.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/domains.h"
#include "audit/providers.h"
#include "audit/query_engine.h"
#include "audit/resolver.h"
#include "store/zone_store.h"

using namespace tandem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t kind = data[0] % 5;
  const uint8_t* p = data + 1;
  const size_t n = size - 1;
  const std::string_view text(reinterpret_cast<const char*>(p), n);
  switch (kind) {
    case 0: {
      auto m = audit::parse_message(p, n);
      (void)m;
      break;
    }
    case 1: {
      auto d = audit::parse_domains(text, "fuzz");
      for (const auto& x : d.domains)
        if (x.name.size() == 0 || x.name.size() > dns::kMaxNameWire) abort();
      break;
    }
    case 2: {
      auto h = audit::parse_root_hints(text, "fuzz");
      (void)h;
      break;
    }
    case 3: {
      static audit::ProviderTable table("");
      auto errors = table.add_rules(text, "fuzz");
      (void)errors;
      (void)table.provider_of(std::string_view("ns1.example-hosting.net"));
      break;
    }
    case 4: {
      static const dns::Name origin = *dns::Name::parse_absolute("example.org.");
      auto m = store::parse_meta(origin, text);
      (void)m;
      break;
    }
  }
  return 0;
}
