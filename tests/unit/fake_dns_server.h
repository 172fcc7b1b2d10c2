// Test helper for the audit's network side: a tiny in-process "internet" of
// authoritative servers on 127.0.0.x addresses sharing one port (the engine's
// port_override sends every query there). Each address serves a few zones
// from a table, answering as RFC 1034 4.3.2 says (referrals at zone cuts,
// CNAMEs, NODATA, NXDOMAIN) over UDP and TCP, with per-address behaviours for
// failure tests (drop, truncate, wrong ID first, REFUSED, no AA). Runs on one
// thread with poll(); header-only, used by query_engine_test, resolver_test
// and auditor_test.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dns/name.h"
#include "dns/types.h"
#include "dns/wire.h"

namespace tandem::audit::testing {

inline dns::Name N(const std::string& text) { return *dns::Name::parse_absolute(text); }

struct FakeRecord {
  dns::Name owner;
  uint16_t type;
  std::vector<uint8_t> rdata;  // uncompressed
};

inline FakeRecord rr_ns(const std::string& owner, const std::string& target) {
  auto t = N(target);
  return {N(owner), dns::rrtype::kNS, {t.data(), t.data() + t.size()}};
}
inline FakeRecord rr_cname(const std::string& owner, const std::string& target) {
  auto t = N(target);
  return {N(owner), dns::rrtype::kCNAME, {t.data(), t.data() + t.size()}};
}
inline FakeRecord rr_a(const std::string& owner, const std::string& ip) {
  FakeRecord r{N(owner), dns::rrtype::kA, std::vector<uint8_t>(4)};
  inet_pton(AF_INET, ip.c_str(), r.rdata.data());
  return r;
}
inline FakeRecord rr_aaaa(const std::string& owner, const std::string& ip) {
  FakeRecord r{N(owner), dns::rrtype::kAAAA, std::vector<uint8_t>(16)};
  inet_pton(AF_INET6, ip.c_str(), r.rdata.data());
  return r;
}
inline FakeRecord rr_soa(const std::string& owner, const std::string& mname, uint32_t serial,
                         uint32_t expire = 1209600) {
  FakeRecord r{N(owner), dns::rrtype::kSOA, {}};
  auto m = N(mname), rn = N(owner == "." ? "hostmaster." : "hostmaster." + owner);
  r.rdata.insert(r.rdata.end(), m.data(), m.data() + m.size());
  r.rdata.insert(r.rdata.end(), rn.data(), rn.data() + rn.size());
  for (uint32_t v : {serial, 7200u, 3600u, expire, 300u}) {
    uint8_t b[4];
    dns::store_u32(b, v);
    r.rdata.insert(r.rdata.end(), b, b + 4);
  }
  return r;
}

struct FakeZone {
  dns::Name apex;
  std::vector<FakeRecord> records;
};

// How one address behaves.
struct Behaviour {
  bool drop = false;            // never answer (UDP or TCP)
  bool truncate_udp = false;    // UDP answers carry TC=1 and no records
  bool wrong_id_first = false;  // send a reply with a wrong ID before the real one
  bool refuse = false;          // REFUSED to everything
  bool no_aa = false;           // clear AA on authoritative answers (lame)
  bool allow_axfr = false;      // answer AXFR with the SOA (a one-message stream)
};

class FakeNet {
 public:
  // Binds UDP and TCP sockets for each address on one free port.
  explicit FakeNet(const std::vector<std::string>& addresses) {
    for (int attempt = 0; attempt < 20 && port_ == 0; ++attempt) try_bind(addresses);
    if (port_ == 0) abort();
  }
  ~FakeNet() { stop(); }

  uint16_t port() const { return port_; }
  void add_zone(const std::string& address, FakeZone zone) {
    std::lock_guard<std::mutex> g(mu_);
    zones_[address].push_back(std::move(zone));
  }
  void set_behaviour(const std::string& address, Behaviour b) {
    std::lock_guard<std::mutex> g(mu_);
    behaviour_[address] = b;
  }
  int queries(const std::string& address) {
    std::lock_guard<std::mutex> g(mu_);
    return count_[address];
  }
  int total_queries() {
    std::lock_guard<std::mutex> g(mu_);
    int n = 0;
    for (auto& [a, c] : count_) n += c;
    return n;
  }
  void start() {
    running_ = true;
    thread_ = std::thread([this] { loop(); });
  }
  void stop() {
    if (!running_) return;
    running_ = false;
    thread_.join();
    for (auto& s : socks_) {
      ::close(s.udp);
      ::close(s.tcp);
    }
    socks_.clear();
  }

 private:
  struct Sock {
    std::string address;
    int udp = -1, tcp = -1;
  };

  void try_bind(const std::vector<std::string>& addresses) {
    std::vector<Sock> socks;
    uint16_t port = 0;
    bool ok = true;
    for (const auto& a : addresses) {
      Sock s{a};
      sockaddr_in sin{};
      sin.sin_family = AF_INET;
      inet_pton(AF_INET, a.c_str(), &sin.sin_addr);
      sin.sin_port = htons(port);
      s.udp = ::socket(AF_INET, SOCK_DGRAM, 0);
      if (::bind(s.udp, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
        ::close(s.udp);
        ok = false;
        break;
      }
      if (port == 0) {
        socklen_t len = sizeof sin;
        getsockname(s.udp, reinterpret_cast<sockaddr*>(&sin), &len);
        port = ntohs(sin.sin_port);
      }
      s.tcp = ::socket(AF_INET, SOCK_STREAM, 0);
      int one = 1;
      setsockopt(s.tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (::bind(s.tcp, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
          ::listen(s.tcp, 64) != 0) {
        ::close(s.udp);
        ::close(s.tcp);
        ok = false;
        break;
      }
      socks.push_back(s);
    }
    if (!ok) {
      for (auto& s : socks) {
        ::close(s.udp);
        ::close(s.tcp);
      }
      return;
    }
    socks_ = std::move(socks);
    port_ = port;
  }

  void loop() {
    std::vector<pollfd> fds;
    for (auto& s : socks_) {
      fds.push_back({s.udp, POLLIN, 0});
      fds.push_back({s.tcp, POLLIN, 0});
    }
    uint8_t buf[65536];
    while (running_) {
      int n = ::poll(fds.data(), fds.size(), 20);
      if (n <= 0) continue;
      for (size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        const Sock& s = socks_[i / 2];
        if (i % 2 == 0) {
          sockaddr_storage from{};
          socklen_t fl = sizeof from;
          ssize_t len =
              recvfrom(s.udp, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
          if (len <= 0) continue;
          std::vector<uint8_t> reply;
          Behaviour b;
          if (!handle(s.address, buf, static_cast<size_t>(len), false, reply, b)) continue;
          if (b.wrong_id_first) {
            std::vector<uint8_t> bad = reply;
            bad[0] ^= 0x5a;
            sendto(s.udp, bad.data(), bad.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
          }
          sendto(s.udp, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
        } else {
          int c = ::accept(s.tcp, nullptr, nullptr);
          if (c < 0) continue;
          timeval tv{1, 0};
          setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
          uint8_t lenb[2];
          if (recv(c, lenb, 2, MSG_WAITALL) == 2) {
            size_t mlen = dns::load_u16(lenb);
            if (recv(c, buf, mlen, MSG_WAITALL) == static_cast<ssize_t>(mlen)) {
              std::vector<uint8_t> reply;
              Behaviour b;
              if (handle(s.address, buf, mlen, true, reply, b)) {
                uint8_t l[2];
                dns::store_u16(l, static_cast<uint16_t>(reply.size()));
                send(c, l, 2, MSG_NOSIGNAL);
                send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
              }
            }
          }
          ::close(c);
        }
      }
    }
  }

  static void put_rr(std::vector<uint8_t>& out, const FakeRecord& r) {
    out.insert(out.end(), r.owner.data(), r.owner.data() + r.owner.size());
    uint8_t b[10];
    dns::store_u16(b, r.type);
    dns::store_u16(b + 2, dns::rrclass::kIN);
    dns::store_u32(b + 4, 3600);
    dns::store_u16(b + 8, static_cast<uint16_t>(r.rdata.size()));
    out.insert(out.end(), b, b + 10);
    out.insert(out.end(), r.rdata.begin(), r.rdata.end());
  }

  // Builds the reply; false = send nothing.
  bool handle(const std::string& address, const uint8_t* q, size_t len, bool tcp,
              std::vector<uint8_t>& out, Behaviour& b) {
    std::lock_guard<std::mutex> g(mu_);
    ++count_[address];
    b = behaviour_[address];
    if (b.drop || len < 12) return false;
    size_t pos = 12;
    uint8_t nb[dns::kMaxNameWire];
    auto n = dns::read_name(q, len, pos, nb);
    if (!n || len - pos < 4) return false;
    dns::Name qname = dns::Name::from_wire(nb);
    uint16_t qtype = dns::load_u16(q + pos);
    size_t qend = pos + 4;
    std::vector<FakeRecord> an, ns, ar;
    uint16_t flags = 0x8000;  // QR
    uint8_t rcode = 0;
    const FakeZone* zone = nullptr;
    for (const auto& z : zones_[address]) {
      if (qname.is_subdomain_of(z.apex) &&
          (!zone || z.apex.label_count() > zone->apex.label_count()))
        zone = &z;
    }
    if (b.refuse || !zone) {
      rcode = dns::rcode::kRefused;
    } else if (qtype == dns::rrtype::kAXFR) {
      if (!tcp || !b.allow_axfr || !(qname == zone->apex)) {
        rcode = dns::rcode::kRefused;
      } else {
        flags |= 0x0400;
        for (const auto& r : zone->records)
          if (r.type == dns::rrtype::kSOA) an.push_back(r);
        for (const auto& r : zone->records)
          if (r.type != dns::rrtype::kSOA) an.push_back(r);
        for (const auto& r : zone->records)
          if (r.type == dns::rrtype::kSOA) an.push_back(r);
      }
    } else {
      // The highest zone cut between the apex and qname (a referral).
      const dns::Name* cut = nullptr;
      for (const auto& r : zone->records) {
        if (r.type == dns::rrtype::kNS && !(r.owner == zone->apex) &&
            qname.is_subdomain_of(r.owner) && (!cut || r.owner.label_count() < cut->label_count()))
          cut = &r.owner;
      }
      if (cut) {
        for (const auto& r : zone->records) {
          if (r.type == dns::rrtype::kNS && r.owner == *cut) {
            ns.push_back(r);
            dns::Name target = dns::Name::from_wire(r.rdata.data());
            for (const auto& g2 : zone->records)
              if ((g2.type == dns::rrtype::kA || g2.type == dns::rrtype::kAAAA) &&
                  g2.owner == target)
                ar.push_back(g2);
          }
        }
      } else {
        flags |= b.no_aa ? 0 : 0x0400;
        bool exists = false;
        for (const auto& r : zone->records) {
          if (r.owner.is_subdomain_of(qname)) exists = true;
          if (r.owner == qname && (r.type == qtype || r.type == dns::rrtype::kCNAME))
            an.push_back(r);
        }
        if (an.empty()) {
          if (!exists) rcode = dns::rcode::kNXDomain;
          for (const auto& r : zone->records)
            if (r.type == dns::rrtype::kSOA) ns.push_back(r);
        }
      }
    }
    if (b.truncate_udp && !tcp) {
      flags |= 0x0200;
      an.clear();
      ns.clear();
      ar.clear();
    }
    out.assign(q, q + qend);  // header + question
    dns::store_u16(out.data() + 2, static_cast<uint16_t>(flags | rcode));
    dns::store_u16(out.data() + 4, 1);
    dns::store_u16(out.data() + 6, static_cast<uint16_t>(an.size()));
    dns::store_u16(out.data() + 8, static_cast<uint16_t>(ns.size()));
    dns::store_u16(out.data() + 10, static_cast<uint16_t>(ar.size()));
    for (const auto& r : an) put_rr(out, r);
    for (const auto& r : ns) put_rr(out, r);
    for (const auto& r : ar) put_rr(out, r);
    return true;
  }

  uint16_t port_ = 0;
  std::vector<Sock> socks_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::mutex mu_;
  std::map<std::string, std::vector<FakeZone>> zones_;
  std::map<std::string, Behaviour> behaviour_;
  std::map<std::string, int> count_;
};

}  // namespace tandem::audit::testing
