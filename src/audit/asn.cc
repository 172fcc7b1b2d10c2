#include "audit/asn.h"

#include <maxminddb.h>

#include <stdexcept>

namespace tandem::audit {

struct AsnDatabase::Impl {
  MMDB_s db{};
};

AsnDatabase::AsnDatabase(const std::string& path) : impl_(std::make_unique<Impl>()) {
  int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &impl_->db);
  if (status != MMDB_SUCCESS)
    throw std::runtime_error("cannot open ASN database '" + path + "': " + MMDB_strerror(status));
}

AsnDatabase::~AsnDatabase() { MMDB_close(&impl_->db); }

std::optional<uint32_t> AsnDatabase::lookup(const net::SocketAddress& address) const {
  int gai_error = 0, mmdb_error = 0;
  MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&impl_->db, address.sa(), &mmdb_error);
  (void)gai_error;
  if (mmdb_error != MMDB_SUCCESS || !r.found_entry) return std::nullopt;
  MMDB_entry_data_s data{};
  if (MMDB_get_value(&r.entry, &data, "autonomous_system_number", nullptr) != MMDB_SUCCESS ||
      !data.has_data)
    return std::nullopt;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT32: return data.uint32;
    case MMDB_DATA_TYPE_UINT16: return data.uint16;
    case MMDB_DATA_TYPE_UINT64: return static_cast<uint32_t>(data.uint64);
    default: return std::nullopt;
  }
}

}  // namespace tandem::audit
