#include "server/responder.h"

#include <cstring>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "zone/lookup.h"
#include "zone/zone_data.h"

namespace tandem::server {

namespace {

using dns::load_u16;
using dns::store_u16;
namespace rrtype = dns::rrtype;
namespace rcode = dns::rcode;

constexpr size_t kHeaderSize = 12;
constexpr size_t kOptSize = 11;  // root owner, type, class, ttl, rdlength = 0
constexpr int kMaxCompressionEntries = 64;

// Everything one query needs; lives on the responder's stack frame.
struct Context {
  explicit Context(uint8_t* o) : out(o) {}  // entries stay uninitialized: no per-query memset
  uint8_t* out;
  size_t limit = 0;  // bytes we may use for the message, OPT space already reserved
  size_t pos = 0;
  bool truncated = false;
  // Name compression (RFC 1035 4.1.4): names already in the message, as
  // uncompressed suffixes in stable memory, with where they start.
  struct Entry {
    const uint8_t* name;
    uint16_t size;
    uint16_t offset;
  };
  Entry entries[kMaxCompressionEntries];
  int entry_count = 0;

  bool room(size_t n) const { return n <= limit - pos; }

  void remember(const uint8_t* name, size_t size, size_t offset) {
    // Adds every suffix that was written as literal labels at `offset`.
    while (*name && entry_count < kMaxCompressionEntries && offset < 0x3FFF) {
      entries[entry_count++] = {name, static_cast<uint16_t>(size), static_cast<uint16_t>(offset)};
      size_t step = *name + 1u;
      name += step;
      size -= step;
      offset += step;
    }
  }

  const uint8_t* qname = nullptr;  // the question's name, at offset 12

  // Writes `name` with compression. Returns false when it does not fit.
  bool write_name(const uint8_t* name) {
    if (name == qname) {  // the common case: the owner is the question's name
      if (!room(2)) return false;
      store_u16(out + pos, 0xC000 | kHeaderSize);
      pos += 2;
      return true;
    }
    size_t size = dns::wire_name_size(name);
    const uint8_t* s = name;
    size_t ssize = size;
    int match = -1;
    while (*s) {
      for (int i = 0; i < entry_count; ++i) {
        if (entries[i].size == ssize && dns::wire_name_equal(entries[i].name, s)) {
          match = i;
          break;
        }
      }
      if (match >= 0) break;
      ssize -= *s + 1u;
      s += *s + 1;
    }
    size_t literal = static_cast<size_t>(s - name);
    size_t need = literal + (match >= 0 ? 2 : 1);
    if (!room(need)) return false;
    size_t at = pos;
    memcpy(out + pos, name, literal);
    pos += literal;
    if (match >= 0) {
      store_u16(out + pos, static_cast<uint16_t>(0xC000 | entries[match].offset));
      pos += 2;
    } else {
      out[pos++] = 0;
    }
    if (literal) remember(name, size, at);
    return true;
  }
};

// Offsets of compressible names inside rdata of the RFC 1035 types
// (RFC 3597 4: no other type's names may be compressed).
bool write_rdata(Context& c, uint16_t type, const uint8_t* rd, uint16_t len) {
  switch (type) {
    case rrtype::kNS:
    case rrtype::kCNAME:
    case rrtype::kPTR:
      return c.write_name(rd);
    case rrtype::kMX:
      if (!c.room(2)) return false;
      memcpy(c.out + c.pos, rd, 2);
      c.pos += 2;
      return c.write_name(rd + 2);
    case rrtype::kSOA: {
      const uint8_t* rname = rd + dns::wire_name_size(rd);
      const uint8_t* rest = rname + dns::wire_name_size(rname);
      if (!c.write_name(rd) || !c.write_name(rname) || !c.room(20)) return false;
      memcpy(c.out + c.pos, rest, 20);
      c.pos += 20;
      return true;
    }
    default:
      if (!c.room(len)) return false;
      memcpy(c.out + c.pos, rd, len);
      c.pos += len;
      return true;
  }
}

// Writes one planned RRset; on overflow restores the position and returns false.
bool write_rrset(Context& c, const zone::ZoneData& data, const zone::PlannedRRset& p, uint16_t* count) {
  const size_t mark = c.pos;
  const int entries_mark = c.entry_count;
  uint16_t type = p.rrset ? p.rrset->type : rrtype::kCNAME;
  uint16_t n = p.rrset ? p.rrset->count : 1;
  const uint8_t* rd = p.rrset ? data.rdata(*p.rrset) : nullptr;
  uint16_t owner_ptr = 0;
  for (uint16_t i = 0; i < n; ++i) {
    if (i == 0) {
      size_t at = c.pos;
      if (!c.write_name(p.owner)) goto overflow;
      // Later records of the set point at the owner just written.
      owner_ptr = (c.out[at] & 0xC0) == 0xC0 ? static_cast<uint16_t>(load_u16(c.out + at) & 0x3FFF)
                                             : static_cast<uint16_t>(at);
    } else {
      if (!c.room(2)) goto overflow;
      store_u16(c.out + c.pos, static_cast<uint16_t>(0xC000 | owner_ptr));
      c.pos += 2;
    }
    if (!c.room(10)) goto overflow;
    {
      uint8_t* h = c.out + c.pos;
      store_u16(h, type);
      store_u16(h + 2, dns::rrclass::kIN);
      dns::store_u32(h + 4, p.ttl);
      c.pos += 10;
      size_t rdlen_at = c.pos - 2;
      bool ok;
      if (p.rrset) {
        uint16_t len = load_u16(rd);
        ok = write_rdata(c, type, rd + 2, len);
        rd += 2 + len;
      } else {
        ok = c.room(p.synth_size);  // synthesized CNAME target: not compressed
        if (ok) {
          memcpy(c.out + c.pos, p.synth_rdata, p.synth_size);
          c.pos += p.synth_size;
        }
      }
      if (!ok) goto overflow;
      store_u16(c.out + rdlen_at, static_cast<uint16_t>(c.pos - rdlen_at - 2));
    }
  }
  *count = static_cast<uint16_t>(*count + n);
  return true;
overflow:
  c.pos = mark;
  c.entry_count = entries_mark;
  return false;
}

}  // namespace

struct QueryParse {
  uint16_t qtype = 0, qclass = 0;
  bool edns = false;
  uint16_t edns_size = 0;
  uint8_t edns_version = 0;
  bool dnssec_ok = false;
  bool tsig = false;    // the last record is a TSIG RR
  bool expire = false;  // the OPT carries the EDNS EXPIRE option (RFC 7314)
};

size_t Responder::respond(const zone::ZoneSet& zones, const uint8_t* q, size_t qsize, uint8_t* out,
                          size_t cap, Transport transport) {
  if (qsize < kHeaderSize || cap < 512) return 0;
  if (q[2] & 0x80) return 0;  // a response: never answer it (no reflection loops)

  const uint8_t opcode = (q[2] >> 3) & 0x0F;
  const uint16_t qdcount = load_u16(q + 4);
  QueryParse qp;
  uint16_t rc = rcode::kNoError;
  bool have_question = false;

  // --- parse the question and the rest of the message (RFC 1035 4.1) ---
  if (qdcount != 1) {
    rc = opcode == dns::opcode::kQuery ? rcode::kFormErr : rcode::kNotImp;
  } else {
    // The question name: copied label by label, no compression possible (a
    // pointer could only point into the header). Hot path: one pass.
    size_t pos = kHeaderSize;
    size_t n = 0;
    bool bad = false;
    qname_labels_ = 0;
    for (;;) {
      if (pos >= qsize) { bad = true; break; }
      const uint8_t len = q[pos];
      if (len == 0) {
        qname_[n++] = 0;
        ++pos;
        break;
      }
      if (len > dns::kMaxLabel || pos + 1 + len > qsize || n + len + 2 > dns::kMaxNameWire) {
        bad = true;
        break;
      }
      memcpy(qname_ + n, q + pos, len + 1u);
      ++qname_labels_;
      n += len + 1u;
      pos += len + 1u;
    }
    if (bad || pos + 4 > qsize) {
      rc = rcode::kFormErr;
    } else {
      qname_size_ = n;
      qp.qtype = load_u16(q + pos);
      qp.qclass = load_u16(q + pos + 2);
      pos += 4;
      have_question = true;
      // Answer and authority must be empty in a query; additional may hold OPT.
      const uint16_t an = load_u16(q + 6), ns = load_u16(q + 8), ar = load_u16(q + 10);
      uint8_t skip[dns::kMaxNameWire];
      for (uint32_t i = 0; i < uint32_t{an} + ns + ar && rc == rcode::kNoError; ++i) {
        Result<size_t> owner = size_t{1};
        if (pos < qsize && q[pos] == 0)
          ++pos;  // the root, as OPT's owner always is
        else
          owner = dns::read_name(q, qsize, pos, skip);
        if (!owner || pos + 10 > qsize) {
          rc = rcode::kFormErr;
          break;
        }
        uint16_t type = load_u16(q + pos);
        uint16_t rdlen = load_u16(q + pos + 8);
        if (pos + 10 + rdlen > qsize) {
          rc = rcode::kFormErr;
          break;
        }
        if (i >= uint32_t{an} + ns && type == rrtype::kOPT) {
          // RFC 6891 6.1.1: one OPT, owned by the root.
          if (qp.edns || *owner != 1) {
            rc = rcode::kFormErr;
            break;
          }
          qp.edns = true;
          qp.edns_size = load_u16(q + pos + 2);
          qp.edns_version = q[pos + 5];
          qp.dnssec_ok = q[pos + 6] & 0x80;
          // Options must tile the rdata exactly.
          size_t o = pos + 10, end = o + rdlen;
          while (o + 4 <= end) {
            if (load_u16(q + o) == 9) qp.expire = true;  // RFC 7314 EXPIRE
            o += 4 + load_u16(q + o + 2);
          }
          if (o != end) rc = rcode::kFormErr;
        } else if (i + 1 == uint32_t{an} + ns + ar && i >= uint32_t{an} + ns && type == rrtype::kTSIG) {
          qp.tsig = true;  // RFC 8945 5.1: TSIG is the last record
        }
        pos += 10 + rdlen;
      }
      // IXFR carries our SOA in the authority section (RFC 1995 3).
      if (rc == rcode::kNoError && (an != 0 || ns != 0) && opcode == dns::opcode::kQuery &&
          !(qp.qtype == rrtype::kIXFR && an == 0))
        rc = rcode::kFormErr;
      if (rc == rcode::kNoError && pos != qsize) rc = rcode::kFormErr;  // trailing garbage
    }
  }

  if (divert_ && rc == rcode::kNoError && have_question &&
      (opcode == dns::opcode::kNotify ||
       (opcode == dns::opcode::kQuery &&
        (qp.qtype == rrtype::kAXFR || qp.qtype == rrtype::kIXFR || qp.tsig || qp.expire))))
      [[unlikely]] {
    return kDivert;
  }

  // --- header ---
  memcpy(out, q, 2);                                 // ID
  out[2] = static_cast<uint8_t>(0x80 | (q[2] & 0x79));  // QR, opcode, RD
  out[3] = 0;  // RA, AD, CD clear: no recursion, no validation here (as Knot)
  memset(out + 4, 0, 8);

  Context c(out);
  size_t max = transport == Transport::kTcp ? kMaxTcpMessage : 512;
  if (qp.edns && transport == Transport::kUdp) {
    size_t asked = qp.edns_size < 512 ? 512 : qp.edns_size;
    max = asked < kMaxUdpPayload ? asked : kMaxUdpPayload;
  }
  if (max > cap) max = cap;
  c.limit = max - (qp.edns ? kOptSize : 0);
  c.pos = kHeaderSize;

  if (have_question) {
    store_u16(out + 4, 1);
    memcpy(out + c.pos, qname_, qname_size_);
    c.pos += qname_size_;
    store_u16(out + c.pos, qp.qtype);
    store_u16(out + c.pos + 2, qp.qclass);
    c.pos += 4;
    memcpy(qlower_, qname_, qname_size_);
    dns::wire_name_lower(qlower_, qname_size_);
    c.remember(qname_, qname_size_, kHeaderSize);
    c.qname = qname_;
  }

  uint16_t ext_rcode = 0;
  if (rc == rcode::kNoError) {
    if (qp.edns && qp.edns_version != 0) {
      ext_rcode = rcode::kBadVers;  // RFC 6891 6.1.3
    } else if (opcode != dns::opcode::kQuery) {
      rc = rcode::kNotImp;
    } else if (qp.qclass != dns::rrclass::kIN && qp.qclass != dns::rrclass::kANY) {
      rc = rcode::kRefused;
    } else if (qp.qtype == rrtype::kAXFR || qp.qtype == rrtype::kIXFR) {
      // AXFR is only defined over TCP (RFC 5936 4.2): NOTIMP over UDP, as
      // Knot answers. Transfers need an ACL, which nobody has by default.
      rc = transport == Transport::kUdp && qp.qtype == rrtype::kAXFR ? rcode::kNotImp : rcode::kRefused;
    } else if (qp.qtype == rrtype::kOPT || qp.qtype == rrtype::kTSIG || qp.qtype == rrtype::kTKEY) {
      rc = rcode::kFormErr;
    } else if (qp.qtype == rrtype::kMAILA || qp.qtype == rrtype::kMAILB) {
      rc = rcode::kNotImp;
    } else {
      const zone::Zone* z = zones.find(qlower_, qname_size_, qname_labels_);
      // RFC 4035 3.1.4.1: DS lives in the parent; at a zone apex ask the
      // parent zone when we have it.
      if (z && qp.qtype == rrtype::kDS && qname_size_ == z->origin().size() && qname_size_ > 1) {
        if (const zone::Zone* parent = zones.find(qlower_ + qlower_[0] + 1)) z = parent;
      }
      if (!z) {
        rc = rcode::kRefused;
      } else if (z->expired()) [[unlikely]] {
        rc = rcode::kServFail;  // RFC 1034 4.3.5: an expired secondary has no data to give
      } else {
        lookup_.run(*z, qname_, qlower_, qp.qtype);
        rc = lookup_.rcode;
        if (lookup_.authoritative) out[2] |= 0x04;  // AA
        const zone::ZoneData& data = z->data();
        uint16_t counts[3] = {0, 0, 0};
        for (int i = 0; i < lookup_.answer_count && !c.truncated; ++i)
          if (!write_rrset(c, data, lookup_.answer[i], &counts[0])) c.truncated = true;
        for (int i = 0; i < lookup_.authority_count && !c.truncated; ++i)
          if (!write_rrset(c, data, lookup_.authority[i], &counts[1])) c.truncated = true;
        // Additional data is optional: what does not fit is left out without TC.
        for (int i = 0; i < lookup_.additional_count && !c.truncated; ++i)
          if (!write_rrset(c, data, lookup_.additional[i], &counts[2])) break;
        if (c.truncated) out[2] |= 0x02;  // TC
        store_u16(out + 6, counts[0]);
        store_u16(out + 8, counts[1]);
        store_u16(out + 10, counts[2]);
      }
    }
  }
  out[3] = static_cast<uint8_t>(out[3] | (rc & 0x0F));

  if (qp.edns) {
    // RFC 6891 6.1: our OPT, advertising our payload size, DO echoed (RFC 3225).
    uint8_t* o = out + c.pos;
    o[0] = 0;
    store_u16(o + 1, rrtype::kOPT);
    store_u16(o + 3, kMaxUdpPayload);
    o[5] = static_cast<uint8_t>(ext_rcode >> 4);
    o[6] = 0;  // version
    o[7] = qp.dnssec_ok ? 0x80 : 0;
    o[8] = 0;
    store_u16(o + 9, 0);
    c.pos += kOptSize;
    store_u16(out + 10, static_cast<uint16_t>(load_u16(out + 10) + 1));
  }
  return c.pos;
}

}  // namespace tandem::server
