#include "xfr/ixfr_in.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "dns/rdata.h"
#include "dns/tsig.h"
#include "dns/types.h"
#include "dns/wire.h"
#include "zone/records.h"
#include "zone/zone_data.h"

namespace tandem::xfr {
namespace {

constexpr uint16_t kId = 0x1995;
constexpr uint64_t kNow = 1'700'000'000;

dns::Name name(const std::string& text) { return dns::Name::parse_absolute(text).value(); }

// Writes one IXFR response message. Owner names are compressed against the
// owners already written, as a primary does (RFC 1035 4.1.4); records are
// given as "owner TYPE rdata" text with absolute names.
class Msg {
 public:
  explicit Msg(uint16_t id = kId, bool question = true, uint16_t rcode = 0,
               const char* qname = "jain.ad.jp.", uint16_t qtype = dns::rrtype::kIXFR) {
    u16(id);
    u16(0x8400);  // QR, AA
    buf_[3] |= static_cast<uint8_t>(rcode & 0x0F);
    for (int i = 0; i < 4; ++i) u16(0);
    if (question) {
      write_name(qname);
      u16(qtype);
      u16(dns::rrclass::kIN);
      dns::store_u16(buf_.data() + 4, 1);
    }
  }
  Msg& rr(const std::string& line) {
    std::istringstream in(line);
    std::string owner, type;
    in >> owner >> type;
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    std::vector<dns::TextToken> tokens;
    for (const std::string& w : words) tokens.push_back({w, false});
    const uint16_t t = dns::type_from_text(type).value();
    std::vector<uint8_t> rdata;
    EXPECT_TRUE(dns::rdata_from_text(t, tokens, dns::Name(), rdata).has_value()) << line;
    write_name(owner);
    u16(t);
    u16(dns::rrclass::kIN);
    u16(0);
    u16(600);  // TTL
    u16(static_cast<uint16_t>(rdata.size()));
    buf_.insert(buf_.end(), rdata.begin(), rdata.end());
    dns::store_u16(buf_.data() + 6, static_cast<uint16_t>(dns::load_u16(buf_.data() + 6) + 1));
    return *this;
  }
  // The SOA of JAIN.AD.JP. with `serial` (RFC 1995 7).
  Msg& soa(uint32_t serial) {
    return rr("JAIN.AD.JP. SOA NS.JAIN.AD.JP. mohta.jain.ad.jp. " + std::to_string(serial) +
              " 600 600 3600000 604800");
  }
  Msg& tc() {
    buf_[2] |= 0x02;
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return buf_; }

 private:
  void u16(uint16_t v) {
    buf_.push_back(static_cast<uint8_t>(v >> 8));
    buf_.push_back(static_cast<uint8_t>(v));
  }
  void write_name(const std::string& text) {
    dns::Name n = name(text);
    const uint8_t* p = n.data();
    while (*p) {
      std::string suffix(reinterpret_cast<const char*>(p), dns::wire_name_size(p));
      for (char& c : suffix) c = static_cast<char>(dns::lower_byte(static_cast<uint8_t>(c)));
      auto it = offsets_.find(suffix);
      if (it != offsets_.end()) {
        u16(static_cast<uint16_t>(0xC000 | it->second));
        return;
      }
      if (buf_.size() < 0x3FFF) offsets_[suffix] = buf_.size();
      buf_.insert(buf_.end(), p, p + 1 + *p);
      p += 1 + *p;
    }
    buf_.push_back(0);
  }
  std::vector<uint8_t> buf_;
  std::map<std::string, size_t> offsets_;
};

// RFC 1995 7: the three generations of JAIN.AD.JP.
const char* kJain1 =
    "$TTL 600\n"
    "JAIN.AD.JP. IN SOA NS.JAIN.AD.JP. mohta.jain.ad.jp. 1 600 600 3600000 604800\n"
    "            IN NS  NS.JAIN.AD.JP.\n"
    "NS.JAIN.AD.JP.   IN A 133.69.136.1\n"
    "NEZU.JAIN.AD.JP. IN A 133.69.136.5\n";
const char* kJain3 =
    "$TTL 600\n"
    "JAIN.AD.JP. IN SOA NS.JAIN.AD.JP. mohta.jain.ad.jp. 3 600 600 3600000 604800\n"
    "            IN NS  NS.JAIN.AD.JP.\n"
    "NS.JAIN.AD.JP.      IN A 133.69.136.1\n"
    "JAIN-BB.JAIN.AD.JP. IN A 133.69.136.3\n"
    "                    IN A 192.41.197.2\n";

std::shared_ptr<const zone::Zone> load(const std::string& text) {
  zone::LoadResult r = zone::load_zone_text(name("jain.ad.jp."), text, "test.zone");
  EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  return r.zone;
}

std::shared_ptr<const zone::Zone> jain(uint32_t serial = 1) {
  std::string text = kJain1;
  text.replace(text.find("1 600"), 1, std::to_string(serial));
  return load(text);
}

IxfrParams params() {
  IxfrParams p;
  p.origin = name("jain.ad.jp.");
  p.query_id = kId;
  p.peer = "192.0.2.53#53";
  p.now = kNow;
  return p;
}

std::vector<std::string> dump(const zone::Zone& z) {
  std::vector<std::string> out;
  zone::for_each_record(z.data(), [&](const zone::RecordView& v) {
    out.push_back(dns::Name::from_wire(v.owner.data()).to_text() + " " + dns::type_to_text(v.type) +
                  " " + std::to_string(v.ttl) + " " + dns::rdata_to_text(v.type, v.rdata));
  });
  std::sort(out.begin(), out.end());
  return out;
}

void expect_failed(const IxfrConsumer& c, const IxfrStatus& st, const std::string& part,
                   bool fallback) {
  EXPECT_EQ(st.state, IxfrState::kFailed);
  EXPECT_NE(st.reason.find(part), std::string::npos) << st.reason;
  EXPECT_EQ(c.should_fallback_to_axfr(), fallback) << st.reason;
}

void expect_no_zone(IxfrConsumer& c) {
  IxfrResult r = c.take();
  EXPECT_EQ(r.load.zone, nullptr);
  EXPECT_FALSE(r.load.errors.empty());
  EXPECT_TRUE(r.diffs.empty());
}

// RFC 1995 7, the incremental answer: two steps, 1 -> 2 -> 3.
Msg& jain_incremental(Msg& m) {
  return m.soa(3)
      .soa(1)
      .rr("NEZU.JAIN.AD.JP. A 133.69.136.5")
      .soa(2)
      .rr("JAIN-BB.JAIN.AD.JP. A 133.69.136.4")
      .rr("JAIN-BB.JAIN.AD.JP. A 192.41.197.2")
      .soa(2)
      .rr("JAIN-BB.JAIN.AD.JP. A 133.69.136.4")
      .soa(3)
      .rr("JAIN-BB.JAIN.AD.JP. A 133.69.136.3")
      .soa(3);
}

TEST(IxfrIn, Rfc1995Incremental) {
  auto base = jain();
  Msg m;
  jain_incremental(m);
  IxfrConsumer c(params(), base);
  IxfrStatus st = c.feed(m.bytes());
  ASSERT_EQ(st.state, IxfrState::kDone) << st.reason;
  EXPECT_EQ(c.kind(), IxfrKind::kIncremental);
  IxfrResult r = c.take();
  EXPECT_EQ(r.kind, IxfrKind::kIncremental);
  ASSERT_NE(r.load.zone, nullptr);
  EXPECT_EQ(r.load.zone->serial(), 3u);
  EXPECT_EQ(r.load.zone->source(), "IXFR from 192.0.2.53#53");
  EXPECT_EQ(dump(*r.load.zone), dump(*load(kJain3)));
  // The steps as received, owners lower-cased.
  ASSERT_EQ(r.diffs.size(), 2u);
  EXPECT_EQ(r.diffs[0].from_serial(), 1u);
  EXPECT_EQ(r.diffs[0].to_serial(), 2u);
  EXPECT_EQ(r.diffs[1].from_serial(), 2u);
  EXPECT_EQ(r.diffs[1].to_serial(), 3u);
  ASSERT_EQ(r.diffs[0].removed.size(), 1u);
  const dns::Name nezu = name("nezu.jain.ad.jp.");
  EXPECT_EQ(r.diffs[0].removed[0].owner,
            std::vector<uint8_t>(nezu.data(), nezu.data() + nezu.size()));
  EXPECT_EQ(r.diffs[0].added.size(), 2u);
  EXPECT_EQ(r.diffs[1].removed.size(), 1u);
  EXPECT_EQ(r.diffs[1].added.size(), 1u);
  EXPECT_EQ(r.stats.serial, 3u);
  EXPECT_EQ(r.stats.base_serial, 1u);
  EXPECT_EQ(r.stats.diffs, 2u);
  EXPECT_EQ(r.stats.removed, 2u);
  EXPECT_EQ(r.stats.added, 3u);
  EXPECT_EQ(r.stats.records, 11u);
  // The base is untouched.
  EXPECT_EQ(base->serial(), 1u);
}

TEST(IxfrIn, Rfc1995Condensed) {
  Msg m;
  m.soa(3)
      .soa(1)
      .rr("NEZU.JAIN.AD.JP. A 133.69.136.5")
      .soa(3)
      .rr("JAIN-BB.JAIN.AD.JP. A 133.69.136.3")
      .rr("JAIN-BB.JAIN.AD.JP. A 192.41.197.2")
      .soa(3);
  IxfrConsumer c(params(), jain());
  ASSERT_EQ(c.feed(m.bytes()).state, IxfrState::kDone) << c.status().reason;
  IxfrResult r = c.take();
  ASSERT_NE(r.load.zone, nullptr);
  EXPECT_EQ(r.diffs.size(), 1u);
  EXPECT_EQ(dump(*r.load.zone), dump(*load(kJain3)));
}

// RFC 1995 7, the full-zone answer to the same query.
TEST(IxfrIn, Rfc1995AxfrStyle) {
  Msg m;
  m.soa(3)
      .rr("JAIN.AD.JP. NS NS.JAIN.AD.JP.")
      .rr("NS.JAIN.AD.JP. A 133.69.136.1")
      .rr("JAIN-BB.JAIN.AD.JP. A 133.69.136.3")
      .rr("JAIN-BB.JAIN.AD.JP. A 192.41.197.2")
      .soa(3);
  IxfrConsumer c(params(), jain());
  ASSERT_EQ(c.feed(m.bytes()).state, IxfrState::kDone) << c.status().reason;
  EXPECT_EQ(c.kind(), IxfrKind::kFull);
  IxfrResult r = c.take();
  EXPECT_EQ(r.kind, IxfrKind::kFull);
  ASSERT_NE(r.load.zone, nullptr);
  EXPECT_TRUE(r.diffs.empty());
  EXPECT_EQ(dump(*r.load.zone), dump(*load(kJain3)));
}

// The shape is known only at the second record, which may come in the next
// message; the full zone then spans messages too.
TEST(IxfrIn, AxfrStyleOverMessages) {
  Msg m1, m2(kId, false), m3(kId, false);
  m1.soa(3);
  m2.rr("JAIN.AD.JP. NS NS.JAIN.AD.JP.").rr("NS.JAIN.AD.JP. A 133.69.136.1");
  m3.rr("JAIN-BB.JAIN.AD.JP. A 133.69.136.3").rr("JAIN-BB.JAIN.AD.JP. A 192.41.197.2").soa(3);
  IxfrConsumer c(params(), jain());
  EXPECT_EQ(c.feed(m1.bytes()).state, IxfrState::kNeedMore);
  EXPECT_EQ(c.kind(), IxfrKind::kUnknown);
  EXPECT_EQ(c.feed(m2.bytes()).state, IxfrState::kNeedMore);
  EXPECT_EQ(c.kind(), IxfrKind::kFull);
  ASSERT_EQ(c.feed(m3.bytes()).state, IxfrState::kDone) << c.status().reason;
  IxfrResult r = c.take();
  ASSERT_NE(r.load.zone, nullptr);
  EXPECT_EQ(dump(*r.load.zone), dump(*load(kJain3)));
}

TEST(IxfrIn, AxfrStyleThatDoesNotCheckFails) {
  Msg m;
  m.soa(3).rr("NS.JAIN.AD.JP. A 133.69.136.1").soa(3);  // no NS at the apex
  IxfrConsumer c(params(), jain());
  expect_failed(c, c.feed(m.bytes()), "does not check", false);
  expect_no_zone(c);
  Msg m2;
  m2.soa(3).rr("NS.JAIN.AD.JP. A 133.69.136.1").soa(4);
  IxfrConsumer c2(params(), jain());
  expect_failed(c2, c2.feed(m2.bytes()), "SOA serial changed during the transfer: 3 then 4", false);
  // SOA(new), SOA(new): the AXFR style with an empty zone.
  Msg m3;
  m3.soa(3).soa(3);
  IxfrConsumer c3(params(), jain());
  expect_failed(c3, c3.feed(m3.bytes()), "no NS records at the zone apex", false);
  EXPECT_EQ(c3.kind(), IxfrKind::kFull);
}

// Steps split at every awkward place: after the first SOA, between a step's
// SOA(old) and its deletions, between its deletions and SOA(new).
TEST(IxfrIn, IncrementalOverMessages) {
  Msg m1, m2(kId, false), m3(kId, false), m4(kId, false);
  m1.soa(3);
  m2.soa(1);
  m3.rr("NEZU.JAIN.AD.JP. A 133.69.136.5");
  m4.soa(3)
      .rr("JAIN-BB.JAIN.AD.JP. A 133.69.136.3")
      .rr("JAIN-BB.JAIN.AD.JP. A 192.41.197.2")
      .soa(3);
  IxfrConsumer c(params(), jain());
  EXPECT_EQ(c.feed(m1.bytes()).state, IxfrState::kNeedMore);
  EXPECT_EQ(c.feed(m2.bytes()).state, IxfrState::kNeedMore);
  EXPECT_EQ(c.kind(), IxfrKind::kIncremental);
  EXPECT_EQ(c.feed(m3.bytes()).state, IxfrState::kNeedMore);
  ASSERT_EQ(c.feed(m4.bytes()).state, IxfrState::kDone) << c.status().reason;
  EXPECT_EQ(c.stats().messages, 4u);
  IxfrResult r = c.take();
  ASSERT_NE(r.load.zone, nullptr);
  EXPECT_EQ(dump(*r.load.zone), dump(*load(kJain3)));
}

// RFC 1995 4: a single SOA not newer than ours.
TEST(IxfrIn, UpToDate) {
  for (uint32_t theirs : {1u, 0u}) {  // equal, older
    Msg m;
    m.soa(theirs);
    IxfrConsumer c(params(), jain(1));
    ASSERT_EQ(c.feed(m.bytes()).state, IxfrState::kDone) << c.status().reason;
    EXPECT_EQ(c.kind(), IxfrKind::kUpToDate);
    IxfrResult r = c.take();
    EXPECT_EQ(r.kind, IxfrKind::kUpToDate);
    EXPECT_EQ(r.load.zone, nullptr);
    EXPECT_TRUE(r.load.errors.empty());
    EXPECT_EQ(r.stats.serial, theirs);
  }
  // A message after the answer ended fails.
  Msg m, late(kId, false);
  m.soa(1);
  late.soa(1);
  IxfrConsumer c(params(), jain(1));
  EXPECT_EQ(c.feed(m.bytes()).state, IxfrState::kDone);
  expect_failed(c, c.feed(late.bytes()), "message 2 after the end of the transfer", false);
}

// RFC 1982: "newer" wraps around 2^32.
TEST(IxfrIn, SerialWrapAround) {
  {
    // Ours 4294967295, theirs 1: newer. Steps 4294967295 -> 0 -> 1.
    Msg m;
    m.soa(1)
        .soa(4294967295u)
        .rr("NEZU.JAIN.AD.JP. A 133.69.136.5")
        .soa(0)
        .rr("NEZU.JAIN.AD.JP. A 133.69.136.6")
        .soa(0)
        .soa(1)
        .rr("JAIN-BB.JAIN.AD.JP. A 133.69.136.3")
        .soa(1);
    IxfrConsumer c(params(), jain(4294967295u));
    ASSERT_EQ(c.feed(m.bytes()).state, IxfrState::kDone) << c.status().reason;
    IxfrResult r = c.take();
    ASSERT_NE(r.load.zone, nullptr);
    EXPECT_EQ(r.load.zone->serial(), 1u);
    EXPECT_EQ(r.diffs.size(), 2u);
    EXPECT_EQ(r.load.zone->record_count(), 5u);
  }
  {
    // Ours 1, theirs 4294967295: older, so up to date.
    Msg m;
    m.soa(4294967295u);
    IxfrConsumer c(params(), jain(1));
    EXPECT_EQ(c.feed(m.bytes()).state, IxfrState::kDone);
    EXPECT_EQ(c.kind(), IxfrKind::kUpToDate);
  }
  {
    // Exactly 2^31 apart: undefined (RFC 1982 3.2), not newer.
    Msg m;
    m.soa(1u + 0x80000000u);
    IxfrConsumer c(params(), jain(1));
    EXPECT_EQ(c.feed(m.bytes()).state, IxfrState::kDone);
    EXPECT_EQ(c.kind(), IxfrKind::kUpToDate);
  }
}

TEST(IxfrIn, ErrorRcodesAskForFallback) {
  for (uint16_t rc : {dns::rcode::kNotImp, dns::rcode::kRefused, dns::rcode::kServFail,
                      dns::rcode::kNotAuth, dns::rcode::kFormErr}) {
    IxfrConsumer c(params(), jain());
    expect_failed(c, c.feed(Msg(kId, true, rc).bytes()),
                  "primary answered " + dns::rcode_to_text(rc), true);
    expect_no_zone(c);
  }
  {
    IxfrConsumer c(params(), jain());
    expect_failed(c, c.feed(Msg(kId, true, dns::rcode::kNXDomain).bytes()),
                  "primary answered NXDOMAIN", false);
  }
  {
    // An error in the middle of an answer is not "no IXFR here".
    Msg m1;
    m1.soa(3).soa(1);
    IxfrConsumer c(params(), jain());
    EXPECT_EQ(c.feed(m1.bytes()).state, IxfrState::kNeedMore);
    expect_failed(c, c.feed(Msg(kId, false, dns::rcode::kServFail).bytes()),
                  "primary answered SERVFAIL", false);
  }
}

TEST(IxfrIn, TruncatedAnswerAsksForFallback) {
  Msg m;
  m.soa(3).tc();
  IxfrConsumer c(params(), jain());
  expect_failed(c, c.feed(m.bytes()), "truncated (TC set)", true);
  expect_no_zone(c);
}

TEST(IxfrIn, DeletingAnAbsentRecordFails) {
  Msg m;
  m.soa(2).soa(1).rr("NEZU.JAIN.AD.JP. A 133.69.136.9").soa(2).soa(2);
  IxfrConsumer c(params(), jain());
  IxfrStatus st = c.feed(m.bytes());
  expect_failed(c, st, "IXFR does not apply to serial 1", true);
  EXPECT_NE(st.reason.find("cannot delete nezu.jain.ad.jp. A 133.69.136.9: not in the zone"),
            std::string::npos)
      << st.reason;
  IxfrResult r = c.take();
  EXPECT_EQ(r.load.zone, nullptr);
  ASSERT_FALSE(r.load.errors.empty());
  EXPECT_EQ(r.load.errors[0].file, "IXFR from 192.0.2.53#53");
}

TEST(IxfrIn, AddingAPresentRecordFails) {
  Msg m;
  m.soa(2).soa(1).soa(2).rr("ns.jain.ad.jp. A 133.69.136.1").soa(2);
  IxfrConsumer c(params(), jain());
  expect_failed(c, c.feed(m.bytes()), "cannot add ns.jain.ad.jp. A 133.69.136.1", true);
}

TEST(IxfrIn, BrokenSerialChains) {
  struct Case {
    const char* what;
    std::vector<uint32_t> soas;  // the SOA serials of the answer, no other records
    const char* reason;
  };
  const Case cases[] = {
      {"starts elsewhere", {3, 2, 3, 3}, "incremental answer starts at serial 2, ours is 1"},
      {"gap",
       {5, 1, 2, 3, 4, 5, 5},
       "IXFR serial chain broken: step 1 ends at serial 2, step 2 "
       "starts at 3"},
      {"does not advance", {5, 1, 1}, "IXFR step 1 goes from serial 1 to 1, which is not newer"},
      {"goes backwards", {5, 1, 4, 4, 3}, "IXFR step 2 goes from serial 4 to 3"},
      {"past the end", {3, 1, 4}, "IXFR step 1 goes to serial 4, past the answer's 3"},
      {"does not end",
       {3, 1, 3, 1},
       "IXFR steps reached serial 3 but the answer does not end "
       "there (next SOA has serial 1)"},
  };
  for (const Case& k : cases) {
    Msg m;
    for (uint32_t s : k.soas) m.soa(s);
    IxfrConsumer c(params(), jain());
    expect_failed(c, c.feed(m.bytes()), k.reason, true);
    expect_no_zone(c);
  }
}

TEST(IxfrIn, EndOfStreamBeforeTheClosingSoa) {
  Msg m;
  m.soa(3).soa(1).rr("NEZU.JAIN.AD.JP. A 133.69.136.5").soa(3);
  IxfrConsumer c(params(), jain());
  EXPECT_EQ(c.feed(m.bytes()).state, IxfrState::kNeedMore);
  IxfrResult unfinished = c.take();
  EXPECT_EQ(unfinished.load.zone, nullptr);
  ASSERT_EQ(unfinished.load.errors.size(), 1u);
  EXPECT_EQ(unfinished.load.errors[0].message, "transfer not complete");
  expect_failed(c, c.end_of_stream(), "answer ended before the closing SOA (serial 3)", true);
}

TEST(IxfrIn, HeaderChecks) {
  {
    Msg m(kId + 1);
    m.soa(3);
    IxfrConsumer c(params(), jain());
    expect_failed(c, c.feed(m.bytes()), "has ID 6550, expected 6549", false);
  }
  {
    Msg m(kId, true, 0, "jain.ad.jp.", dns::rrtype::kAXFR);
    m.soa(3);
    IxfrConsumer c(params(), jain());
    expect_failed(c, c.feed(m.bytes()), "answers jain.ad.jp. AXFR IN, expected jain.ad.jp. IXFR IN",
                  false);
  }
  {
    IxfrConsumer c(params(), jain());
    expect_failed(c, c.feed(Msg().bytes()), "first message has no answer records", false);
  }
  {
    Msg m;
    m.rr("NS.JAIN.AD.JP. A 133.69.136.1");
    IxfrConsumer c(params(), jain());
    expect_failed(c, c.feed(m.bytes()), "first record is not the SOA of jain.ad.jp.", false);
  }
  {
    Msg m;
    m.soa(3).soa(1).rr("www.example.com. A 10.0.0.1");
    IxfrConsumer c(params(), jain());
    expect_failed(c, c.feed(m.bytes()), "record outside the zone: www.example.com.", true);
  }
  {
    Msg m;
    m.soa(3).soa(1).soa(3).soa(3).rr("NS.JAIN.AD.JP. A 133.69.136.7");
    IxfrConsumer c(params(), jain());
    expect_failed(c, c.feed(m.bytes()), "record after the closing SOA", false);
  }
}

TEST(IxfrIn, LimitsAreEnforced) {
  Msg m;
  jain_incremental(m);
  IxfrParams p = params();
  p.limits.max_records = 10;
  IxfrConsumer c(p, jain());
  expect_failed(c, c.feed(m.bytes()), "limit of 10 records", false);
  p = params();
  p.limits.max_bytes = m.bytes().size() - 1;
  IxfrConsumer c2(p, jain());
  expect_failed(c2, c2.feed(m.bytes()), "octets", false);
}

TEST(IxfrIn, NoBaseZone) {
  Msg m;
  m.soa(3);
  IxfrConsumer c(params(), nullptr);
  expect_failed(c, c.feed(m.bytes()), "no zone to apply an IXFR to", true);
}

// --- the request (RFC 1995 3) ---

TEST(IxfrIn, MakeQuery) {
  auto z = jain(7);
  const std::vector<uint8_t> q = make_ixfr_query(*z, 0xBEEF);
  ASSERT_GE(q.size(), 12u);
  EXPECT_EQ(dns::load_u16(q.data()), 0xBEEF);
  EXPECT_EQ(dns::load_u16(q.data() + 2), 0);  // query, opcode QUERY, no RD
  EXPECT_EQ(dns::load_u16(q.data() + 4), 1);
  EXPECT_EQ(dns::load_u16(q.data() + 6), 0);
  EXPECT_EQ(dns::load_u16(q.data() + 8), 1);
  EXPECT_EQ(dns::load_u16(q.data() + 10), 0);
  size_t pos = 12;
  uint8_t qname[dns::kMaxNameWire];
  ASSERT_TRUE(dns::read_name(q.data(), q.size(), pos, qname).has_value());
  EXPECT_TRUE(dns::wire_name_equal(qname, name("jain.ad.jp.").data()));
  EXPECT_EQ(dns::load_u16(q.data() + pos), dns::rrtype::kIXFR);
  EXPECT_EQ(dns::load_u16(q.data() + pos + 2), dns::rrclass::kIN);
  pos += 4;
  uint8_t owner[dns::kMaxNameWire];
  ASSERT_TRUE(dns::read_name(q.data(), q.size(), pos, owner).has_value());
  EXPECT_TRUE(dns::wire_name_equal(owner, name("jain.ad.jp.").data()));
  ASSERT_EQ(q.size() - pos, 10u + dns::load_u16(q.data() + pos + 8));
  EXPECT_EQ(dns::load_u16(q.data() + pos), dns::rrtype::kSOA);
  EXPECT_EQ(dns::load_u16(q.data() + pos + 2), dns::rrclass::kIN);
  EXPECT_EQ(dns::load_u32(q.data() + pos + 4), 600u);
  std::vector<uint8_t> rdata;
  ASSERT_TRUE(dns::rdata_from_wire(dns::rrtype::kSOA, q.data(), q.size(), pos + 10,
                                   dns::load_u16(q.data() + pos + 8), rdata)
                  .has_value());
  EXPECT_EQ(zone::soa_rdata_serial(rdata), 7u);
  EXPECT_EQ(dns::rdata_to_text(dns::rrtype::kSOA, rdata),
            "NS.JAIN.AD.JP. mohta.jain.ad.jp. 7 600 600 3600000 604800");
}

// --- TSIG (RFC 8945 5.3.1) ---

class IxfrInTsig : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *dns::make_tsig_key(name("xfr-key."), "hmac-sha256", std::vector<uint8_t>(32, 0x5A));
    base_ = jain();
    std::vector<uint8_t> buf = make_ixfr_query(*base_, kId);
    const size_t size = buf.size();
    buf.resize(size + 256);
    dns::TsigSignParams sp;
    sp.time_signed = kNow;
    auto n = dns::tsig_sign(buf.data(), size, buf.size(), key_, sp, {}, &request_mac_);
    ASSERT_TRUE(n.has_value());
    request_.assign(buf.begin(), buf.begin() + static_cast<long>(*n));
    m1_.soa(3).soa(1);
    m2_.rr("NEZU.JAIN.AD.JP. A 133.69.136.5").soa(3);
    m3_.rr("JAIN-BB.JAIN.AD.JP. A 133.69.136.3").rr("JAIN-BB.JAIN.AD.JP. A 192.41.197.2").soa(3);
  }

  IxfrParams tsig_params() {
    IxfrParams p = params();
    p.key = &key_;
    p.request_mac = request_mac_.span();
    return p;
  }

  std::vector<std::vector<uint8_t>> stream(std::vector<bool> sign) {
    dns::TsigStreamSigner signer(key_, request_mac_.span());
    std::vector<std::vector<uint8_t>> out;
    const Msg* msgs[] = {&m1_, &m2_, &m3_};
    for (size_t i = 0; i < 3; ++i) {
      std::vector<uint8_t> b = msgs[i]->bytes();
      if (sign[i]) {
        const size_t size = b.size();
        b.resize(size + 256);
        auto n = signer.sign(b.data(), size, b.size(), kNow);
        EXPECT_TRUE(n.has_value());
        b.resize(n.value_or(size));
      } else {
        signer.add_unsigned(b);
      }
      out.push_back(std::move(b));
    }
    return out;
  }

  dns::TsigKey key_;
  dns::TsigMac request_mac_;
  std::vector<uint8_t> request_;
  std::shared_ptr<const zone::Zone> base_;
  Msg m1_, m2_{kId, false}, m3_{kId, false};
};

TEST_F(IxfrInTsig, SignedStreamIsAccepted) {
  for (auto sign : {std::vector<bool>{true, true, true}, std::vector<bool>{true, false, true}}) {
    auto msgs = stream(sign);
    IxfrConsumer c(tsig_params(), base_);
    EXPECT_EQ(c.feed(msgs[0]).state, IxfrState::kNeedMore);
    EXPECT_EQ(c.feed(msgs[1]).state, IxfrState::kNeedMore);
    ASSERT_EQ(c.feed(msgs[2]).state, IxfrState::kDone) << c.status().reason;
    IxfrResult r = c.take();
    ASSERT_NE(r.load.zone, nullptr);
    EXPECT_EQ(dump(*r.load.zone), dump(*load(kJain3)));
  }
}

TEST_F(IxfrInTsig, FlippedByteFailsWithoutFallback) {
  auto msgs = stream({true, true, true});
  msgs[1][14] ^= 0x01;  // inside the owner of the first record of message 2
  IxfrConsumer c(tsig_params(), base_);
  EXPECT_EQ(c.feed(msgs[0]).state, IxfrState::kNeedMore);
  expect_failed(c, c.feed(msgs[1]), "TSIG: BADSIG on message 2", false);
  expect_no_zone(c);
}

TEST_F(IxfrInTsig, UnsignedEndFailsWithoutFallback) {
  auto msgs = stream({true, true, false});
  IxfrConsumer c(tsig_params(), base_);
  c.feed(msgs[0]);
  c.feed(msgs[1]);
  expect_failed(c, c.feed(msgs[2]), "TSIG: the last message is not signed", false);
  IxfrConsumer c2(tsig_params(), base_);
  auto unsigned_first = stream({false, true, true});
  expect_failed(c2, c2.feed(unsigned_first[0]), "TSIG: message 1 is not signed", false);
}

// A signed up-to-date answer (one message, one SOA).
TEST_F(IxfrInTsig, SignedUpToDate) {
  Msg m;
  m.soa(1);
  std::vector<uint8_t> b = m.bytes();
  const size_t size = b.size();
  b.resize(size + 256);
  dns::TsigStreamSigner signer(key_, request_mac_.span());
  b.resize(signer.sign(b.data(), size, b.size(), kNow).value());
  IxfrConsumer c(tsig_params(), base_);
  ASSERT_EQ(c.feed(b).state, IxfrState::kDone) << c.status().reason;
  EXPECT_EQ(c.kind(), IxfrKind::kUpToDate);
}

// RFC 8945 5.3.2: the primary did not accept our key; its NOTAUTH carries a
// TSIG error, and AXFR with the same key would fail the same way.
TEST_F(IxfrInTsig, TsigErrorAnswerDoesNotFallBack) {
  dns::TsigKey other = key_;
  other.secret.assign(32, 0x11);
  dns::TsigVerifyResult v = dns::tsig_verify(request_, {&other, 1}, kNow, {});
  ASSERT_EQ(v.status, dns::TsigStatus::kBadSig);
  Msg m(kId, true, dns::rcode::kNotAuth);
  std::vector<uint8_t> b = m.bytes();
  const size_t size = b.size();
  b.resize(size + 256);
  b.resize(dns::tsig_append_error(b.data(), size, b.size(), v, kNow).value());
  IxfrConsumer c(tsig_params(), base_);
  expect_failed(c, c.feed(b), "primary answered NOTAUTH (TSIG error BADSIG)", false);
  // Without the TSIG error, NOTAUTH means "not for this zone / no IXFR".
  IxfrConsumer c2(tsig_params(), base_);
  expect_failed(c2, c2.feed(Msg(kId, true, dns::rcode::kNotAuth).bytes()),
                "primary answered NOTAUTH", true);
}

}  // namespace
}  // namespace tandem::xfr
