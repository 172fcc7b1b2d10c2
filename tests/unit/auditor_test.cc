#include "audit/auditor.h"

#include <gtest/gtest.h>

#include "fake_dns_server.h"

namespace tandem::audit {
namespace {

using namespace testing;  // NOLINT: the fake internet's record helpers
using ::testing::Test;

// Everything but rtt_ms, for comparing runs.
std::string dump(const DomainObservation& o) {
  std::string s = o.domain.to_text() + " line=" + std::to_string(o.line) +
                  " rank=" + (o.rank ? std::to_string(*o.rank) : "-") +
                  (o.status == DomainObservation::Status::kResolved
                       ? " resolved"
                       : " unresolvable(" + o.unresolvable_reason + ")");
  s += " parent=";
  for (const auto& n : o.parent_ns) s += n.to_text() + ",";
  s += " child=";
  for (const auto& n : o.child_ns) s += n.to_text() + ",";
  for (const auto& ns : o.nameservers) {
    s += "\n  " + ns.name.to_text() + (ns.in_parent ? " P" : "") + (ns.in_child ? " C" : "") +
         (ns.is_cname ? " cname" : "") +
         (ns.resolve_error.empty() ? "" : " err=" + ns.resolve_error);
    for (const auto& p : ns.addresses) {
      s += "\n    " + p.address.to_string() +
           " reply=" + std::to_string(static_cast<int>(p.reply)) +
           " rcode=" + std::to_string(p.rcode) + (p.authoritative ? " aa" : "") +
           " serial=" + (p.serial ? std::to_string(*p.serial) : "-") +
           " mname=" + (p.mname ? p.mname->to_text() : "-") +
           " expire=" + (p.expire ? std::to_string(*p.expire) : "-") +
           (p.ns_answered ? " ns=" : " ns-");
      for (const auto& n : p.ns_names) s += n.to_text() + ",";
      s += std::string(" axfr=") + (p.axfr_open ? (*p.axfr_open ? "open" : "closed") : "-");
      s += " detail=" + p.detail;
    }
  }
  return s;
}

class AuditorTest : public Test {
 protected:
  AuditorTest() : net_({"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}) {
    net_.add_zone(
        "127.0.0.1",
        FakeZone{N("."),
                 {rr_soa(".", "a.root.", 1), rr_ns(".", "a.root."), rr_a("a.root.", "127.0.0.1"),
                  rr_ns("test.", "ns.tld.test."), rr_a("ns.tld.test.", "127.0.0.2")}});
    FakeZone tld{N("test."),
                 {rr_soa("test.", "ns.tld.test.", 1), rr_ns("test.", "ns.tld.test."),
                  rr_a("ns.tld.test.", "127.0.0.2"), rr_ns("prov-a.test.", "ns1.prov-a.test."),
                  rr_a("ns1.prov-a.test.", "127.0.0.3"), rr_ns("prov-b.test.", "ns.prov-b.test."),
                  rr_a("ns.prov-b.test.", "127.0.0.4"), rr_ns("two.test.", "ns1.prov-a.test."),
                  rr_ns("two.test.", "ns.prov-b.test."), rr_ns("stale.test.", "ns1.prov-a.test."),
                  rr_ns("stale.test.", "ns.prov-b.test."), rr_ns("lame.test.", "ns1.prov-a.test."),
                  rr_ns("lame.test.", "ns.dead.test."), rr_ns("dead.test.", "ns.dead.test."),
                  rr_a("ns.dead.test.", "127.0.0.9"), rr_ns("cname.test.", "alias.prov-a.test."),
                  rr_ns("loop.test.", "ns.a-loop.test."), rr_ns("a-loop.test.", "ns.b-loop.test."),
                  rr_ns("b-loop.test.", "ns.a-loop.test.")}};
    FakeZone prov_a{
        N("prov-a.test."),
        {rr_soa("prov-a.test.", "ns1.prov-a.test.", 1), rr_ns("prov-a.test.", "ns1.prov-a.test."),
         rr_a("ns1.prov-a.test.", "127.0.0.3"), rr_a("ns3.prov-a.test.", "127.0.0.5"),
         rr_cname("alias.prov-a.test.", "ns1.prov-a.test.")}};
    FakeZone prov_b{
        N("prov-b.test."),
        {rr_soa("prov-b.test.", "ns.prov-b.test.", 1), rr_ns("prov-b.test.", "ns.prov-b.test."),
         rr_a("ns.prov-b.test.", "127.0.0.4")}};
    FakeZone two{
        N("two.test."),
        {rr_soa("two.test.", "ns1.prov-a.test.", 10, 86400), rr_ns("two.test.", "ns1.prov-a.test."),
         rr_ns("two.test.", "ns.prov-b.test."), rr_ns("two.test.", "ns3.prov-a.test.")}};
    auto simple = [](const std::string& apex, const std::string& ns, uint32_t serial,
                     const std::string& mname) {
      return FakeZone{N(apex), {rr_soa(apex, mname, serial), rr_ns(apex, ns)}};
    };
    net_.add_zone("127.0.0.3", prov_a);
    net_.add_zone("127.0.0.3", two);
    net_.add_zone("127.0.0.3", simple("stale.test.", "ns1.prov-a.test.", 5, "ns1.prov-a.test."));
    net_.add_zone("127.0.0.3", simple("lame.test.", "ns1.prov-a.test.", 1, "ns1.prov-a.test."));
    net_.add_zone("127.0.0.3", simple("cname.test.", "alias.prov-a.test.", 1, "ns1.prov-a.test."));
    net_.add_zone("127.0.0.4", prov_b);
    net_.add_zone("127.0.0.4", two);
    net_.add_zone("127.0.0.4", simple("stale.test.", "ns.prov-b.test.", 4, "ns1.prov-a.test."));
    net_.add_zone("127.0.0.5", two);
    net_.set_behaviour("127.0.0.4", Behaviour{.allow_axfr = true});
    // A population on both providers, for concurrency.
    for (int i = 0; i < 200; ++i) {
      std::string apex = "d" + std::to_string(i) + ".test.";
      tld.records.push_back(rr_ns(apex, "ns1.prov-a.test."));
      tld.records.push_back(rr_ns(apex, "ns.prov-b.test."));
      FakeZone z{N(apex),
                 {rr_soa(apex, "ns1.prov-a.test.", 100 + i), rr_ns(apex, "ns1.prov-a.test."),
                  rr_ns(apex, "ns.prov-b.test.")}};
      net_.add_zone("127.0.0.3", z);
      net_.add_zone("127.0.0.4", z);
    }
    net_.add_zone("127.0.0.2", tld);
    net_.start();
  }

  AuditorOptions options(bool axfr = false) {
    AuditorOptions o;
    o.engine.timeout_ms = 100;
    o.engine.retries = 1;
    o.engine.port_override = net_.port();
    o.check_axfr = axfr;
    o.concurrency = 40;
    auto hints = parse_root_hints(". NS a.root.\na.root. A 127.0.0.1\n", "hints");
    o.root_hints = *hints;
    return o;
  }

  static std::vector<DomainInput> inputs(const std::vector<std::string>& names) {
    std::vector<DomainInput> v;
    for (size_t i = 0; i < names.size(); ++i) {
      v.push_back(DomainInput{names[i], N(names[i]).lowered(), static_cast<long>(i + 1), i + 1});
    }
    return v;
  }

  FakeNet net_;
};

TEST_F(AuditorTest, ObservesEachKindOfDomain) {
  Auditor auditor(options(true));
  size_t last_done = 0, calls = 0;
  auto obs = auditor.audit(
      inputs({"Two.test", "stale.test", "lame.test", "nx.test", "loop.test", "cname.test"}),
      [&](size_t done, size_t total) {
        EXPECT_EQ(total, 6u);
        EXPECT_EQ(done, last_done + 1);
        last_done = done;
        ++calls;
      });
  ASSERT_EQ(obs.size(), 6u);
  EXPECT_EQ(calls, 6u);

  const DomainObservation& two = obs[0];
  EXPECT_EQ(two.input, "Two.test");
  EXPECT_EQ(two.domain, N("two.test."));
  EXPECT_EQ(two.rank, 1);
  EXPECT_EQ(two.status, DomainObservation::Status::kResolved);
  // Canonical order (RFC 4034 6.1) compares the rightmost labels first.
  EXPECT_EQ(dump(two),
            "two.test. line=1 rank=1 resolved parent=ns1.prov-a.test.,ns.prov-b.test., "
            "child=ns1.prov-a.test.,ns3.prov-a.test.,ns.prov-b.test.,"
            "\n  ns1.prov-a.test. P C"
            "\n    127.0.0.3@53 reply=0 rcode=0 aa serial=10 mname=ns1.prov-a.test. expire=86400 "
            "ns=ns1.prov-a.test.,ns3.prov-a.test.,ns.prov-b.test., axfr=closed detail="
            "\n  ns3.prov-a.test. C"
            "\n    127.0.0.5@53 reply=0 rcode=0 aa serial=10 mname=ns1.prov-a.test. expire=86400 "
            "ns=ns1.prov-a.test.,ns3.prov-a.test.,ns.prov-b.test., axfr=closed detail="
            "\n  ns.prov-b.test. P C"
            "\n    127.0.0.4@53 reply=0 rcode=0 aa serial=10 mname=ns1.prov-a.test. expire=86400 "
            "ns=ns1.prov-a.test.,ns3.prov-a.test.,ns.prov-b.test., axfr=open detail=");

  const DomainObservation& stale = obs[1];
  EXPECT_EQ(stale.status, DomainObservation::Status::kResolved);
  ASSERT_EQ(stale.nameservers.size(), 2u);
  EXPECT_EQ(stale.nameservers[0].name, N("ns1.prov-a.test."));
  EXPECT_EQ(*stale.nameservers[0].addresses[0].serial, 5u);
  EXPECT_EQ(*stale.nameservers[1].addresses[0].serial, 4u);
  // Each server lists only itself: the child's NS set is the union.
  EXPECT_EQ(stale.child_ns.size(), 2u);

  const DomainObservation& lame = obs[2];
  EXPECT_EQ(lame.status, DomainObservation::Status::kResolved);
  ASSERT_EQ(lame.nameservers.size(), 2u);
  EXPECT_EQ(lame.nameservers[0].name, N("ns.dead.test."));
  ASSERT_EQ(lame.nameservers[0].addresses.size(), 1u);
  EXPECT_EQ(lame.nameservers[0].addresses[0].reply, AddressProbe::Reply::kNoListener);
  EXPECT_EQ(lame.nameservers[0].addresses[0].detail, "connection refused by 127.0.0.9@53");
  EXPECT_FALSE(lame.nameservers[0].in_child);

  EXPECT_EQ(dump(obs[3]), "nx.test. line=4 rank=4 unresolvable(NXDOMAIN) parent= child=");
  EXPECT_EQ(obs[4].status, DomainObservation::Status::kUnresolvable);
  EXPECT_EQ(obs[4].unresolvable_reason, "delegation loop");
  ASSERT_EQ(obs[4].nameservers.size(), 1u);
  EXPECT_EQ(obs[4].nameservers[0].resolve_error, "delegation loop");

  const DomainObservation& cname = obs[5];
  EXPECT_EQ(cname.status, DomainObservation::Status::kResolved);
  ASSERT_EQ(cname.nameservers.size(), 1u);
  EXPECT_TRUE(cname.nameservers[0].is_cname);
  EXPECT_EQ(cname.nameservers[0].addresses.size(), 1u);
}

TEST_F(AuditorTest, ManyDomainsSameResultTwice) {
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) names.push_back("d" + std::to_string(i) + ".test");
  names.push_back("lame.test");
  names.push_back("loop.test");
  std::vector<std::string> first, second;
  {
    Auditor auditor(options());
    for (const auto& o : auditor.audit(inputs(names))) first.push_back(dump(o));
  }
  {
    auto o2 = options();
    o2.concurrency = 7;
    Auditor auditor(o2);
    for (const auto& o : auditor.audit(inputs(names))) second.push_back(dump(o));
  }
  ASSERT_EQ(first.size(), names.size());
  EXPECT_EQ(first, second);
  for (int i = 0; i < 200; ++i) {
    EXPECT_NE(first[i].find(" resolved "), std::string::npos) << first[i];
    EXPECT_NE(first[i].find("serial=" + std::to_string(100 + i)), std::string::npos);
  }
}

}  // namespace
}  // namespace tandem::audit
