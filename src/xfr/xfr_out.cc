// XfrOutStream and parse_xfr_request (xfr/xfr_out.h).
#include "xfr/xfr_out.h"

#include <algorithm>
#include <cstring>

#include "dns/wire.h"
#include "util/serial.h"
#include "zone/records.h"
#include "zone/zone_data.h"

namespace tandem::xfr {

namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxPointerTarget = 0x3FFF;  // 14-bit offsets (RFC 1035 4.1.4)

// Octets the TSIG RR takes at the end of a message (RFC 8945 4.2): owner
// (key name), type, class, TTL, rdlength, then algorithm name, time (6),
// fudge, MAC size, MAC, original ID, error, other length.
size_t tsig_rr_size(const dns::TsigKey& key) {
  return key.name.size() + 10 + dns::tsig_algorithm_wire_name(key.algorithm).size() + 6 + 2 + 2 +
         dns::tsig_digest_size(key.algorithm) + 2 + 2 + 2;
}

}  // namespace

const char* xfr_out_kind_text(XfrOutKind kind) {
  switch (kind) {
    case XfrOutKind::kAxfr:
      return "AXFR";
    case XfrOutKind::kIxfr:
      return "IXFR";
    case XfrOutKind::kIxfrUpToDate:
      return "IXFR (up to date)";
    case XfrOutKind::kIxfrAsAxfr:
      return "IXFR (full zone)";
  }
  return "?";
}

// Fills one message with records. Name compression is deliberately simple,
// so that it costs next to nothing per record: every name below the apex is
// written as its labels under the apex plus a pointer to the apex, which is
// written in full once per message (in the first record's owner); an owner
// repeated in the following records becomes a pointer to its first copy, or
// when that lies beyond the 14-bit pointer range, a copy of its encoding.
// Only the names inside NS, CNAME, PTR, MX and SOA rdata are compressed
// (RFC 3597 4 forbids it for newer types).
struct XfrOutStream::Writer {
  uint8_t* buf = nullptr;
  size_t pos = 0;
  size_t limit = 0;  // records end here; the TSIG RR goes after
  uint16_t ancount = 0;
  const uint8_t* apex = nullptr;  // lower-cased wire name of the zone
  size_t apex_size = 0;
  bool compress = false;           // false for the root zone: a pointer would not be shorter
  size_t apex_off = 0;             // where the apex is written in this message; 0 = not yet
  const uint8_t* owner = nullptr;  // the owner last written (identity)
  size_t owner_size = 0;
  size_t owner_off = 0;  // offset of its first copy in this message
  uint8_t enc[dns::kMaxNameWire + 2] = {};
  size_t enc_len = 0;

  // Offset of the apex suffix within the name [p, p + size), or size when
  // the name is not below (or at) the apex. Compares octets exactly: a name
  // in rdata that differs in case keeps its case by being written in full.
  size_t apex_prefix(const uint8_t* p, size_t size) const {
    if (!compress || size < apex_size) return size;
    size_t i = 0;
    while (size - i > apex_size) {
      const uint8_t len = p[i];
      if (len == 0) return size;
      i += 1 + len;
    }
    if (size - i == apex_size && memcmp(p + i, apex, apex_size) == 0) return i;
    return size;
  }

  // Writes an uncompressed name (known to fit) compressed against the apex.
  void put_name(const uint8_t* p, size_t size) {
    const size_t prefix = apex_prefix(p, size);
    if (prefix != size && apex_off != 0) {
      memcpy(buf + pos, p, prefix);
      dns::store_u16(buf + pos + prefix, static_cast<uint16_t>(0xC000 | apex_off));
      pos += prefix + 2;
      return;
    }
    if (prefix != size && pos + prefix <= kMaxPointerTarget) apex_off = pos + prefix;
    memcpy(buf + pos, p, size);
    pos += size;
  }

  void put_owner(const uint8_t* p, size_t size) {
    if (p == owner || (size == owner_size && memcmp(p, owner, size) == 0)) {
      if (owner_off <= kMaxPointerTarget) {
        dns::store_u16(buf + pos, static_cast<uint16_t>(0xC000 | owner_off));
        pos += 2;
      } else {
        memcpy(buf + pos, enc, enc_len);
        pos += enc_len;
      }
      return;
    }
    owner = p;
    owner_size = size;
    owner_off = pos;
    put_name(p, size);
    enc_len = pos - owner_off;
    memcpy(enc, buf + owner_off, enc_len);
  }

  // Size of the uncompressed name at p within [p, end), 0 if malformed.
  static size_t rdata_name(const uint8_t* p, const uint8_t* end) {
    const uint8_t* q = p;
    while (q < end) {
      if (*q == 0) return static_cast<size_t>(q - p) + 1;
      if (*q > dns::kMaxLabel) return 0;
      q += 1 + *q;
    }
    return 0;
  }

  // Writes rdata, compressing the names of the types RFC 3597 4 allows.
  void put_rdata(uint16_t type, const uint8_t* rd, uint16_t len) {
    const uint8_t* end = rd + len;
    size_t fixed = 0;  // octets before the first name
    int names = 0;
    switch (type) {
      case dns::rrtype::kNS:
      case dns::rrtype::kCNAME:
      case dns::rrtype::kPTR:
        names = 1;
        break;
      case dns::rrtype::kMX:
        fixed = 2;
        names = 1;
        break;
      case dns::rrtype::kSOA:
        names = 2;
        break;
      default:
        break;
    }
    if (names > 0 && compress && len > fixed) {
      const uint8_t* n1 = rd + fixed;
      const size_t s1 = rdata_name(n1, end);
      const size_t s2 = (s1 != 0 && names == 2) ? rdata_name(n1 + s1, end) : 0;
      if (s1 != 0 && (names == 1 || s2 != 0)) {
        const size_t start = pos;
        pos += 2;
        memcpy(buf + pos, rd, fixed);
        pos += fixed;
        put_name(n1, s1);
        const uint8_t* rest = n1 + s1;
        if (names == 2) {
          put_name(rest, s2);
          rest += s2;
        }
        memcpy(buf + pos, rest, static_cast<size_t>(end - rest));
        pos += static_cast<size_t>(end - rest);
        dns::store_u16(buf + start, static_cast<uint16_t>(pos - start - 2));
        return;
      }
    }
    dns::store_u16(buf + pos, len);
    memcpy(buf + pos + 2, rd, len);
    pos += 2 + len;
  }

  // Appends one record; false when it may not fit (compression only shrinks
  // names, so the check uses the uncompressed size, plus 2 for a pointer).
  bool put(const uint8_t* owner_p, size_t size, uint16_t type, uint32_t ttl, const uint8_t* rd,
           uint16_t len) {
    if (size + 2 + 10 + len > limit - pos) return false;
    put_owner(owner_p, size);
    uint8_t* p = buf + pos;
    dns::store_u16(p, type);
    dns::store_u16(p + 2, dns::rrclass::kIN);
    dns::store_u32(p + 4, ttl);
    pos += 8;
    put_rdata(type, rd, len);
    ++ancount;
    return true;
  }
};

XfrOutStream::XfrOutStream(std::shared_ptr<const zone::Zone> zone,
                           std::shared_ptr<const Journal> journal, XfrOutRequest req)
    : zone_(std::move(zone)), req_(std::move(req)) {
  const zone::ZoneData& d = zone_->data();
  const zone::ZoneData::Node& apex = d.node(d.apex());
  apex_ = d.node_name(apex);
  apex_size_ = d.node_name_size(apex);
  serial_ = zone_->serial();
  if (auto soa = zone::apex_soa(d)) {
    soa_ttl_ = soa->ttl;
    soa_rdata_ = soa->rdata.data();
    soa_rdlen_ = static_cast<uint16_t>(soa->rdata.size());
  }
  if (req_.qname.empty()) req_.qname.assign(apex_, apex_ + apex_size_);
  if (req_.key != nullptr) signer_.emplace(*req_.key, req_.request_mac.span());

  if (req_.qtype != dns::rrtype::kIXFR) {
    kind_ = XfrOutKind::kAxfr;
    return;
  }
  switch (util::serial_compare(req_.client_serial, serial_)) {
    case util::SerialOrder::kEqual:
    case util::SerialOrder::kGreater:
      // RFC 1995 2: a client as new as we are (or newer: our serial went
      // back) gets our SOA alone.
      kind_ = XfrOutKind::kIxfrUpToDate;
      return;
    case util::SerialOrder::kUndefined:
      kind_ = XfrOutKind::kIxfrAsAxfr;
      return;
    case util::SerialOrder::kLess:
      break;
  }
  // The journal must end at the version being served, or its diff would
  // lead the client somewhere else.
  if (journal && !journal->empty() && journal->newest_serial() == serial_) {
    diff_ = journal->condensed_from(req_.client_serial);
  }
  kind_ = diff_ ? XfrOutKind::kIxfr : XfrOutKind::kIxfrAsAxfr;
}

XfrOutStream::~XfrOutStream() = default;

// The zone: SOA, every other record, SOA (RFC 5936 2.2).
bool XfrOutStream::fill_axfr(Writer& w) {
  const zone::ZoneData& d = zone_->data();
  if (phase_ == 0) {
    if (!w.put(apex_, apex_size_, dns::rrtype::kSOA, soa_ttl_, soa_rdata_, soa_rdlen_))
      return false;
    phase_ = 1;
  }
  if (phase_ == 1) {
    const size_t nodes = d.node_count();
    for (; node_ < nodes; ++node_, rrset_ = 0) {
      const zone::ZoneData::Node& n = d.node(static_cast<uint32_t>(node_));
      const uint8_t* owner = d.node_name(n);
      const size_t osize = d.node_name_size(n);
      const std::span<const zone::ZoneData::RRset> sets = d.rrsets(n);
      for (; rrset_ < sets.size(); ++rrset_, rec_ = 0, rec_off_ = 0) {
        const zone::ZoneData::RRset& s = sets[rrset_];
        if (s.type == dns::rrtype::kSOA && node_ == d.apex()) continue;
        const uint8_t* base = d.rdata(s);
        for (; rec_ < s.count; ++rec_) {
          const uint8_t* p = base + rec_off_;
          const uint16_t len = dns::load_u16(p);
          if (!w.put(owner, osize, s.type, s.ttl, p + 2, len)) return false;
          rec_off_ += 2 + size_t{len};
        }
      }
    }
    phase_ = 2;
  }
  if (phase_ == 2) {
    if (!w.put(apex_, apex_size_, dns::rrtype::kSOA, soa_ttl_, soa_rdata_, soa_rdlen_))
      return false;
    phase_ = 3;
  }
  return true;
}

// RFC 1995 4: SOA(new), SOA(old), removed..., SOA(new), added..., SOA(new);
// or SOA(new) alone for a client that is up to date.
bool XfrOutStream::fill_ixfr(Writer& w) {
  if (kind_ == XfrOutKind::kIxfrUpToDate) {
    if (seq_ == 0 && !w.put(apex_, apex_size_, dns::rrtype::kSOA, soa_ttl_, soa_rdata_, soa_rdlen_))
      return false;
    seq_ = 1;
    return true;
  }
  const size_t removed = diff_->removed.size();
  const size_t added = diff_->added.size();
  const size_t total = 4 + removed + added;
  for (; seq_ < total; ++seq_) {
    const zone::DiffRecord* r = nullptr;
    if (seq_ == 1) {
      r = &diff_->from_soa;
    } else if (seq_ >= 2 && seq_ < 2 + removed) {
      r = &diff_->removed[seq_ - 2];
    } else if (seq_ > 2 + removed && seq_ < 3 + removed + added) {
      r = &diff_->added[seq_ - 3 - removed];
    }
    bool ok;
    if (r == nullptr) {
      ok = w.put(apex_, apex_size_, dns::rrtype::kSOA, soa_ttl_, soa_rdata_, soa_rdlen_);
    } else {
      ok = w.put(r->owner.data(), r->owner.size(), r->type, r->ttl, r->rdata.data(),
                 static_cast<uint16_t>(r->rdata.size()));
    }
    if (!ok) return false;
  }
  return true;
}

size_t XfrOutStream::next(uint8_t* buf, size_t cap, uint64_t now_seconds) {
  if (done_) return 0;
  cap = std::min(cap, kMaxMessage);
  const size_t reserve = req_.key ? tsig_rr_size(*req_.key) : 0;
  if (cap < kHeaderSize + req_.qname.size() + 4 + reserve) {
    done_ = true;
    error_ = "output buffer of " + std::to_string(cap) + " octets is too small";
    return 0;
  }
  if (soa_rdata_ == nullptr) return fail_message(buf, cap, now_seconds, "zone has no SOA");

  const bool first = messages_ == 0;
  uint8_t* h = buf;
  dns::store_u16(h, req_.id);
  h[2] = static_cast<uint8_t>(0x84 | (req_.rd ? 0x01 : 0x00));  // QR, opcode QUERY, AA
  h[3] = 0;                                                     // NOERROR
  dns::store_u16(h + 4, first ? 1 : 0);
  dns::store_u16(h + 6, 0);
  dns::store_u16(h + 8, 0);
  dns::store_u16(h + 10, 0);
  size_t pos = kHeaderSize;
  if (first) {
    memcpy(buf + pos, req_.qname.data(), req_.qname.size());
    pos += req_.qname.size();
    dns::store_u16(buf + pos, req_.qtype);
    dns::store_u16(buf + pos + 2, dns::rrclass::kIN);
    pos += 4;
  }

  Writer w;
  w.buf = buf;
  w.pos = pos;
  w.limit = cap - reserve;
  w.apex = apex_;
  w.apex_size = apex_size_;
  w.compress = apex_size_ > 1;
  const bool complete = kind_ == XfrOutKind::kIxfr || kind_ == XfrOutKind::kIxfrUpToDate
                            ? fill_ixfr(w)
                            : fill_axfr(w);
  if (!complete && w.ancount == 0) {
    return fail_message(buf, cap, now_seconds, "a record does not fit in a message");
  }
  dns::store_u16(buf + 6, w.ancount);
  records_ += w.ancount;
  return finish_message(buf, w.pos, cap, now_seconds, complete);
}

// Signs (or records as unsigned) the message and counts it.
size_t XfrOutStream::finish_message(uint8_t* buf, size_t size, size_t cap, uint64_t now,
                                    bool last) {
  if (signer_) {
    const bool sign = messages_ == 0 || last || unsigned_run_ + 1 >= sign_every_;
    if (sign) {
      Result<size_t> signed_size = signer_->sign(buf, size, cap, now);
      if (!signed_size) {
        done_ = true;
        error_ = std::string("TSIG signing failed: ") + errc_text(signed_size.error());
        return 0;
      }
      size = *signed_size;
      unsigned_run_ = 0;
    } else {
      signer_->add_unsigned({buf, size});
      ++unsigned_run_;
    }
  }
  ++messages_;
  bytes_ += size;
  if (last) done_ = true;
  return size;
}

// An error answer that ends the stream (RFC 5936 2.2): SERVFAIL, no records.
size_t XfrOutStream::fail_message(uint8_t* buf, size_t cap, uint64_t now, std::string reason) {
  error_ = std::move(reason);
  const bool first = messages_ == 0;
  dns::store_u16(buf, req_.id);
  buf[2] = static_cast<uint8_t>(0x84 | (req_.rd ? 0x01 : 0x00));
  buf[3] = static_cast<uint8_t>(dns::rcode::kServFail);
  dns::store_u16(buf + 4, first ? 1 : 0);
  memset(buf + 6, 0, 6);
  size_t pos = kHeaderSize;
  if (first) {
    memcpy(buf + pos, req_.qname.data(), req_.qname.size());
    pos += req_.qname.size();
    dns::store_u16(buf + pos, req_.qtype);
    dns::store_u16(buf + pos + 2, dns::rrclass::kIN);
    pos += 4;
  }
  return finish_message(buf, pos, cap, now, true);
}

Result<XfrOutRequest, std::string> parse_xfr_request(std::span<const uint8_t> msg) {
  if (msg.size() < kHeaderSize) return fail("message shorter than a DNS header");
  const uint8_t* h = msg.data();
  if (h[2] & 0x80) return fail("not a query (QR set)");
  const unsigned opcode = (h[2] >> 3) & 0x0F;
  if (opcode != dns::opcode::kQuery) {
    return fail("opcode " + std::to_string(opcode) + " is not QUERY");
  }
  const uint16_t qdcount = dns::load_u16(h + 4);
  if (qdcount != 1) return fail("question count is " + std::to_string(qdcount) + ", expected 1");

  XfrOutRequest req;
  req.id = dns::load_u16(h);
  req.rd = (h[2] & 0x01) != 0;
  size_t pos = kHeaderSize;
  uint8_t qname[dns::kMaxNameWire];
  Result<size_t> qsize = dns::read_name(msg.data(), msg.size(), pos, qname);
  if (!qsize || msg.size() - pos < 4) return fail("malformed question");
  req.qname.assign(qname, qname + *qsize);
  req.qtype = dns::load_u16(msg.data() + pos);
  const uint16_t qclass = dns::load_u16(msg.data() + pos + 2);
  pos += 4;
  if (req.qtype != dns::rrtype::kAXFR && req.qtype != dns::rrtype::kIXFR) {
    return fail("query type " + dns::type_to_text(req.qtype) + " is not AXFR or IXFR");
  }
  if (qclass != dns::rrclass::kIN) {
    return fail("class " + dns::class_to_text(qclass) + " is not IN");
  }
  if (req.qtype == dns::rrtype::kAXFR) return req;

  // RFC 1995 3: the authority section holds the client's SOA. The answer
  // section should be empty; skip whatever is there.
  const uint16_t ancount = dns::load_u16(h + 6);
  const uint16_t nscount = dns::load_u16(h + 8);
  if (nscount == 0) return fail("IXFR without an SOA in the authority section");
  uint8_t owner[dns::kMaxNameWire];
  for (uint16_t i = 0; i < ancount; ++i) {
    if (!dns::read_name(msg.data(), msg.size(), pos, owner) || msg.size() - pos < 10) {
      return fail("malformed answer section");
    }
    const size_t rdlen = dns::load_u16(msg.data() + pos + 8);
    pos += 10;
    if (msg.size() - pos < rdlen) return fail("malformed answer section");
    pos += rdlen;
  }
  if (!dns::read_name(msg.data(), msg.size(), pos, owner) || msg.size() - pos < 10) {
    return fail("malformed authority section");
  }
  const uint16_t type = dns::load_u16(msg.data() + pos);
  const uint16_t cls = dns::load_u16(msg.data() + pos + 2);
  const size_t rdlen = dns::load_u16(msg.data() + pos + 8);
  pos += 10;
  if (msg.size() - pos < rdlen) return fail("malformed authority section");
  if (type != dns::rrtype::kSOA || cls != dns::rrclass::kIN ||
      !dns::wire_name_equal(owner, req.qname.data())) {
    return fail("IXFR authority record is not the SOA of the zone");
  }
  // MNAME and RNAME may be compressed; the serial follows them.
  const size_t rdata_end = pos + rdlen;
  uint8_t scratch[dns::kMaxNameWire];
  if (!dns::read_name(msg.data(), rdata_end, pos, scratch) ||
      !dns::read_name(msg.data(), rdata_end, pos, scratch) || rdata_end - pos < 20) {
    return fail("malformed authority section");
  }
  req.client_serial = dns::load_u32(msg.data() + pos);
  return req;
}

}  // namespace tandem::xfr
