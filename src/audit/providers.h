// Which DNS provider runs a nameserver, judged from its name: the registered
// domain of the name by the Public Suffix List, mapped through a table of
// well-known providers (built in; documented in docs/audit-providers.md and
// shipped as data/providers.txt, the format of `--providers FILE`).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dns/name.h"

struct psl_ctx_st;

namespace tandem::audit {

// Debian's compiled Public Suffix List (package publicsuffix).
inline constexpr const char* kDefaultPslFile = "/usr/share/publicsuffix/public_suffix_list.dafsa";

// The built-in rules, in the `--providers FILE` format.
extern const char* const kBuiltinProviderRules;

// One "PATTERN PROVIDER NAME..." rule. Patterns (matched against the
// lower-cased nameserver name without its trailing dot):
//  - "*.SUFFIX": the name lies strictly below SUFFIX ("*.ns.cloudflare.com");
//  - "NAME" without '*': the name equals NAME or lies below it ("nsone.net");
//  - "GLOB", "GLOB.*" or "GLOB.SUFFIX" where GLOB is one label containing
//    '*' (any run of characters, possibly empty): the first label of the
//    name's registered domain matches GLOB, and its public suffix is SUFFIX
//    (any public suffix without it or with ".*"): "awsdns-*", "ultradns.*".
struct ProviderRule {
  enum class Kind { kBelow, kExact, kRegisteredGlob };
  Kind kind = Kind::kExact;
  std::string pattern;  // as written
  std::string name;     // kBelow: ".SUFFIX"; kExact: NAME; kRegisteredGlob: GLOB
  std::string suffix;   // kRegisteredGlob: SUFFIX, empty for any
  std::string provider;
};

// Parses one pattern into `rule` (kind, name, suffix). Returns an empty
// string on success, else a message.
std::string parse_provider_pattern(std::string_view pattern, ProviderRule& rule);

// Maps nameserver names to providers. Lookups are cached per name and
// guarded by a mutex, so one table can be shared between threads.
class ProviderTable {
 public:
  // Built-in rules and the Public Suffix List from `psl_file` (DAFSA or
  // text format), falling back to the newest list libpsl finds
  // (psl_latest), then to the one compiled into libpsl. Throws std::runtime_error when no list can
  // be loaded at all. An empty `psl_file` skips straight to the fallbacks.
  explicit ProviderTable(const std::string& psl_file = kDefaultPslFile);
  ~ProviderTable();
  ProviderTable(const ProviderTable&) = delete;
  ProviderTable& operator=(const ProviderTable&) = delete;

  // Adds rules in the `--providers FILE` format: one "PATTERN PROVIDER
  // NAME..." per line, '#' comments, blank lines ignored. Rules added here
  // are tried before the built-in ones, in file order (first match wins),
  // so they extend and override. Returns "file:line: message" for each bad
  // line (skipped); a pattern that is itself a public suffix ("co.uk") is
  // refused since it would claim every domain under it.
  std::vector<std::string> add_rules(std::string_view text, const std::string& filename);
  // Reads and adds a rules file. Throws std::runtime_error if it cannot be
  // read or has bad lines (the message lists them).
  void load_file(const std::string& path);

  // The provider of a nameserver: the first matching rule's provider, else
  // the name's registered domain (lower-case, no trailing dot), else, for
  // a name that has none (a public suffix itself), the name itself.
  std::string provider_of(const dns::Name& nameserver);
  // Same, from text ("ns1.Example.net." or without the dot).
  std::string provider_of(std::string_view nameserver);

  // The registered domain of a lower-case name without trailing dot, or ""
  // when it has none.
  std::string registered_domain(const std::string& host) const;

  const std::vector<ProviderRule>& user_rules() const { return user_rules_; }
  const std::vector<ProviderRule>& builtin_rules() const { return builtin_rules_; }
  // Which list was loaded: the file name, "latest" or "builtin".
  const std::string& psl_source() const { return psl_source_; }

 private:
  std::string lookup(const std::string& host) const;
  bool matches(const ProviderRule& rule, const std::string& host,
               const std::string& registered) const;

  struct PslDeleter {
    void operator()(psl_ctx_st* p) const;
  };
  std::unique_ptr<psl_ctx_st, PslDeleter> psl_;
  std::string psl_source_;
  std::vector<ProviderRule> user_rules_;
  std::vector<ProviderRule> builtin_rules_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> cache_;  // host -> provider
};

}  // namespace tandem::audit
