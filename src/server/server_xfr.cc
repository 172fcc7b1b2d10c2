// The zone-transfer side of the Server (see server.h): secondary zones
// refreshed from their primaries, NOTIFY in and out, stored copies. All state
// lives on the main thread; blocking work runs on job pools and reports back
// through post().
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "dns/types.h"
#include "dns/wire.h"
#include "net/dns_client.h"
#include "server/server.h"
#include "util/clock.h"
#include "util/log.h"
#include "zone/records.h"
#include "zone/zone_data.h"

namespace tandem::server {

namespace {

int64_t now_ms() { return unix_ms(); }

xfr::SoaTimers timers_of(const zone::Zone& z) {
  auto soa = zone::apex_soa(z.data());
  if (!soa) return {};
  return xfr::soa_timers(soa->rdata).value_or(xfr::SoaTimers{});
}

std::string in_seconds(int64_t ms) {
  if (ms < 0) ms = 0;
  return std::to_string((ms + 999) / 1000) + "s";
}

}  // namespace

void Server::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  if (event_fd_ >= 0) [[maybe_unused]] ssize_t r = ::write(event_fd_, &one, sizeof one);
}

void Server::run_posted() {
  uint64_t value;
  [[maybe_unused]] ssize_t r = ::read(event_fd_, &value, sizeof value);
  std::vector<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    work.swap(posted_);
  }
  for (auto& fn : work) fn();
}

void Server::init_secondary(ZoneEntry& entry, ZoneEntry* old, Report& report) {
  const config::ZoneConfig& zc = entry.config;
  const std::string name = zc.domain.to_text();
  xfr::TimerClamps clamps{zc.refresh_min, zc.refresh_max, zc.retry_min,
                          zc.retry_max,   zc.expire_min,  zc.expire_max};
  if (old && old->config.is_secondary() && old->schedule) {
    // A reload keeps the transferred zone and its clocks.
    entry.zone = old->zone;
    entry.journal = old->journal;
    entry.schedule = old->schedule;
    entry.last_result = old->last_result;
    entry.last_primary = old->last_primary;
    entry.loaded_at = old->loaded_at;
    return;
  }
  entry.zone.reset();
  entry.stamp.reset();
  entry.last_errors.clear();
  entry.schedule = std::make_shared<xfr::RefreshSchedule>(clamps, zone::hash_name(zc.domain.lowered().data(), zc.domain.size()) ^ now_ms());
  const int64_t now = now_ms();
  auto stored = store_ ? store_->load(zc.domain) : std::nullopt;
  std::string msg;
  if (stored && stored->load.zone) {
    entry.zone = stored->load.zone;
    entry.loaded_at = std::chrono::system_clock::now();
    xfr::SoaTimers t = timers_of(*entry.zone);
    int64_t refreshed_ms;
    uint32_t expire = t.expire;
    if (stored->meta) {
      refreshed_ms = stored->meta->refreshed_at * 1000;
      if (stored->meta->expire) expire = stored->meta->expire;
    } else {
      // No readable meta: the stored file's own time is the latest the
      // primary can have confirmed it.
      auto st = stamp_file(store_->zone_path(zc.domain));
      refreshed_ms = st ? st->mtime_ns / 1000000 : 0;
    }
    entry.schedule->loaded(t, refreshed_ms, expire, now);
    bool expired = entry.schedule->expired(now);
    msg = "zone " + name + ": secondary of " + [&] {
      std::string ids;
      for (const auto& r : zc.primaries) ids += (ids.empty() ? "" : ",") + r.id;
      return ids;
    }() + ": serving the stored copy, serial " + std::to_string(entry.zone->serial()) + ", " +
          std::to_string(entry.zone->record_count()) + " records" +
          (expired ? " (EXPIRED: answering SERVFAIL until a primary answers)"
                   : ", expires in " + in_seconds(entry.schedule->expire_at_ms() - now));
    entry.last_result = "loaded from storage";
  } else {
    if (stored) {
      for (const auto& e : stored->load.errors) TANDEM_LOG_ERROR("%s", e.to_string().c_str());
      msg = "zone " + name + ": the stored copy is unreadable (kept for inspection); transferring";
    } else {
      msg = "zone " + name + ": secondary, no stored copy yet; transferring from the primaries";
    }
  }
  TANDEM_LOG_INFO("%s", msg.c_str());
  report.lines.push_back(msg);
}

void Server::run_timers() {
  const int64_t now = now_ms();
  bool republish = false;
  int64_t next = INT64_MAX;
  for (const dns::Name& domain : zone_order_) {
    ZoneEntry& e = zones_.at(domain);
    if (!e.config.is_secondary() || !e.schedule) continue;
    xfr::RefreshSchedule& s = *e.schedule;
    bool expired = e.zone && s.expired(now);
    if (expired != e.served_expired) {
      republish = true;
      if (expired)
        TANDEM_LOG_ERROR("zone %s: EXPIRED (no primary confirmed serial %u for %u s): answering SERVFAIL",
                         domain.to_text().c_str(), e.zone->serial(), s.expire_seconds());
    }
    if (s.due(now)) {
      // Beyond xfr-in-max the zone waits for a slot; refresh_done() comes
      // back here, so no timer is needed for it (it would spin).
      if (running_refreshes_ < running_.xfr_in_max) start_refresh(domain, e);
    } else if (!s.running()) {
      next = std::min(next, s.next_refresh_ms());
    }
    if (e.zone && !expired) next = std::min(next, s.expire_at_ms());
  }
  for (PendingNotify& n : notifies_pending_) {
    if (n.in_flight) continue;
    if (n.due_ms <= now) {
      n.in_flight = true;
      n.due_ms = now + n.retry.next_delay_ms();
      uint64_t id = n.id;
      dns::Name zone = n.zone;
      config::Remote remote = n.remote;
      net::SocketAddress address = n.address;
      std::shared_ptr<const zone::Zone> z;
      if (auto it = zones_.find(zone); it != zones_.end()) z = it->second.zone;
      notifies_->submit([this, id, zone, remote, address, z] {
        auto result = xfr::send_notify(zone, z.get(), remote, address, 2000);
        post([this, id, result] { notify_done(id, result); });
      });
    }
    next = std::min(next, n.due_ms);
  }
  if (republish) publish();

  itimerspec spec{};
  if (next != INT64_MAX) {
    int64_t delay = std::max<int64_t>(next - now_ms(), 1);
    spec.it_value.tv_sec = delay / 1000;
    spec.it_value.tv_nsec = (delay % 1000) * 1000000;
  }
  timerfd_settime(timer_fd_, 0, &spec, nullptr);
}

void Server::start_refresh(const dns::Name& domain, ZoneEntry& e) {
  e.schedule->started();
  ++running_refreshes_;
  xfr::RefreshRequest req;
  req.origin = domain;
  req.current = e.zone;
  req.primaries = e.config.primaries;
  req.force_axfr = e.force_axfr;
  req.timeout_ms = running_.xfr_timeout_ms;
  e.force_axfr = false;
  transfers_->submit([this, domain, req = std::move(req)] {
    xfr::RefreshOutcome outcome = xfr::refresh_zone(req);
    post([this, domain, outcome = std::move(outcome)]() mutable { refresh_done(domain, std::move(outcome)); });
  });
}

void Server::refresh_done(const dns::Name& domain, xfr::RefreshOutcome out) {
  --running_refreshes_;
  auto it = zones_.find(domain);
  if (it == zones_.end() || !it->second.config.is_secondary() || !it->second.schedule) return;
  ZoneEntry& e = it->second;
  xfr::RefreshSchedule& s = *e.schedule;
  s.finished();
  const int64_t now = now_ms();
  const std::string name = domain.to_text();
  switch (out.result) {
    case xfr::RefreshResult::kUpToDate: {
      s.succeeded(timers_of(*e.zone), out.expire_option, now);
      e.last_result = "ok: serial " + std::to_string(out.serial) + " is current at " + out.primary;
      e.last_primary = out.primary;
      TANDEM_LOG_DEBUG("zone %s: serial %u is current at %s", name.c_str(), out.serial,
                       out.primary.c_str());
      save_zone(e, /*meta_only=*/true);
      break;
    }
    case xfr::RefreshResult::kTransferred: {
      uint32_t from = e.zone ? e.zone->serial() : 0;
      bool had = e.zone != nullptr;
      e.zone = out.zone;
      e.loaded_at = std::chrono::system_clock::now();
      e.last_errors.clear();
      // Our own IXFR history, for secondaries of ours (a chain).
      if (out.incremental && !out.diffs.empty()) {
        auto journal = std::make_shared<xfr::Journal>(e.journal ? *e.journal : xfr::Journal{});
        for (auto& d : out.diffs) journal->add(std::move(d));
        e.journal = std::move(journal);
      } else {
        e.journal.reset();  // a full transfer breaks the history
      }
      s.succeeded(timers_of(*e.zone), out.expire_option, now);
      std::string change = had ? "serial " + std::to_string(from) + " -> " + std::to_string(e.zone->serial())
                               : "serial " + std::to_string(e.zone->serial());
      char line[512];
      snprintf(line, sizeof line, "%s from %s: %s, %zu records, %zu messages, %llu bytes, %.1f ms",
               out.type.c_str(), out.primary.c_str(), change.c_str(), out.records, out.messages,
               static_cast<unsigned long long>(out.bytes), out.ms);
      TANDEM_LOG_INFO("zone %s: %s", name.c_str(), line);
      if (!out.message.empty())
        TANDEM_LOG_INFO("zone %s: (before that: %s)", name.c_str(), out.message.c_str());
      for (size_t i = 0; i < out.warnings.size() && i < 5; ++i)
        TANDEM_LOG_WARN("zone %s: %s", name.c_str(), out.warnings[i].c_str());
      e.last_result = std::string("ok: ") + line;
      e.last_primary = out.primary;
      publish();
      save_zone(e, /*meta_only=*/false);
      send_notifies(e);
      break;
    }
    case xfr::RefreshResult::kBehind: {
      // The primary answered (so it is alive), but with an older serial: keep
      // ours, say so loudly; an operator who means it runs retransfer.
      if (e.zone) s.succeeded(timers_of(*e.zone), out.expire_option, now);
      else s.failed(now);
      e.last_result = "serial went backwards: " + out.primary + " has " + std::to_string(out.serial) +
                      ", we have " + (e.zone ? std::to_string(e.zone->serial()) : "none");
      e.last_primary = out.primary;
      TANDEM_LOG_ERROR("zone %s: primary %s has serial %u, OLDER than ours (%u): not transferring; "
                       "run 'tandem ctl retransfer %s' to accept it",
                       name.c_str(), out.primary.c_str(), out.serial, e.zone ? e.zone->serial() : 0,
                       name.c_str());
      if (e.zone) save_zone(e, /*meta_only=*/true);
      break;
    }
    case xfr::RefreshResult::kFailed: {
      s.failed(now);
      e.last_result = "failed: " + out.message;
      // A primary that stays down must not flood the log: the first failure,
      // then every 10th, at warning level; the others at debug level.
      const log::Level level =
          s.failures() == 1 || s.failures() % 10 == 0 ? log::Level::kWarning : log::Level::kDebug;
      log::write(level, "zone %s: refresh failed (%d in a row): %s; next try in %s%s", name.c_str(),
                 s.failures(), out.message.c_str(), in_seconds(s.next_refresh_ms() - now).c_str(),
                 e.zone ? (", expires in " + in_seconds(s.expire_at_ms() - now)).c_str() : "");
      break;
    }
  }
  run_timers();
}

void Server::on_notify(const dns::Name& zone, std::optional<uint32_t> serial, const net::SocketAddress&) {
  auto it = zones_.find(zone);
  if (it == zones_.end() || !it->second.schedule) return;
  ZoneEntry& e = it->second;
  // RFC 1996 4.7: a NOTIFY for the serial we already have changes nothing.
  if (serial && e.zone && *serial == e.zone->serial() && !e.schedule->running()) return;
  e.schedule->refresh_now(now_ms());
  run_timers();
}

void Server::send_notifies(const ZoneEntry& entry) {
  if (entry.config.notify.empty() || !entry.zone) return;
  const int64_t now = now_ms();
  for (const config::Remote& remote : entry.config.notify) {
    for (const net::SocketAddress& address : remote.addresses) {
      // A newer change replaces a NOTIFY still waiting for the same target.
      std::erase_if(notifies_pending_, [&](const PendingNotify& p) {
        return !p.in_flight && p.zone == entry.config.domain && p.address == address;
      });
      PendingNotify p{entry.config.domain, remote, address, entry.zone->serial(), xfr::NotifyRetry{},
                      now, false, next_notify_id_++};
      notifies_pending_.push_back(std::move(p));
    }
  }
  run_timers();
}

void Server::notify_done(uint64_t id, Result<void, std::string> result) {
  auto it = std::find_if(notifies_pending_.begin(), notifies_pending_.end(),
                         [&](const PendingNotify& p) { return p.id == id; });
  if (it == notifies_pending_.end()) return;
  const std::string zone = it->zone.to_text(), to = it->address.to_string();
  if (result) {
    TANDEM_LOG_INFO("zone %s: NOTIFY to %s (%s) answered, serial %u", zone.c_str(), to.c_str(),
                    it->remote.id.c_str(), it->serial);
    notifies_pending_.erase(it);
  } else if (it->retry.give_up()) {
    TANDEM_LOG_WARN("zone %s: NOTIFY to %s (%s) given up after %d tries: %s", zone.c_str(), to.c_str(),
                    it->remote.id.c_str(), it->retry.tries(), result.error().c_str());
    notifies_pending_.erase(it);
  } else {
    TANDEM_LOG_DEBUG("zone %s: NOTIFY to %s failed (%s); retrying", zone.c_str(), to.c_str(),
                     result.error().c_str());
    it->in_flight = false;
  }
  run_timers();
}

void Server::save_zone(const ZoneEntry& e, bool meta_only) {
  if (!store_ || !e.zone || !e.schedule) return;
  store::ZoneMeta meta;
  meta.serial = e.zone->serial();
  meta.refreshed_at = e.schedule->refreshed_at_ms() / 1000;
  meta.expire = e.schedule->expire_seconds();
  meta.primary = e.last_primary;
  std::shared_ptr<const zone::Zone> z = e.zone;
  std::string file = e.config.file;
  store::ZoneStore* store = store_.get();
  writer_->submit([store, z, meta, meta_only, file] {
    auto started = std::chrono::steady_clock::now();
    auto r = meta_only ? store->save_meta(z->origin(), meta) : store->save(*z, meta);
    if (!r) {
      TANDEM_LOG_ERROR("zone %s: cannot store: %s", z->origin().to_text().c_str(), r.error().c_str());
    } else if (!meta_only) {
      // From here a restart serves this version (before: the previous one).
      TANDEM_LOG_INFO("zone %s: serial %u stored in %s (%.0f ms)", z->origin().to_text().c_str(),
                      z->serial(), store->zone_path(z->origin()).c_str(),
                      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                          .count());
    }
    if (!meta_only && !file.empty()) {
      auto w = store::write_zone_file_atomically(*z, file);
      if (!w) TANDEM_LOG_ERROR("zone %s: cannot write %s: %s", z->origin().to_text().c_str(), file.c_str(),
                               w.error().c_str());
    }
  });
}

void Server::publish_xfr_table(const std::shared_ptr<const zone::ZoneSet>& set) {
  if (!xfr_) return;
  auto table = std::make_shared<XfrTable>();
  table->zone_set = set;
  for (const config::Key& k : config_.keys) table->keys.push_back(config::tsig_key(k));
  for (const dns::Name& domain : zone_order_) {
    const ZoneEntry& e = zones_.at(domain);
    ZoneXfrInfo info;
    info.zone = e.zone;
    info.journal = e.journal;
    info.acls = e.config.acls;
    info.secondary = e.config.is_secondary();
    info.expired = e.served_expired;
    info.expire_at_ms = e.schedule ? e.schedule->expire_at_ms() : 0;
    table->zones.emplace(domain.lowered(), std::move(info));
  }
  xfr_->publish(std::move(table));
}

std::string Server::secondary_status(const ZoneEntry& e) const {
  const int64_t now = now_ms();
  std::string out = " role=secondary";
  std::string primaries;
  for (const auto& r : e.config.primaries) {
    for (const auto& a : r.addresses) primaries += (primaries.empty() ? "" : ",") + r.id + "@" + a.to_string();
  }
  const xfr::RefreshSchedule* s = e.schedule.get();
  if (!e.zone) out += " state=not-served";
  else if (e.served_expired) out += " state=expired";
  else out += " state=served";
  if (e.zone) {
    out += " serial=" + std::to_string(e.zone->serial()) +
           " records=" + std::to_string(e.zone->record_count());
  }
  out += " primaries=" + primaries;
  if (s) {
    if (s->refreshed_at_ms())
      out += " last-refresh=" + detail::iso_time(std::chrono::system_clock::time_point(std::chrono::milliseconds(s->refreshed_at_ms())));
    out += " last-result=" + detail::quoted(e.last_result.empty() ? "none yet" : e.last_result);
    out += s->running() ? std::string(" next-refresh=running")
                        : " next-refresh=" + in_seconds(s->next_refresh_ms() - now);
    if (e.zone) out += " expires-in=" + (s->expired(now) ? std::string("expired") : in_seconds(s->expire_at_ms() - now));
  }
  if (e.journal && !e.journal->empty())
    out += " journal=" + std::to_string(e.journal->size()) + "-diffs";
  return out;
}

}  // namespace tandem::server
