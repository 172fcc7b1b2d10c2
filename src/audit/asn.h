// Origin AS numbers of addresses from a MaxMind-format database (GeoLite2-ASN
// or any .mmdb with "autonomous_system_number"), for --asn-db: nameservers
// spread over several prefixes of one AS are still one network to an
// attacker or an outage.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "net/address.h"

namespace tandem::audit {

class AsnDatabase {
 public:
  // Opens the database; throws std::runtime_error with libmaxminddb's reason.
  explicit AsnDatabase(const std::string& path);
  ~AsnDatabase();
  AsnDatabase(const AsnDatabase&) = delete;
  AsnDatabase& operator=(const AsnDatabase&) = delete;

  // The AS number of `address`, or nullopt when the database has none.
  std::optional<uint32_t> lookup(const net::SocketAddress& address) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::audit
