#include "xfr/secondary.h"

#include <algorithm>

#include "dns/wire.h"
#include "xfr/notify.h"

namespace tandem::xfr {

std::optional<SoaTimers> soa_timers(std::span<const uint8_t> rdata) {
  // MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM (RFC 1035 3.3.13).
  size_t pos = 0;
  for (int name = 0; name < 2; ++name) {
    for (;;) {
      if (pos >= rdata.size()) return std::nullopt;
      uint8_t len = rdata[pos];
      if (len & 0xC0) return std::nullopt;  // stored rdata is never compressed
      pos += 1u + len;
      if (len == 0) break;
    }
  }
  if (pos + 20 != rdata.size()) return std::nullopt;
  auto u32 = [&](size_t at) {
    const uint8_t* p = rdata.data() + pos + at;
    return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
  };
  return SoaTimers{u32(4), u32(8), u32(12)};
}

RefreshSchedule::RefreshSchedule(TimerClamps clamps, uint64_t seed) : clamps_(clamps), random_(seed) {}

SoaTimers RefreshSchedule::clamp(const SoaTimers& t) const {
  return {std::clamp(t.refresh, clamps_.refresh_min, clamps_.refresh_max),
          std::clamp(t.retry, clamps_.retry_min, clamps_.retry_max),
          std::clamp(t.expire, clamps_.expire_min, clamps_.expire_max)};
}

int64_t RefreshSchedule::jittered(uint32_t seconds) {
  return RefreshJitter::jitter(int64_t{seconds} * 1000, random_(), 10);
}

void RefreshSchedule::loaded(const SoaTimers& timers, int64_t refreshed_at_ms, uint32_t expire_s,
                             int64_t now_ms) {
  timers_ = clamp(timers);
  expire_s_ = std::clamp(expire_s, clamps_.expire_min, clamps_.expire_max);
  refreshed_at_ms_ = refreshed_at_ms;
  expire_at_ms_ = refreshed_at_ms + int64_t{expire_s_} * 1000;
  if (expire_at_ms_ == 0) expire_at_ms_ = 1;  // 0 means "no zone"
  next_refresh_ms_ = now_ms;
  failures_ = 0;
}

void RefreshSchedule::succeeded(const SoaTimers& timers, std::optional<uint32_t> expire_option,
                                int64_t now_ms) {
  timers_ = clamp(timers);
  // RFC 7314 4: the primary's remaining expire replaces the SOA EXPIRE, so a
  // chain of secondaries does not extend the zone's life beyond the origin's.
  uint32_t expire = expire_option ? *expire_option : timers.expire;
  expire_s_ = std::clamp(expire, clamps_.expire_min, clamps_.expire_max);
  refreshed_at_ms_ = now_ms;
  expire_at_ms_ = now_ms + int64_t{expire_s_} * 1000;
  failures_ = 0;
  next_refresh_ms_ = again_ ? now_ms : now_ms + jittered(timers_.refresh);
  again_ = false;
}

void RefreshSchedule::failed(int64_t now_ms) {
  ++failures_;
  int64_t delay;
  if (has_zone()) {
    delay = jittered(timers_.retry);
  } else {
    // No SOA to take RETRY from: back off 1, 2, 4 ... s, at most 60 s.
    int shift = std::min(failures_ - 1, 6);
    uint32_t seconds = std::min<uint32_t>(1u << shift, std::min<uint32_t>(60, clamps_.retry_max));
    delay = jittered(std::max<uint32_t>(seconds, 1));
  }
  next_refresh_ms_ = again_ ? now_ms : now_ms + delay;
  again_ = false;
}

void RefreshSchedule::refresh_now(int64_t now_ms) {
  if (running_) {
    again_ = true;
  } else {
    next_refresh_ms_ = now_ms;
  }
}

}  // namespace tandem::xfr
