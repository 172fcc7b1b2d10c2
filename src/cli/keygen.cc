// tandem keygen NAME [--algorithm A] [--format tandem|bind]: prints a new
// random TSIG key (RFC 8945) ready to paste into a config.
#include <getopt.h>
#include <openssl/rand.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "dns/name.h"
#include "dns/tsig.h"
#include "util/encoding.h"

namespace tandem::cli {
namespace {

std::string algorithm_list() {
  std::string out;
  for (dns::TsigAlgorithm a : dns::kAllTsigAlgorithms) {
    if (!out.empty()) out += ", ";
    out += dns::tsig_algorithm_text(a);
  }
  return out;
}

// The id as a YAML scalar: plain when it is only name characters, else
// double-quoted with '"' and '\' escaped.
std::string yaml_scalar(std::string_view s) {
  bool plain = !s.empty();
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) plain = false;
  }
  if (plain) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void keygen_usage() {
  printf(
      "Usage: tandem keygen NAME [--algorithm ALGORITHM] [--format tandem|bind]\n"
      "\n"
      "Generates a random TSIG key (RFC 8945) named NAME and prints it to stdout,\n"
      "ready to paste into a config. NAME is the key name sent on the wire, so it\n"
      "must be a valid domain name (e.g. xfr-key or xfr.example.com.); both ends of\n"
      "a transfer must use the same name, algorithm and secret.\n"
      "The secret is as long as the algorithm's hash output, from the system's\n"
      "cryptographic random generator (OpenSSL RAND_bytes).\n"
      "\n"
      "Options:\n"
      "  -a, --algorithm A  %s\n"
      "                     (default hmac-sha256)\n"
      "  -f, --format F     tandem: a 'key:' entry for tandem.yaml (default)\n"
      "                     bind: a key statement for BIND's named.conf (Knot and NSD\n"
      "                     take the same name, algorithm and secret)\n"
      "  -h, --help         show this help\n"
      "\n"
      "Exit status: 0 success, 1 failure, 2 usage error.\n",
      algorithm_list().c_str());
}

int keygen_main(int argc, char** argv) {
  static const option kOptions[] = {{"algorithm", required_argument, nullptr, 'a'},
                                    {"format", required_argument, nullptr, 'f'},
                                    {"help", no_argument, nullptr, 'h'},
                                    {nullptr, 0, nullptr, 0}};
  dns::TsigAlgorithm algorithm = dns::TsigAlgorithm::kHmacSha256;
  bool bind = false;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":a:f:h", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'a': {
        auto alg = dns::tsig_algorithm_from_text(optarg);
        if (!alg) {
          fprintf(stderr, "tandem keygen: unknown algorithm '%s' (expected one of: %s)\n", optarg,
                  algorithm_list().c_str());
          return kExitUsage;
        }
        algorithm = *alg;
        break;
      }
      case 'f': {
        std::string_view f = optarg;
        if (f == "bind") {
          bind = true;
        } else if (f == "tandem") {
          bind = false;
        } else {
          fprintf(stderr, "tandem keygen: unknown format '%s' (expected tandem or bind)\n", optarg);
          return kExitUsage;
        }
        break;
      }
      case 'h':
        keygen_usage();
        return kExitOk;
      case ':':
        fprintf(stderr, "tandem keygen: option '%s' needs a value\n", argv[optind - 1]);
        return kExitUsage;
      default:
        fprintf(stderr, "tandem keygen: unknown option '%s' (see tandem keygen --help)\n",
                argv[optind - 1]);
        return kExitUsage;
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr, "tandem keygen: expected exactly one key NAME (see tandem keygen --help)\n");
    return kExitUsage;
  }
  const std::string name = argv[optind];
  if (auto parsed = dns::Name::parse_absolute(name); !parsed || name.empty()) {
    fprintf(stderr, "tandem keygen: '%s' is not a valid key name: %s\n", name.c_str(),
            parsed ? "empty" : parsed.error().c_str());
    return kExitUsage;
  }

  std::vector<uint8_t> secret(dns::tsig_digest_size(algorithm));
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    fprintf(stderr, "tandem keygen: the random generator failed\n");
    return kExitFailure;
  }
  std::string b64;
  util::base64_encode(secret, b64);
  const char* alg = dns::tsig_algorithm_text(algorithm);
  if (bind) {
    // BIND quotes the name; escape what would end the string.
    std::string quoted;
    for (char c : name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    printf("key \"%s\" {\n\talgorithm %s;\n\tsecret \"%s\";\n};\n", quoted.c_str(), alg,
           b64.c_str());
  } else {
    printf("key:\n  - id: %s\n    algorithm: %s\n    secret: \"%s\"\n", yaml_scalar(name).c_str(),
           alg, b64.c_str());
  }
  return kExitOk;
}

}  // namespace tandem::cli
