#include "zone/zone.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "dns/types.h"
#include "dns/wire.h"
#include "zone/zone_data.h"

namespace tandem::zone {

Zone::Zone(dns::Name origin, std::unique_ptr<const ZoneData> data, std::string source)
    : origin_(std::move(origin)), data_(std::move(data)), source_(std::move(source)) {}

Zone::Zone(dns::Name origin, std::shared_ptr<const ZoneData> data, std::string source, bool expired)
    : origin_(std::move(origin)), data_(std::move(data)), source_(std::move(source)), expired_(expired) {}

std::shared_ptr<const Zone> Zone::expired_copy() const {
  return std::shared_ptr<const Zone>(new Zone(origin_, data_, source_, true));
}

Zone::~Zone() = default;

size_t Zone::record_count() const { return data_->record_count(); }
uint32_t Zone::serial() const { return data_->serial(); }

namespace {

LoadResult finish(const dns::Name& origin, ZoneBuilder& builder, std::vector<ParseError> errors,
                  const std::string& source) {
  LoadResult result;
  result.errors = std::move(errors);
  if (!result.errors.empty()) return result;
  auto data = builder.build(result.errors, result.warnings);
  if (data) result.zone = std::make_shared<Zone>(origin, std::move(data), source);
  return result;
}

}  // namespace

LoadResult load_zone_file(const dns::Name& origin, const std::string& path) {
  ZoneBuilder builder(origin);
  struct stat st;
  // A master-file record takes some 25-40 octets: size the tables from that.
  if (stat(path.c_str(), &st) == 0 && st.st_size > 0) builder.reserve(static_cast<size_t>(st.st_size) / 28);
  ParseOptions options;
  options.origin = origin;
  auto errors = parse_zone_file(path, options, [&](const ParsedRecord& r) { builder.add(r); });
  return finish(origin, builder, std::move(errors), path);
}

LoadResult load_zone_text(const dns::Name& origin, std::string_view text, const std::string& filename) {
  ZoneBuilder builder(origin);
  ParseOptions options;
  options.origin = origin;
  auto errors = parse_zone_text(text, filename, options, [&](const ParsedRecord& r) { builder.add(r); });
  return finish(origin, builder, std::move(errors), filename);
}

ZoneSet::ZoneSet(std::vector<std::shared_ptr<const Zone>> zones) : zones_(std::move(zones)) {
  size_t cap = 16;
  while (cap < zones_.size() * 2) cap *= 2;
  slots_.assign(cap, kNone);
  mask_ = cap - 1;
  min_labels_ = dns::kMaxNameWire;
  for (uint32_t i = 0; i < zones_.size(); ++i) {
    dns::Name low = zones_[i]->origin().lowered();
    min_labels_ = std::min(min_labels_, low.label_count());
    max_labels_ = std::max(max_labels_, low.label_count());
    lowered_origins_.emplace_back(reinterpret_cast<const char*>(low.data()), low.size());
    uint64_t h = hash_name(low.data(), low.size()) & mask_;
    while (slots_[h] != kNone) h = (h + 1) & mask_;
    slots_[h] = i;
  }
}

const Zone* ZoneSet::find(const uint8_t* name) const {
  return find(name, dns::wire_name_size(name), dns::wire_label_count(name));
}

const Zone* ZoneSet::find(const uint8_t* name, size_t size, size_t labels) const {
  if (zones_.empty()) return nullptr;
  // Longest match: probe the name's suffixes from the full name down, only
  // those with as many labels as some origin has.
  const uint8_t* p = name;
  for (; labels > max_labels_; --labels) {
    size -= *p + 1;
    p += *p + 1;
  }
  for (; labels >= min_labels_; --labels) {
    if (zones_.size() == 1) {  // one zone: a compare beats a hash
      const std::string& o = lowered_origins_[0];
      if (o.size() == size && memcmp(o.data(), p, size) == 0) return zones_[0].get();
      return nullptr;
    }
    for (uint64_t h = hash_name(p, size) & mask_; slots_[h] != kNone; h = (h + 1) & mask_) {
      const std::string& o = lowered_origins_[slots_[h]];
      if (o.size() == size && memcmp(o.data(), p, size) == 0) return zones_[slots_[h]].get();
    }
    if (*p == 0) return nullptr;
    size -= *p + 1;
    p += *p + 1;
  }
  return nullptr;
}

std::shared_ptr<const Zone> ZoneSet::get(const dns::Name& origin) const {
  for (const auto& z : zones_)
    if (z->origin() == origin) return z;
  return nullptr;
}

}  // namespace tandem::zone
