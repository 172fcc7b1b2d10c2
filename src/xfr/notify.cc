#include "xfr/notify.h"

#include <algorithm>

#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::xfr {

namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kRrHeader = 10;  // TYPE, CLASS, TTL, RDLENGTH
constexpr uint16_t kFlagQr = 0x8000;
constexpr uint16_t kFlagAa = 0x0400;
constexpr uint16_t kFlagRd = 0x0100;
constexpr uint16_t kNotifyOpcodeBits = uint16_t{dns::opcode::kNotify} << 11;
// SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM after the two names (RFC 1035 3.3.13).
constexpr size_t kSoaFixed = 20;

unsigned opcode_of(uint16_t flags) { return (flags >> 11) & 0x0F; }

struct Question {
  dns::Name name;
  uint16_t type = 0;
  uint16_t cls = 0;
};

// Reads the question at `pos` (advanced past it); false when malformed or
// truncated.
bool read_question(std::span<const uint8_t> msg, size_t& pos, Question& q) {
  uint8_t name[dns::kMaxNameWire];
  if (!dns::read_name(msg.data(), msg.size(), pos, name)) return false;
  if (msg.size() - pos < 4) return false;
  q.name = dns::Name::from_wire(name);
  q.type = dns::load_u16(msg.data() + pos);
  q.cls = dns::load_u16(msg.data() + pos + 2);
  pos += 4;
  return true;
}

// The serial of the SOA rdata at msg[start..end), whose names may be
// compressed against the whole message; nullopt when malformed.
std::optional<uint32_t> soa_serial(std::span<const uint8_t> msg, size_t start, size_t end) {
  uint8_t scratch[dns::kMaxNameWire];
  size_t pos = start;
  for (int i = 0; i < 2; ++i) {  // MNAME, RNAME
    if (!dns::read_name(msg.data(), end, pos, scratch)) return std::nullopt;
  }
  if (end - pos != kSoaFixed) return std::nullopt;
  return dns::load_u32(msg.data() + pos);
}

void write_question(dns::WireWriter& w, const dns::Name& zone) {
  w.bytes(zone.data(), zone.size());
  w.u16(dns::rrtype::kSOA);
  w.u16(dns::rrclass::kIN);
}

}  // namespace

Result<NotifyRequest, std::string> parse_notify(std::span<const uint8_t> msg) {
  if (msg.size() < kHeaderSize) return fail("NOTIFY shorter than a DNS header");
  const uint16_t flags = dns::load_u16(msg.data() + 2);
  if (opcode_of(flags) != dns::opcode::kNotify) {
    return fail("opcode " + std::to_string(opcode_of(flags)) + " is not NOTIFY");
  }
  if (flags & kFlagQr) return fail("QR set: a response, not a NOTIFY request");
  const uint16_t qdcount = dns::load_u16(msg.data() + 4);
  if (qdcount == 0) return fail("NOTIFY without a question");
  if (qdcount > 1) return fail("NOTIFY with " + std::to_string(qdcount) + " questions");

  NotifyRequest req;
  req.id = dns::load_u16(msg.data());
  size_t pos = kHeaderSize;
  Question q;
  if (!read_question(msg, pos, q)) return fail("NOTIFY with a malformed or truncated question");
  if (q.type != dns::rrtype::kSOA) {
    return fail("NOTIFY for type " + dns::type_to_text(q.type) + ", expected SOA");
  }
  if (q.cls != dns::rrclass::kIN) {
    return fail("NOTIFY for class " + dns::class_to_text(q.cls) + ", expected IN");
  }
  req.zone = std::move(q.name);

  // RFC 1996 3.7: the answer section may hold the new SOA, an unsecured hint.
  const uint16_t ancount = dns::load_u16(msg.data() + 6);
  uint8_t owner[dns::kMaxNameWire];
  for (uint16_t i = 0; i < ancount; ++i) {
    if (!dns::read_name(msg.data(), msg.size(), pos, owner) || msg.size() - pos < kRrHeader) {
      return fail("NOTIFY with a malformed answer record " + std::to_string(i + 1));
    }
    const uint16_t type = dns::load_u16(msg.data() + pos);
    const uint16_t cls = dns::load_u16(msg.data() + pos + 2);
    const size_t rdlen = dns::load_u16(msg.data() + pos + 8);
    pos += kRrHeader;
    if (msg.size() - pos < rdlen) {
      return fail("NOTIFY with a truncated answer record " + std::to_string(i + 1));
    }
    if (type == dns::rrtype::kSOA && cls == dns::rrclass::kIN && !req.serial &&
        dns::wire_name_equal(owner, req.zone.data())) {
      req.serial = soa_serial(msg, pos, pos + rdlen);
      if (!req.serial) return fail("NOTIFY with a malformed SOA in the answer section");
    }
    pos += rdlen;
  }
  return req;
}

size_t build_notify_answer(const NotifyRequest& request, uint8_t* out, size_t cap) {
  dns::WireWriter w(out, cap);
  w.u16(request.id);
  w.u16(kFlagQr | kNotifyOpcodeBits | kFlagAa);  // RCODE NOERROR
  w.u16(1);                                      // QDCOUNT
  for (int i = 0; i < 3; ++i) w.u16(0);
  write_question(w, request.zone);
  return w.ok() ? w.pos() : 0;
}

size_t build_notify_answer(std::span<const uint8_t> request, uint8_t* out, size_t cap) {
  auto req = parse_notify(request);
  if (!req) return 0;
  size_t size = build_notify_answer(*req, out, cap);
  // Echo RD as a query answer would (RFC 1035 4.1.1); NOTIFY gives it no meaning.
  if (size != 0 && (dns::load_u16(request.data() + 2) & kFlagRd)) out[2] |= kFlagRd >> 8;
  return size;
}

std::vector<uint8_t> make_notify(const dns::Name& zone, uint16_t id,
                                 std::optional<std::span<const uint8_t>> soa_rdata,
                                 uint32_t soa_ttl) {
  // RDLENGTH is 16 bits; real SOA rdata is at most 2 * 255 + 20 octets.
  const bool with_soa = soa_rdata.has_value() && soa_rdata->size() <= 0xFFFF;
  std::vector<uint8_t> buf(kHeaderSize + zone.size() + 4 +
                           (with_soa ? 2 + kRrHeader + soa_rdata->size() : 0));
  dns::WireWriter w(buf.data(), buf.size());
  w.u16(id);
  w.u16(kNotifyOpcodeBits | kFlagAa);
  w.u16(1);                       // QDCOUNT
  w.u16(with_soa ? 1 : 0);        // ANCOUNT
  w.u16(0);
  w.u16(0);
  write_question(w, zone);
  if (with_soa) {
    w.u16(0xC000 | kHeaderSize);  // owner: a pointer to the QNAME
    w.u16(dns::rrtype::kSOA);
    w.u16(dns::rrclass::kIN);
    w.u32(soa_ttl);
    w.u16(static_cast<uint16_t>(soa_rdata->size()));
    w.bytes(soa_rdata->data(), soa_rdata->size());
  }
  buf.resize(w.pos());
  return buf;
}

Result<void, std::string> check_notify_answer(std::span<const uint8_t> answer, uint16_t id,
                                              const dns::Name& zone) {
  if (answer.size() < kHeaderSize) return fail("answer shorter than a DNS header");
  const uint16_t got_id = dns::load_u16(answer.data());
  if (got_id != id) {
    return fail("answer has ID " + std::to_string(got_id) + ", expected " + std::to_string(id));
  }
  const uint16_t flags = dns::load_u16(answer.data() + 2);
  if (!(flags & kFlagQr)) return fail("answer has QR clear");
  if (opcode_of(flags) != dns::opcode::kNotify) {
    return fail("answer has opcode " + std::to_string(opcode_of(flags)) + ", expected NOTIFY");
  }
  const uint16_t qdcount = dns::load_u16(answer.data() + 4);
  if (qdcount > 1) return fail("answer has " + std::to_string(qdcount) + " questions");
  // An error answer may come without the question; check the question when
  // there is one, then report the RCODE, which says the most.
  if (qdcount == 1) {
    size_t pos = kHeaderSize;
    Question q;
    if (!read_question(answer, pos, q)) return fail("answer has a malformed question");
    if (q.name != zone) {
      return fail("answer is for " + q.name.to_text() + ", expected " + zone.to_text());
    }
    if (q.type != dns::rrtype::kSOA || q.cls != dns::rrclass::kIN) {
      return fail("answer question is " + dns::class_to_text(q.cls) + " " +
                  dns::type_to_text(q.type) + ", expected IN SOA");
    }
  }
  const uint16_t rc = flags & 0x0F;
  if (rc != dns::rcode::kNoError) return fail("secondary answered " + dns::rcode_to_text(rc));
  if (qdcount == 0) return fail("answer has no question");
  return {};
}

NotifyRetry::NotifyRetry(int max_tries, int64_t initial_ms, int64_t max_interval_ms)
    : max_tries_(std::max(max_tries, 1)),
      interval_ms_(std::max<int64_t>(initial_ms, 1)),
      max_interval_ms_(std::max(max_interval_ms, interval_ms_)) {}

int64_t NotifyRetry::next_delay_ms() {
  ++tries_;
  const int64_t delay = interval_ms_;
  interval_ms_ = std::min(interval_ms_ * 2, max_interval_ms_);
  return delay;
}

int64_t RefreshJitter::jitter(int64_t base_ms, uint64_t seed, int percent) {
  if (base_ms <= 0) return base_ms;
  percent = std::clamp(percent, 0, 100);
  // base * percent / 100 without overflowing for large bases.
  const int64_t span = base_ms / 100 * percent + base_ms % 100 * percent / 100;
  // splitmix64 finaliser: spreads consecutive seeds over the whole range.
  uint64_t h = seed + 0x9E3779B97F4A7C15ull;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
  h ^= h >> 31;
  return base_ms - static_cast<int64_t>(h % (static_cast<uint64_t>(span) + 1));
}

}  // namespace tandem::xfr
