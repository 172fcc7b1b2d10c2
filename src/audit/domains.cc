#include "audit/domains.h"

#include <charconv>
#include <unordered_map>

#include "audit/text_util.h"

namespace tandem::audit {
namespace {

bool is_host_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Checks `text` (no trailing dot) as a host name; returns an empty string when
// valid, else why not.
std::string check_host(std::string_view text) {
  if (text.empty()) return "empty domain";
  for (unsigned char c : text) {
    if (c >= 0x80)
      return "non-ASCII domain '" + std::string(text) +
             "': give internationalized names in punycode (xn--...)";
  }
  size_t total = 1;  // the root label
  size_t start = 0;
  std::string_view last;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    std::string_view label = text.substr(start, dot - start);
    if (label.empty()) return "empty label in '" + std::string(text) + "'";
    if (label.size() > dns::kMaxLabel) {
      return "label longer than 63 octets in '" + std::string(text) + "'";
    }
    for (unsigned char c : label) {
      if (!is_host_char(c)) {
        return "invalid character '" + std::string(1, static_cast<char>(c)) + "' in '" +
               std::string(text) + "' (letters, digits, '-' and '_' only)";
      }
    }
    total += label.size() + 1;
    last = label;
    start = dot + 1;
  }
  if (total > dns::kMaxNameWire) return "name longer than 255 octets: '" + std::string(text) + "'";
  // RFC 3696 2: a top-level label is never all-numeric; this rejects IP
  // addresses that some lists contain.
  bool numeric = true;
  for (unsigned char c : last) numeric = numeric && c >= '0' && c <= '9';
  if (numeric) return "'" + std::string(text) + "' is not a domain name (all-numeric last label)";
  return {};
}

}  // namespace

ParsedDomains parse_domains(std::string_view text, const std::string& filename) {
  ParsedDomains out;
  const std::string file = filename == "-" ? std::string("<stdin>") : filename;
  std::unordered_map<std::string, size_t> seen;  // lower-cased wire name -> first line
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM of some spreadsheets
  ListLines lines(text);
  for (std::string_view line; lines.next(line);) {
    const size_t line_no = lines.line_no();
    auto report = [&](std::vector<std::string>& to, const std::string& msg) {
      to.push_back(file + ":" + std::to_string(line_no) + ": " + msg);
    };

    std::optional<long> rank;
    std::string_view domain = line;
    if (size_t comma = line.find(','); comma != std::string_view::npos) {
      std::string_view rank_text = trim(line.substr(0, comma));
      domain = trim(line.substr(comma + 1));
      if (domain.find(',') != std::string_view::npos) {
        report(out.errors, "too many fields (expected DOMAIN or RANK,DOMAIN)");
        continue;
      }
      long value = 0;
      auto [p, ec] = std::from_chars(rank_text.data(), rank_text.data() + rank_text.size(), value);
      if (rank_text.empty() || ec != std::errc() || p != rank_text.data() + rank_text.size() ||
          value < 0) {
        report(out.errors, "invalid rank '" + std::string(rank_text) +
                               "' (expected a non-negative integer before the comma)");
        continue;
      }
      rank = value;
    }
    std::string_view host = domain;
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (domain.empty() || (host.empty() && domain == ".")) {
      report(out.errors, domain.empty() ? "empty domain" : "the root is not a domain to audit");
      continue;
    }
    if (std::string why = check_host(host); !why.empty()) {
      report(out.errors, why);
      continue;
    }
    auto name = dns::Name::parse_absolute(host);
    if (!name) {  // check_host is stricter, so this only guards against drift
      report(out.errors, "invalid domain '" + std::string(domain) + "': " + name.error());
      continue;
    }
    dns::Name lowered = name->lowered();
    std::string key(reinterpret_cast<const char*>(lowered.data()), lowered.size());
    auto [it, inserted] = seen.emplace(std::move(key), line_no);
    if (!inserted) {
      report(out.warnings, "duplicate domain '" + std::string(domain) + "' (first on line " +
                               std::to_string(it->second) + "), skipped");
      continue;
    }
    out.domains.push_back(DomainInput{std::string(domain), std::move(lowered), rank, line_no});
  }
  return out;
}

}  // namespace tandem::audit
