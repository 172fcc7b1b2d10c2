#include "xfr/axfr_in.h"

#include <cstring>
#include <utility>

#include "dns/rdata.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "zone/zone_data.h"

namespace tandem::xfr {

namespace {

constexpr size_t kHeaderSize = 12;

// The serial of uncompressed SOA rdata (RFC 1035 3.3.13: MNAME, RNAME,
// SERIAL, ...); rdata_from_wire has validated the layout.
uint32_t soa_serial(const std::vector<uint8_t>& rdata) {
  const uint8_t* p = rdata.data();
  p += dns::wire_name_size(p);
  p += dns::wire_name_size(p);
  return dns::load_u32(p);
}

std::string tsig_error_text(uint16_t error) {
  switch (error) {
    case dns::tsig_error::kBadSig:
      return "BADSIG";
    case dns::tsig_error::kBadKey:
      return "BADKEY";
    case dns::tsig_error::kBadTime:
      return "BADTIME";
    case dns::tsig_error::kBadTrunc:
      return "BADTRUNC";
    default:
      return dns::rcode_to_text(error);
  }
}

}  // namespace

AxfrConsumer::AxfrConsumer(AxfrParams params)
    : params_(std::move(params)),
      source_(params_.peer.empty() ? std::string("AXFR") : "AXFR from " + params_.peer),
      builder_(std::make_unique<zone::ZoneBuilder>(params_.origin)) {
  request_mac_.assign(params_.request_mac);
  params_.request_mac = {};  // the caller's buffer need not outlive us
  if (params_.key) verifier_.emplace(*params_.key, request_mac_.span());
}

AxfrConsumer::~AxfrConsumer() = default;

AxfrStatus AxfrConsumer::fail(std::string reason) {
  status_ = {AxfrState::kFailed, std::move(reason)};
  builder_.reset();  // free the partial zone now; it is never used
  result_.zone.reset();
  return status_;
}

AxfrStatus AxfrConsumer::feed(std::span<const uint8_t> msg) {
  if (status_.state == AxfrState::kFailed || status_.state == AxfrState::kIxfrFallback) {
    return status_;
  }
  ++stats_.messages;
  const std::string nth = "message " + std::to_string(stats_.messages);
  if (status_.state == AxfrState::kDone) return fail(nth + " after the end of the transfer");
  stats_.bytes += msg.size();
  if (stats_.bytes > params_.limits.max_bytes) {
    return fail("transfer exceeds the limit of " + std::to_string(params_.limits.max_bytes) +
                " octets");
  }
  size_t pos = 0;
  AxfrStatus st = check_header(msg, pos);
  if (st.state != AxfrState::kNeedMore) return st;
  st = read_answers(msg, pos, dns::load_u16(msg.data() + 6));
  if (st.state != AxfrState::kNeedMore || !ended_) return st;
  return finish();
}

// RFC 5936 2.2: every message answers our query: same ID, QR set, opcode
// QUERY, NOERROR; the question, when present, is ours. TSIG goes first so
// that the stream verifier sees every message (RFC 8945 5.3.1); an error
// answer fails on its RCODE whether signed or not (a primary sends TSIG
// errors unsigned, 5.3.2), naming the TSIG error when there is one.
AxfrStatus AxfrConsumer::check_header(std::span<const uint8_t> msg, size_t& pos) {
  const std::string nth = "message " + std::to_string(stats_.messages);
  if (msg.size() < kHeaderSize) {
    return fail(nth + " is too short (" + std::to_string(msg.size()) + " octets)");
  }
  const uint8_t* h = msg.data();
  const uint16_t id = dns::load_u16(h);
  if (id != params_.query_id) {
    return fail(nth + " has ID " + std::to_string(id) + ", expected " +
                std::to_string(params_.query_id));
  }
  if (!(h[2] & 0x80)) return fail(nth + " is not a response (QR clear)");
  const uint8_t opcode = (h[2] >> 3) & 0x0F;
  if (opcode != dns::opcode::kQuery) {
    return fail(nth + " has opcode " + std::to_string(opcode) + ", expected QUERY");
  }
  const uint16_t rcode = h[3] & 0x0F;
  if (verifier_) {
    dns::TsigVerifyResult v = verifier_->next(msg, params_.now);
    if (rcode != dns::rcode::kNoError) {
      std::string reason = "primary answered " + dns::rcode_to_text(rcode);
      if (v.status == dns::TsigStatus::kPeerError || v.peer_error != dns::tsig_error::kNoError) {
        reason += " (TSIG error " + tsig_error_text(v.peer_error) + ")";
      }
      return fail(std::move(reason));
    }
    if (v.status != dns::TsigStatus::kOk && v.status != dns::TsigStatus::kUnsigned) {
      if (v.status == dns::TsigStatus::kMissing) return fail("TSIG: " + nth + " is not signed");
      return fail(std::string("TSIG: ") + dns::tsig_status_text(v.status) + " on " + nth);
    }
  } else if (rcode != dns::rcode::kNoError) {
    return fail("primary answered " + dns::rcode_to_text(rcode));
  }

  pos = kHeaderSize;
  const uint16_t qdcount = dns::load_u16(h + 4);
  if (qdcount > 1) return fail(nth + " has " + std::to_string(qdcount) + " questions");
  if (qdcount == 1) {
    uint8_t qname[dns::kMaxNameWire];
    auto n = dns::read_name(msg.data(), msg.size(), pos, qname);
    if (!n || msg.size() - pos < 4) return fail(nth + ": malformed question");
    const uint16_t qtype = dns::load_u16(msg.data() + pos);
    const uint16_t qclass = dns::load_u16(msg.data() + pos + 2);
    pos += 4;
    if (!dns::wire_name_equal(qname, params_.origin.data()) || qtype != dns::rrtype::kAXFR ||
        qclass != dns::rrclass::kIN) {
      return fail(nth + " answers " + dns::Name::from_wire(qname).to_text() + " " +
                  dns::type_to_text(qtype) + " " + dns::class_to_text(qclass) + ", expected " +
                  params_.origin.to_text() + " AXFR IN");
    }
  }
  if (stats_.messages == 1 && dns::load_u16(h + 6) == 0) {
    return fail("first message has no answer records");
  }
  return status_;
}

// Reads the answer section record by record. The authority and additional
// sections carry nothing for the zone (OPT, TSIG) and are not read.
AxfrStatus AxfrConsumer::read_answers(std::span<const uint8_t> msg, size_t pos, uint16_t ancount) {
  uint8_t owner_wire[dns::kMaxNameWire];
  dns::Name owner;
  // Messages are built only on failure: a large zone has millions of records.
  auto nth_record = [&](size_t index) {
    return "record " + std::to_string(index) + " (message " + std::to_string(stats_.messages) + ")";
  };
  for (uint16_t i = 0; i < ancount; ++i) {
    if (ended_)
      return fail("record after the closing SOA in message " + std::to_string(stats_.messages));
    const size_t index = stats_.records + 1;
    auto n = dns::read_name(msg.data(), msg.size(), pos, owner_wire);
    if (!n) return fail(nth_record(index) + ": bad owner name: " + errc_text(n.error()));
    if (msg.size() - pos < 10) return fail(nth_record(index) + " is truncated");
    const uint8_t* f = msg.data() + pos;
    const uint16_t type = dns::load_u16(f);
    const uint16_t cls = dns::load_u16(f + 2);
    const uint32_t ttl = dns::load_u32(f + 4);
    const uint16_t rdlen = dns::load_u16(f + 8);
    pos += 10;
    owner.assign_wire(owner_wire);
    auto what = [&] { return owner.to_text() + " " + dns::type_to_text(type); };
    if (cls != dns::rrclass::kIN) {
      return fail(nth_record(index) + " " + what() + " has class " + dns::class_to_text(cls) +
                  ", expected IN");
    }
    if (dns::is_meta_type(type)) {
      return fail(nth_record(index) + ": unexpected " + what() + " in the answer");
    }
    rdata_.clear();
    auto rd = dns::rdata_from_wire(type, msg.data(), msg.size(), pos, rdlen, rdata_);
    if (!rd)
      return fail(nth_record(index) + " " + what() + ": bad rdata: " + errc_text(rd.error()));
    pos += rdlen;
    if (index > params_.limits.max_records) {
      return fail("transfer exceeds the limit of " + std::to_string(params_.limits.max_records) +
                  " records");
    }
    stats_.records = index;

    const bool at_apex = owner.size() == params_.origin.size() && owner == params_.origin;
    // Records of one owner come together: the zone check is done once per owner.
    const bool same_owner = owner.size() == last_owner_.size() &&
                            memcmp(owner.data(), last_owner_.data(), owner.size()) == 0;
    if (index == 1) {
      if (type != dns::rrtype::kSOA || !at_apex) {
        return fail("first record is not the SOA of " + params_.origin.to_text() + " (got " +
                    what() + ")");
      }
      stats_.serial = soa_serial(rdata_);
    } else if (!same_owner && !owner.is_subdomain_of(params_.origin)) {
      // RFC 5936 3.3: data outside the zone is not ours to accept.
      return fail("record outside the zone: " + owner.to_text());
    } else if (type == dns::rrtype::kSOA) {
      if (!at_apex) return fail(nth_record(index) + ": SOA below the apex: " + owner.to_text());
      const uint32_t serial = soa_serial(rdata_);
      if (serial != stats_.serial) {
        // RFC 1995 4: an incremental answer starts SOA(new), SOA(old).
        if (index == 2) {
          status_ = {AxfrState::kIxfrFallback, "IXFR response: fall back to AXFR"};
          builder_.reset();
          return status_;
        }
        return fail("SOA serial changed during the transfer: " + std::to_string(stats_.serial) +
                    " then " + std::to_string(serial));
      }
      ended_ = true;  // RFC 5936 2.2: the SOA again closes the transfer
      continue;       // the same record as the first: not added twice
    }
    if (!same_owner) last_owner_.assign(owner.data(), owner.data() + owner.size());
    builder_->add(owner, type, ttl, rdata_, source_, index);
  }
  return status_;
}

// The closing SOA arrived in the message just fed: check that the TSIG
// stream ended signed, then index and check the zone.
AxfrStatus AxfrConsumer::finish() {
  if (verifier_) {
    const dns::TsigStatus st = verifier_->finish();
    if (st == dns::TsigStatus::kMissing) return fail("TSIG: the last message is not signed");
    if (st != dns::TsigStatus::kOk) return fail(std::string("TSIG: ") + dns::tsig_status_text(st));
  }
  std::vector<zone::ParseError> errors, warnings;
  auto data = builder_->build(errors, warnings);
  builder_.reset();
  if (!data) {
    std::string reason = "zone from " + source_ + " does not check";
    if (!errors.empty()) reason += ": " + errors.front().to_string();
    if (errors.size() > 1) reason += " (and " + std::to_string(errors.size() - 1) + " more)";
    fail(std::move(reason));
    result_.errors = std::move(errors);
    return status_;
  }
  result_.warnings = std::move(warnings);
  result_.zone = std::make_shared<zone::Zone>(params_.origin, std::move(data), source_);
  status_ = {AxfrState::kDone, {}};
  return status_;
}

zone::LoadResult AxfrConsumer::take() {
  zone::LoadResult out = std::move(result_);
  result_ = {};
  if (status_.state != AxfrState::kDone) {
    out.zone.reset();
    if (out.errors.empty()) {
      const std::string reason =
          status_.state == AxfrState::kNeedMore ? "transfer not complete" : status_.reason;
      out.errors.push_back({source_, 0, reason});
    }
  }
  return out;
}

}  // namespace tandem::xfr
