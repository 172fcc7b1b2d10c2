// Micro benchmark of the primary side of AXFR: streams a generated
// 1M-record zone through XfrOutStream (no sockets) and prints records/s and
// milliseconds, without and with TSIG. Not part of the CMake build:
//   g++ -std=c++20 -O2 -Isrc bench/xfr_out_bench.cc src/xfr/xfr_out.cc src/xfr/journal.cc
//     src/zone/diff.cc src/zone/{zone,zone_data,parser,lookup}.cc src/dns/*.cc src/util/*.cc
//     -lssl -lcrypto -pthread -o /tmp/xfr_out_bench      (one line)
//   /tmp/xfr_out_bench [records=1000000] [dump-file]
// With a dump file, the messages of the plain run are written there, each
// with its 2-octet length prefix (as on TCP), for checking with other tools.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dns/tsig.h"
#include "xfr/xfr_out.h"
#include "zone/diff.h"
#include "zone/zone.h"

using namespace tandem;

namespace {

std::string zone_text(size_t records) {
  std::string s = "$ORIGIN example.\n$TTL 3600\n@ SOA ns1 admin 1 3600 600 86400 300\n";
  s += "@ NS ns1\n@ NS ns2\nns1 A 192.0.2.1\nns2 A 192.0.2.2\n";
  s.reserve(records * 40);
  char line[320];
  for (size_t i = 0; i * 5 < records; ++i) {
    snprintf(line, sizeof line,
             "host%zu A 10.%zu.%zu.%zu\nhost%zu AAAA 2001:db8::%zx\nhost%zu MX 10 mx%zu\n"
             "c%zu CNAME host%zu\nhost%zu TXT \"v=spf1 -all %zu\"\n",
             i, i >> 16 & 255, i >> 8 & 255, i & 255, i, i & 0xFFFF, i, i % 10, i, i, i, i);
    s += line;
  }
  return s;
}

struct Run {
  double ms;
  size_t messages, records;
  uint64_t bytes;
};

Run stream(std::shared_ptr<const zone::Zone> z, const dns::TsigKey* key, size_t sign_every,
           FILE* dump) {
  xfr::XfrOutRequest req;
  req.id = 1;
  req.qname.assign(z->origin().data(), z->origin().data() + z->origin().size());
  req.qtype = dns::rrtype::kAXFR;
  req.key = key;
  std::vector<uint8_t> buf(65535 + 2);
  auto t0 = std::chrono::steady_clock::now();
  xfr::XfrOutStream s(z, nullptr, req);
  s.set_sign_every(sign_every);
  size_t n;
  while ((n = s.next(buf.data() + 2, 65535, 1'700'000'000)) != 0) {
    if (dump) {
      buf[0] = static_cast<uint8_t>(n >> 8);
      buf[1] = static_cast<uint8_t>(n);
      fwrite(buf.data(), 1, n + 2, dump);
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  if (!s.error().empty()) fprintf(stderr, "stream error: %s\n", s.error().c_str());
  return {std::chrono::duration<double, std::milli>(t1 - t0).count(), s.messages(), s.records(),
          s.bytes()};
}

void report(const char* what, std::shared_ptr<const zone::Zone> z, const dns::TsigKey* key,
            size_t sign_every) {
  std::vector<Run> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(stream(z, key, sign_every, nullptr));
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.ms < b.ms; });
  const Run& m = runs[runs.size() / 2];
  printf("%-32s %8.1f ms (median of 5, min %.1f)  %6.1f M records/s  %zu messages  %.1f MB\n", what,
         m.ms, runs[0].ms, m.records / m.ms / 1000.0, m.messages, m.bytes / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t records = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1'000'000;
  const std::string text = zone_text(records);
  auto t0 = std::chrono::steady_clock::now();
  zone::LoadResult r =
      zone::load_zone_text(*dns::Name::parse_absolute("example."), text, "bench.zone");
  if (!r.zone) {
    fprintf(stderr, "zone does not load: %s\n",
            r.errors.empty() ? "?" : r.errors[0].message.c_str());
    return 1;
  }
  auto t1 = std::chrono::steady_clock::now();
  printf("zone: %zu records, loaded in %.0f ms\n", r.zone->record_count(),
         std::chrono::duration<double, std::milli>(t1 - t0).count());

  if (argc > 2) {
    FILE* f = fopen(argv[2], "wb");
    if (!f) {
      perror(argv[2]);
      return 1;
    }
    stream(r.zone, nullptr, 1, f);
    fclose(f);
  }
  report("AXFR", r.zone, nullptr, 1);
  dns::TsigKey key = *dns::make_tsig_key(*dns::Name::parse_absolute("xfr-key."), "hmac-sha256",
                                         std::vector<uint8_t>(32, 0x5A));
  report("AXFR + TSIG sha256, every msg", r.zone, &key, 1);
  report("AXFR + TSIG sha256, every 100th", r.zone, &key, 100);

  // The journal side: the diff of the zone and a copy with one more record.
  zone::LoadResult r2 = zone::load_zone_text(*dns::Name::parse_absolute("example."),
                                             text + "extra A 192.0.2.99\n", "bench2.zone");
  if (!r2.zone) return 1;
  auto d0 = std::chrono::steady_clock::now();
  zone::ZoneDiff diff = zone::compute_diff(*r.zone, *r2.zone);
  auto d1 = std::chrono::steady_clock::now();
  printf("compute_diff, one record added   %8.1f ms  (%zu removed, %zu added)\n",
         std::chrono::duration<double, std::milli>(d1 - d0).count(), diff.removed.size(),
         diff.added.size());
  return 0;
}
