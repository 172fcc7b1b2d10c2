#include "audit/report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "audit/text_util.h"

namespace tandem::audit {
namespace {

// Length of the valid UTF-8 sequence at s[i] (RFC 3629 4), or 0 if invalid.
size_t utf8_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = byte(i);
  size_t n;
  uint32_t min;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

std::string rtt_text(double ms) {
  if (!std::isfinite(ms)) return "null";
  if (ms < 0) ms = 0;
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, ms, std::chars_format::fixed, 1);
  if (ec != std::errc()) return "null";
  return std::string(buf, p);
}

std::string rank_text(const std::optional<long>& rank) {
  return rank ? std::to_string(*rank) : std::string();
}

const char* status_text(DomainObservation::Status s) {
  return s == DomainObservation::Status::kResolved ? "resolved" : "unresolvable";
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ", ";
    out += json_escape(items[i]);
  }
  return out + "]";
}

// The nameserver's serial for the report: that of its first address (in the
// observation's order) answering authoritatively; null if none did.
std::string serial_json(const NameserverObservation& ns) {
  for (const auto& p : ns.addresses) {
    if (probe_is_authoritative(p)) return std::to_string(*p.serial);
  }
  return "null";
}

// The fastest response among the nameserver's addresses; null if none answered.
std::string rtt_json(const NameserverObservation& ns) {
  std::optional<double> best;
  for (const auto& p : ns.addresses) {
    if (p.reply != AddressProbe::Reply::kAnswer) continue;
    if (!best || p.rtt_ms < *best) best = p.rtt_ms;
  }
  return best ? rtt_text(*best) : "null";
}

std::string pad_right(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}
std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

std::string json_escape(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<uint8_t>(text[i]);
    if (c >= 0x80) {
      size_t n = utf8_length(text, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out + "\"";
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

DomainReport analyze_domain(DomainObservation observation, ProviderTable& providers,
                            const AnalysisOptions& options) {
  DomainReport r;
  r.observation = std::move(observation);
  r.nameserver_providers.reserve(r.observation.nameservers.size());
  for (const auto& ns : r.observation.nameservers) {
    r.nameserver_providers.push_back(providers.provider_of(ns.name));
  }
  r.providers = r.nameserver_providers;
  std::sort(r.providers.begin(), r.providers.end());
  r.providers.erase(std::unique(r.providers.begin(), r.providers.end()), r.providers.end());
  r.findings = analyze(r.observation, r.nameserver_providers, options);
  return r;
}

Summary summarize(const std::vector<DomainReport>& domains) {
  Summary s;
  s.domains = domains.size();
  std::map<std::string, ProviderCount> counts;
  for (const auto& d : domains) {
    if (d.observation.status != DomainObservation::Status::kResolved) {
      ++s.unresolvable;
      continue;
    }
    ++s.resolved;
    if (d.providers.size() == 1) ++s.single_provider;
    if (d.providers.size() > 1) ++s.multi_provider;
    for (const auto& p : d.providers) {
      ProviderCount& c = counts[p];
      c.provider = p;
      ++c.domains;
      if (d.providers.size() > 1) ++c.with_other_provider;
    }
  }
  for (auto& [name, c] : counts) s.by_provider.push_back(std::move(c));
  std::stable_sort(s.by_provider.begin(), s.by_provider.end(),
                   [](const ProviderCount& a, const ProviderCount& b) {
                     if (a.domains != b.domains) return a.domains > b.domains;
                     return a.provider < b.provider;
                   });
  return s;
}

Report build_report(std::vector<DomainObservation> observations, ProviderTable& providers,
                    const AnalysisOptions& options) {
  Report report;
  report.domains.reserve(observations.size());
  for (auto& obs : observations) {
    report.domains.push_back(analyze_domain(std::move(obs), providers, options));
  }
  report.summary = summarize(report.domains);
  return report;
}

void write_json(std::ostream& out, const Report& report) {
  const Summary& s = report.summary;
  std::string o;
  o += "{\n  \"summary\": {\n";
  o += "    \"domains\": " + std::to_string(s.domains) + ",\n";
  o += "    \"resolved\": " + std::to_string(s.resolved) + ",\n";
  o += "    \"unresolvable\": " + std::to_string(s.unresolvable) + ",\n";
  o += "    \"single_provider\": " + std::to_string(s.single_provider) + ",\n";
  o += "    \"multi_provider\": " + std::to_string(s.multi_provider) + ",\n";
  o += "    \"by_provider\": [";
  for (size_t i = 0; i < s.by_provider.size(); ++i) {
    const auto& p = s.by_provider[i];
    o += i == 0 ? "\n" : ",\n";
    o += "      {\"provider\": " + json_escape(p.provider) +
         ", \"domains\": " + std::to_string(p.domains) +
         ", \"with_other_provider\": " + std::to_string(p.with_other_provider) + "}";
  }
  o += s.by_provider.empty() ? "]\n" : "\n    ]\n";
  o += "  },\n  \"domains\": [";
  out << o;
  for (size_t i = 0; i < report.domains.size(); ++i) {
    const DomainReport& d = report.domains[i];
    const DomainObservation& obs = d.observation;
    o.clear();
    o += i == 0 ? "\n" : ",\n";
    o += "    {\n";
    o += "      \"domain\": " + json_escape(name_text(obs.domain)) + ",\n";
    o += "      \"rank\": " + (obs.rank ? std::to_string(*obs.rank) : std::string("null")) + ",\n";
    o += "      \"status\": \"" + std::string(status_text(obs.status)) + "\",\n";
    o += "      \"nameservers\": [";
    for (size_t k = 0; k < obs.nameservers.size(); ++k) {
      const NameserverObservation& ns = obs.nameservers[k];
      std::vector<std::string> addrs;
      for (const auto& p : ns.addresses) addrs.push_back(address_text(p.address));
      o += k == 0 ? "\n" : ",\n";
      o += "        {\"name\": " + json_escape(name_text(ns.name)) +
           ", \"addresses\": " + json_list(addrs) + ", \"provider\": " +
           json_escape(k < d.nameserver_providers.size() ? d.nameserver_providers[k] : "") +
           ", \"authoritative\": " + (nameserver_is_authoritative(ns) ? "true" : "false") +
           ", \"serial\": " + serial_json(ns) + ", \"rtt_ms\": " + rtt_json(ns) + "}";
    }
    o += obs.nameservers.empty() ? "],\n" : "\n      ],\n";
    o += "      \"providers\": " + json_list(d.providers) + ",\n";
    o += "      \"findings\": [";
    for (size_t k = 0; k < d.findings.size(); ++k) {
      o += k == 0 ? "\n" : ",\n";
      o += "        {\"code\": \"" + std::string(finding_code_text(d.findings[k].code)) +
           "\", \"detail\": " + json_escape(d.findings[k].detail) + "}";
    }
    o += d.findings.empty() ? "]\n" : "\n      ]\n";
    o += "    }";
    out << o;
  }
  out << (report.domains.empty() ? "]\n}\n" : "\n  ]\n}\n");
}

void write_csv(std::ostream& out, const Report& report) {
  out << "domain,rank,status,providers,nameservers,findings\r\n";
  for (const DomainReport& d : report.domains) {
    const DomainObservation& obs = d.observation;
    std::vector<std::string> names, codes;
    for (const auto& ns : obs.nameservers) names.push_back(name_text(ns.name));
    for (const auto& f : d.findings) {
      std::string code = finding_code_text(f.code);
      if (codes.empty() || codes.back() != code) codes.push_back(code);  // sorted by code
    }
    out << csv_field(name_text(obs.domain)) << ',' << rank_text(obs.rank) << ','
        << status_text(obs.status) << ',' << csv_field(join(d.providers, ";")) << ','
        << csv_field(join(names, ";")) << ',' << csv_field(join(codes, ";")) << "\r\n";
  }
}

void write_text(std::ostream& out, const Report& report) {
  const Summary& s = report.summary;
  out << s.domains << " domains audited, " << s.resolved << " resolved, " << s.unresolvable
      << " unresolvable\n";
  out << s.single_provider << " rely on a single provider, " << s.multi_provider
      << " have nameservers on more than one provider\n";

  if (!s.by_provider.empty()) {
    const std::string h1 = "provider", h2 = "domains", h3 = "with another provider";
    size_t w1 = h1.size(), w2 = h2.size(), w3 = h3.size();
    for (const auto& p : s.by_provider) {
      w1 = std::max(w1, p.provider.size());
      w2 = std::max(w2, std::to_string(p.domains).size());
      w3 = std::max(w3, std::to_string(p.with_other_provider).size());
    }
    out << "\n"
        << pad_right(h1, w1) << "  " << pad_left(h2, w2) << "  " << pad_left(h3, w3) << "\n";
    for (const auto& p : s.by_provider) {
      out << pad_right(p.provider, w1) << "  " << pad_left(std::to_string(p.domains), w2) << "  "
          << pad_left(std::to_string(p.with_other_provider), w3) << "\n";
    }
  }

  size_t clean = 0;
  bool header = false;
  for (const DomainReport& d : report.domains) {
    if (d.findings.empty()) {
      ++clean;
      continue;
    }
    if (!header) {
      out << "\nFindings:\n";
      header = true;
    }
    const DomainObservation& obs = d.observation;
    out << "\n" << name_text(obs.domain);
    if (obs.rank) out << " (rank " << *obs.rank << ")";
    if (!d.providers.empty()) out << ": " << join(d.providers, ", ");
    out << "\n";
    for (const auto& f : d.findings)
      out << "  " << finding_code_text(f.code) << ": " << f.detail << "\n";
  }
  out << "\n" << clean << (clean == 1 ? " domain" : " domains") << " without findings\n";
}

}  // namespace tandem::audit
