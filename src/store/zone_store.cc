#include "store/zone_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <string_view>

#include "util/log.h"
#include "zone/writer.h"

namespace tandem::store {

namespace {

constexpr std::string_view kZoneSuffix = ".zone";
constexpr std::string_view kMetaSuffix = ".meta";
// Separates a target file name from the unique part of its temporary file.
// Never produced by file_base() (it escapes '~'), so "<target>~" prefixes
// only the temporary files of that one target.
constexpr char kTempMark = '~';
constexpr size_t kMaxStem = 200;
constexpr size_t kCutStem = 180;
constexpr std::string_view kChecksumKey = "fnv1a64=";
constexpr size_t kMaxMetaSize = 64 * 1024;

uint64_t fnv1a64(std::string_view data) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

void append_hex16(uint64_t v, std::string& out) {
  static const char kDigits[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kDigits[(v >> shift) & 15]);
}

void append_escaped_octet(uint8_t c, std::string& out) {
  static const char kDigits[] = "0123456789abcdef";
  out.push_back('%');
  out.push_back(kDigits[c >> 4]);
  out.push_back(kDigits[c & 15]);
}

std::string sys_error(const std::string& path, const char* what, int err) {
  return path + ": " + what + ": " + std::strerror(err);
}

std::string parent_dir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Makes a rename in `dir` durable (the new directory entry reaches the disk).
Result<void, std::string> fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(sys_error(dir, "cannot open directory", errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return fail(sys_error(dir, "fsync of directory failed", err));
  return {};
}

std::string unique_suffix() {
  static std::atomic<uint64_t> counter{0};
  std::string s = std::to_string(::getpid()) + '.' + std::to_string(counter.fetch_add(1)) + '.';
  auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
  append_hex16(static_cast<uint64_t>(ns), s);
  return s;
}

// The write-fsync-rename-fsync sequence. `body(fd)` writes the content.
template <class Body>
Result<void, std::string> atomic_write(const std::string& path, Body&& body) {
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = path + kTempMark + unique_suffix();
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && (errno != EEXIST || attempt == 99))
      return fail(sys_error(tmp, "cannot create temporary file", errno));
  }
  auto abandon = [&](std::string error) -> Result<void, std::string> {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return fail(std::move(error));
  };
  if (auto r = body(fd); !r) return abandon(tmp + ": " + r.error());
  if (::fsync(fd) != 0) return abandon(sys_error(tmp, "fsync failed", errno));
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) return abandon(sys_error(tmp, "close failed", errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return abandon(sys_error(path, "rename failed", errno));
  return fsync_dir(parent_dir(path));
}

Result<void, std::string> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t w = ::write(fd, data.data(), data.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return fail(std::string("write: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(w));
  }
  return {};
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

// "primary" may hold anything; keep each meta line one line.
std::string escape_value(std::string_view v) {
  std::string out;
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f || c == '%')
      append_escaped_octet(c, out);
    else
      out.push_back(static_cast<char>(c));
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> unescape_value(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '%') {
      out.push_back(v[i]);
      continue;
    }
    if (i + 2 >= v.size()) return std::nullopt;
    int hi = hex_value(v[i + 1]), lo = hex_value(v[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
    i += 2;
  }
  return out;
}

// Reads a whole file of at most `limit` octets; on failure sets `err` (an
// errno value; EFBIG when the file is larger than `limit`).
std::optional<std::string> read_small_file(const std::string& path, size_t limit, int& err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return std::nullopt;
  }
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) break;
    if (n < 0 || data.size() + static_cast<size_t>(n) > limit) {
      err = n < 0 ? errno : EFBIG;
      ::close(fd);
      return std::nullopt;
    }
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

// Removes "<file>~*" left behind by a save() that did not finish.
void remove_stale_temps(const std::string& dir, const std::string& base) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  const std::string zone_prefix = base + std::string(kZoneSuffix) + kTempMark;
  const std::string meta_prefix = base + std::string(kMetaSuffix) + kTempMark;
  while (const dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n.substr(0, zone_prefix.size()) != zone_prefix &&
        n.substr(0, meta_prefix.size()) != meta_prefix)
      continue;
    if (::unlinkat(::dirfd(d), e->d_name, 0) == 0)
      TANDEM_LOG_INFO("removed unfinished temporary file %s/%s", dir.c_str(), e->d_name);
    else
      TANDEM_LOG_WARN("cannot remove temporary file %s/%s: %s", dir.c_str(), e->d_name,
                      std::strerror(errno));
  }
  ::closedir(d);
}

}  // namespace

std::string file_base(const dns::Name& origin) {
  if (origin.is_root()) return "root";
  dns::Name low = origin.lowered();
  std::string out;
  const uint8_t* p = low.data();
  while (*p) {
    uint8_t len = *p++;
    if (!out.empty()) out.push_back('.');
    for (uint8_t i = 0; i < len; ++i) {
      uint8_t c = p[i];
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
        out.push_back(static_cast<char>(c));
      else
        append_escaped_octet(c, out);
    }
    p += len;
  }
  if (out == "root") out = "%72oot";  // "root" is the root zone's
  if (out.size() > kMaxStem) {
    out.resize(kCutStem);
    out.push_back('+');
    append_hex16(fnv1a64({reinterpret_cast<const char*>(low.data()), low.size()}), out);
  }
  return out;
}

std::string format_meta(const dns::Name& origin, const ZoneMeta& meta) {
  std::string text = "# tandem secondary zone state; the last line is a checksum of the others\n";
  text += "origin=" + origin.to_text() + '\n';
  text += "serial=" + std::to_string(meta.serial) + '\n';
  text += "refreshed_at=" + std::to_string(meta.refreshed_at) + '\n';
  text += "expire=" + std::to_string(meta.expire) + '\n';
  text += "primary=" + escape_value(meta.primary) + '\n';
  uint64_t sum = fnv1a64(text);
  text += kChecksumKey;
  append_hex16(sum, text);
  text += '\n';
  return text;
}

std::optional<ZoneMeta> parse_meta(const dns::Name& origin, std::string_view text) {
  // The checksum line: last, complete, exactly 16 lower-case hex digits.
  constexpr size_t kSumLine = kChecksumKey.size() + 16 + 1;
  if (text.size() < kSumLine || text.back() != '\n') return std::nullopt;
  std::string_view body = text.substr(0, text.size() - kSumLine);
  std::string_view sum_line = text.substr(body.size());
  if (!body.empty() && body.back() != '\n') return std::nullopt;
  if (sum_line.substr(0, kChecksumKey.size()) != kChecksumKey) return std::nullopt;
  std::string expected;
  append_hex16(fnv1a64(body), expected);
  if (sum_line.substr(kChecksumKey.size(), 16) != expected) return std::nullopt;

  ZoneMeta meta;
  bool have_origin = false, have_serial = false, have_refreshed = false, have_expire = false,
       have_primary = false;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    bool ok = true, dup = false;
    if (key == "origin") {
      auto n = dns::Name::parse_absolute(value);
      ok = n && *n == origin;
      dup = have_origin;
      have_origin = true;
    } else if (key == "serial") {
      ok = parse_number(value, meta.serial);
      dup = have_serial;
      have_serial = true;
    } else if (key == "refreshed_at") {
      ok = parse_number(value, meta.refreshed_at);
      dup = have_refreshed;
      have_refreshed = true;
    } else if (key == "expire") {
      ok = parse_number(value, meta.expire);
      dup = have_expire;
      have_expire = true;
    } else if (key == "primary") {
      auto v = unescape_value(value);
      ok = v.has_value();
      if (ok) meta.primary = std::move(*v);
      dup = have_primary;
      have_primary = true;
    }  // other keys: written by a later version; the checksum covers them
    if (!ok || dup) return std::nullopt;
  }
  if (!have_origin || !have_serial || !have_refreshed || !have_expire) return std::nullopt;
  return meta;
}

ZoneStore::ZoneStore(std::string dir) : dir_(std::move(dir)) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
}

std::string ZoneStore::zone_path(const dns::Name& origin) const {
  return dir_ + '/' + file_base(origin) + std::string(kZoneSuffix);
}

std::string ZoneStore::meta_path(const dns::Name& origin) const {
  return dir_ + '/' + file_base(origin) + std::string(kMetaSuffix);
}

Result<void, std::string> ZoneStore::save(const zone::Zone& zone, const ZoneMeta& meta) {
  // Zone first: a crash before the meta's rename leaves the new zone with the
  // old meta, whose refreshed_at is older, which only shortens the zone's life.
  if (auto r = write_zone_file_atomically(zone, zone_path(zone.origin())); !r) return r;
  return save_meta(zone.origin(), meta);
}

Result<void, std::string> ZoneStore::save_meta(const dns::Name& origin, const ZoneMeta& meta) {
  return write_file_atomically(meta_path(origin), format_meta(origin, meta));
}

std::optional<ZoneStore::Loaded> ZoneStore::load(const dns::Name& origin) const {
  remove_stale_temps(dir_, file_base(origin));
  const std::string zpath = zone_path(origin);
  struct stat st;
  if (::stat(zpath.c_str(), &st) != 0 && errno == ENOENT) return std::nullopt;
  Loaded out;
  // A bad file is reported and left alone: the operator may want to look at
  // it, and the next successful transfer replaces it.
  out.load = zone::load_zone_file(origin, zpath);
  const std::string mpath = meta_path(origin);
  int err = 0;
  if (auto text = read_small_file(mpath, kMaxMetaSize, err)) {
    out.meta = parse_meta(origin, *text);
    if (!out.meta)
      TANDEM_LOG_WARN("%s: damaged (bad checksum or field), ignoring it", mpath.c_str());
  } else if (err != ENOENT) {
    TANDEM_LOG_WARN("%s: cannot read: %s", mpath.c_str(), std::strerror(err));
  }
  return out;
}

Result<void, std::string> write_file_atomically(const std::string& path, std::string_view data) {
  return atomic_write(path, [&](int fd) { return write_all(fd, data); });
}

Result<void, std::string> write_zone_file_atomically(const zone::Zone& zone,
                                                     const std::string& path) {
  return atomic_write(path, [&](int fd) { return zone::write_zone_fd(zone, fd); });
}

}  // namespace tandem::store
