#include "xfr/xfr_in_common.h"

#include <utility>

#include "dns/rdata.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "zone/zone_data.h"

namespace tandem::xfr {

std::string message_text(size_t message) { return "message " + std::to_string(message); }

std::string record_text(size_t index, size_t message) {
  return "record " + std::to_string(index) + " (message " + std::to_string(message) + ")";
}

// TSIG goes first so that the stream verifier sees every message (RFC 8945
// 5.3.1); an error answer fails on its RCODE whether signed or not (a
// primary sends TSIG errors unsigned, 5.3.2).
XfrHeaderCheck check_xfr_header(std::span<const uint8_t> msg, size_t message,
                                const dns::Name& origin, uint16_t query_id, uint16_t qtype,
                                dns::TsigStreamVerifier* verifier, uint64_t now,
                                bool refuse_truncated) {
  XfrHeaderCheck out;
  const std::string nth = message_text(message);
  auto error = [&](std::string reason) {
    out.error = std::move(reason);
    return out;
  };
  if (msg.size() < kDnsHeaderSize) {
    return error(nth + " is too short (" + std::to_string(msg.size()) + " octets)");
  }
  const uint8_t* h = msg.data();
  const uint16_t id = dns::load_u16(h);
  if (id != query_id) {
    return error(nth + " has ID " + std::to_string(id) + ", expected " + std::to_string(query_id));
  }
  if (!(h[2] & 0x80)) return error(nth + " is not a response (QR clear)");
  const uint8_t opcode = (h[2] >> 3) & 0x0F;
  if (opcode != dns::opcode::kQuery) {
    return error(nth + " has opcode " + std::to_string(opcode) + ", expected QUERY");
  }
  const uint16_t rcode = h[3] & 0x0F;
  if (verifier) {
    dns::TsigVerifyResult v = verifier->next(msg, now);
    if (rcode != dns::rcode::kNoError) {
      out.rcode = rcode;
      std::string reason = "primary answered " + dns::rcode_to_text(rcode);
      out.tsig_error =
          v.status == dns::TsigStatus::kPeerError || v.peer_error != dns::tsig_error::kNoError;
      if (out.tsig_error) reason += " (TSIG error " + dns::tsig_error_text(v.peer_error) + ")";
      return error(std::move(reason));
    }
    if (v.status != dns::TsigStatus::kOk && v.status != dns::TsigStatus::kUnsigned) {
      if (v.status == dns::TsigStatus::kMissing) return error("TSIG: " + nth + " is not signed");
      return error(std::string("TSIG: ") + dns::tsig_status_text(v.status) + " on " + nth);
    }
  } else if (rcode != dns::rcode::kNoError) {
    out.rcode = rcode;
    return error("primary answered " + dns::rcode_to_text(rcode));
  }
  // TC: a UDP answer that did not fit; over TCP it makes no sense either.
  if (refuse_truncated && (h[2] & 0x02)) {
    out.truncated = true;
    return error(nth + " is truncated (TC set)");
  }

  size_t pos = kDnsHeaderSize;
  const uint16_t qdcount = dns::load_u16(h + 4);
  if (qdcount > 1) return error(nth + " has " + std::to_string(qdcount) + " questions");
  if (qdcount == 1) {
    uint8_t qname[dns::kMaxNameWire];
    auto n = dns::read_name(msg.data(), msg.size(), pos, qname);
    if (!n || msg.size() - pos < 4) return error(nth + ": malformed question");
    const uint16_t got_type = dns::load_u16(msg.data() + pos);
    const uint16_t got_class = dns::load_u16(msg.data() + pos + 2);
    pos += 4;
    if (!dns::wire_name_equal(qname, origin.data()) || got_type != qtype ||
        got_class != dns::rrclass::kIN) {
      return error(nth + " answers " + dns::Name::from_wire(qname).to_text() + " " +
                   dns::type_to_text(got_type) + " " + dns::class_to_text(got_class) +
                   ", expected " + origin.to_text() + " " + dns::type_to_text(qtype) + " IN");
    }
  }
  out.ancount = dns::load_u16(h + 6);
  if (message == 1 && out.ancount == 0) return error("first message has no answer records");
  out.pos = pos;
  return out;
}

std::string XfrRecord::what() const { return owner.to_text() + " " + dns::type_to_text(type); }

// Messages are built only on failure: a large zone has millions of records.
std::string read_xfr_record(std::span<const uint8_t> msg, size_t& pos, size_t index, size_t message,
                            size_t max_records, XfrRecord& rec) {
  auto n = dns::read_name(msg.data(), msg.size(), pos, rec.owner_wire);
  if (!n) return record_text(index, message) + ": bad owner name: " + errc_text(n.error());
  rec.owner_size = *n;
  if (msg.size() - pos < 10) return record_text(index, message) + " is truncated";
  const uint8_t* f = msg.data() + pos;
  rec.type = dns::load_u16(f);
  const uint16_t cls = dns::load_u16(f + 2);
  rec.ttl = dns::load_u32(f + 4);
  const uint16_t rdlen = dns::load_u16(f + 8);
  pos += 10;
  rec.owner.assign_wire(rec.owner_wire);
  if (cls != dns::rrclass::kIN) {
    return record_text(index, message) + " " + rec.what() + " has class " +
           dns::class_to_text(cls) + ", expected IN";
  }
  if (dns::is_meta_type(rec.type)) {
    return record_text(index, message) + ": unexpected " + rec.what() + " in the answer";
  }
  rec.rdata.clear();
  auto rd = dns::rdata_from_wire(rec.type, msg.data(), msg.size(), pos, rdlen, rec.rdata);
  if (!rd) {
    return record_text(index, message) + " " + rec.what() + ": bad rdata: " + errc_text(rd.error());
  }
  pos += rdlen;
  if (index > max_records) {
    return "transfer exceeds the limit of " + std::to_string(max_records) + " records";
  }
  return {};
}

std::string check_xfr_bytes(uint64_t bytes, uint64_t max_bytes) {
  if (bytes <= max_bytes) return {};
  return "transfer exceeds the limit of " + std::to_string(max_bytes) + " octets";
}

std::string finish_xfr_tsig(dns::TsigStreamVerifier* verifier) {
  if (!verifier) return {};
  const dns::TsigStatus st = verifier->finish();
  if (st == dns::TsigStatus::kMissing) return "TSIG: the last message is not signed";
  if (st != dns::TsigStatus::kOk) return std::string("TSIG: ") + dns::tsig_status_text(st);
  return {};
}

std::string build_xfr_zone(std::unique_ptr<zone::ZoneBuilder> builder, const dns::Name& origin,
                           const std::string& source, zone::LoadResult& result) {
  std::vector<zone::ParseError> errors, warnings;
  auto data = builder->build(errors, warnings);
  builder.reset();
  if (!data) {
    std::string reason = "zone from " + source + " does not check";
    if (!errors.empty()) reason += ": " + errors.front().to_string();
    if (errors.size() > 1) reason += " (and " + std::to_string(errors.size() - 1) + " more)";
    result.zone.reset();
    result.errors = std::move(errors);
    return reason;
  }
  result.warnings = std::move(warnings);
  result.zone = std::make_shared<zone::Zone>(origin, std::move(data), source);
  return {};
}

void set_xfr_failure(zone::LoadResult& result, bool need_more, const std::string& reason,
                     const std::string& source) {
  result.zone.reset();
  if (result.errors.empty()) {
    result.errors.push_back({source, 0, need_more ? std::string("transfer not complete") : reason});
  }
}

}  // namespace tandem::xfr
