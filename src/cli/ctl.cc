// tandem ctl -c FILE COMMAND [ZONE]
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/commands.h"
#include "config/config.h"
#include "server/control.h"

namespace tandem::cli {

void ctl_usage() {
  printf(
      "Usage: tandem ctl -c FILE COMMAND [ZONE]\n"
      "\n"
      "Sends COMMAND to the server running with configuration FILE, through the control\n"
      "socket named by server.control in FILE, and prints the reply.\n"
      "\n"
      "Commands:\n"
      "  status              version, uptime, zone count and query counters\n"
      "  zone-status [ZONE]  per zone: role, serial, records, source file, load time;\n"
      "                      secondaries: primaries, last refresh and its result, next\n"
      "                      refresh, time to expire\n"
      "  reload              re-read FILE; load new zones and zone files that changed,\n"
      "                      drop removed zones (like SIGHUP)\n"
      "  reload ZONE         load ZONE's file again, changed or not\n"
      "  retransfer ZONE     secondary: full transfer (AXFR) from the primaries now,\n"
      "                      accepted even when their serial went backwards\n"
      "  notify ZONE         send NOTIFY for ZONE to its notify remotes now\n"
      "  stop                stop the server\n"
      "\n"
      "Options:\n"
      "  -c, --config FILE     configuration file of the server (required unless -s)\n"
      "  -s, --socket PATH     control socket to use instead of the one FILE names\n"
      "  -t, --timeout SECONDS how long to wait for the reply (default 120)\n"
      "  -h, --help            show this help\n"
      "\n"
      "Exit status: 0 success, 1 the command failed or the server is not running,\n"
      "2 usage error.\n");
}

int ctl_main(int argc, char** argv) {
  static const option kOptions[] = {{"config", required_argument, nullptr, 'c'},
                                    {"socket", required_argument, nullptr, 's'},
                                    {"timeout", required_argument, nullptr, 't'},
                                    {"help", no_argument, nullptr, 'h'},
                                    {nullptr, 0, nullptr, 0}};
  std::string config_path, socket_path;
  int timeout_s = 120;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":c:s:t:h", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'c': config_path = optarg; break;
      case 's': socket_path = optarg; break;
      case 't': {
        char* end = nullptr;
        long v = std::strtol(optarg, &end, 10);
        if (end == optarg || *end != '\0' || v <= 0 || v > 86400) {
          fprintf(stderr, "tandem ctl: invalid timeout '%s' (seconds, 1-86400)\n", optarg);
          return kExitUsage;
        }
        timeout_s = static_cast<int>(v);
        break;
      }
      case 'h': ctl_usage(); return kExitOk;
      case ':':
        fprintf(stderr, "tandem ctl: option '%s' needs a value\n", argv[optind - 1]);
        return kExitUsage;
      default:
        fprintf(stderr, "tandem ctl: unknown option '%s' (see tandem ctl --help)\n",
                argv[optind - 1]);
        return kExitUsage;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "tandem ctl: missing COMMAND (see tandem ctl --help)\n");
    return kExitUsage;
  }
  std::string request;
  for (int i = optind; i < argc; ++i) {
    if (!request.empty()) request += ' ';
    request += argv[i];
  }
  // Check the command here too, so a typo is reported even when no server runs.
  auto command = server::parse_control_command(request);
  if (!command) {
    fprintf(stderr, "tandem ctl: %s\n", command.error().c_str());
    return kExitUsage;
  }
  if (socket_path.empty()) {
    if (config_path.empty()) {
      fprintf(stderr, "tandem ctl: missing -c FILE (see tandem ctl --help)\n");
      return kExitUsage;
    }
    auto path = config::find_control_path(config_path);
    if (!path) {
      fprintf(stderr, "tandem ctl: %s\n", path.error().c_str());
      return kExitFailure;
    }
    socket_path = *path;
  }
  auto reply = server::send_control_request(socket_path, server::format_control_command(*command),
                                            timeout_s * 1000);
  if (!reply) {
    fprintf(stderr, "tandem ctl: %s\n", reply.error().c_str());
    return kExitFailure;
  }
  fputs(reply->text.c_str(), reply->ok ? stdout : stderr);
  return reply->ok ? kExitOk : kExitFailure;
}

}  // namespace tandem::cli
