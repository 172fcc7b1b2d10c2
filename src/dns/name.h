// Domain names (RFC 1035 3.1): held in uncompressed wire form, case preserved.
// Comparisons are case-insensitive (RFC 4343); canonical order is RFC 4034 6.1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "util/result.h"

namespace tandem::dns {

inline constexpr size_t kMaxNameWire = 255;  // RFC 1035 3.1
inline constexpr size_t kMaxLabel = 63;

// ASCII lower-casing table (RFC 4343: only A-Z fold).
extern const uint8_t kLowerTable[256];
inline uint8_t lower_byte(uint8_t c) { return kLowerTable[c]; }

// --- helpers on raw uncompressed wire names (a valid name is assumed) ---

// Length in octets of the uncompressed wire name at p, including the root label.
size_t wire_name_size(const uint8_t* p);
// Number of labels, not counting the root.
size_t wire_label_count(const uint8_t* p);
// Case-insensitive equality.
bool wire_name_equal(const uint8_t* a, const uint8_t* b);
// RFC 4034 6.1 canonical order: <0, 0, >0.
int wire_name_compare(const uint8_t* a, const uint8_t* b);
// True when the wire name of `size` octets equals `ancestor` or lies below it,
// comparing octets exactly (pass both lower-cased for a case-insensitive test).
bool wire_name_under(const uint8_t* name, size_t size, const uint8_t* ancestor, size_t ancestor_size);
// Lower-cases a wire name of n octets in place.
void wire_name_lower(uint8_t* p, size_t n);
// Appends the presentation form (RFC 1035 5.1) of the wire name at p to
// `out`: absolute, with the trailing dot ("." for the root), escaping
// `.\"();@$` as "\c" and other octets outside 0x21-0x7e as "\DDD", so that
// Name::parse reads back the same octets. Allocates nothing beyond the
// growth of `out`: for writers of many names (Name::to_text, zone files).
void append_wire_name_text(const uint8_t* p, std::string& out);

class Name {
 public:
  Name() : wire_(1, '\0') {}  // the root

  // Parses presentation format (RFC 1035 5.1): "\." and "\DDD" escapes, "@" for
  // the origin, and names without a trailing dot are relative to `origin`.
  // Errors are human-readable for file:line reporting.
  static Result<Name, std::string> parse(std::string_view text, const Name& origin);
  // Parses an absolute name (trailing dot optional: treated as absolute).
  static Result<Name, std::string> parse_absolute(std::string_view text);
  // Wraps an already validated uncompressed wire name.
  static Name from_wire(const uint8_t* p) {
    Name n;
    n.wire_.assign(reinterpret_cast<const char*>(p), wire_name_size(p));
    return n;
  }
  // Replaces this name with an already validated uncompressed wire name,
  // reusing the storage (no allocation when it fits: for hot loops).
  void assign_wire(const uint8_t* p) {
    wire_.assign(reinterpret_cast<const char*>(p), wire_name_size(p));
  }
  // Validates bytes as an uncompressed wire name occupying exactly `bytes`.
  static Result<Name> from_wire_checked(std::span<const uint8_t> bytes);

  std::string to_text() const;

  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(wire_.data()); }
  size_t size() const { return wire_.size(); }
  std::span<const uint8_t> wire() const { return {data(), size()}; }
  size_t label_count() const { return wire_label_count(data()); }
  bool is_root() const { return wire_.size() == 1; }
  bool is_wildcard() const { return wire_.size() >= 2 && wire_[0] == 1 && wire_[1] == '*'; }

  bool operator==(const Name& o) const { return wire_name_equal(data(), o.data()); }
  bool operator!=(const Name& o) const { return !(*this == o); }
  // Canonical order (RFC 4034 6.1).
  int compare(const Name& o) const { return wire_name_compare(data(), o.data()); }
  bool operator<(const Name& o) const { return compare(o) < 0; }

  // True when this name equals `ancestor` or is below it.
  bool is_subdomain_of(const Name& ancestor) const;
  Name lowered() const;
  // The name with its first label removed; the root stays the root.
  Name parent() const;
  // This name with `suffix` appended (this name must be relative, i.e. it is
  // treated as a label sequence without its root). Fails if too long.
  Result<Name, std::string> concat(const Name& suffix) const;
  // "*.<this>"
  Result<Name, std::string> wildcard_child() const;

 private:
  std::string wire_;  // octets of the wire form; std::string for small-size storage
};

}  // namespace tandem::dns
