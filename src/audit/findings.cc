#include "audit/findings.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "audit/text_util.h"
#include "dns/types.h"

namespace tandem::audit {
namespace {

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The IP of an address as 4 or 16 bytes (IPv4-mapped IPv6 folded to IPv4),
// or an empty string for another family.
std::string ip_bytes(const net::SocketAddress& a) {
  if (a.family() == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(a.sa());
    return std::string(reinterpret_cast<const char*>(&sin->sin_addr), 4);
  }
  if (a.family() == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a.sa());
    const auto* b = reinterpret_cast<const char*>(&sin6->sin6_addr);
    static const char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\xff', '\xff'};
    if (std::memcmp(b, kMapped, 12) == 0) return std::string(b + 12, 4);
    return std::string(b, 16);
  }
  return {};
}

std::string prefix_text(const std::string& bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (bytes.size() == 4) {
    uint8_t v4[4] = {};
    std::memcpy(v4, bytes.data(), 3);
    inet_ntop(AF_INET, v4, buf, sizeof buf);
    return std::string(buf) + "/24";
  }
  uint8_t v6[16] = {};
  std::memcpy(v6, bytes.data(), 6);
  inet_ntop(AF_INET6, v6, buf, sizeof buf);
  return std::string(buf) + "/48";
}

std::optional<Finding> single_network(const DomainObservation& obs,
                                      const AnalysisOptions& options) {
  std::vector<const net::SocketAddress*> addresses;
  std::set<std::string> ips;
  for (const auto& ns : obs.nameservers) {
    for (const auto& probe : ns.addresses) {
      std::string ip = ip_bytes(probe.address);
      if (ip.empty()) continue;
      if (ips.insert(ip).second) addresses.push_back(&probe.address);
    }
  }
  if (ips.empty()) return std::nullopt;
  const std::string count = ips.size() == 1 ? std::string("the only address")
                                            : "all " + std::to_string(ips.size()) + " addresses";
  // One network prefix: every address has the family and prefix of the first.
  const std::string& first = *ips.begin();
  const size_t prefix_len = first.size() == 4 ? 3 : 6;  // /24 or /48
  bool same_prefix = std::all_of(ips.begin(), ips.end(), [&](const std::string& ip) {
    return ip.size() == first.size() && ip.compare(0, prefix_len, first, 0, prefix_len) == 0;
  });
  if (same_prefix) return Finding{FindingCode::kSingleNetwork, count + " in " + prefix_text(first)};
  if (options.asn_lookup) {
    std::optional<uint32_t> asn;
    for (const auto* a : addresses) {
      std::optional<uint32_t> this_asn = options.asn_lookup(*a);
      if (!this_asn || (asn && *asn != *this_asn)) return std::nullopt;
      asn = this_asn;
    }
    return Finding{FindingCode::kSingleNetwork, count + " in one autonomous system, AS" +
                                                    std::to_string(*asn) + " (several prefixes)"};
  }
  return std::nullopt;
}

std::string rcode_text(uint8_t rcode) { return dns::rcode_to_text(rcode); }

}  // namespace

const char* finding_code_text(FindingCode code) {
  switch (code) {
    case FindingCode::kSingleProvider: return "single-provider";
    case FindingCode::kSingleNameserver: return "single-nameserver";
    case FindingCode::kSingleNetwork: return "single-network";
    case FindingCode::kLameDelegation: return "lame-delegation";
    case FindingCode::kSerialMismatch: return "serial-mismatch";
    case FindingCode::kNsMismatch: return "ns-mismatch";
    case FindingCode::kAxfrOpen: return "axfr-open";
    case FindingCode::kUnresolvable: return "unresolvable";
    case FindingCode::kShortExpire: return "short-expire";
  }
  return "unknown";
}

std::string name_text(const dns::Name& name) {
  std::string text = name.lowered().to_text();
  if (text.size() > 1 && text.back() == '.') text.pop_back();
  return text;
}

std::string address_text(const net::SocketAddress& address) {
  char buf[INET6_ADDRSTRLEN] = {};
  std::string ip;
  if (address.family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address.sa())->sin_addr, buf,
              sizeof buf);
    ip = buf;
  } else if (address.family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address.sa())->sin6_addr, buf,
              sizeof buf);
    ip = buf;
  } else {
    return "?";
  }
  uint16_t port = address.port();
  if (port != 53 && port != 0) ip += "@" + std::to_string(port);
  return ip;
}

bool probe_is_authoritative(const AddressProbe& p) {
  return p.reply == AddressProbe::Reply::kAnswer && p.rcode == dns::rcode::kNoError &&
         p.authoritative && p.serial.has_value();
}

std::string probe_problem(const AddressProbe& p) {
  switch (p.reply) {
    case AddressProbe::Reply::kTimeout: return "timed out";
    case AddressProbe::Reply::kNoListener: return "no listener";
    case AddressProbe::Reply::kMalformed: return "malformed response";
    case AddressProbe::Reply::kAnswer: break;
  }
  if (p.rcode != dns::rcode::kNoError) return "answered " + rcode_text(p.rcode);
  if (!p.authoritative) return "answered without AA (not authoritative)";
  if (!p.serial) return "answered without the SOA";
  return {};
}

bool nameserver_is_authoritative(const NameserverObservation& ns) {
  return !ns.addresses.empty() &&
         std::all_of(ns.addresses.begin(), ns.addresses.end(),
                     [](const AddressProbe& p) { return probe_is_authoritative(p); });
}

std::vector<Finding> analyze(const DomainObservation& obs,
                             const std::vector<std::string>& provider_of_each_nameserver,
                             const AnalysisOptions& options) {
  std::vector<Finding> out;
  if (obs.status == DomainObservation::Status::kUnresolvable) {
    out.push_back({FindingCode::kUnresolvable, obs.unresolvable_reason.empty()
                                                   ? std::string("no answer")
                                                   : obs.unresolvable_reason});
    return out;
  }

  // single-nameserver, single-provider
  if (obs.nameservers.size() == 1) {
    out.push_back({FindingCode::kSingleNameserver,
                   "only nameserver: " + name_text(obs.nameservers.front().name)});
  }
  std::vector<std::string> providers = sorted_unique(provider_of_each_nameserver);
  if (providers.size() == 1 && !obs.nameservers.empty()) {
    size_t n = obs.nameservers.size();
    out.push_back(
        {FindingCode::kSingleProvider, (n == 1 ? std::string("the only nameserver is")
                                               : "all " + std::to_string(n) + " nameservers are") +
                                           " on " + providers.front()});
  }

  if (auto f = single_network(obs, options)) out.push_back(std::move(*f));

  // lame-delegation: one finding per lame nameserver name.
  for (const auto& ns : obs.nameservers) {
    std::vector<std::string> problems;
    if (ns.addresses.empty()) {
      problems.push_back(ns.resolve_error.empty() ? "no address"
                                                  : "no address (" + ns.resolve_error + ")");
    }
    for (const auto& probe : ns.addresses) {
      std::string why = probe_problem(probe);
      if (!why.empty()) problems.push_back(address_text(probe.address) + " " + why);
    }
    if (!problems.empty()) {
      out.push_back({FindingCode::kLameDelegation,
                     name_text(ns.name) + ": " + join(sorted_unique(problems), ", ")});
    }
  }

  // serial-mismatch, short-expire: over authoritative SOA answers.
  std::set<std::pair<std::string, uint32_t>> serial_of_name;  // (ns, serial)
  std::set<uint32_t> serials;
  std::set<std::string> mnames;
  std::map<uint32_t, std::set<std::string>> short_expire;  // expire -> ns names
  for (const auto& ns : obs.nameservers) {
    for (const auto& probe : ns.addresses) {
      if (!probe_is_authoritative(probe)) continue;
      serial_of_name.emplace(name_text(ns.name), *probe.serial);
      serials.insert(*probe.serial);
      if (probe.mname) mnames.insert(name_text(*probe.mname));
      if (probe.expire && *probe.expire < options.min_expire) {
        short_expire[*probe.expire].insert(name_text(ns.name));
      }
    }
  }
  if (serials.size() > 1) {
    std::vector<std::string> parts;
    for (const auto& [name, serial] : serial_of_name)
      parts.push_back(name + "=" + std::to_string(serial));
    std::string detail = join(parts, ", ");
    std::vector<std::string> m(mnames.begin(), mnames.end());
    if (m.size() == 1) {
      detail += "; same primary " + m.front() + ": a secondary lags";
    } else if (m.size() > 1) {
      detail += "; different primaries (" + join(m, ", ") + "): independently maintained copies";
    }
    out.push_back({FindingCode::kSerialMismatch, std::move(detail)});
  }

  // ns-mismatch: only when the child's NS set is known.
  bool child_known = false;
  for (const auto& ns : obs.nameservers) {
    for (const auto& probe : ns.addresses) child_known = child_known || probe.ns_answered;
  }
  if (child_known && !obs.parent_ns.empty()) {
    std::set<std::string> parent, child;
    for (const auto& n : obs.parent_ns) parent.insert(name_text(n));
    for (const auto& n : obs.child_ns) child.insert(name_text(n));
    std::vector<std::string> only_parent, only_child;
    std::set_difference(parent.begin(), parent.end(), child.begin(), child.end(),
                        std::back_inserter(only_parent));
    std::set_difference(child.begin(), child.end(), parent.begin(), parent.end(),
                        std::back_inserter(only_child));
    if (!only_parent.empty() || !only_child.empty()) {
      std::vector<std::string> parts;
      if (!only_parent.empty()) parts.push_back("only in parent: " + join(only_parent, ", "));
      if (!only_child.empty()) parts.push_back("only in child: " + join(only_child, ", "));
      out.push_back({FindingCode::kNsMismatch, join(parts, "; ")});
    }
  }

  // axfr-open: grouped per nameserver name.
  std::vector<std::string> open;
  for (const auto& ns : obs.nameservers) {
    std::vector<std::string> addrs;
    for (const auto& probe : ns.addresses) {
      if (probe.axfr_open.value_or(false)) addrs.push_back(address_text(probe.address));
    }
    if (!addrs.empty()) {
      open.push_back(name_text(ns.name) + " (" + join(sorted_unique(addrs), ", ") + ")");
    }
  }
  if (!open.empty()) {
    out.push_back({FindingCode::kAxfrOpen,
                   "zone transfer (AXFR) allowed to anyone by " + join(sorted_unique(open), ", ")});
  }

  if (!short_expire.empty()) {
    std::vector<std::string> parts;
    for (const auto& [expire, names] : short_expire) {
      parts.push_back(std::to_string(expire) + " s from " +
                      join(std::vector<std::string>(names.begin(), names.end()), ", "));
    }
    out.push_back({FindingCode::kShortExpire, "SOA expire " + join(parts, "; ") + " (under " +
                                                  std::to_string(options.min_expire) + " s)"});
  }

  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    if (a.code != b.code) return a.code < b.code;
    return a.detail < b.detail;
  });
  return out;
}

}  // namespace tandem::audit
