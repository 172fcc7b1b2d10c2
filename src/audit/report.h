// The audit's report: per-domain results (nameservers, providers, findings)
// and a summary in the study's terms, written as JSON, CSV or text. Output is
// deterministic: the same observations give byte-identical reports, domains
// in input order.
//
// Conventions: names (domains, nameservers, MNAMEs) are lower-case without
// the trailing dot; addresses are IPs, "@PORT" added when not 53.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "audit/findings.h"
#include "audit/observation.h"
#include "audit/providers.h"

namespace tandem::audit {

struct DomainReport {
  DomainObservation observation;
  std::vector<std::string> nameserver_providers;  // parallel to observation.nameservers
  std::vector<std::string> providers;             // distinct, sorted
  std::vector<Finding> findings;                  // sorted (see analyze)
};

struct ProviderCount {
  std::string provider;
  size_t domains = 0;              // resolved domains with a nameserver on it
  size_t with_other_provider = 0;  // of those, how many also use another provider
  bool operator==(const ProviderCount&) const = default;
};

// Counted over resolved domains only, so single_provider + multi_provider ==
// resolved (a resolved domain has at least one nameserver).
struct Summary {
  size_t domains = 0;
  size_t resolved = 0;
  size_t unresolvable = 0;
  size_t single_provider = 0;              // resolved, all nameservers on one provider
  size_t multi_provider = 0;               // resolved, nameservers on more than one provider
  std::vector<ProviderCount> by_provider;  // by domains desc, then provider name
};

struct Report {
  Summary summary;
  std::vector<DomainReport> domains;  // input order
};

// Identifies the providers of a domain's nameservers and runs analyze().
DomainReport analyze_domain(DomainObservation observation, ProviderTable& providers,
                            const AnalysisOptions& options);
// The summary counts of already analysed domains.
Summary summarize(const std::vector<DomainReport>& domains);
// analyze_domain on each observation (kept in the given order), then summarize.
Report build_report(std::vector<DomainObservation> observations, ProviderTable& providers,
                    const AnalysisOptions& options);

// {"summary": {...}, "domains": [...]} as in the contract of issue 4, with a
// newline at the end. Strings escaped per RFC 8259 7 (invalid UTF-8 becomes
// U+FFFD); rank and serial null when unknown; rtt_ms with one decimal, the
// fastest answer of the nameserver's addresses, null if none answered.
void write_json(std::ostream& out, const Report& report);
// RFC 4180: a header, then one row per domain
// "domain,rank,status,providers,nameservers,findings" (lists joined with ';',
// finding codes each once), CRLF line ends, fields quoted when needed.
void write_csv(std::ostream& out, const Report& report);
// For people: the summary in the study's terms, the providers table, then the
// domains that have findings, each finding with its detail.
void write_text(std::ostream& out, const Report& report);

// Helpers, exposed for tests.
std::string json_escape(std::string_view text);  // with the quotes
std::string csv_field(std::string_view text);    // quoted only when needed

}  // namespace tandem::audit
