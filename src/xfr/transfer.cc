#include "xfr/transfer.h"

#include <chrono>
#include <cstring>

#include "dns/tsig.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "net/dns_client.h"
#include "util/clock.h"
#include "util/serial.h"
#include "xfr/axfr_in.h"
#include "xfr/ixfr_in.h"
#include "xfr/notify.h"
#include "xfr/secondary.h"
#include "zone/records.h"
#include "zone/zone_data.h"

namespace tandem::xfr {

namespace {

using dns::load_u16;
using dns::load_u32;
namespace rrtype = dns::rrtype;

constexpr size_t kHeaderSize = 12;
constexpr uint16_t kEdnsExpire = 9;  // RFC 7314 option code

// Signs `msg` with `key` when given; keeps the request MAC for the answer.
Result<void, std::string> sign(std::vector<uint8_t>& msg, const std::optional<config::Key>& key,
                               std::optional<dns::TsigKey>& tsig, dns::TsigMac& mac) {
  if (!key) return {};
  tsig = config::tsig_key(*key);
  if (!dns::tsig_sign_request(msg, *tsig, unix_seconds(), &mac))
    return fail(std::string("cannot sign the request with key '") + key->id + "'");
  return {};
}

std::string tsig_text(const dns::TsigVerifyResult& v) {
  std::string s = dns::tsig_status_text(v.status);
  if (v.status == dns::TsigStatus::kPeerError) s += " (" + dns::rcode_to_text(v.peer_error) + ")";
  return s;
}

// Asks one address for the zone's SOA over UDP (TCP when truncated).
Result<SoaAnswer, std::string> query_soa(const net::SocketAddress& addr, const RefreshRequest& req,
                                         const config::Remote& remote) {
  uint16_t id = net::random_query_id();
  std::vector<uint8_t> msg = build_xfr_request(req.origin, rrtype::kSOA, id, true);
  std::optional<dns::TsigKey> key;
  dns::TsigMac mac;
  if (auto s = sign(msg, remote.key, key, mac); !s) return fail(s.error());
  auto answer = net::udp_exchange(addr, msg, std::min(req.timeout_ms, 2000), 2);
  if (!answer) return fail(answer.error());
  auto parsed = parse_soa_answer(*answer, req.origin);
  if (parsed && parsed->truncated) {
    auto conn = net::TcpDnsConnection::connect(addr, req.timeout_ms);
    if (!conn) return fail(conn.error());
    if (auto s = conn->send(msg); !s) return fail(s.error());
    answer = conn->receive(req.timeout_ms);
    if (!answer) return fail(answer.error());
    parsed = parse_soa_answer(*answer, req.origin);
  }
  if (!parsed) return fail(parsed.error());
  if (key) {
    dns::TsigVerifyResult v =
        dns::tsig_verify(*answer, std::span<const dns::TsigKey>(&*key, 1), unix_seconds(), mac.span());
    if (v.status != dns::TsigStatus::kOk)
      return fail("SOA answer failed TSIG with key '" + remote.key->id + "': " + tsig_text(v));
  }
  if (parsed->rcode != dns::rcode::kNoError)
    return fail("SOA query answered " + dns::rcode_to_text(parsed->rcode));
  if (!parsed->authoritative) return fail("SOA answer is not authoritative (lame primary)");
  if (!parsed->serial) return fail("SOA answer has no SOA for the zone");
  return parsed;
}

struct StreamResult {
  bool ok = false;
  bool fallback = false;  // IXFR: retry with AXFR
  std::string error;
};

// Sends `msg` over a new TCP connection and feeds each answer message to
// `feed` until it says stop. `feed` returns 0 = need more, 1 = done, -1 = failed.
template <class Feed>
StreamResult stream(const net::SocketAddress& addr, const std::vector<uint8_t>& msg, int timeout_ms,
                    Feed&& feed) {
  StreamResult r;
  auto conn = net::TcpDnsConnection::connect(addr, timeout_ms);
  if (!conn) {
    r.error = conn.error();
    return r;
  }
  if (auto s = conn->send(msg); !s) {
    r.error = s.error();
    return r;
  }
  for (;;) {
    auto m = conn->receive(timeout_ms);
    if (!m) {
      r.error = m.error();
      return r;
    }
    int state = feed(std::span<const uint8_t>(*m));
    if (state == 1) {
      r.ok = true;
      return r;
    }
    if (state < 0) return r;
  }
}

}  // namespace

std::vector<uint8_t> build_xfr_request(const dns::Name& origin, uint16_t qtype, uint16_t id,
                                       bool ask_expire) {
  const size_t size = kHeaderSize + origin.size() + 4 + (ask_expire ? 11 + 4 : 0);
  std::vector<uint8_t> m(size, 0);  // sized once, then filled in place
  uint8_t* p = m.data();
  dns::store_u16(p, id);
  dns::store_u16(p + 4, 1);  // QDCOUNT
  p += kHeaderSize;
  memcpy(p, origin.data(), origin.size());
  p += origin.size();
  dns::store_u16(p, qtype);
  dns::store_u16(p + 2, dns::rrclass::kIN);
  p += 4;
  if (ask_expire) {  // OPT with an empty EDNS EXPIRE option (RFC 7314 2)
    dns::store_u16(m.data() + 10, 1);
    p[0] = 0;  // root owner
    dns::store_u16(p + 1, rrtype::kOPT);
    dns::store_u16(p + 3, net::kClientEdnsPayload);
    dns::store_u32(p + 5, 0);  // extended rcode, version 0, DO clear
    dns::store_u16(p + 9, 4);  // rdata: one option
    dns::store_u16(p + 11, kEdnsExpire);
    dns::store_u16(p + 13, 0);
  }
  return m;
}

Result<SoaAnswer, std::string> parse_soa_answer(std::span<const uint8_t> msg, const dns::Name& origin) {
  if (msg.size() < kHeaderSize) return fail(std::string("answer too short"));
  SoaAnswer a;
  const uint8_t* q = msg.data();
  a.rcode = q[3] & 0x0F;
  a.authoritative = q[2] & 0x04;
  a.truncated = q[2] & 0x02;
  uint16_t qd = load_u16(q + 4), an = load_u16(q + 6), ns = load_u16(q + 8), ar = load_u16(q + 10);
  size_t pos = kHeaderSize;
  uint8_t name[dns::kMaxNameWire];
  for (uint16_t i = 0; i < qd; ++i) {
    if (!dns::read_name(q, msg.size(), pos, name) || pos + 4 > msg.size())
      return fail(std::string("malformed question in the answer"));
    pos += 4;
  }
  for (uint32_t i = 0; i < uint32_t{an} + ns + ar; ++i) {
    if (!dns::read_name(q, msg.size(), pos, name) || pos + 10 > msg.size())
      return fail(std::string("malformed record in the answer"));
    uint16_t type = load_u16(q + pos);
    uint16_t rdlen = load_u16(q + pos + 8);
    size_t rd = pos + 10;
    if (rd + rdlen > msg.size()) return fail(std::string("truncated record in the answer"));
    if (i < an && type == rrtype::kSOA && dns::wire_name_equal(name, origin.data()) && !a.serial) {
      // Skip MNAME and RNAME (they may be compressed) to the five numbers.
      size_t p = rd;
      uint8_t skip[dns::kMaxNameWire];
      if (!dns::read_name(q, msg.size(), p, skip) || !dns::read_name(q, msg.size(), p, skip) ||
          p + 20 != rd + rdlen)
        return fail(std::string("malformed SOA in the answer"));
      a.serial = load_u32(q + p);
      a.expire = load_u32(q + p + 12);
    }
    if (i >= uint32_t{an} + ns && type == rrtype::kOPT) {
      size_t o = rd, end = rd + rdlen;
      while (o + 4 <= end) {
        uint16_t code = load_u16(q + o), len = load_u16(q + o + 2);
        if (o + 4 + len > end) break;
        if (code == kEdnsExpire && len == 4) a.expire_option = load_u32(q + o + 4);
        o += 4 + len;
      }
    }
    pos = rd + rdlen;
  }
  return a;
}

Result<void, std::string> send_notify(const dns::Name& zone, const zone::Zone* current,
                                      const config::Remote& remote,
                                      const net::SocketAddress& address, int timeout_ms) {
  const uint16_t id = net::random_query_id();
  std::optional<std::span<const uint8_t>> soa_rdata;
  uint32_t soa_ttl = 0;
  if (current) {
    if (auto soa = zone::apex_soa(current->data())) {
      soa_rdata = soa->rdata;
      soa_ttl = soa->ttl;
    }
  }
  std::vector<uint8_t> msg = make_notify(zone, id, soa_rdata, soa_ttl);
  std::optional<dns::TsigKey> key;
  dns::TsigMac mac;
  if (auto s = sign(msg, remote.key, key, mac); !s) return fail(s.error());
  auto answer = net::udp_exchange(address, msg, timeout_ms, 0);
  if (!answer) return fail(answer.error());
  if (auto ok = check_notify_answer(*answer, id, zone); !ok) return ok;
  if (key) {
    auto v = dns::tsig_verify(*answer, std::span<const dns::TsigKey>(&*key, 1), unix_seconds(), mac.span());
    if (v.status != dns::TsigStatus::kOk) return fail("answer failed TSIG: " + tsig_text(v));
  }
  return {};
}

RefreshOutcome refresh_zone(const RefreshRequest& req) {
  auto started = std::chrono::steady_clock::now();
  RefreshOutcome out;
  std::optional<uint32_t> ours;
  if (req.current) ours = req.current->serial();
  std::string failures;
  auto note = [&](const std::string& where, const std::string& what) {
    if (!failures.empty()) failures += "; ";
    failures += where + ": " + what;
  };
  // A primary confirmed our serial.
  auto up_to_date = [&](const std::string& peer, uint32_t serial, const SoaAnswer& soa) {
    out.result = RefreshResult::kUpToDate;
    out.primary = peer;
    out.serial = serial;
    out.expire_option = soa.expire_option;
    out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return out;
  };
  bool behind = false;
  uint32_t behind_serial = 0;
  std::string behind_peer;

  for (const config::Remote& remote : req.primaries) {
    for (const net::SocketAddress& addr : remote.addresses) {
      const std::string peer = addr.to_string();
      auto soa = query_soa(addr, req, remote);
      if (!soa) {
        note(peer, soa.error());
        continue;
      }
      uint32_t serial = *soa->serial;
      if (ours && !req.force_axfr) {
        if (serial == *ours) return up_to_date(peer, serial, *soa);
        if (!util::serial_gt(serial, *ours)) {
          behind = true;
          behind_serial = serial;
          behind_peer = peer;
          note(peer, "serial " + std::to_string(serial) + " is not newer than ours (" +
                         std::to_string(*ours) + ")");
          continue;  // another primary may be ahead
        }
      }

      std::optional<dns::TsigKey> key;
      const uint64_t now = unix_seconds();
      auto finish = [&](zone::LoadResult load, const std::string& type) -> bool {
        if (!load.zone) {
          std::string why = load.errors.empty() ? "no zone" : load.errors.front().to_string();
          if (load.errors.size() > 1) why += " (and " + std::to_string(load.errors.size() - 1) + " more)";
          note(peer, type + " rejected: " + why);
          return false;
        }
        out.result = RefreshResult::kTransferred;
        out.zone = std::move(load.zone);
        out.type = type;
        out.primary = peer;
        out.serial = out.zone->serial();
        out.expire_option = soa->expire_option;
        for (auto& w : load.warnings) out.warnings.push_back(w.to_string());
        return true;
      };

      // The request for `qtype`, signed with the remote's key, and the
      // consumer's parameters that go with it.
      auto prepare = [&](uint16_t qtype, std::vector<uint8_t>& msg, dns::TsigMac& mac,
                         AxfrParams& params) {
        const uint16_t id = net::random_query_id();
        msg = qtype == rrtype::kIXFR
                  ? make_ixfr_query(*req.current, id)
                  : build_xfr_request(req.origin, qtype, id, false);
        if (auto s = sign(msg, remote.key, key, mac); !s) {
          note(peer, s.error());
          return false;
        }
        params.origin = req.origin;
        params.query_id = id;
        params.key = key ? &*key : nullptr;
        params.request_mac = mac.span();
        params.peer = peer;
        params.now = now;
        return true;
      };

      // IXFR from the version we have (RFC 1995), unless told to do a full transfer.
      bool tried_ixfr = false;
      if (ours && !req.force_axfr) {
        tried_ixfr = true;
        std::vector<uint8_t> msg;
        dns::TsigMac mac;
        IxfrParams params;
        if (!prepare(rrtype::kIXFR, msg, mac, params)) continue;
        IxfrConsumer consumer(std::move(params), req.current);
        StreamResult r = stream(addr, msg, req.timeout_ms, [&](std::span<const uint8_t> m) {
          consumer.set_now(unix_seconds());
          IxfrStatus st = consumer.feed(m);
          if (st.state == IxfrState::kDone) return 1;
          if (st.state == IxfrState::kFailed) return -1;
          return 0;
        });
        const IxfrStatus& st = consumer.status();
        if (r.ok) {
          IxfrResult result = consumer.take();
          out.messages = result.stats.messages;
          out.records = result.stats.records;
          out.bytes = result.stats.bytes;
          if (result.kind == IxfrKind::kUpToDate) return up_to_date(peer, serial, *soa);
          bool incremental = result.kind == IxfrKind::kIncremental;
          if (finish(std::move(result.load), incremental ? "IXFR" : "IXFR(full)")) {
            out.incremental = incremental;
            if (incremental) out.diffs = std::move(result.diffs);
            break;
          }
          // A diff that does not apply: fall through to AXFR.
        } else {
          note(peer, "IXFR failed: " + (r.error.empty() ? st.reason : r.error));
          // TSIG failures do not fall back: the primary (or someone between)
          // does not hold our key, and AXFR would fail the same way.
          if (r.error.empty() && !consumer.should_fallback_to_axfr()) continue;
        }
      }

      // AXFR (RFC 5936).
      std::vector<uint8_t> msg;
      dns::TsigMac mac;
      AxfrParams params;
      if (!prepare(rrtype::kAXFR, msg, mac, params)) continue;
      AxfrConsumer consumer(std::move(params));
      StreamResult r = stream(addr, msg, req.timeout_ms, [&](std::span<const uint8_t> m) {
        consumer.set_now(unix_seconds());
        AxfrStatus st = consumer.feed(m);
        if (st.state == AxfrState::kDone) return 1;
        if (st.state == AxfrState::kNeedMore) return 0;
        return -1;
      });
      out.messages = consumer.stats().messages;
      out.records = consumer.stats().records;
      out.bytes = consumer.stats().bytes;
      if (!r.ok) {
        note(peer, "AXFR failed: " + (r.error.empty() ? consumer.status().reason : r.error));
        continue;
      }
      if (finish(consumer.take(), tried_ixfr ? "IXFR->AXFR" : "AXFR")) break;
    }
    if (out.result == RefreshResult::kTransferred) break;
  }

  out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (out.result == RefreshResult::kTransferred) {
    out.message = failures;  // earlier primaries that failed, if any
    return out;
  }
  if (behind) {
    out.result = RefreshResult::kBehind;
    out.primary = behind_peer;
    out.serial = behind_serial;
  }
  out.message = failures.empty() ? "no primary address configured" : failures;
  return out;
}

}  // namespace tandem::xfr
