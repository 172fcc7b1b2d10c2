// The subcommands of the `tandem` binary. Each takes the arguments after its
// own name (argv[0] is the subcommand name) and returns the exit code:
// 0 success, 1 failure, 2 usage error.
#pragma once

namespace tandem::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Subcommand {
  const char* name;
  const char* summary;  // one line, for `tandem --help`
  int (*run)(int argc, char** argv);
  void (*usage)();      // prints the subcommand's --help text to stdout
};

int serve_main(int argc, char** argv);
void serve_usage();
int checkzone_main(int argc, char** argv);
void checkzone_usage();
int ctl_main(int argc, char** argv);
void ctl_usage();
int keygen_main(int argc, char** argv);
void keygen_usage();
int audit_main(int argc, char** argv);
void audit_usage();

}  // namespace tandem::cli
