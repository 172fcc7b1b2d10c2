// The audit's input: DOMAINS_FILE, one domain a line or "rank,domain" lines
// as in the usual top-sites CSV lists (Tranco, Umbrella).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/name.h"

namespace tandem::audit {

// One domain to audit, as read from the input.
struct DomainInput {
  std::string input;         // the domain as written (trimmed), for messages
  dns::Name name;            // lower-cased, absolute
  std::optional<long> rank;  // from "rank,domain" lines
  size_t line = 0;           // 1-based line number in the input
};

struct ParsedDomains {
  std::vector<DomainInput> domains;  // in input order, duplicates removed
  // "file:line: message" for each bad line (skipped).
  std::vector<std::string> errors;
  // "file:line: message" for lines that were skipped but are not errors:
  // a domain listed again (the first occurrence is kept).
  std::vector<std::string> warnings;
};

// Parses the text of a domains file. Per line, after removing a UTF-8 BOM
// (first line only), a trailing CR, anything from '#' on (a comment: '#'
// cannot occur in a host name) and surrounding blanks:
//  - an empty line is ignored;
//  - "DOMAIN" or "RANK,DOMAIN" (blanks around the fields allowed); RANK is a
//    non-negative decimal integer; more than two fields is an error;
//  - DOMAIN is a host name in ASCII (IDNs as punycode "xn--..."): labels of
//    letters, digits, '-' and '_' (the underscore appears in real NS-bearing
//    names such as _domainkey zones), 1-63 octets, at least one label, 255
//    octets in all (RFC 1035 2.3.4); the trailing dot is optional.
// Bad lines become `errors` and are skipped; never throws. `filename` is
// only used in the messages ("-" for standard input reads "<stdin>").
ParsedDomains parse_domains(std::string_view text, const std::string& filename);

}  // namespace tandem::audit
