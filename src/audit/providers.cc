#include "audit/providers.h"

#include <libpsl.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "audit/text_util.h"

namespace tandem::audit {

// Keep in step with data/providers.txt (a unit test compares them).
const char* const kBuiltinProviderRules =
    R"(# Tandem audit: the built-in table of well-known DNS providers.
# The same rules are compiled into the binary (src/audit/providers.cc); this
# file documents them and shows the format of `tandem audit --providers FILE`.
# See docs/audit-providers.md for the pattern syntax.
#
# PATTERN                PROVIDER NAME (rest of the line)
*.ns.cloudflare.com      Cloudflare
cloudflare.com           Cloudflare
foundationdns.*          Cloudflare
awsdns-*                 Amazon Route 53
domaincontrol.com        GoDaddy
nsone.net                NS1
dnsmadeeasy.com          DNS Made Easy
ultradns.*               UltraDNS
akam.net                 Akamai
dynect.net               Dyn
edgecastdns.net          Edgecast
googledomains.com        Google Cloud DNS
azure-dns.*              Azure DNS
)";

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower_copy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// '*' matches any run of characters (possibly empty); everything else itself.
bool glob_match(std::string_view glob, std::string_view text) {
  size_t g = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = t;
    } else if (g < glob.size() && glob[g] == text[t]) {
      ++g;
      ++t;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

bool valid_name_chars(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string host_text(const dns::Name& name) {
  std::string text = name.lowered().to_text();
  if (text.size() > 1 && text.back() == '.') text.pop_back();
  return text;
}

// Parses rules text into `out`; bad lines go to `errors`. `psl` (may be
// null) refuses patterns that are public suffixes.
void parse_rules(std::string_view text, const std::string& filename, const psl_ctx_t* psl,
                 std::vector<ProviderRule>& out, std::vector<std::string>& errors) {
  ListLines lines(text);
  for (std::string_view line; lines.next(line);) {
    auto error = [&](const std::string& msg) {
      errors.push_back(filename + ":" + std::to_string(lines.line_no()) + ": " + msg);
    };
    size_t space = line.find_first_of(" \t");
    if (space == std::string_view::npos) {
      error("missing provider name after pattern '" + std::string(line) + "'");
      continue;
    }
    ProviderRule rule;
    rule.pattern = std::string(line.substr(0, space));
    // The provider name is the rest of the line, inner blanks collapsed.
    std::string provider;
    for (char c : trim(line.substr(space))) {
      bool blank = c == ' ' || c == '\t';
      if (blank && !provider.empty() && provider.back() == ' ') continue;
      provider.push_back(blank ? ' ' : c);
    }
    rule.provider = std::move(provider);
    if (std::string why = parse_provider_pattern(rule.pattern, rule); !why.empty()) {
      error(why);
      continue;
    }
    if (psl != nullptr && rule.kind != ProviderRule::Kind::kRegisteredGlob) {
      std::string target =
          rule.kind == ProviderRule::Kind::kBelow ? rule.name.substr(1) : rule.name;
      if (psl_is_public_suffix(psl, target.c_str())) {
        error("pattern '" + rule.pattern + "': '" + target +
              "' is a public suffix; the rule would claim every domain under it");
        continue;
      }
    }
    out.push_back(std::move(rule));
  }
}

}  // namespace

std::string parse_provider_pattern(std::string_view pattern_in, ProviderRule& rule) {
  std::string pattern = lower_copy(pattern_in);
  if (pattern.size() > 1 && pattern.back() == '.') pattern.pop_back();
  const std::string quoted = "pattern '" + std::string(pattern_in) + "': ";
  if (pattern.rfind("*.", 0) == 0) {
    std::string rest = pattern.substr(2);
    if (rest.find('*') != std::string::npos || !valid_name_chars(rest)) {
      return quoted + "expected '*.SUFFIX' with SUFFIX a domain name";
    }
    rule.kind = ProviderRule::Kind::kBelow;
    rule.name = "." + rest;
    rule.suffix.clear();
    return {};
  }
  if (pattern.find('*') == std::string::npos) {
    if (!valid_name_chars(pattern)) return quoted + "not a domain name";
    rule.kind = ProviderRule::Kind::kExact;
    rule.name = pattern;
    rule.suffix.clear();
    return {};
  }
  size_t dot = pattern.find('.');
  std::string glob = pattern.substr(0, dot);
  std::string suffix = dot == std::string::npos ? std::string() : pattern.substr(dot + 1);
  const bool any_suffix = suffix == "*";
  if (any_suffix) suffix.clear();
  std::string glob_chars = glob;  // '*' aside, the glob must look like a label
  for (char& c : glob_chars) {
    if (c == '*') c = 'x';
  }
  bool glob_ok = glob != "*" && (any_suffix || glob.find('*') != std::string::npos) &&
                 valid_name_chars(glob_chars);
  bool suffix_ok =
      suffix.empty() || (suffix.find('*') == std::string::npos && valid_name_chars(suffix));
  if (!glob_ok || !suffix_ok) {
    return quoted +
           "'*' may only stand for the first label ('*.SUFFIX'), inside the registered domain's "
           "first label ('awsdns-*', 'awsdns-*.net') or for any public suffix ('ultradns.*')";
  }
  rule.kind = ProviderRule::Kind::kRegisteredGlob;
  rule.name = glob;
  rule.suffix = suffix;
  return {};
}

void ProviderTable::PslDeleter::operator()(psl_ctx_st* p) const {
  // The list compiled into libpsl is static data, never ours to free.
  if (p != nullptr && p != psl_builtin()) psl_free(p);
}

ProviderTable::ProviderTable(const std::string& psl_file) {
  if (!psl_file.empty()) {
    psl_.reset(psl_load_file(psl_file.c_str()));
    if (psl_) psl_source_ = psl_file;
  }
  if (!psl_) {
    // The newest of the lists libpsl knows about (system files, built-in).
    psl_.reset(psl_latest(nullptr));
    if (psl_) psl_source_ = "latest";
  }
  if (!psl_) {
    psl_.reset(const_cast<psl_ctx_t*>(psl_builtin()));
    if (psl_) psl_source_ = "builtin";
  }
  if (!psl_) {
    throw std::runtime_error("cannot load the Public Suffix List from '" + psl_file +
                             "' nor from libpsl (install Debian's publicsuffix package)");
  }
  std::vector<std::string> errors;
  parse_rules(kBuiltinProviderRules, "<built-in providers>", nullptr, builtin_rules_, errors);
  if (!errors.empty()) throw std::logic_error("bad built-in provider rule: " + errors.front());
}

ProviderTable::~ProviderTable() = default;

std::vector<std::string> ProviderTable::add_rules(std::string_view text,
                                                  const std::string& filename) {
  std::vector<std::string> errors;
  std::vector<ProviderRule> rules;
  parse_rules(text, filename, psl_.get(), rules, errors);
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& r : rules) user_rules_.push_back(std::move(r));
  cache_.clear();
  return errors;
}

void ProviderTable::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read providers file '" + path + "'");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw std::runtime_error("error reading providers file '" + path + "'");
  std::vector<std::string> errors = add_rules(buf.str(), path);
  if (!errors.empty()) {
    std::string msg = "bad providers file:";
    for (const auto& e : errors) msg += "\n  " + e;
    throw std::runtime_error(msg);
  }
}

std::string ProviderTable::registered_domain(const std::string& host) const {
  const char* r = psl_registrable_domain(psl_.get(), host.c_str());
  return r == nullptr ? std::string() : std::string(r);
}

bool ProviderTable::matches(const ProviderRule& rule, const std::string& host,
                            const std::string& registered) const {
  switch (rule.kind) {
    case ProviderRule::Kind::kBelow:
      return host.size() > rule.name.size() && ends_with(host, rule.name);
    case ProviderRule::Kind::kExact:
      return host == rule.name || (host.size() > rule.name.size() && ends_with(host, rule.name) &&
                                   host[host.size() - rule.name.size() - 1] == '.');
    case ProviderRule::Kind::kRegisteredGlob: {
      if (registered.empty()) return false;
      size_t dot = registered.find('.');
      std::string_view first = std::string_view(registered).substr(0, dot);
      std::string_view suffix = dot == std::string::npos
                                    ? std::string_view()
                                    : std::string_view(registered).substr(dot + 1);
      return glob_match(rule.name, first) && (rule.suffix.empty() || suffix == rule.suffix);
    }
  }
  return false;
}

std::string ProviderTable::lookup(const std::string& host) const {
  std::string registered = registered_domain(host);
  for (const auto* rules : {&user_rules_, &builtin_rules_}) {
    for (const auto& rule : *rules) {
      if (matches(rule, host, registered)) return rule.provider;
    }
  }
  return registered.empty() ? host : registered;
}

std::string ProviderTable::provider_of(std::string_view nameserver) {
  std::string host = lower_copy(nameserver);
  if (host.size() > 1 && host.back() == '.') host.pop_back();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = cache_.find(host);
  if (it != cache_.end()) return it->second;
  std::string provider = lookup(host);
  cache_.emplace(std::move(host), provider);
  return provider;
}

std::string ProviderTable::provider_of(const dns::Name& nameserver) {
  return provider_of(host_text(nameserver));
}

}  // namespace tandem::audit
