// libFuzzer target: what a primary (or anyone) sends a secondary, and what
// anyone sends a primary's transfer and NOTIFY gate.
//   data[0] & 1  AXFR or IXFR consumer (IXFR builds on a small base zone)
//   then messages as [u16 length][bytes], as on a TCP stream
// Every message also goes through the NOTIFY, transfer-request, SOA-answer
// parsers and the ACL/TSIG gate. Nothing may crash; a zone handed out must
// be complete (the consumers' own checks), and taking a result after a
// failure must give no zone.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "config/config.h"
#include "dns/wire.h"
#include "xfr/axfr_in.h"
#include "xfr/ixfr_in.h"
#include "xfr/notify.h"
#include "xfr/request.h"
#include "xfr/transfer.h"
#include "xfr/xfr_out.h"
#include "zone/zone.h"

using namespace tandem;

namespace {

const dns::Name& origin() {
  static const dns::Name n = *dns::Name::parse_absolute("example.");
  return n;
}

std::shared_ptr<const zone::Zone> base_zone() {
  static std::shared_ptr<const zone::Zone> z = [] {
    auto r = zone::load_zone_text(origin(),
                                  "@ 300 SOA ns1 admin 1 3600 600 86400 300\n"
                                  "@ 300 NS ns1\nns1 300 A 192.0.2.1\nwww 300 A 192.0.2.2\n",
                                  "base");
    if (!r.zone) abort();
    return r.zone;
  }();
  return z;
}

const std::vector<config::Acl>& acls() {
  static std::vector<config::Acl> a = [] {
    config::Acl acl;
    acl.id = "all";
    acl.addresses.push_back(*net::Prefix::parse("127.0.0.0/8"));
    acl.actions = {config::AclAction::kTransfer, config::AclAction::kNotify};
    return std::vector<config::Acl>{acl};
  }();
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool ixfr = data[0] & 1;
  std::vector<std::span<const uint8_t>> messages;
  for (size_t pos = 1; pos + 2 <= size && messages.size() < 64;) {
    size_t len = dns::load_u16(data + pos);
    pos += 2;
    if (len > size - pos) len = size - pos;
    messages.emplace_back(data + pos, len);
    pos += len;
  }
  if (messages.empty()) return 0;

  static const net::SocketAddress peer = *net::SocketAddress::parse("127.0.0.1@5353", 53);
  for (auto m : messages) {
    (void)xfr::parse_notify(m);
    (void)xfr::parse_xfr_request(m);
    (void)xfr::parse_soa_answer(m, origin());
    auto d = xfr::authorize_request(m, peer, config::AclAction::kTransfer, acls(), {}, 1'700'000'000);
    uint8_t out[4096];
    (void)xfr::build_error_answer(m, d, 5, out, sizeof out, 1'700'000'000);
    (void)xfr::build_notify_answer(m, out, sizeof out);
  }

  xfr::AxfrParams params;
  params.origin = origin();
  // Take the ID from the first message so the fuzzer gets past the header check.
  params.query_id = messages[0].size() >= 2 ? dns::load_u16(messages[0].data()) : 0;
  params.peer = "fuzz";
  params.limits.max_records = 10000;
  params.limits.max_bytes = 1 << 20;
  if (ixfr) {
    xfr::IxfrConsumer c(params, base_zone());
    bool done = false;
    for (auto m : messages) {
      auto st = c.feed(m);
      if (st.state != xfr::IxfrState::kNeedMore) {
        done = st.state == xfr::IxfrState::kDone;
        break;
      }
    }
    if (!done) c.end_of_stream();
    xfr::IxfrResult r = c.take();
    if (!done && r.load.zone) abort();  // a failed or unfinished transfer never yields a zone
  } else {
    xfr::AxfrConsumer c(params);
    bool done = false;
    for (auto m : messages) {
      auto st = c.feed(m);
      if (st.state != xfr::AxfrState::kNeedMore) {
        done = st.state == xfr::AxfrState::kDone;
        break;
      }
    }
    zone::LoadResult r = c.take();
    if (!done && r.zone) abort();
  }
  return 0;
}
