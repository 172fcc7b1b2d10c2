// tandem audit [options] DOMAINS_FILE: single points of DNS failure across
// many domains (issue 4 contract; see `tandem audit --help`).
#include <getopt.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "audit/asn.h"
#include "audit/auditor.h"
#include "audit/domains.h"
#include "audit/providers.h"
#include "audit/report.h"
#include "cli/commands.h"

namespace tandem::cli {

namespace {

constexpr const char* kDefaultRootHints = "/usr/share/dns/root.hints";

bool parse_int(const char* text, long lo, long hi, long& out) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || v < lo || v > hi) return false;
  out = v;
  return true;
}

}  // namespace

void audit_usage() {
  printf(
      "Usage: tandem audit [OPTIONS] DOMAINS_FILE\n"
      "\n"
      "Finds single points of DNS failure across many domains: resolves each domain\n"
      "iteratively from the root (no recursive resolver in between), asks every address\n"
      "of each of its nameservers for the SOA and NS records, names each nameserver's\n"
      "provider, and reports what would make the domain unreachable if one provider or\n"
      "network went down.\n"
      "\n"
      "DOMAINS_FILE: one domain a line, or 'rank,domain' lines (top-sites lists); '-'\n"
      "reads standard input; blank lines and '#' comments are ignored; bad lines are\n"
      "reported with their line number and skipped.\n"
      "\n"
      "Options:\n"
      "  --root-hints FILE   root servers to start from (default %s)\n"
      "  --format FORMAT     text, json or csv (default: text on a terminal, else json)\n"
      "  -o, --output FILE   write the report to FILE instead of standard output\n"
      "  --concurrency N     domains audited at once (default 200)\n"
      "  --timeout MS        wait per query try, milliseconds (default 1000)\n"
      "  --retries N         tries after the first one (default 2)\n"
      "  --providers FILE    extra provider rules: 'PATTERN PROVIDER NAME' lines\n"
      "                      (see docs/audit-providers.md); tried before the built-in ones\n"
      "  --check-axfr        also try a zone transfer from every nameserver address\n"
      "                      (finding axfr-open when one gives the zone to anyone)\n"
      "  --asn-db FILE       MaxMind-format ASN database: nameservers all in one AS\n"
      "                      count as single-network too\n"
      "  --down-after N      take an address that never answered as down after N\n"
      "                      timeouts: later queries to it fail at once, with the same\n"
      "                      result (default 4; 0: always wait the full timeout)\n"
      "  --port N            send every query to port N instead of 53 (for test\n"
      "                      hierarchies on loopback; not for real audits)\n"
      "  -h, --help          show this help\n"
      "\n"
      "Findings (stable codes): single-provider, single-nameserver, single-network,\n"
      "lame-delegation, serial-mismatch, ns-mismatch, axfr-open, unresolvable,\n"
      "short-expire.\n"
      "\n"
      "Exit status: 0 the audit ran (whatever it found), 1 it could not run (unreadable\n"
      "input, root hints or provider file), 2 usage error.\n",
      kDefaultRootHints);
}

int audit_main(int argc, char** argv) {
  enum Opt { kRootHints = 1000, kFormat, kConcurrency, kTimeout, kRetries, kProviders, kCheckAxfr,
             kAsnDb, kPort, kDownAfter };
  static const option kOptions[] = {{"root-hints", required_argument, nullptr, kRootHints},
                                    {"format", required_argument, nullptr, kFormat},
                                    {"output", required_argument, nullptr, 'o'},
                                    {"concurrency", required_argument, nullptr, kConcurrency},
                                    {"timeout", required_argument, nullptr, kTimeout},
                                    {"retries", required_argument, nullptr, kRetries},
                                    {"providers", required_argument, nullptr, kProviders},
                                    {"check-axfr", no_argument, nullptr, kCheckAxfr},
                                    {"asn-db", required_argument, nullptr, kAsnDb},
                                    {"port", required_argument, nullptr, kPort},
                                    {"down-after", required_argument, nullptr, kDownAfter},
                                    {"help", no_argument, nullptr, 'h'},
                                    {nullptr, 0, nullptr, 0}};
  std::string root_hints = kDefaultRootHints, format, output, providers_file, asn_db;
  audit::AuditorOptions options;
  long v = 0;
  optind = 1;
  opterr = 0;
  auto usage_error = [](const std::string& msg) {
    fprintf(stderr, "tandem audit: %s (see tandem audit --help)\n", msg.c_str());
    return kExitUsage;
  };
  for (int c; (c = getopt_long(argc, argv, ":o:h", kOptions, nullptr)) != -1;) {
    switch (c) {
      case kRootHints: root_hints = optarg; break;
      case kFormat:
        format = optarg;
        if (format != "text" && format != "json" && format != "csv")
          return usage_error("unknown format '" + format + "' (expected text, json or csv)");
        break;
      case 'o': output = optarg; break;
      case kConcurrency:
        if (!parse_int(optarg, 1, 100000, v)) return usage_error("--concurrency takes 1-100000");
        options.concurrency = static_cast<int>(v);
        break;
      case kTimeout:
        if (!parse_int(optarg, 1, 600000, v)) return usage_error("--timeout takes milliseconds, 1-600000");
        options.engine.timeout_ms = static_cast<int>(v);
        break;
      case kRetries:
        if (!parse_int(optarg, 0, 100, v)) return usage_error("--retries takes 0-100");
        options.engine.retries = static_cast<int>(v);
        break;
      case kProviders: providers_file = optarg; break;
      case kCheckAxfr: options.check_axfr = true; break;
      case kAsnDb: asn_db = optarg; break;
      case kPort:
        if (!parse_int(optarg, 1, 65535, v)) return usage_error("--port takes 1-65535");
        options.engine.port_override = static_cast<uint16_t>(v);
        break;
      case kDownAfter:
        if (!parse_int(optarg, 0, 1000000, v)) return usage_error("--down-after takes 0-1000000");
        options.engine.down_after_timeouts = static_cast<int>(v);
        break;
      case 'h': audit_usage(); return kExitOk;
      case ':': return usage_error(std::string("option ") + argv[optind - 1] + " needs a value");
      default: return usage_error(std::string("unknown option ") + argv[optind - 1]);
    }
  }
  if (optind + 1 != argc) return usage_error(optind == argc ? "missing DOMAINS_FILE" : "more than one DOMAINS_FILE");
  const std::string input = argv[optind];
  if (format.empty()) format = (output.empty() && isatty(STDOUT_FILENO)) ? "text" : "json";

  try {
    // Input.
    std::string text;
    if (input == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), {});
    } else {
      std::ifstream f(input, std::ios::binary);
      if (!f) {
        fprintf(stderr, "tandem audit: cannot read '%s': %s\n", input.c_str(), strerror(errno));
        return kExitFailure;
      }
      text.assign(std::istreambuf_iterator<char>(f), {});
    }
    audit::ParsedDomains parsed = audit::parse_domains(text, input);
    for (const auto& e : parsed.errors) fprintf(stderr, "%s\n", e.c_str());
    for (const auto& w : parsed.warnings) fprintf(stderr, "%s\n", w.c_str());

    auto hints = audit::load_root_hints(root_hints);
    if (!hints) {
      fprintf(stderr, "tandem audit: %s\n", hints.error().c_str());
      return kExitFailure;
    }
    options.root_hints = std::move(*hints);
    audit::ProviderTable providers;
    if (!providers_file.empty()) providers.load_file(providers_file);
    std::unique_ptr<audit::AsnDatabase> asn;
    audit::AnalysisOptions analysis;
    if (!asn_db.empty()) {
      asn = std::make_unique<audit::AsnDatabase>(asn_db);
      analysis.asn_lookup = [db = asn.get()](const net::SocketAddress& a) { return db->lookup(a); };
    }

    // The audit, with a progress bar when someone is watching.
    const bool progress_bar = isatty(STDERR_FILENO);
    auto started = std::chrono::steady_clock::now();
    audit::Auditor auditor(std::move(options));
    auto last_draw = started;
    std::vector<audit::DomainObservation> observations =
        auditor.audit(parsed.domains, [&](size_t done, size_t total) {
          if (!progress_bar) return;
          auto now = std::chrono::steady_clock::now();
          if (done != total && now - last_draw < std::chrono::milliseconds(100)) return;
          last_draw = now;
          const int width = 40;
          int filled = total ? static_cast<int>(width * done / total) : width;
          double secs = std::chrono::duration<double>(now - started).count();
          fprintf(stderr, "\r[%.*s%*s] %zu/%zu domains, %.0f/s ", filled,
                  "########################################", width - filled, "", done, total,
                  secs > 0 ? static_cast<double>(done) / secs : 0.0);
          if (done == total) fprintf(stderr, "\n");
          fflush(stderr);
        });
    audit::Report report = audit::build_report(std::move(observations), providers, analysis);

    std::ostringstream out;
    if (format == "json") audit::write_json(out, report);
    else if (format == "csv") audit::write_csv(out, report);
    else audit::write_text(out, report);
    if (output.empty()) {
      fwrite(out.str().data(), 1, out.str().size(), stdout);
    } else {
      std::ofstream f(output, std::ios::binary | std::ios::trunc);
      f << out.str();
      if (!f.flush()) {
        fprintf(stderr, "tandem audit: cannot write '%s': %s\n", output.c_str(), strerror(errno));
        return kExitFailure;
      }
    }
    return kExitOk;
  } catch (const std::exception& e) {
    fprintf(stderr, "tandem audit: %s\n", e.what());
    return kExitFailure;
  }
}

}  // namespace tandem::cli
