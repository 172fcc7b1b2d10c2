// tandem checkzone ORIGIN FILE
#include <getopt.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "dns/name.h"
#include "zone/zone.h"

namespace tandem::cli {

void checkzone_usage() {
  printf(
      "Usage: tandem checkzone ORIGIN FILE\n"
      "\n"
      "Reads the zone file FILE for the zone ORIGIN (e.g. example.com.) with the same\n"
      "parser and checks the server uses, and reports:\n"
      "  stdout  one summary line when the zone is valid (serial, records)\n"
      "  stderr  one 'file:line: message' line per error, and\n"
      "          'file:line: warning: message' per warning\n"
      "Exit status: 0 valid (warnings allowed), 1 errors, 2 usage error.\n"
      "\n"
      "Options:\n"
      "  -h, --help  show this help\n");
}

int checkzone_main(int argc, char** argv) {
  static const option kOptions[] = {{"help", no_argument, nullptr, 'h'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, "+h", kOptions, nullptr)) != -1;) {
    if (c == 'h') {
      checkzone_usage();
      return kExitOk;
    }
    fprintf(stderr, "tandem checkzone: unknown option '%s' (see tandem checkzone --help)\n",
            argv[optind - 1]);
    return kExitUsage;
  }
  if (argc - optind != 2) {
    fprintf(stderr, "tandem checkzone: expected ORIGIN and FILE (see tandem checkzone --help)\n");
    return kExitUsage;
  }
  auto origin = dns::Name::parse_absolute(argv[optind]);
  if (!origin) {
    fprintf(stderr, "tandem checkzone: invalid origin '%s': %s\n", argv[optind],
            origin.error().c_str());
    return kExitUsage;
  }
  const std::string path = argv[optind + 1];
  auto start = std::chrono::steady_clock::now();
  zone::LoadResult result = zone::load_zone_file(*origin, path);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count();
  for (const auto& w : result.warnings) {
    fprintf(stderr, "%s:%zu: warning: %s\n", w.file.c_str(), w.line, w.message.c_str());
  }
  for (const auto& e : result.errors) fprintf(stderr, "%s\n", e.to_string().c_str());
  if (!result.errors.empty() || !result.zone) {
    if (result.errors.empty()) fprintf(stderr, "%s: not loaded\n", path.c_str());
    return kExitFailure;
  }
  printf("zone %s: OK, serial %u, %zu records (%s, %.0f ms)\n", origin->to_text().c_str(),
         result.zone->serial(), result.zone->record_count(), path.c_str(), ms);
  return kExitOk;
}

}  // namespace tandem::cli
