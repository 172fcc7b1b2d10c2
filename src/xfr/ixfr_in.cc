#include "xfr/ixfr_in.h"

#include <cstring>
#include <utility>

#include "dns/types.h"
#include "dns/wire.h"
#include "util/serial.h"
#include "xfr/xfr_in_common.h"
#include "zone/records.h"
#include "zone/zone_data.h"

namespace tandem::xfr {

namespace {

// RCODEs with which a primary says it will not (or cannot) answer this IXFR,
// where an AXFR may still work: RFC 1995 has no way to say "no history for
// your serial" other than an AXFR-style answer, but servers without IXFR
// answer NOTIMP, FORMERR (old servers that do not parse the authority
// section) or REFUSED, and some answer SERVFAIL or NOTAUTH when IXFR is
// disabled for the zone.
bool rcode_allows_fallback(uint16_t rcode) {
  return rcode == dns::rcode::kNotImp || rcode == dns::rcode::kRefused ||
         rcode == dns::rcode::kServFail || rcode == dns::rcode::kNotAuth ||
         rcode == dns::rcode::kFormErr;
}

void put_u16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

}  // namespace

const char* ixfr_kind_text(IxfrKind kind) {
  switch (kind) {
    case IxfrKind::kUnknown:
      return "unknown";
    case IxfrKind::kUpToDate:
      return "up to date";
    case IxfrKind::kIncremental:
      return "incremental";
    case IxfrKind::kFull:
      return "full (AXFR-style)";
  }
  return "?";
}

IxfrConsumer::IxfrConsumer(IxfrParams params, std::shared_ptr<const zone::Zone> base)
    : params_(std::move(params)),
      base_(std::move(base)),
      source_(params_.peer.empty() ? std::string("IXFR") : "IXFR from " + params_.peer) {
  request_mac_.assign(params_.request_mac);
  params_.request_mac = {};  // the caller's buffer need not outlive us
  if (params_.key) verifier_.emplace(*params_.key, request_mac_.span());
  if (base_) stats_.base_serial = base_->serial();
}

IxfrConsumer::~IxfrConsumer() = default;

IxfrStatus IxfrConsumer::fail(std::string reason, bool fallback) {
  status_ = {IxfrState::kFailed, std::move(reason)};
  fallback_ = fallback;
  builder_.reset();  // free what was received; it is never used
  diffs_.clear();
  current_ = {};
  result_.zone.reset();
  return status_;
}

IxfrStatus IxfrConsumer::feed(std::span<const uint8_t> msg) {
  if (status_.state == IxfrState::kFailed) return status_;
  ++stats_.messages;
  if (status_.state == IxfrState::kDone) {
    return fail(message_text(stats_.messages) + " after the end of the transfer");
  }
  if (!base_) return fail("no zone to apply an IXFR to", true);
  stats_.bytes += msg.size();
  if (std::string e = check_xfr_bytes(stats_.bytes, params_.limits.max_bytes); !e.empty()) {
    return fail(std::move(e));
  }
  // As AXFR (RFC 5936 2.2, RFC 8945 5.3.1), see check_xfr_header. Then the
  // IXFR specifics: an error RCODE on the first message may mean "no IXFR
  // here" (fallback), and TC means the answer came over UDP and was cut.
  XfrHeaderCheck header =
      check_xfr_header(msg, stats_.messages, params_.origin, params_.query_id, dns::rrtype::kIXFR,
                       verifier_ ? &*verifier_ : nullptr, params_.now, true);
  if (!header.error.empty()) {
    // A TSIG error will not go away with AXFR: same key, same clock.
    const bool fallback =
        header.truncated || (header.rcode != dns::rcode::kNoError && stats_.messages == 1 &&
                             !header.tsig_error && rcode_allows_fallback(header.rcode));
    return fail(std::move(header.error), fallback);
  }
  IxfrStatus st = read_answers(msg, header.pos, header.ancount);
  if (st.state != IxfrState::kNeedMore || !ended_) return st;
  return finish();
}

IxfrStatus IxfrConsumer::end_of_stream() {
  if (status_.state != IxfrState::kNeedMore) return status_;
  std::string reason = "answer ended before the closing SOA";
  if (stats_.records > 0) reason += " (serial " + std::to_string(stats_.serial) + ")";
  return fail(std::move(reason), true);
}

// Reads the answer section record by record; the authority and additional
// sections carry nothing for the zone (OPT, TSIG) and are not read.
IxfrStatus IxfrConsumer::read_answers(std::span<const uint8_t> msg, size_t pos, uint16_t ancount) {
  XfrRecord& rec = record_;
  const dns::Name& owner = rec.owner;
  for (uint16_t i = 0; i < ancount; ++i) {
    if (ended_) {
      // An up-to-date answer is one SOA; anything after it (a primary that
      // sends its whole zone at our serial) is of no use to us.
      if (kind_ == IxfrKind::kUpToDate) return status_;
      return fail("record after the closing SOA in message " + std::to_string(stats_.messages));
    }
    const size_t index = stats_.records + 1;
    std::string e =
        read_xfr_record(msg, pos, index, stats_.messages, params_.limits.max_records, rec);
    if (!e.empty()) return fail(std::move(e));
    stats_.records = index;
    const uint16_t type = rec.type;
    const uint32_t ttl = rec.ttl;
    const bool at_apex = owner == params_.origin;

    if (index == 1) {
      if (type != dns::rrtype::kSOA || !at_apex) {
        return fail("first record is not the SOA of " + params_.origin.to_text() + " (got " +
                    rec.what() + ")");
      }
      stats_.serial = zone::soa_rdata_serial(rec.rdata);
      first_soa_.owner.assign(rec.owner_wire, rec.owner_wire + rec.owner_size);
      dns::wire_name_lower(first_soa_.owner.data(), rec.owner_size);
      first_soa_.type = type;
      first_soa_.ttl = ttl;
      first_soa_.rdata = rec.rdata;
      // RFC 1995 4: "If an IXFR query with the same or newer version number
      // than that of the server is received, it is replied to with a single
      // SOA record of the server's current version."
      if (!util::serial_gt(stats_.serial, stats_.base_serial)) {
        kind_ = IxfrKind::kUpToDate;
        ended_ = true;
      }
      continue;
    }
    if (!owner.is_subdomain_of(params_.origin)) {
      // RFC 5936 3.3: data outside the zone is not ours to accept.
      return fail("record outside the zone: " + owner.to_text(), kind_ == IxfrKind::kIncremental);
    }
    if (type == dns::rrtype::kSOA && !at_apex) {
      return fail(record_text(index, stats_.messages) + ": SOA below the apex: " + owner.to_text(),
                  kind_ == IxfrKind::kIncremental);
    }
    IxfrStatus st = index == 2                        ? on_second_record(owner, type, ttl)
                    : kind_ == IxfrKind::kIncremental ? on_incremental_record(owner, type, ttl)
                                                      : status_;
    if (st.state != IxfrState::kNeedMore) return st;
    if (kind_ == IxfrKind::kFull && index > 2) {
      if (type == dns::rrtype::kSOA) {
        const uint32_t serial = zone::soa_rdata_serial(rec.rdata);
        if (serial != stats_.serial) {
          return fail("SOA serial changed during the transfer: " + std::to_string(stats_.serial) +
                      " then " + std::to_string(serial));
        }
        ended_ = true;  // RFC 5936 2.2: the SOA again closes the transfer
        continue;
      }
      builder_->add(owner, type, ttl, rec.rdata, source_, index);
    }
  }
  return status_;
}

// An AXFR-style answer: the records go into a builder, sized after the
// version we have (zones change little between versions), from the first SOA.
void IxfrConsumer::start_full_zone() {
  kind_ = IxfrKind::kFull;
  builder_ = std::make_unique<zone::ZoneBuilder>(params_.origin);
  builder_->reserve(base_->record_count());
  builder_->add(dns::Name::from_wire(first_soa_.owner.data()), first_soa_.type, first_soa_.ttl,
                first_soa_.rdata, source_, 1);
}

// The second record tells the shape (RFC 1995 4): an SOA starts the first
// step of an incremental answer; anything else is the start of a whole zone.
IxfrStatus IxfrConsumer::on_second_record(const dns::Name& owner, uint16_t type, uint32_t ttl) {
  if (type == dns::rrtype::kSOA) {
    const uint32_t serial = zone::soa_rdata_serial(record_.rdata);
    if (serial == stats_.serial) {
      // SOA, SOA: an AXFR-style answer with nothing in between. It cannot
      // make a valid zone, but that is the builder's verdict to give.
      start_full_zone();
      ended_ = true;
      return status_;
    }
    kind_ = IxfrKind::kIncremental;
    if (serial != stats_.base_serial) {
      return fail("incremental answer starts at serial " + std::to_string(serial) + ", ours is " +
                      std::to_string(stats_.base_serial),
                  true);
    }
    current_ = {};
    current_.from_soa = {std::vector<uint8_t>(owner.data(), owner.data() + owner.size()), type, ttl,
                         record_.rdata};
    dns::wire_name_lower(current_.from_soa.owner.data(), current_.from_soa.owner.size());
    phase_ = Phase::kDeleting;
    return status_;
  }
  start_full_zone();
  builder_->add(owner, type, ttl, record_.rdata, source_, 2);
  return status_;
}

// One record after the first step's SOA(old). SOAs switch between the
// deletions and the additions of a step, chain steps and end the answer;
// every step must move the serial forward and never past the final one, so
// that a well-formed answer always reaches the closing SOA.
IxfrStatus IxfrConsumer::on_incremental_record(const dns::Name& owner, uint16_t type,
                                               uint32_t ttl) {
  zone::DiffRecord rec{std::vector<uint8_t>(owner.data(), owner.data() + owner.size()), type, ttl,
                       record_.rdata};
  dns::wire_name_lower(rec.owner.data(), rec.owner.size());
  if (type != dns::rrtype::kSOA) {
    if (phase_ == Phase::kDeleting) {
      current_.removed.push_back(std::move(rec));
      ++stats_.removed;
    } else {
      current_.added.push_back(std::move(rec));
      ++stats_.added;
    }
    return status_;
  }
  const uint32_t serial = zone::soa_rdata_serial(rec.rdata);
  if (phase_ == Phase::kDeleting) {
    const std::string step = "IXFR step " + std::to_string(diffs_.size() + 1);
    const uint32_t from = current_.from_serial();
    if (!util::serial_gt(serial, from)) {
      return fail(step + " goes from serial " + std::to_string(from) + " to " +
                      std::to_string(serial) + ", which is not newer",
                  true);
    }
    if (util::serial_gt(serial, stats_.serial)) {
      return fail(step + " goes to serial " + std::to_string(serial) + ", past the answer's " +
                      std::to_string(stats_.serial),
                  true);
    }
    current_.to_soa = std::move(rec);
    phase_ = Phase::kAdding;
    return status_;
  }
  // Phase::kAdding: this SOA closes the answer or starts the next step.
  const uint32_t reached = current_.to_serial();
  diffs_.push_back(std::move(current_));
  current_ = {};
  stats_.diffs = diffs_.size();
  if (reached == stats_.serial) {
    if (serial != stats_.serial) {
      return fail("IXFR steps reached serial " + std::to_string(reached) +
                      " but the answer does not end there (next SOA has serial " +
                      std::to_string(serial) + ")",
                  true);
    }
    ended_ = true;
    return status_;
  }
  if (serial != reached) {
    return fail("IXFR serial chain broken: step " + std::to_string(diffs_.size()) +
                    " ends at serial " + std::to_string(reached) + ", step " +
                    std::to_string(diffs_.size() + 1) + " starts at " + std::to_string(serial),
                true);
  }
  current_.from_soa = std::move(rec);
  phase_ = Phase::kDeleting;
  return status_;
}

// The answer ended in the message just fed: check that the TSIG stream ended
// signed, then build (AXFR-style) or patch (incremental) the zone.
IxfrStatus IxfrConsumer::finish() {
  if (std::string e = finish_xfr_tsig(verifier_ ? &*verifier_ : nullptr); !e.empty()) {
    return fail(std::move(e));
  }
  if (kind_ == IxfrKind::kUpToDate) {
    status_ = {IxfrState::kDone, {}};
    return status_;
  }
  if (kind_ == IxfrKind::kIncremental) {
    zone::LoadResult r = zone::apply_diffs(*base_, diffs_, source_);
    if (!r.zone) {
      std::string reason = "IXFR does not apply to serial " + std::to_string(stats_.base_serial);
      if (!r.errors.empty()) reason += ": " + r.errors.front().message;
      if (r.errors.size() > 1) reason += " (and " + std::to_string(r.errors.size() - 1) + " more)";
      fail(std::move(reason), true);
      result_.errors = std::move(r.errors);
      return status_;
    }
    result_ = std::move(r);
    status_ = {IxfrState::kDone, {}};
    return status_;
  }
  std::string e = build_xfr_zone(std::move(builder_), params_.origin, source_, result_);
  if (!e.empty()) return fail(std::move(e));
  status_ = {IxfrState::kDone, {}};
  return status_;
}

IxfrResult IxfrConsumer::take() {
  IxfrResult out;
  out.kind = kind_;
  out.stats = stats_;
  out.load = std::move(result_);
  result_ = {};
  if (status_.state == IxfrState::kDone) {
    if (kind_ == IxfrKind::kIncremental) out.diffs = std::move(diffs_);
    diffs_.clear();
    return out;
  }
  set_xfr_failure(out.load, status_.state == IxfrState::kNeedMore, status_.reason, source_);
  return out;
}

std::vector<uint8_t> make_ixfr_query(const dns::Name& zone, uint16_t id,
                                     std::span<const uint8_t> soa_rdata, uint32_t soa_ttl) {
  std::vector<uint8_t> out;
  out.reserve(kDnsHeaderSize + zone.size() + 4 + 12 + soa_rdata.size());
  put_u16(out, id);
  put_u16(out, 0);  // QR=0, opcode QUERY, RD=0: a zone transfer is not recursive
  put_u16(out, 1);  // QDCOUNT
  put_u16(out, 0);  // ANCOUNT
  put_u16(out, 1);  // NSCOUNT: our SOA (RFC 1995 3)
  put_u16(out, 0);  // ARCOUNT
  out.insert(out.end(), zone.data(), zone.data() + zone.size());
  put_u16(out, dns::rrtype::kIXFR);
  put_u16(out, dns::rrclass::kIN);
  put_u16(out, 0xC000 | kDnsHeaderSize);  // the zone name, as in the question
  put_u16(out, dns::rrtype::kSOA);
  put_u16(out, dns::rrclass::kIN);
  put_u16(out, static_cast<uint16_t>(soa_ttl >> 16));
  put_u16(out, static_cast<uint16_t>(soa_ttl));
  put_u16(out, static_cast<uint16_t>(soa_rdata.size()));
  out.insert(out.end(), soa_rdata.begin(), soa_rdata.end());
  return out;
}

std::vector<uint8_t> make_ixfr_query(const zone::Zone& current, uint16_t id) {
  // A built zone always has exactly one SOA at the apex.
  const zone::RecordView soa = *zone::apex_soa(current.data());
  return make_ixfr_query(current.origin(), id, soa.rdata, soa.ttl);
}

}  // namespace tandem::xfr
