#include "xfr/axfr_in.h"

#include <cstring>
#include <utility>

#include "dns/types.h"
#include "dns/wire.h"
#include "xfr/xfr_in_common.h"
#include "zone/diff.h"
#include "zone/zone_data.h"

namespace tandem::xfr {

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
  if (status_.state == AxfrState::kDone) {
    return fail(message_text(stats_.messages) + " after the end of the transfer");
  }
  stats_.bytes += msg.size();
  if (std::string e = check_xfr_bytes(stats_.bytes, params_.limits.max_bytes); !e.empty()) {
    return fail(std::move(e));
  }
  // RFC 5936 2.2: every message answers our query; see check_xfr_header.
  XfrHeaderCheck header =
      check_xfr_header(msg, stats_.messages, params_.origin, params_.query_id, dns::rrtype::kAXFR,
                       verifier_ ? &*verifier_ : nullptr, params_.now, false);
  if (!header.error.empty()) return fail(std::move(header.error));
  AxfrStatus st = read_answers(msg, header.pos, header.ancount);
  if (st.state != AxfrState::kNeedMore || !ended_) return st;
  return finish();
}

// Reads the answer section record by record. The authority and additional
// sections carry nothing for the zone (OPT, TSIG) and are not read.
AxfrStatus AxfrConsumer::read_answers(std::span<const uint8_t> msg, size_t pos, uint16_t ancount) {
  XfrRecord& rec = record_;
  const dns::Name& owner = rec.owner;
  for (uint16_t i = 0; i < ancount; ++i) {
    if (ended_)
      return fail("record after the closing SOA in message " + std::to_string(stats_.messages));
    const size_t index = stats_.records + 1;
    std::string e =
        read_xfr_record(msg, pos, index, stats_.messages, params_.limits.max_records, rec);
    if (!e.empty()) return fail(std::move(e));
    stats_.records = index;
    const uint16_t type = rec.type;

    const bool at_apex = owner.size() == params_.origin.size() && owner == params_.origin;
    // Records of one owner come together: the zone check is done once per owner.
    const bool same_owner = owner.size() == last_owner_.size() &&
                            memcmp(owner.data(), last_owner_.data(), owner.size()) == 0;
    if (index == 1) {
      if (type != dns::rrtype::kSOA || !at_apex) {
        return fail("first record is not the SOA of " + params_.origin.to_text() + " (got " +
                    rec.what() + ")");
      }
      stats_.serial = zone::soa_rdata_serial(rec.rdata);
    } else if (!same_owner && !owner.is_subdomain_of(params_.origin)) {
      // RFC 5936 3.3: data outside the zone is not ours to accept.
      return fail("record outside the zone: " + owner.to_text());
    } else if (type == dns::rrtype::kSOA) {
      if (!at_apex) {
        return fail(record_text(index, stats_.messages) +
                    ": SOA below the apex: " + owner.to_text());
      }
      const uint32_t serial = zone::soa_rdata_serial(rec.rdata);
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
    builder_->add(owner, type, rec.ttl, rec.rdata, source_, index);
  }
  return status_;
}

// The closing SOA arrived in the message just fed: check that the TSIG
// stream ended signed, then index and check the zone.
AxfrStatus AxfrConsumer::finish() {
  if (std::string e = finish_xfr_tsig(verifier_ ? &*verifier_ : nullptr); !e.empty()) {
    return fail(std::move(e));
  }
  std::string e = build_xfr_zone(std::move(builder_), params_.origin, source_, result_);
  if (!e.empty()) return fail(std::move(e));
  status_ = {AxfrState::kDone, {}};
  return status_;
}

zone::LoadResult AxfrConsumer::take() {
  zone::LoadResult out = std::move(result_);
  result_ = {};
  if (status_.state != AxfrState::kDone) {
    set_xfr_failure(out, status_.state == AxfrState::kNeedMore, status_.reason, source_);
  }
  return out;
}

}  // namespace tandem::xfr
