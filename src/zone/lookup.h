// The authoritative answer algorithm (RFC 1034 4.3.2) over one zone, with
// wildcards (RFC 4592), DNAME (RFC 6672), negative answers (RFC 2308),
// referrals with glue and additional-section targets. Produces a plan of
// RRsets per section; the responder writes it to the wire. No allocation:
// everything lives in the Lookup object, which a worker reuses.
#pragma once

#include <cstdint>

#include "zone/zone.h"
#include "zone/zone_data.h"

namespace tandem::zone {

struct PlannedRRset {
  const ZoneData::RRset* rrset;  // records to write; nullptr for a synthesized CNAME
  const uint8_t* owner;          // uncompressed owner name as it is to appear
  uint32_t ttl;
  const uint8_t* synth_rdata;    // synthesized CNAME rdata (DNAME, RFC 6672 3.1)
  uint16_t synth_size;
};

class Lookup {
 public:
  static constexpr int kMaxChain = 4;  // CNAME/DNAME steps followed after the first (5 CNAMEs at most, as Knot)
  static constexpr int kMaxAnswer = 64;
  static constexpr int kMaxAuthority = 4;
  static constexpr int kMaxAdditional = 32;

  // Answers (qname, qtype) from `zone`. `qname` is the name as asked (its
  // case is kept in answers), `qname_lower` the same name lower-cased; both
  // must stay valid while the plan is used.
  void run(const Zone& zone, const uint8_t* qname, const uint8_t* qname_lower, uint16_t qtype);

  uint16_t rcode = 0;
  bool authoritative = true;
  PlannedRRset answer[kMaxAnswer];
  int answer_count = 0;
  PlannedRRset authority[kMaxAuthority];
  int authority_count = 0;
  PlannedRRset additional[kMaxAdditional];
  int additional_count = 0;

 private:
  const ZoneData* data_ = nullptr;
  void add_answer(const ZoneData::RRset* set, const uint8_t* owner, uint32_t ttl);
  void add_additional_for(const ZoneData::RRset& set);
  void add_authority(const ZoneData::RRset* set, const uint8_t* owner, uint32_t ttl);
  void negative(uint16_t rcode);
  void referral(uint32_t cut);
  // Answers at an existing node (or a wildcard standing in for the name).
  // Returns true when a CNAME was added and the chain goes on at next_.
  bool answer_at(uint32_t node, const uint8_t* owner, uint16_t qtype);
  // RFC 6672 substitution; returns true when the chain goes on at next_.
  bool apply_dname(uint32_t dname_node, const uint8_t* sname, const uint8_t* sname_lower);

  const uint8_t* next_ = nullptr;  // chain target (case as in the data)
  uint32_t visited_[kMaxChain + 1];  // CNAME nodes met along the chain
  int visited_count_ = 0;
  uint8_t chain_lower_[kMaxChain + 1][256];
  uint8_t synth_[kMaxChain + 1][256];  // synthesized CNAME targets
  int synth_used_ = 0;
};

}  // namespace tandem::zone
