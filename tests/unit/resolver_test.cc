#include "audit/resolver.h"

#include <gtest/gtest.h>

#include "fake_dns_server.h"

namespace tandem::audit {
namespace {

using namespace testing;  // NOLINT: the fake internet's record helpers
using ::testing::Test;

std::string join(const std::vector<net::SocketAddress>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : " ") + a.to_string();
  return s;
}
std::string join(const std::vector<dns::Name>& v) {
  std::string s;
  for (const auto& n : v) s += (s.empty() ? "" : " ") + n.to_text();
  return s;
}

// root (127.0.0.1) -> test. (127.0.0.6 refuses, 127.0.0.2 works) -> zones
// on 127.0.0.3/.4 (good.test, in-bailiwick glue), 127.0.0.5 (provider.test,
// serving oob.test and cname.test through out-of-bailiwick names), a loop
// (loop.test -> ns.a-loop.test, a-loop.test -> ns.b-loop.test, b-loop.test
// -> ns.a-loop.test), and dead.test whose only server has no listener.
class ResolverTest : public Test {
 protected:
  ResolverTest()
      : net_({"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"}) {
    net_.add_zone(
        "127.0.0.1",
        FakeZone{N("."),
                 {rr_soa(".", "a.root.", 1), rr_ns(".", "a.root."), rr_a("a.root.", "127.0.0.1"),
                  rr_ns("test.", "a.tld.test."), rr_ns("test.", "ns.tld.test."),
                  rr_a("a.tld.test.", "127.0.0.6"), rr_a("ns.tld.test.", "127.0.0.2")}});
    FakeZone tld{
        N("test."),
        {rr_soa("test.", "ns.tld.test.", 1), rr_ns("test.", "ns.tld.test."),
         rr_a("ns.tld.test.", "127.0.0.2"), rr_ns("good.test.", "ns1.good.test."),
         rr_ns("good.test.", "ns2.good.test."), rr_a("ns1.good.test.", "127.0.0.3"),
         rr_a("ns2.good.test.", "127.0.0.4"), rr_ns("provider.test.", "ns.provider.test."),
         rr_a("ns.provider.test.", "127.0.0.5"), rr_ns("oob.test.", "ns.provider.test."),
         rr_ns("cname.test.", "alias.provider.test."), rr_ns("loop.test.", "ns.a-loop.test."),
         rr_ns("a-loop.test.", "ns.b-loop.test."), rr_ns("b-loop.test.", "ns.a-loop.test."),
         rr_ns("dead.test.", "ns.dead.test."), rr_a("ns.dead.test.", "127.0.0.9")}};
    net_.add_zone("127.0.0.2", tld);
    net_.add_zone("127.0.0.6", tld);
    net_.set_behaviour("127.0.0.6", Behaviour{.refuse = true});
    FakeZone good{N("good.test."),
                  {rr_soa("good.test.", "ns1.good.test.", 7), rr_ns("good.test.", "ns1.good.test."),
                   rr_ns("good.test.", "ns2.good.test."), rr_a("ns1.good.test.", "127.0.0.3"),
                   rr_a("ns2.good.test.", "127.0.0.4"), rr_a("www.good.test.", "192.0.2.1")}};
    net_.add_zone("127.0.0.3", good);
    net_.add_zone("127.0.0.4", good);
    net_.add_zone("127.0.0.5", FakeZone{N("provider.test."),
                                        {rr_soa("provider.test.", "ns.provider.test.", 1),
                                         rr_ns("provider.test.", "ns.provider.test."),
                                         rr_a("ns.provider.test.", "127.0.0.5"),
                                         rr_aaaa("ns.provider.test.", "::1"),
                                         rr_cname("alias.provider.test.", "ns.provider.test.")}});
    net_.add_zone("127.0.0.5", FakeZone{N("oob.test."),
                                        {rr_soa("oob.test.", "ns.provider.test.", 3),
                                         rr_ns("oob.test.", "ns.provider.test.")}});
    net_.start();
    EngineOptions o;
    o.timeout_ms = 150;
    o.retries = 1;
    o.port_override = net_.port();
    engine_ = std::make_unique<QueryEngine>(o);
    auto hints = parse_root_hints(". 3600000 NS a.root.\na.root. 3600000 A 127.0.0.1\n", "hints");
    EXPECT_TRUE(hints) << hints.error();
    resolver_ = std::make_unique<Resolver>(*engine_, *hints);
  }

  Delegation delegation(const std::string& name) {
    Delegation got;
    bool called = false;
    resolver_->find_delegation(N(name), [&](Delegation d) {
      got = std::move(d);
      called = true;
    });
    engine_->run();
    EXPECT_TRUE(called);
    return got;
  }
  AddressResult addresses(const std::string& name) {
    AddressResult got;
    resolver_->resolve_addresses(N(name), [&](AddressResult r) { got = std::move(r); });
    engine_->run();
    return got;
  }

  FakeNet net_;
  std::unique_ptr<QueryEngine> engine_;
  std::unique_ptr<Resolver> resolver_;
};

TEST_F(ResolverTest, FollowsReferralsToTheDelegationWithGlue) {
  Delegation d = delegation("GOOD.test.");
  ASSERT_EQ(d.status, Delegation::Status::kOk) << d.reason;
  EXPECT_EQ(d.parent, N("test."));
  EXPECT_EQ(join(d.parent_ns), "ns1.good.test. ns2.good.test.");
  ASSERT_EQ(d.glue.size(), 2u);
  EXPECT_EQ(join(d.glue[N("ns1.good.test.")]), "127.0.0.3@53");
  EXPECT_FALSE(d.from_child_answer);
  // The refusing TLD server was tried first (sorted NS order) and skipped.
  EXPECT_GE(net_.queries("127.0.0.6"), 1);
  // Cached: asking again costs no query.
  int before = net_.total_queries();
  d = delegation("good.test.");
  EXPECT_EQ(d.status, Delegation::Status::kOk);
  EXPECT_EQ(net_.total_queries(), before);
}

TEST_F(ResolverTest, NxDomainIsFinalAndCached) {
  Delegation d = delegation("missing.test.");
  EXPECT_EQ(d.status, Delegation::Status::kNxDomain);
  EXPECT_EQ(d.reason, "NXDOMAIN");
  int before = net_.total_queries();
  d = delegation("below.missing.test.");
  EXPECT_EQ(d.status, Delegation::Status::kNxDomain);
  EXPECT_EQ(net_.total_queries(), before);
}

TEST_F(ResolverTest, NameInsideAZoneIsNotADelegation) {
  Delegation d = delegation("www.good.test.");
  EXPECT_EQ(d.status, Delegation::Status::kNoAnswer);
  EXPECT_EQ(d.reason, "not a delegated zone");
}

TEST_F(ResolverTest, DeadServersGiveServFailWithReason) {
  Delegation d = delegation("sub.dead.test.");
  EXPECT_EQ(d.status, Delegation::Status::kServFail);
  EXPECT_NE(d.reason.find("no answer from the nameservers of dead.test."), std::string::npos)
      << d.reason;
  EXPECT_NE(d.reason.find("refused"), std::string::npos) << d.reason;
}

TEST_F(ResolverTest, ResolvesOutOfBailiwickNamesAAndAaaa) {
  Delegation d = delegation("oob.test.");
  ASSERT_EQ(d.status, Delegation::Status::kOk);
  EXPECT_EQ(join(d.parent_ns), "ns.provider.test.");
  // Sibling glue: the name is inside test., the zone that sent the referral.
  EXPECT_EQ(join(d.glue[N("ns.provider.test.")]), "127.0.0.5@53");
  AddressResult r = addresses("ns.provider.test.");
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(join(r.addresses), "127.0.0.5@53 ::1@53");
  EXPECT_FALSE(r.was_cname);
}

TEST_F(ResolverTest, FollowsCnameAndMarksIt) {
  AddressResult r = addresses("alias.provider.test.");
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.was_cname);
  EXPECT_EQ(join(r.addresses), "127.0.0.5@53 ::1@53");
}

TEST_F(ResolverTest, MissingNameserverName) {
  AddressResult r = addresses("nope.provider.test.");
  EXPECT_TRUE(r.addresses.empty());
  EXPECT_EQ(r.error, "NXDOMAIN");
  r = addresses("www2.nowhere.");
  EXPECT_EQ(r.error, "NXDOMAIN");  // the root's NXDOMAIN
}

TEST_F(ResolverTest, DetectsDelegationLoop) {
  Delegation d = delegation("loop.test.");
  ASSERT_EQ(d.status, Delegation::Status::kOk);
  AddressResult r = addresses("ns.a-loop.test.");
  EXPECT_TRUE(r.addresses.empty());
  EXPECT_TRUE(r.loop);
  EXPECT_EQ(r.error, "delegation loop");
  // A domain below a zone whose servers loop.
  d = delegation("x.a-loop.test.");
  EXPECT_EQ(d.status, Delegation::Status::kLoop) << d.reason;
}

TEST_F(ResolverTest, ConcurrentRequestsShareOneResolution) {
  std::vector<AddressResult> got(20);
  for (int i = 0; i < 20; ++i) {
    resolver_->resolve_addresses(N("ns.provider.test."), [&, i](AddressResult r) { got[i] = r; });
  }
  engine_->run();
  for (const auto& r : got) EXPECT_EQ(join(r.addresses), "127.0.0.5@53 ::1@53");
  EXPECT_LE(net_.queries("127.0.0.5"), 2);  // one A, one AAAA
}

TEST(RootHintsTest, ParsesTheSystemFormat) {
  const char* text =
      ";       This file holds the information on root name servers\n"
      ".                        3600000      NS    A.ROOT-SERVERS.NET.\n"
      "A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4\n"
      "A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30\n"
      ".                        3600000  IN  NS    B.ROOT-SERVERS.NET.\n"
      "B.ROOT-SERVERS.NET.      3600000      A     170.247.170.2\n"
      "; End of file\n";
  auto h = parse_root_hints(text, "root.hints");
  ASSERT_TRUE(h) << h.error();
  EXPECT_EQ(join(h->ns), "a.root-servers.net. b.root-servers.net.");
  EXPECT_EQ(join(h->addresses[N("a.root-servers.net.")]), "198.41.0.4@53 2001:503:ba3e::2:30@53");
}

TEST(RootHintsTest, Errors) {
  EXPECT_EQ(parse_root_hints("; nothing\n", "h").error(), "h: no root NS records");
  EXPECT_EQ(parse_root_hints(". NS a.root.\n", "h").error(),
            "h: no address for any root nameserver");
  EXPECT_EQ(parse_root_hints(". NS a.root.\na.root. A 300.1.1.1\n", "h").error(),
            "h:2: bad A address '300.1.1.1'");
  EXPECT_EQ(parse_root_hints("bogus\n", "h").error(),
            "h:1: expected 'OWNER [TTL] [CLASS] TYPE RDATA'");
  EXPECT_NE(load_root_hints("/nonexistent/root.hints").error().find("cannot read"),
            std::string::npos);
  if (access("/usr/share/dns/root.hints", R_OK) == 0) {
    auto h = load_root_hints("/usr/share/dns/root.hints");
    ASSERT_TRUE(h) << h.error();
    EXPECT_EQ(h->ns.size(), 13u);
  }
}

}  // namespace
}  // namespace tandem::audit
