#include "dns/rdata_text.h"

#include <cstdio>
#include <cstring>

#include "dns/types.h"

namespace tandem::dns {

std::optional<uint32_t> parse_uint(std::string_view text, uint32_t max) {
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > max) return std::nullopt;
  }
  return static_cast<uint32_t>(v);
}

std::optional<uint32_t> parse_ttl(std::string_view text, uint32_t max) {
  if (text.empty()) return std::nullopt;
  uint64_t total = 0;
  bool units_used = false;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;  // a group starts with digits
    uint64_t v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      v = v * 10 + static_cast<uint64_t>(text[i] - '0');
      if (v > max) return std::nullopt;
      ++i;
    }
    uint64_t mult;
    if (i == text.size()) {
      if (units_used) return std::nullopt;  // "1h30": BIND rejects it, so do we
      mult = 1;
    } else {
      switch (text[i] | 0x20) {
        case 's':
          mult = 1;
          break;
        case 'm':
          mult = 60;
          break;
        case 'h':
          mult = 3600;
          break;
        case 'd':
          mult = 86400;
          break;
        case 'w':
          mult = 604800;
          break;
        default:
          return std::nullopt;
      }
      ++i;
      units_used = true;
    }
    total += v * mult;
    if (total > max) return std::nullopt;
  }
  return static_cast<uint32_t>(total);
}

Result<void, std::string> unescape_text(std::string_view raw, std::vector<uint8_t>& out) {
  size_t i = 0;
  const size_t n = raw.size();
  while (i < n) {
    // Copy the run of plain characters in one go.
    size_t j = i;
    while (j < n && raw[j] != '\\') ++j;
    out.insert(out.end(), reinterpret_cast<const uint8_t*>(raw.data() + i),
               reinterpret_cast<const uint8_t*>(raw.data() + j));
    if (j == n) break;
    if (j + 1 >= n) return fail("dangling backslash in '" + std::string(raw) + "'");
    char c = raw[j + 1];
    if (c >= '0' && c <= '9') {
      if (j + 3 >= n || raw[j + 2] < '0' || raw[j + 2] > '9' || raw[j + 3] < '0' ||
          raw[j + 3] > '9')
        return fail("bad \\DDD escape in '" + std::string(raw) + "'");
      int v = (c - '0') * 100 + (raw[j + 2] - '0') * 10 + (raw[j + 3] - '0');
      if (v > 255) return fail("\\DDD escape above 255 in '" + std::string(raw) + "'");
      out.push_back(static_cast<uint8_t>(v));
      i = j + 4;
    } else {
      out.push_back(static_cast<uint8_t>(c));
      i = j + 2;
    }
  }
  return {};
}

Result<void, std::string> append_name(std::string_view text, const Name& origin,
                                      std::vector<uint8_t>& out) {
  const size_t start = out.size();
  if (text == "@") {
    out.insert(out.end(), origin.data(), origin.data() + origin.size());
    return {};
  }
  if (text == ".") {
    out.push_back(0);
    return {};
  }
  // Fast path: no escapes, labels of 1..63 octets, fits in 255 octets.
  bool fast = !text.empty() && memchr(text.data(), '\\', text.size()) == nullptr;
  if (fast) {
    // One pass writing straight into the output: each '.' becomes the length
    // octet of the label after it (the first label's octet is written last).
    const bool absolute = text.back() == '.';
    const size_t body = absolute ? text.size() - 1 : text.size();  // without the final dot
    const size_t total = body + 1 + (absolute ? 1 : origin.size());
    if (total <= kMaxNameWire) {
      out.resize(start + total);
      uint8_t* base = out.data() + start;
      size_t len_at = 0, w = 1, label = 0;
      for (size_t i = 0; i < body && fast; ++i) {
        const char c = text[i];
        if (c == '.') {
          fast = label != 0 && label <= kMaxLabel;
          base[len_at] = static_cast<uint8_t>(label);
          len_at = w++;
          label = 0;
        } else {
          base[w++] = static_cast<uint8_t>(c);
          ++label;
        }
      }
      fast = fast && label != 0 && label <= kMaxLabel;
      if (fast) {
        base[len_at] = static_cast<uint8_t>(label);
        if (absolute)
          base[w] = 0;
        else
          memcpy(base + w, origin.data(), origin.size());
        return {};
      }
    }
    out.resize(start);
  }
  // Reference path: exact RFC 1035 5.1 rules and the error messages of Name.
  auto name = Name::parse(text, origin);
  if (!name) return fail(name.error());
  out.insert(out.end(), name->data(), name->data() + name->size());
  return {};
}

std::optional<uint16_t> parse_type(std::string_view text) {
  // Hot types first: a zone file is mostly A, AAAA, NS, CNAME, MX, TXT.
  char u[8];
  size_t n = text.size();
  if (n >= 1 && n <= 5) {
    for (size_t i = 0; i < n; ++i) u[i] = static_cast<char>(text[i] & ~0x20);  // ASCII upper
    std::string_view s(u, n);
    switch (n) {
      case 1:
        if (s == "A") return rrtype::kA;
        break;
      case 2:
        if (s == "NS") return rrtype::kNS;
        if (s == "MX") return rrtype::kMX;
        if (s == "DS") return rrtype::kDS;
        break;
      case 3:
        if (s == "TXT") return rrtype::kTXT;
        if (s == "SOA") return rrtype::kSOA;
        if (s == "PTR") return rrtype::kPTR;
        if (s == "SRV") return rrtype::kSRV;
        if (s == "CAA") return rrtype::kCAA;
        break;
      case 4:
        if (s == "AAAA") return rrtype::kAAAA;
        if (s == "NSEC") return rrtype::kNSEC;
        break;
      case 5:
        if (s == "CNAME") return rrtype::kCNAME;
        if (s == "RRSIG") return rrtype::kRRSIG;
        break;
    }
  }
  return type_from_text(text);
}

void append_quoted_body(std::span<const uint8_t> data, std::string& out) {
  for (uint8_t c : data) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char esc[5];
      snprintf(esc, sizeof esc, "\\%03u", c);
      out.append(esc);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

}  // namespace tandem::dns
