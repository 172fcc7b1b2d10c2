#include "server/xfr_service.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "dns/types.h"
#include "dns/wire.h"
#include "server/job_pool.h"
#include "server/tcp_connection.h"
#include "util/clock.h"
#include "util/log.h"
#include "xfr/notify.h"
#include "xfr/request.h"
#include "xfr/secondary.h"
#include "xfr/xfr_out.h"
#include "zone/records.h"
#include "zone/zone_data.h"

namespace tandem::server {

namespace {

using dns::load_u16;
namespace rrtype = dns::rrtype;
namespace rcode = dns::rcode;

constexpr size_t kHeaderSize = 12;
constexpr uint16_t kEdnsExpire = 9;  // RFC 7314
constexpr size_t kTsigRoom = 400;    // room kept for a TSIG RR and the EXPIRE option

// Writes all of buf, waiting (bounded by the socket's send timeout) when the
// peer reads slowly. False on error or a peer that stopped reading.
bool write_all(int fd, const uint8_t* buf, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, buf, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    buf += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// The SOA EXPIRE field of a zone's apex SOA (0 without one).
uint32_t soa_expire_field(const zone::Zone& z) {
  auto soa = zone::apex_soa(z.data());
  auto timers = soa ? xfr::soa_timers(soa->rdata) : std::nullopt;
  return timers ? timers->expire : 0;
}

// Appends the EDNS EXPIRE option (RFC 7314 3) to the OPT record that ends
// the answer in out[0..size). Returns the new size (unchanged when there is
// no empty OPT at the end or no room).
size_t add_expire_option(uint8_t* out, size_t size, size_t cap, uint32_t seconds) {
  if (size < kHeaderSize + 11 || size + 8 > cap) return size;
  uint8_t* opt = out + size - 11;
  if (opt[0] != 0 || load_u16(opt + 1) != rrtype::kOPT || load_u16(opt + 9) != 0) return size;
  dns::store_u16(opt + 9, 8);
  uint8_t* o = out + size;
  dns::store_u16(o, kEdnsExpire);
  dns::store_u16(o + 2, 4);
  dns::store_u32(o + 4, seconds);
  return size + 8;
}

}  // namespace

const ZoneXfrInfo* XfrTable::find(const dns::Name& lowered_origin) const {
  auto it = zones.find(lowered_origin);
  return it == zones.end() ? nullptr : &it->second;
}

struct XfrService::Decision {
  std::shared_ptr<const XfrTable> table;  // keeps the key and the zone alive
  const ZoneXfrInfo* info = nullptr;
  xfr::XfrOutRequest request;
  std::string zone;
};

XfrService::XfrService(XfrServiceOptions options, NotifyCallback on_notify)
    : options_(options), on_notify_(std::move(on_notify)), table_(std::make_shared<XfrTable>()) {}

XfrService::~XfrService() { stop(); }

void XfrService::publish(std::shared_ptr<const XfrTable> table) {
  std::lock_guard<std::mutex> lock(mutex_);
  table_ = std::move(table);
}

std::shared_ptr<const XfrTable> XfrService::table() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return table_;
}

RequestHandler::Outcome XfrService::handle(std::span<const uint8_t> message,
                                           const net::SocketAddress& peer, Transport transport,
                                           uint8_t* out, size_t cap, size_t* answer_size,
                                           Handoff* handoff) {
  std::shared_ptr<Decision> decision;
  Outcome outcome = decide(message, peer, transport, out, cap, answer_size, &decision);
  if (outcome == Outcome::kHandoff) {
    if (handoff == nullptr) {  // cannot happen: handoffs are TCP only
      active_.fetch_sub(1);
      return Outcome::kDrop;
    }
    handoff->decision = std::move(decision);
  }
  return outcome;
}

RequestHandler::Outcome XfrService::decide(std::span<const uint8_t> msg, const net::SocketAddress& peer,
                                           Transport transport, uint8_t* out, size_t cap,
                                           size_t* answer_size, std::shared_ptr<Decision>* decision) {
  *answer_size = 0;
  if (msg.size() < kHeaderSize || (msg[2] & 0x80)) return Outcome::kDrop;
  std::shared_ptr<const XfrTable> table = this->table();
  const uint64_t now = unix_seconds();
  const uint8_t opcode = (msg[2] >> 3) & 0x0F;

  // The question (the Responder already checked the message's shape).
  size_t pos = kHeaderSize;
  uint8_t qname[dns::kMaxNameWire];
  if (load_u16(msg.data() + 4) != 1 || !dns::read_name(msg.data(), msg.size(), pos, qname) ||
      pos + 4 > msg.size())
    return Outcome::kDrop;
  const uint16_t qtype = load_u16(msg.data() + pos);
  dns::Name lowered = dns::Name::from_wire(qname).lowered();
  auto reply = [&](const xfr::RequestDecision& d, uint8_t rc) {
    *answer_size = xfr::build_error_answer(msg, d, rc, out, cap, now);
    return *answer_size ? Outcome::kAnswered : Outcome::kDrop;
  };
  auto refuse = [&](xfr::RequestDecision d, uint8_t rc, const char* what, const std::string& why) {
    if (d.verdict == xfr::RequestDecision::kAllowed) d.verdict = xfr::RequestDecision::kRefused;
    TANDEM_LOG_INFO("zone %s: %s from %s refused (%s): %s", lowered.to_text().c_str(), what,
                    peer.to_string().c_str(), dns::rcode_to_text(rc).c_str(), why.c_str());
    return reply(d, rc);
  };
  static const std::vector<config::Acl> kNoAcl;

  if (opcode == dns::opcode::kNotify) {
    auto notify = xfr::parse_notify(msg);
    const ZoneXfrInfo* info = table->find(lowered);
    bool ours = info && info->secondary;
    xfr::RequestDecision d = xfr::authorize_request(msg, peer, config::AclAction::kNotify,
                                                    ours ? info->acls : kNoAcl, table->keys, now);
    if (!notify) {
      d.verdict = xfr::RequestDecision::kFormErr;
      return refuse(d, rcode::kFormErr, "NOTIFY", notify.error());
    }
    if (d.verdict != xfr::RequestDecision::kAllowed)
      return refuse(d, xfr::decision_rcode(d), "NOTIFY", d.reason);
    if (!ours) {
      // RFC 1996 3.10 leaves the answer open; NOTAUTH says "not a secondary here".
      return refuse(d, rcode::kNotAuth, "NOTIFY", "not a secondary zone of this server");
    }
    size_t n = xfr::build_notify_answer(*notify, out, cap);
    if (n != 0 && d.tsig.status == dns::TsigStatus::kOk) {
      dns::TsigSignParams params;
      params.time_signed = now;
      auto s = dns::tsig_sign(out, n, cap, *d.tsig.key, params, d.tsig.mac.span());
      n = s ? *s : 0;
    }
    TANDEM_LOG_INFO("zone %s: NOTIFY from %s%s, serial %s", lowered.to_text().c_str(),
                    peer.to_string().c_str(),
                    d.tsig.status == dns::TsigStatus::kOk ? " (TSIG)" : "",
                    notify->serial ? std::to_string(*notify->serial).c_str() : "not given");
    if (on_notify_) on_notify_(info->zone ? info->zone->origin() : lowered, notify->serial, peer);
    *answer_size = n;
    return n ? Outcome::kAnswered : Outcome::kDrop;
  }

  if (qtype == rrtype::kAXFR || qtype == rrtype::kIXFR) {
    const char* what = qtype == rrtype::kAXFR ? "AXFR" : "IXFR";
    const ZoneXfrInfo* info = table->find(lowered);
    xfr::RequestDecision d = xfr::authorize_request(msg, peer, config::AclAction::kTransfer,
                                                    info ? info->acls : kNoAcl, table->keys, now);
    if (d.verdict == xfr::RequestDecision::kTsigError || d.verdict == xfr::RequestDecision::kFormErr)
      return refuse(d, xfr::decision_rcode(d), what, d.reason);
    // RFC 5936 2.2.1: NOTAUTH for a zone we do not serve.
    if (!info || !info->zone) return refuse(d, rcode::kNotAuth, what, "zone not served here");
    if (d.verdict != xfr::RequestDecision::kAllowed)
      return refuse(d, xfr::decision_rcode(d), what, d.reason);
    if (info->expired) return refuse(d, rcode::kServFail, what, "the zone has expired");
    auto request = xfr::parse_xfr_request(msg);
    if (!request) {
      d.verdict = xfr::RequestDecision::kFormErr;
      return refuse(d, rcode::kFormErr, what, request.error());
    }
    if (d.tsig.status == dns::TsigStatus::kOk) {
      request->key = d.tsig.key;
      request->request_mac = d.tsig.mac;
    }
    if (transport == Transport::kUdp) {
      if (qtype == rrtype::kAXFR) return refuse(d, rcode::kNotImp, what, "AXFR needs TCP (RFC 5936 4.2)");
      // RFC 1995 2: over UDP, our SOA alone tells the client to use TCP
      // (or that it is current).
      request->client_serial = info->zone->serial();
      xfr::XfrOutStream s(info->zone, nullptr, std::move(*request));
      size_t n = s.next(out, cap, now);
      *answer_size = n;
      return n ? Outcome::kAnswered : Outcome::kDrop;
    }
    if (active_.fetch_add(1) >= options_.max_transfers) {
      active_.fetch_sub(1);
      return refuse(d, rcode::kServFail, what,
                    "too many transfers running (" + std::to_string(options_.max_transfers) + ")");
    }
    auto dec = std::make_shared<Decision>();
    dec->table = table;
    dec->info = info;
    dec->request = std::move(*request);
    dec->zone = info->zone->origin().to_text();
    *decision = std::move(dec);
    return Outcome::kHandoff;
  }

  // A signed query, or one asking for EDNS EXPIRE: answer it as usual, then
  // add the option and the signature.
  dns::TsigVerifyResult v = dns::tsig_verify(msg, table->keys, now, {});
  if (v.status != dns::TsigStatus::kOk && v.status != dns::TsigStatus::kUnsigned) {
    xfr::RequestDecision d;
    d.tsig = v;
    d.verdict = v.status == dns::TsigStatus::kFormErr ? xfr::RequestDecision::kFormErr
                                                      : xfr::RequestDecision::kTsigError;
    return reply(d, static_cast<uint8_t>(v.rcode()));
  }
  thread_local Responder responder;  // divert off: answers everything itself
  static const zone::ZoneSet kEmpty;
  const zone::ZoneSet& zones = table->zone_set ? *table->zone_set : kEmpty;
  size_t n = responder.respond(zones, msg.data(), msg.size(), out, cap - kTsigRoom, transport);
  if (n == 0 || n == kDivert) return Outcome::kDrop;
  // RFC 7314 3: the remaining expire of a secondary zone, the SOA EXPIRE of a primary one.
  uint8_t lowered_wire[dns::kMaxNameWire];
  memcpy(lowered_wire, lowered.data(), lowered.size());
  if (const zone::Zone* z = zones.find(lowered_wire)) {
    if (const ZoneXfrInfo* info = table->find(z->origin().lowered())) {
      int64_t left = info->secondary ? (info->expire_at_ms - unix_ms()) / 1000
                                     : int64_t{soa_expire_field(*z)};
      if (left < 0) left = 0;
      // Only when asked: scan the query's OPT for the option.
      bool asked = false;
      size_t p = pos + 4;
      uint16_t records = static_cast<uint16_t>(load_u16(msg.data() + 6) + load_u16(msg.data() + 8) +
                                               load_u16(msg.data() + 10));
      uint8_t skip[dns::kMaxNameWire];
      for (uint16_t i = 0; i < records && !asked; ++i) {
        if (!dns::read_name(msg.data(), msg.size(), p, skip) || p + 10 > msg.size()) break;
        uint16_t type = load_u16(msg.data() + p), rdlen = load_u16(msg.data() + p + 8);
        size_t rd = p + 10, end = rd + rdlen;
        if (end > msg.size()) break;
        if (type == rrtype::kOPT)
          for (size_t o = rd; o + 4 <= end; o += 4 + load_u16(msg.data() + o + 2))
            if (load_u16(msg.data() + o) == kEdnsExpire) asked = true;
        p = end;
      }
      if (asked && !info->expired) n = add_expire_option(out, n, cap, static_cast<uint32_t>(left));
    }
  }
  if (v.status == dns::TsigStatus::kOk) {
    dns::TsigSignParams params;
    params.time_signed = now;
    auto s = dns::tsig_sign(out, n, cap, *v.key, params, v.mac.span());
    if (!s) return Outcome::kDrop;
    n = *s;
  }
  *answer_size = n;
  return Outcome::kAnswered;
}

void XfrService::take_connection(Handoff handoff) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      ::close(handoff.fd);
      active_.fetch_sub(1);
      return;
    }
    fds_.insert(handoff.fd);
    threads_.fetch_add(1);
  }
  try {
    std::thread([this, h = std::move(handoff)]() mutable { serve_connection(std::move(h)); }).detach();
  } catch (const std::system_error& e) {
    TANDEM_LOG_ERROR("cannot start a transfer thread: %s", e.what());
    std::lock_guard<std::mutex> lock(mutex_);
    fds_.erase(handoff.fd);
    ::close(handoff.fd);
    active_.fetch_sub(1);
    threads_.fetch_sub(1);
    idle_.notify_all();
  }
}

bool XfrService::stream(int fd, const Decision& d, const net::SocketAddress& peer) {
  auto started = std::chrono::steady_clock::now();
  xfr::XfrOutRequest request = d.request;
  xfr::XfrOutStream s(d.info->zone, d.info->journal, std::move(request));
  std::vector<uint8_t> buf(2 + xfr::XfrOutStream::kMaxMessage);
  bool ok = true;
  for (;;) {
    size_t n = s.next(buf.data() + 2, xfr::XfrOutStream::kMaxMessage, unix_seconds());
    if (n == 0) break;
    buf[0] = static_cast<uint8_t>(n >> 8);
    buf[1] = static_cast<uint8_t>(n);
    if (!write_all(fd, buf.data(), n + 2)) {
      ok = false;
      break;
    }
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  const char* kind = xfr::xfr_out_kind_text(s.kind());
  std::string change = s.kind() == xfr::XfrOutKind::kAxfr || s.kind() == xfr::XfrOutKind::kIxfrAsAxfr
                           ? "serial " + std::to_string(s.serial())
                           : "serial " + std::to_string(s.client_serial()) + " -> " +
                                 std::to_string(s.serial());
  if (ok && s.error().empty()) {
    TANDEM_LOG_INFO("zone %s: %s to %s%s: %s, %zu records, %zu messages, %llu bytes, %.1f ms",
                    d.zone.c_str(), kind, peer.to_string().c_str(), d.request.key ? " (TSIG)" : "",
                    change.c_str(), s.records(), s.messages(),
                    static_cast<unsigned long long>(s.bytes()), ms);
  } else {
    TANDEM_LOG_WARN("zone %s: %s to %s failed after %zu messages, %.1f ms: %s", d.zone.c_str(), kind,
                    peer.to_string().c_str(), s.messages(), ms,
                    s.error().empty() ? "the client stopped reading or closed the connection"
                                      : s.error().c_str());
  }
  done_.fetch_add(1);
  return ok && s.error().empty();
}

void XfrService::serve_connection(Handoff h) {
  lower_thread_priority();  // queries first when the CPU is contended
  const int fd = h.fd;
  // Blocking I/O on this thread, each wait bounded: a stalled reader is cut
  // off after the silence timeout, never after a total duration.
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  timeval tv{options_.timeout_ms / 1000, (options_.timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  auto decision = std::static_pointer_cast<Decision>(h.decision);
  bool alive = write_all(fd, h.unsent.data(), h.unsent.size());
  if (alive) alive = stream(fd, *decision, h.peer);
  active_.fetch_sub(1);
  decision.reset();

  // Go on serving the connection (RFC 7766 6.2.1: a client may send more
  // queries, e.g. the SOA check of its next refresh), until idle.
  TcpInput input;
  if (!h.unread.empty()) {
    auto space = input.space();
    size_t n = std::min(space.size(), h.unread.size());
    memcpy(space.data(), h.unread.data(), n);
    input.commit(n);
  }
  thread_local Responder responder;
  responder.set_divert(true);
  std::vector<uint8_t> out(2 + kMaxTcpMessage);
  while (alive) {
    const uint8_t* msg;
    size_t size;
    TcpInput::Status st = input.next(&msg, &size);
    if (st == TcpInput::Status::kEmpty) break;
    if (st == TcpInput::Status::kIncomplete) {
      pollfd p{fd, POLLIN, 0};
      int r = ::poll(&p, 1, options_.idle_timeout_ms);
      if (r <= 0) break;
      auto space = input.space();
      ssize_t n = ::recv(fd, space.data(), space.size(), 0);
      if (n <= 0) break;
      input.commit(static_cast<size_t>(n));
      continue;
    }
    std::shared_ptr<const XfrTable> table = this->table();
    static const zone::ZoneSet kEmpty;
    size_t n = responder.respond(table->zone_set ? *table->zone_set : kEmpty, msg, size,
                                 out.data() + 2, kMaxTcpMessage, Transport::kTcp);
    if (n == kDivert) {
      std::shared_ptr<Decision> next;
      Outcome o = decide({msg, size}, h.peer, Transport::kTcp, out.data() + 2, kMaxTcpMessage, &n, &next);
      if (o == Outcome::kHandoff) {
        alive = stream(fd, *next, h.peer);
        active_.fetch_sub(1);
        continue;
      }
      if (o == Outcome::kDrop) n = 0;
    }
    if (n == 0) continue;
    out[0] = static_cast<uint8_t>(n >> 8);
    out[1] = static_cast<uint8_t>(n);
    alive = write_all(fd, out.data(), n + 2);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fds_.erase(fd);
    ::close(fd);
    threads_.fetch_sub(1);
  }
  idle_.notify_all();
}

void XfrService::stop() {
  std::unique_lock<std::mutex> lock(mutex_);
  stopping_ = true;
  for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  idle_.wait_for(lock, std::chrono::seconds(10), [this] { return threads_.load() == 0; });
}

}  // namespace tandem::server
