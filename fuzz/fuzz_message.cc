// libFuzzer target: arbitrary bytes as a query to the responder, over UDP and
// TCP, against a zone that exercises every answer path. Whatever the input,
// the responder must not crash, must stay within its buffer and must produce
// a parseable header.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "server/responder.h"
#include "zone/zone.h"

namespace {

const char kZone[] = R"(
$ORIGIN example.
$TTL 300
@       SOA   ns1 hostmaster 1 7200 3600 1209600 300
@       NS    ns1
@       NS    ns2.sub
@       MX    10 mail
ns1     A     192.0.2.1
        AAAA  2001:db8::1
mail    A     192.0.2.2
www     CNAME web
web     A     192.0.2.3
loop1   CNAME loop2
loop2   CNAME loop1
*.wild  A     192.0.2.4
*.wild  TXT   "wild"
cw.wild CNAME www
sub     NS    ns2.sub
ns2.sub A     192.0.2.5
dn      DNAME example.net.
big     TXT   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
big     TXT   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
big     TXT   "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
big     TXT   "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
srv     SRV   0 5 5060 mail
)";

struct Fixture {
  Fixture() {
    auto r = tandem::zone::load_zone_text(*tandem::dns::Name::parse_absolute("example."), kZone, "fuzz.zone");
    if (!r.zone) abort();
    zones = std::make_unique<tandem::zone::ZoneSet>(std::vector<std::shared_ptr<const tandem::zone::Zone>>{r.zone});
  }
  std::unique_ptr<tandem::zone::ZoneSet> zones;
  tandem::server::Responder responder;
  uint8_t out[65536];
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* f = new Fixture();
  for (auto t : {tandem::server::Transport::kUdp, tandem::server::Transport::kTcp}) {
    size_t n = f->responder.respond(*f->zones, data, size, f->out, sizeof f->out, t);
    if (n != 0 && n < 12) abort();
    if (n > sizeof f->out) abort();
    if (n && t == tandem::server::Transport::kUdp && n > tandem::server::kMaxUdpPayload) abort();
    if (n && memcmp(f->out, data, 2) != 0) abort();  // the ID is echoed
  }
  return 0;
}
