// Journal: the bounded history of one zone's changes kept by a primary to
// answer IXFR (RFC 1995). A plain value: copying it copies shared pointers
// to immutable diffs, so an owner can copy, add() and publish the copy as a
// std::shared_ptr<const Journal> while transfers read the previous one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "zone/diff.h"

namespace tandem::xfr {

class Journal {
 public:
  static constexpr size_t kDefaultMaxBytes = size_t{64} << 20;
  static constexpr size_t kDefaultMaxDiffs = 1000;

  explicit Journal(size_t max_bytes = kDefaultMaxBytes, size_t max_diffs = kDefaultMaxDiffs)
      : max_bytes_(max_bytes), max_diffs_(max_diffs) {}

  // Appends the change to the newest version. A diff that does not start at
  // the newest serial (the history broke: a zone file edited without a
  // journal entry, a full transfer) replaces the whole history. Then drops
  // the oldest diffs while the total exceeds the byte or count bound; a
  // single diff larger than the byte bound leaves the journal empty (IXFR
  // then answers with the full zone).
  void add(std::shared_ptr<const zone::ZoneDiff> diff);
  void add(zone::ZoneDiff diff) { add(std::make_shared<const zone::ZoneDiff>(std::move(diff))); }

  // One diff from `client_serial` to newest_serial(), condensed (RFC 1995 6):
  // a record added then removed again is not in it, nor one removed then
  // added back. Nullopt when no diff starts at `client_serial` (too old, or
  // a version this history never had) or the journal is empty.
  std::optional<zone::ZoneDiff> condensed_from(uint32_t client_serial) const;

  bool empty() const { return diffs_.empty(); }
  size_t size() const { return diffs_.size(); }  // number of diffs
  size_t bytes() const { return bytes_; }        // sum of ZoneDiff::bytes()
  uint32_t newest_serial() const;                // 0 when empty
  uint32_t oldest_serial() const;                // from_serial of the first diff; 0 when empty
  size_t max_bytes() const { return max_bytes_; }
  size_t max_diffs() const { return max_diffs_; }

 private:
  struct Entry {
    std::shared_ptr<const zone::ZoneDiff> diff;
    size_t bytes;
  };
  std::deque<Entry> diffs_;
  size_t bytes_ = 0;
  size_t max_bytes_;
  size_t max_diffs_;
};

}  // namespace tandem::xfr
