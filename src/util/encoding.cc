#include "util/encoding.h"

namespace tandem::util {
namespace {

constexpr char kB64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kB32HexLower[] = "0123456789abcdefghijklmnopqrstuv";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int b32hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'v') return c - 'a' + 10;
  if (c >= 'A' && c <= 'V') return c - 'A' + 10;
  return -1;
}

}  // namespace

void base64_encode(std::span<const uint8_t> data, std::string& out) {
  size_t i = 0;
  out.reserve(out.size() + (data.size() + 2) / 3 * 4);
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(data[i]) << 16 | static_cast<uint32_t>(data[i + 1]) << 8 |
                 data[i + 2];
    out.push_back(kB64Alphabet[v >> 18]);
    out.push_back(kB64Alphabet[(v >> 12) & 63]);
    out.push_back(kB64Alphabet[(v >> 6) & 63]);
    out.push_back(kB64Alphabet[v & 63]);
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = static_cast<uint32_t>(data[i]) << 16;
    out.push_back(kB64Alphabet[v >> 18]);
    out.push_back(kB64Alphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    uint32_t v = static_cast<uint32_t>(data[i]) << 16 | static_cast<uint32_t>(data[i + 1]) << 8;
    out.push_back(kB64Alphabet[v >> 18]);
    out.push_back(kB64Alphabet[(v >> 12) & 63]);
    out.push_back(kB64Alphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
}

bool Base64Decoder::feed(std::string_view text, std::vector<uint8_t>& out) {
  for (char c : text) {
    if (done_) return false;  // nothing may follow a padded group
    if (c == '=') {
      // Padding may only fill the last one or two positions of a group.
      if (ngroup_ < 2) return false;
      ++npad_;
    } else {
      int v = b64_value(c);
      if (v < 0 || npad_ > 0) return false;
      acc_ = acc_ << 6 | static_cast<uint32_t>(v);
    }
    if (++ngroup_ == 4) {
      uint32_t bits = acc_ << (6 * npad_);
      out.push_back(static_cast<uint8_t>(bits >> 16));
      if (npad_ < 2) out.push_back(static_cast<uint8_t>(bits >> 8));
      if (npad_ < 1) out.push_back(static_cast<uint8_t>(bits));
      if (npad_ > 0) done_ = true;
      acc_ = 0;
      ngroup_ = 0;
      npad_ = 0;
    }
  }
  return true;
}

bool base64_decode(std::string_view text, std::vector<uint8_t>& out) {
  Base64Decoder d;
  return d.feed(text, out) && d.finish();
}

void hex_encode(std::span<const uint8_t> data, std::string& out) {
  out.reserve(out.size() + data.size() * 2);
  for (uint8_t b : data) {
    out.push_back(kHexUpper[b >> 4]);
    out.push_back(kHexUpper[b & 15]);
  }
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HexDecoder::feed(std::string_view text, std::vector<uint8_t>& out) {
  for (char c : text) {
    int v = hex_digit_value(c);
    if (v < 0) return false;
    if (half_) {
      out.push_back(static_cast<uint8_t>(high_ << 4 | v));
      half_ = false;
    } else {
      high_ = static_cast<uint8_t>(v);
      half_ = true;
    }
  }
  return true;
}

bool hex_decode(std::string_view text, std::vector<uint8_t>& out) {
  HexDecoder d;
  return d.feed(text, out) && d.finish();
}

void base32hex_encode(std::span<const uint8_t> data, std::string& out) {
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : data) {
    acc = (acc << 8 | b) & 0xFFFF;  // at most 12 bits are pending, 16 suffice
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kB32HexLower[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kB32HexLower[(acc << (5 - bits)) & 31]);
}

bool base32hex_decode(std::string_view text, std::vector<uint8_t>& out) {
  // Each 8 characters carry 5 bytes; a final partial group of 1, 3 or 6
  // characters cannot come from whole bytes.
  size_t r = text.size() % 8;
  if (r == 1 || r == 3 || r == 6) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = b32hex_value(c);
    if (v < 0) return false;
    acc = (acc << 5 | static_cast<uint32_t>(v)) & 0x1FFF;  // < 13 bits pending
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  // The bits left over are padding and must be zero (canonical encoding).
  return (acc & ((1u << bits) - 1)) == 0;
}

}  // namespace tandem::util
