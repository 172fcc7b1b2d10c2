// The refresh schedule of one secondary zone (RFC 1034 4.3.5, RFC 1996 4,
// RFC 7314): when to ask the primaries next, and when the zone expires. Pure
// logic over a clock the caller passes in (unix milliseconds, because the
// expire clock must keep running across restarts), so every transition is
// unit-tested without waiting.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>

namespace tandem::xfr {

// The timer fields of an SOA record, in seconds.
struct SoaTimers {
  uint32_t refresh = 0, retry = 0, expire = 0;
};
// Reads REFRESH, RETRY and EXPIRE from an SOA rdata (uncompressed wire form).
// Nullopt when the rdata is malformed.
std::optional<SoaTimers> soa_timers(std::span<const uint8_t> rdata);

// Operator bounds on the timers, in seconds (zone keys refresh-min ... expire-max).
struct TimerClamps {
  uint32_t refresh_min = 1, refresh_max = 86400;
  uint32_t retry_min = 1, retry_max = 86400;
  uint32_t expire_min = 2, expire_max = 0xFFFFFFFFu;
};

class RefreshSchedule {
 public:
  // `seed` makes the jitter reproducible (tests); the server passes a hash
  // of the zone name mixed with the start time, so zones spread out.
  RefreshSchedule(TimerClamps clamps, uint64_t seed);

  // A stored copy was loaded at start-up: it expires `expire_s` seconds after
  // `refreshed_at_ms` (the last time a primary confirmed it, from before the
  // restart). The primaries are asked at once.
  void loaded(const SoaTimers& timers, int64_t refreshed_at_ms, uint32_t expire_s, int64_t now_ms);

  // A refresh succeeded: the primary confirmed our serial or a transfer was
  // applied. Expire restarts from now, using the primary's EDNS EXPIRE value
  // when it sent one (RFC 7314 4), else the SOA's. The next refresh is due
  // after REFRESH minus up to 10% jitter (so 10,000 zones do not ask at once).
  void succeeded(const SoaTimers& timers, std::optional<uint32_t> expire_option, int64_t now_ms);

  // Every primary failed: ask again after RETRY (minus jitter); without a
  // zone yet, back off from 1 s doubling up to the retry maximum (capped at
  // 60 s). The expire clock keeps running.
  void failed(int64_t now_ms);

  // A NOTIFY arrived (RFC 1996 4.7) or an operator asked: refresh at once,
  // or right after the refresh in progress.
  void refresh_now(int64_t now_ms);

  // The caller started / finished a refresh.
  void started() { running_ = true; again_ = false; }
  void finished() { running_ = false; }

  bool running() const { return running_; }
  bool has_zone() const { return expire_at_ms_ != 0; }
  // True when a refresh should start now.
  bool due(int64_t now_ms) const { return !running_ && now_ms >= next_refresh_ms_; }
  // True when the zone's data must no longer be served (RFC 1034 4.3.5).
  bool expired(int64_t now_ms) const { return has_zone() && now_ms >= expire_at_ms_; }

  int64_t next_refresh_ms() const { return next_refresh_ms_; }
  int64_t expire_at_ms() const { return expire_at_ms_; }     // 0 when there is no zone
  int64_t refreshed_at_ms() const { return refreshed_at_ms_; }  // 0 when never
  // The EXPIRE value (seconds) the current expire deadline was computed from.
  uint32_t expire_seconds() const { return expire_s_; }
  const SoaTimers& timers() const { return timers_; }  // clamped
  int failures() const { return failures_; }

  // Applies the clamps.
  SoaTimers clamp(const SoaTimers& t) const;

 private:
  int64_t jittered(uint32_t seconds);  // seconds -> ms minus up to 10%

  TimerClamps clamps_;
  std::mt19937_64 random_;
  SoaTimers timers_;
  int64_t next_refresh_ms_ = 0;
  int64_t expire_at_ms_ = 0;
  int64_t refreshed_at_ms_ = 0;
  uint32_t expire_s_ = 0;
  int failures_ = 0;
  bool running_ = false;
  bool again_ = false;  // refresh_now() during a refresh: go again when it ends
};

}  // namespace tandem::xfr
