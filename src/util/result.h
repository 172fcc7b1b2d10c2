// Result<T>: the error-or-value type used on the data plane (parse, answer, xfr),
// where exceptions are not used. Aliased here so that moving to std::expected
// later changes one line.
#pragma once

#include <string>
#include <tl/expected.hpp>

namespace tandem {

// Error codes of the data plane. Errors that must reach an operator as text
// (zone file, config) use Result<T, std::string> instead.
enum class Errc {
  kTruncated,       // input ended before the structure did
  kMalformed,       // structurally invalid bytes
  kNameTooLong,     // > 255 octets on the wire (RFC 1035 3.1)
  kLabelTooLong,    // > 63 octets (RFC 1035 2.3.4)
  kBadPointer,      // compression pointer forward, out of range or looping
  kNoSpace,         // the output buffer is full
  kUnsupported,     // valid but not something we implement
};

const char* errc_text(Errc e);

template <class T, class E = Errc>
using Result = tl::expected<T, E>;

template <class E>
inline tl::unexpected<E> fail(E e) {
  return tl::unexpected<E>(std::move(e));
}
inline tl::unexpected<std::string> fail(const char* s) {
  return tl::unexpected<std::string>(std::string(s));
}

}  // namespace tandem
