// Journal (xfr/journal.h).
#include "xfr/journal.h"

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "dns/name.h"

namespace tandem::xfr {

namespace {

// What identifies a record in a history: owner (case-insensitive), type,
// TTL and rdata. The TTL is part of it so that a TTL change, which a diff
// carries as removal + addition, survives condensation.
void record_key(const zone::DiffRecord& r, std::string& key) {
  key.assign(r.owner.begin(), r.owner.end());
  for (char& c : key) c = static_cast<char>(dns::lower_byte(static_cast<uint8_t>(c)));
  // The owner is a wire name, so it ends itself: no separator needed.
  char fixed[6] = {static_cast<char>(r.type >> 8), static_cast<char>(r.type),
                   static_cast<char>(r.ttl >> 24), static_cast<char>(r.ttl >> 16),
                   static_cast<char>(r.ttl >> 8),  static_cast<char>(r.ttl)};
  key.append(fixed, sizeof fixed);
  key.append(r.rdata.begin(), r.rdata.end());
}

}  // namespace

void Journal::add(std::shared_ptr<const zone::ZoneDiff> diff) {
  if (!diff) return;
  if (!diffs_.empty() && diffs_.back().diff->to_serial() != diff->from_serial()) {
    diffs_.clear();
    bytes_ = 0;
  }
  const size_t b = diff->bytes();
  diffs_.push_back({std::move(diff), b});
  bytes_ += b;
  while (!diffs_.empty() && (bytes_ > max_bytes_ || diffs_.size() > max_diffs_)) {
    bytes_ -= diffs_.front().bytes;
    diffs_.pop_front();
  }
}

uint32_t Journal::newest_serial() const {
  return diffs_.empty() ? 0 : diffs_.back().diff->to_serial();
}

uint32_t Journal::oldest_serial() const {
  return diffs_.empty() ? 0 : diffs_.front().diff->from_serial();
}

std::optional<zone::ZoneDiff> Journal::condensed_from(uint32_t client_serial) const {
  // The newest diff starting at the client's serial: after a serial wrapped
  // all the way round the same number could start two diffs, and the
  // shorter history is the one a client that recently synced needs.
  size_t start = diffs_.size();
  for (size_t i = diffs_.size(); i-- > 0;) {
    if (diffs_[i].diff->from_serial() == client_serial) {
      start = i;
      break;
    }
  }
  if (start == diffs_.size()) return std::nullopt;
  if (start + 1 == diffs_.size()) return *diffs_[start].diff;

  // RFC 1995 6: replay the history per record. A record whose first
  // operation is a removal was present at the start; one whose last
  // operation is an addition is present at the end. Only the records whose
  // presence differs between the two ends go into the condensed diff.
  struct State {
    const zone::DiffRecord* first;  // the record as first seen (its state at the start)
    const zone::DiffRecord* last;   // as last seen (its state at the end)
    bool first_added;
    bool last_added;
  };
  std::vector<State> states;
  std::unordered_map<std::string, size_t> index;
  std::string key;
  auto touch = [&](const zone::DiffRecord& r, bool added) {
    record_key(r, key);
    auto [it, inserted] = index.try_emplace(key, states.size());
    if (inserted) {
      states.push_back({&r, &r, added, added});
    } else {
      states[it->second].last = &r;
      states[it->second].last_added = added;
    }
  };
  for (size_t i = start; i < diffs_.size(); ++i) {
    // Within one version change deletions come first (RFC 1995 4).
    for (const zone::DiffRecord& r : diffs_[i].diff->removed) touch(r, false);
    for (const zone::DiffRecord& r : diffs_[i].diff->added) touch(r, true);
  }

  zone::ZoneDiff out;
  out.from_soa = diffs_[start].diff->from_soa;
  out.to_soa = diffs_.back().diff->to_soa;
  for (const State& s : states) {
    const bool at_start = !s.first_added;
    const bool at_end = s.last_added;
    if (at_start && !at_end) out.removed.push_back(*s.first);
    if (!at_start && at_end) out.added.push_back(*s.last);
  }
  return out;
}

}  // namespace tandem::xfr
