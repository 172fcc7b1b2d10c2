#include "zone/writer.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <span>

#include "dns/rdata.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "zone/zone_data.h"

namespace tandem::zone {

namespace {

// Output is handed to the file in chunks of about this size: big enough that
// a million-record zone costs a few dozen write() calls, small enough to stay
// in cache.
constexpr size_t kChunk = size_t{1} << 20;

void append_uint(uint64_t v, std::string& out) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
  out.append(tmp, r.ptr);
}

void append_header(const Zone& zone, std::time_t now, std::string& out) {
  char stamp[32] = "?";
  std::tm tm{};
  if (gmtime_r(&now, &tm)) std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  out += "; written by tandem: zone ";
  dns::append_wire_name_text(zone.origin().data(), out);
  out += ", serial ";
  append_uint(zone.serial(), out);
  out += ", at ";
  out += stamp;
  out += "\n$ORIGIN ";
  dns::append_wire_name_text(zone.origin().data(), out);
  out += '\n';
}

// Appends one line per record of `set` owned by the text `owner`.
void append_rrset(std::string_view owner, const ZoneData& data, const ZoneData::RRset& set,
                  std::string& out) {
  // Mnemonic or TYPEnnn (RFC 3597 5); once per RRset.
  const std::string type = dns::type_to_text(set.type);
  const uint8_t* p = data.rdata(set);
  for (uint16_t r = 0; r < set.count; ++r) {
    uint16_t len = dns::load_u16(p);
    out.append(owner);
    out.push_back('\t');
    append_uint(set.ttl, out);
    out.append("\tIN\t");
    out.append(type);
    out.push_back('\t');
    out.append(dns::rdata_to_text(set.type, std::span<const uint8_t>(p + 2, len)));
    out.push_back('\n');
    p += 2 + len;
  }
}

// Formats the whole zone into `buf`, calling flush(data, size) -> bool each
// time about kChunk octets are ready and once at the end. Stops at the first
// failed flush.
template <class Flush>
bool write_zone(const Zone& zone, std::time_t now, Flush&& flush) {
  std::string buf;
  buf.reserve(kChunk + 64 * 1024);
  append_header(zone, now, buf);
  const ZoneData& data = zone.data();
  std::string owner;
  for (size_t i = 0; i < data.node_count(); ++i) {
    const ZoneData::Node& node = data.node(static_cast<uint32_t>(i));
    if (node.rrset_count == 0) continue;  // empty non-terminal
    owner.clear();
    dns::append_wire_name_text(data.node_name(node), owner);
    if (i == data.apex()) {
      // RFC 1035 5.2: the SOA is the first record of a zone's master file.
      if (const ZoneData::RRset* soa = data.rrset(node, dns::rrtype::kSOA))
        append_rrset(owner, data, *soa, buf);
    }
    for (const ZoneData::RRset& set : data.rrsets(node)) {
      if (i == data.apex() && set.type == dns::rrtype::kSOA) continue;
      append_rrset(owner, data, set, buf);
      if (buf.size() >= kChunk) {
        if (!flush(buf.data(), buf.size())) return false;
        buf.clear();
      }
    }
  }
  return flush(buf.data(), buf.size());
}

std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

}  // namespace

Result<void, std::string> write_zone_fd(const Zone& zone, int fd, std::time_t now) {
  int err = 0;
  bool ok = write_zone(zone, now, [&](const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        err = errno;
        return false;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  });
  if (!ok) return fail(errno_text("write", err));
  return {};
}

Result<void, std::string> write_zone_text(const Zone& zone, std::FILE* out, std::time_t now) {
  int err = 0;
  bool ok = write_zone(zone, now, [&](const char* p, size_t n) {
    if (n > 0 && std::fwrite(p, 1, n, out) != n) {
      err = errno;
      return false;
    }
    return true;
  });
  if (ok && std::fflush(out) != 0) {
    err = errno;
    ok = false;
  }
  if (!ok) return fail(errno_text("write", err ? err : EIO));
  return {};
}

std::string zone_to_text(const Zone& zone, std::time_t now) {
  std::string text;
  write_zone(zone, now, [&](const char* p, size_t n) {
    text.append(p, n);
    return true;
  });
  return text;
}

}  // namespace tandem::zone
