#include "dns/name.h"

#include <cctype>
#include <cstring>

namespace tandem::dns {

const uint8_t kLowerTable[256] = {
#define R(i) static_cast<uint8_t>(((i) >= 'A' && (i) <= 'Z') ? (i) + 32 : (i))
#define R4(i) R(i), R(i + 1), R(i + 2), R(i + 3)
#define R16(i) R4(i), R4(i + 4), R4(i + 8), R4(i + 12)
#define R64(i) R16(i), R16(i + 16), R16(i + 32), R16(i + 48)
    R64(0), R64(64), R64(128), R64(192)
#undef R64
#undef R16
#undef R4
#undef R
};

size_t wire_name_size(const uint8_t* p) {
  const uint8_t* s = p;
  while (*p) p += *p + 1;
  return static_cast<size_t>(p - s) + 1;
}

size_t wire_label_count(const uint8_t* p) {
  size_t n = 0;
  while (*p) {
    p += *p + 1;
    ++n;
  }
  return n;
}

bool wire_name_equal(const uint8_t* a, const uint8_t* b) {
  for (;;) {
    uint8_t la = *a, lb = *b;
    if (la != lb) return false;
    if (la == 0) return true;
    ++a, ++b;
    for (uint8_t i = 0; i < la; ++i)
      if (kLowerTable[a[i]] != kLowerTable[b[i]]) return false;
    a += la, b += la;
  }
}

bool wire_name_under(const uint8_t* name, size_t size, const uint8_t* ancestor, size_t ancestor_size) {
  if (size < ancestor_size) return false;
  const uint8_t* tail = name + size - ancestor_size;
  const uint8_t* q = name;  // the match must start at a label boundary
  while (q < tail) q += *q + 1;
  return q == tail && memcmp(tail, ancestor, ancestor_size) == 0;
}

void wire_name_lower(uint8_t* p, size_t n) {
  // Length octets are < 64 and never in 'A'..'Z' (65..90), so lowering all
  // bytes is safe. Eight octets at a time (SWAR): on the query path.
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    const uint64_t low7 = w & 0x7F7F7F7F7F7F7F7Full;
    const uint64_t ge_a = low7 + 0x3F3F3F3F3F3F3F3Full;   // bit 7 set where byte >= 'A'
    const uint64_t gt_z = low7 + 0x2525252525252525ull;   // bit 7 set where byte > 'Z'
    const uint64_t upper = (ge_a ^ gt_z) & ~w & 0x8080808080808080ull;
    w |= upper >> 2;  // 0x80 >> 2 = 0x20: the case bit
    memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i) p[i] = kLowerTable[p[i]];
}

int wire_name_compare(const uint8_t* a, const uint8_t* b) {
  // Compare label by label from the right (RFC 4034 6.1).
  const uint8_t* la[128];
  const uint8_t* lb[128];
  size_t na = 0, nb = 0;
  for (const uint8_t* p = a; *p; p += *p + 1) la[na++] = p;
  for (const uint8_t* p = b; *p; p += *p + 1) lb[nb++] = p;
  while (na > 0 && nb > 0) {
    const uint8_t* x = la[--na];
    const uint8_t* y = lb[--nb];
    size_t lx = *x++, ly = *y++;
    size_t m = lx < ly ? lx : ly;
    for (size_t i = 0; i < m; ++i) {
      uint8_t cx = kLowerTable[x[i]], cy = kLowerTable[y[i]];
      if (cx != cy) return cx < cy ? -1 : 1;
    }
    if (lx != ly) return lx < ly ? -1 : 1;
  }
  if (na == nb) return 0;
  return na < nb ? -1 : 1;
}

namespace {

// Parses labels of `text` into out (without the final root octet).
// Returns true in `absolute` if text ended with an unescaped dot.
Result<size_t, std::string> parse_labels(std::string_view text, uint8_t* out, size_t cap,
                                         bool* absolute) {
  size_t pos = 0;
  *absolute = false;
  if (text == ".") {
    *absolute = true;
    return 0;
  }
  if (text.empty()) return fail("empty name");
  size_t i = 0;
  while (i < text.size()) {
    size_t len_at = pos++;
    if (pos > cap) return fail("name too long (over 255 octets)");
    size_t label_len = 0;
    while (i < text.size() && text[i] != '.') {
      uint8_t c = static_cast<uint8_t>(text[i]);
      if (c == '\\') {
        if (i + 1 >= text.size()) return fail("dangling backslash in name");
        if (text[i + 1] >= '0' && text[i + 1] <= '9') {
          if (i + 3 >= text.size() || !isdigit(static_cast<unsigned char>(text[i + 2])) ||
              !isdigit(static_cast<unsigned char>(text[i + 3])))
            return fail("bad \\DDD escape in name");
          int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
          if (v > 255) return fail("\\DDD escape above 255 in name");
          c = static_cast<uint8_t>(v);
          i += 4;
        } else {
          c = static_cast<uint8_t>(text[i + 1]);
          i += 2;
        }
      } else {
        ++i;
      }
      if (pos >= cap) return fail("name too long (over 255 octets)");
      out[pos++] = c;
      if (++label_len > kMaxLabel) return fail("label longer than 63 octets");
    }
    if (label_len == 0) return fail("empty label in name");
    out[len_at] = static_cast<uint8_t>(label_len);
    if (i < text.size()) {  // at a '.'
      ++i;
      if (i == text.size()) *absolute = true;
    }
  }
  return pos;
}

}  // namespace

Result<Name, std::string> Name::parse(std::string_view text, const Name& origin) {
  if (text == "@") return origin;
  uint8_t buf[kMaxNameWire + 1];
  bool absolute = false;
  auto n = parse_labels(text, buf, kMaxNameWire, &absolute);
  if (!n) return fail(n.error() + " '" + std::string(text) + "'");
  Name out;
  if (absolute) {
    if (*n + 1 > kMaxNameWire) return fail("name too long '" + std::string(text) + "'");
    out.wire_.assign(reinterpret_cast<const char*>(buf), *n);
    out.wire_.push_back('\0');
    return out;
  }
  if (*n + origin.size() > kMaxNameWire)
    return fail("name too long after appending origin '" + std::string(text) + "'");
  out.wire_.assign(reinterpret_cast<const char*>(buf), *n);
  out.wire_.append(reinterpret_cast<const char*>(origin.data()), origin.size());
  return out;
}

Result<Name, std::string> Name::parse_absolute(std::string_view text) {
  return parse(text, Name());
}

Result<Name> Name::from_wire_checked(std::span<const uint8_t> bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    uint8_t l = bytes[i];
    if (l == 0) {
      if (i + 1 != bytes.size()) return fail(Errc::kMalformed);
      Name n;
      n.wire_.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      return n;
    }
    if (l > kMaxLabel) return fail(Errc::kLabelTooLong);
    i += l + 1;
    if (i >= kMaxNameWire) return fail(Errc::kNameTooLong);
  }
  return fail(Errc::kTruncated);
}

void append_wire_name_text(const uint8_t* p, std::string& out) {
  if (*p == 0) {
    out.push_back('.');
    return;
  }
  while (*p) {
    uint8_t len = *p++;
    for (uint8_t i = 0; i < len; ++i) {
      uint8_t c = p[i];
      if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' ||
          c == '$') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c <= 0x20 || c >= 0x7f) {
        const char esc[4] = {'\\', static_cast<char>('0' + c / 100),
                             static_cast<char>('0' + c / 10 % 10), static_cast<char>('0' + c % 10)};
        out.append(esc, 4);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    out.push_back('.');
    p += len;
  }
}

std::string Name::to_text() const {
  std::string out;
  append_wire_name_text(data(), out);
  return out;
}

bool Name::is_subdomain_of(const Name& ancestor) const {
  size_t n = label_count(), m = ancestor.label_count();
  if (m > n) return false;
  const uint8_t* p = data();
  for (size_t i = 0; i < n - m; ++i) p += *p + 1;
  return wire_name_equal(p, ancestor.data());
}

Name Name::lowered() const {
  Name n = *this;
  wire_name_lower(reinterpret_cast<uint8_t*>(n.wire_.data()), n.wire_.size());
  return n;
}

Name Name::parent() const {
  if (is_root()) return *this;
  Name n;
  n.wire_ = wire_.substr(static_cast<uint8_t>(wire_[0]) + 1);
  return n;
}

Result<Name, std::string> Name::concat(const Name& suffix) const {
  if (size() - 1 + suffix.size() > kMaxNameWire) return fail("name too long");
  Name n;
  n.wire_ = wire_.substr(0, wire_.size() - 1);
  n.wire_.append(suffix.wire_);
  return n;
}

Result<Name, std::string> Name::wildcard_child() const {
  if (size() + 2 > kMaxNameWire) return fail("name too long");
  Name n;
  n.wire_ = std::string("\x01*", 2) + wire_;
  return n;
}

}  // namespace tandem::dns
