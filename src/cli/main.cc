// tandem: one binary, one subcommand per job (like git). This file only
// dispatches; each subcommand lives in its own file.
#include <cstdio>
#include <cstring>
#include <exception>

#include "cli/commands.h"
#include "server/server.h"

namespace {

using tandem::cli::Subcommand;

constexpr Subcommand kSubcommands[] = {
    {"serve", "run the authoritative DNS server", tandem::cli::serve_main,
     tandem::cli::serve_usage},
    {"checkzone", "check a zone file and report every error as file:line",
     tandem::cli::checkzone_main, tandem::cli::checkzone_usage},
    {"ctl", "send a command to a running server (status, zone-status, reload, stop)",
     tandem::cli::ctl_main, tandem::cli::ctl_usage},
    {"keygen", "generate a random TSIG key for the config (or BIND)", tandem::cli::keygen_main,
     tandem::cli::keygen_usage},
    {"audit", "find single points of DNS failure across many domains", tandem::cli::audit_main,
     tandem::cli::audit_usage},
};

void usage(FILE* out) {
  fprintf(out,
          "Usage: tandem COMMAND [ARGS...]\n"
          "\n"
          "Tandem is an authoritative DNS server, primary or secondary per zone.\n"
          "\n"
          "Commands:\n");
  for (const Subcommand& c : kSubcommands) fprintf(out, "  %-10s  %s\n", c.name, c.summary);
  fprintf(out,
          "\n"
          "Options:\n"
          "  -h, --help     show this help (tandem COMMAND --help for a command)\n"
          "  -V, --version  print the version\n");
}

const Subcommand* find(const char* name) {
  for (const Subcommand& c : kSubcommands) {
    if (std::strcmp(c.name, name) == 0) return &c;
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return tandem::cli::kExitUsage;
  }
  const char* first = argv[1];
  if (!std::strcmp(first, "-h") || !std::strcmp(first, "--help") || !std::strcmp(first, "help")) {
    if (argc > 2) {
      if (const Subcommand* c = find(argv[2])) {
        c->usage();
        return tandem::cli::kExitOk;
      }
      fprintf(stderr, "tandem: unknown command '%s'\n", argv[2]);
      return tandem::cli::kExitUsage;
    }
    usage(stdout);
    return tandem::cli::kExitOk;
  }
  if (!std::strcmp(first, "-V") || !std::strcmp(first, "--version") ||
      !std::strcmp(first, "version")) {
    printf("tandem %s\n", tandem::server::kVersion);
    return tandem::cli::kExitOk;
  }
  const Subcommand* command = find(first);
  if (command == nullptr) {
    fprintf(stderr, "tandem: unknown command '%s'\n\n", first);
    usage(stderr);
    return tandem::cli::kExitUsage;
  }
  // Start-up, config and CLI code may throw; nothing must escape as a crash.
  try {
    return command->run(argc - 1, argv + 1);
  } catch (const std::exception& e) {
    fprintf(stderr, "tandem %s: %s\n", command->name, e.what());
    return tandem::cli::kExitFailure;
  }
}
