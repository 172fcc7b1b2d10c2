// tandem serve -c FILE [-v]
#include <getopt.h>

#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "server/server.h"

namespace tandem::cli {

void serve_usage() {
  printf(
      "Usage: tandem serve -c FILE [-v]\n"
      "\n"
      "Runs the authoritative DNS server in the foreground with the configuration in FILE\n"
      "(YAML, see README.md) until SIGTERM, SIGINT or `tandem ctl -c FILE stop`.\n"
      "SIGHUP re-reads the configuration and reloads changed zone files.\n"
      "A zone file with errors is reported (file:line: message) and not served; the\n"
      "other zones are. Exit status: 0 after a clean stop, 1 if start-up failed.\n"
      "\n"
      "Options:\n"
      "  -c, --config FILE  configuration file (required)\n"
      "  -v, --verbose      log debug messages (overrides log.level)\n"
      "  -h, --help         show this help\n");
}

int serve_main(int argc, char** argv) {
  static const option kOptions[] = {{"config", required_argument, nullptr, 'c'},
                                    {"verbose", no_argument, nullptr, 'v'},
                                    {"help", no_argument, nullptr, 'h'},
                                    {nullptr, 0, nullptr, 0}};
  server::ServeOptions options;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":c:vh", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'c': options.config_path = optarg; break;
      case 'v': options.verbose = true; break;
      case 'h': serve_usage(); return kExitOk;
      case ':':
        fprintf(stderr, "tandem serve: option '%s' needs a value\n", argv[optind - 1]);
        return kExitUsage;
      default:
        fprintf(stderr, "tandem serve: unknown option '%s' (see tandem serve --help)\n",
                argv[optind - 1]);
        return kExitUsage;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "tandem serve: unexpected argument '%s' (see tandem serve --help)\n",
            argv[optind]);
    return kExitUsage;
  }
  if (options.config_path.empty()) {
    fprintf(stderr, "tandem serve: missing -c FILE (see tandem serve --help)\n");
    return kExitUsage;
  }
  server::Server server(std::move(options));
  return server.run();
}

}  // namespace tandem::cli
