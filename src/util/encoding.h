// Binary-to-text encodings used in DNS presentation format: base64 (RFC 4648 4,
// DNSKEY/RRSIG/...), base32hex without padding (RFC 4648 7, RFC 5155 3.3 NSEC3
// hashes) and hexadecimal (DS digests, NSEC3 salts, RFC 3597 generic rdata).
//
// Decoders append to a caller-owned vector and never allocate anything else.
// On failure they may already have appended some bytes: callers that need
// `out` unchanged truncate it back to its previous size.
// The base64 and hex decoders accept their input in several pieces, because
// zone files may split one base64/hex field over many whitespace-separated
// tokens (RFC 4034 2.2, 3.2, 5.3).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::util {

// --- base64 (RFC 4648 4, with '=' padding) ---

// Appends the padded base64 form of `data` to `out`.
void base64_encode(std::span<const uint8_t> data, std::string& out);

// Incremental base64 decoder: feed() the pieces in order, then finish().
// Rejects characters outside the alphabet, data after padding, and input whose
// total length is not a multiple of 4.
class Base64Decoder {
 public:
  // Decodes `text` and appends the bytes to `out`. False on a bad character or
  // a character after the padding.
  [[nodiscard]] bool feed(std::string_view text, std::vector<uint8_t>& out);
  // True when the input so far ends on a complete 4-character group.
  [[nodiscard]] bool finish() const { return ngroup_ == 0; }

 private:
  uint32_t acc_ = 0;   // bits of the current group
  int ngroup_ = 0;     // characters of the current group seen (0..3)
  int npad_ = 0;       // '=' seen in the current group
  bool done_ = false;  // a padded group has ended: no more data allowed
};

// Decodes one piece of base64 text. False on any error (see Base64Decoder).
[[nodiscard]] bool base64_decode(std::string_view text, std::vector<uint8_t>& out);

// --- hex ---

// Appends the upper-case hex form of `data` (the way dig and kdig print it).
void hex_encode(std::span<const uint8_t> data, std::string& out);

// Incremental hex decoder (either case); finish() requires an even digit count.
class HexDecoder {
 public:
  [[nodiscard]] bool feed(std::string_view text, std::vector<uint8_t>& out);
  [[nodiscard]] bool finish() const { return !half_; }

 private:
  uint8_t high_ = 0;
  bool half_ = false;  // a high nibble is waiting for its low nibble
};

[[nodiscard]] bool hex_decode(std::string_view text, std::vector<uint8_t>& out);

// Value of a hex digit, or -1.
int hex_digit_value(char c);

// --- base32hex (RFC 4648 7), no padding, as NSEC3 uses it ---

// Appends the lower-case unpadded base32hex form (as kdig prints NSEC3 hashes).
void base32hex_encode(std::span<const uint8_t> data, std::string& out);

// Decodes unpadded base32hex (either case). Rejects lengths that no byte
// string encodes to and non-zero trailing bits, so that decode(encode(x)) and
// encode(decode(t)) are both identities (modulo case).
[[nodiscard]] bool base32hex_decode(std::string_view text, std::vector<uint8_t>& out);

}  // namespace tandem::util
