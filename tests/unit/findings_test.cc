#include "audit/findings.h"

#include <gtest/gtest.h>

namespace tandem::audit {
namespace {

dns::Name N(const char* text) {
  auto n = dns::Name::parse_absolute(text);
  EXPECT_TRUE(n.has_value()) << text;
  return n ? *n : dns::Name();
}

net::SocketAddress A(const char* text) {
  auto a = net::SocketAddress::parse(text, 53);
  EXPECT_TRUE(a.has_value()) << text;
  return a ? *a : net::SocketAddress();
}

// A healthy authoritative answer.
AddressProbe good(const char* address, uint32_t serial = 2024010101,
                  const char* mname = "ns1.provider-a.example.") {
  AddressProbe p;
  p.address = A(address);
  p.reply = AddressProbe::Reply::kAnswer;
  p.rcode = 0;
  p.authoritative = true;
  p.serial = serial;
  p.mname = N(mname);
  p.expire = 1209600;
  p.ns_answered = true;
  p.rtt_ms = 1.25;
  return p;
}

NameserverObservation ns(const char* name, std::vector<AddressProbe> probes) {
  NameserverObservation n;
  n.name = N(name);
  n.in_parent = n.in_child = true;
  n.addresses = std::move(probes);
  return n;
}

// A clean domain: two nameservers on two providers in two networks, all
// answering the same SOA, parent and child agreeing.
DomainObservation clean() {
  DomainObservation d;
  d.input = "example.com";
  d.domain = N("example.com.");
  d.status = DomainObservation::Status::kResolved;
  d.parent_ns = {N("ns1.provider-a.example."), N("ns2.provider-b.example.")};
  d.child_ns = d.parent_ns;
  d.nameservers.push_back(
      ns("ns1.provider-a.example.", {good("192.0.2.1"), good("2001:db8:1::1")}));
  d.nameservers.push_back(ns("ns2.provider-b.example.", {good("198.51.100.1")}));
  return d;
}

const std::vector<std::string> kTwoProviders = {"provider-a.example", "provider-b.example"};

std::vector<FindingCode> codes(const std::vector<Finding>& f) {
  std::vector<FindingCode> out;
  for (const auto& x : f) out.push_back(x.code);
  return out;
}

TEST(Findings, CodeStrings) {
  EXPECT_STREQ(finding_code_text(FindingCode::kSingleProvider), "single-provider");
  EXPECT_STREQ(finding_code_text(FindingCode::kSingleNameserver), "single-nameserver");
  EXPECT_STREQ(finding_code_text(FindingCode::kSingleNetwork), "single-network");
  EXPECT_STREQ(finding_code_text(FindingCode::kLameDelegation), "lame-delegation");
  EXPECT_STREQ(finding_code_text(FindingCode::kSerialMismatch), "serial-mismatch");
  EXPECT_STREQ(finding_code_text(FindingCode::kNsMismatch), "ns-mismatch");
  EXPECT_STREQ(finding_code_text(FindingCode::kAxfrOpen), "axfr-open");
  EXPECT_STREQ(finding_code_text(FindingCode::kUnresolvable), "unresolvable");
  EXPECT_STREQ(finding_code_text(FindingCode::kShortExpire), "short-expire");
}

TEST(Findings, CleanDomainHasNone) {
  auto f = analyze(clean(), kTwoProviders, {});
  EXPECT_TRUE(f.empty()) << f.front().detail;
}

TEST(Findings, Unresolvable) {
  DomainObservation d = clean();
  d.status = DomainObservation::Status::kUnresolvable;
  d.unresolvable_reason = "NXDOMAIN";
  d.nameservers[0].addresses[0].reply = AddressProbe::Reply::kTimeout;  // no other finding
  auto f = analyze(d, kTwoProviders, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], (Finding{FindingCode::kUnresolvable, "NXDOMAIN"}));
}

TEST(Findings, SingleNameserver) {
  DomainObservation d = clean();
  d.nameservers.pop_back();
  d.parent_ns.pop_back();
  d.child_ns.pop_back();
  auto f = analyze(d, {"provider-a.example"}, {});
  // One nameserver is also one provider; its two addresses are in two networks.
  ASSERT_EQ(codes(f), (std::vector{FindingCode::kSingleProvider, FindingCode::kSingleNameserver}));
  EXPECT_EQ(f[1].detail, "only nameserver: ns1.provider-a.example");
  EXPECT_EQ(f[0].detail, "the only nameserver is on provider-a.example");
}

TEST(Findings, SingleProvider) {
  auto f = analyze(clean(), {"Cloudflare", "Cloudflare"}, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], (Finding{FindingCode::kSingleProvider, "all 2 nameservers are on Cloudflare"}));
}

TEST(Findings, SingleNetworkIpv4) {
  DomainObservation d = clean();
  d.nameservers[0].addresses = {good("192.0.2.1")};
  d.nameservers[1].addresses = {good("192.0.2.200"), good("192.0.2.1")};  // same IP counts once
  auto f = analyze(d, kTwoProviders, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], (Finding{FindingCode::kSingleNetwork, "all 2 addresses in 192.0.2.0/24"}));
  // Another /24 is another network.
  d.nameservers[1].addresses = {good("192.0.3.1")};
  EXPECT_TRUE(analyze(d, kTwoProviders, {}).empty());
}

TEST(Findings, SingleNetworkIpv6AndMixedFamilies) {
  DomainObservation d = clean();
  d.nameservers[0].addresses = {good("2001:db8:1::53")};
  d.nameservers[1].addresses = {good("2001:db8:1:ffff::53")};
  auto f = analyze(d, kTwoProviders, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], (Finding{FindingCode::kSingleNetwork, "all 2 addresses in 2001:db8:1::/48"}));
  d.nameservers[1].addresses = {good("2001:db8:2::53")};
  EXPECT_TRUE(analyze(d, kTwoProviders, {}).empty());
  // One family each: not a single network, even if "close".
  d.nameservers[1].addresses = {good("192.0.2.1")};
  EXPECT_TRUE(analyze(d, kTwoProviders, {}).empty());
}

TEST(Findings, SingleNetworkByAsn) {
  DomainObservation d = clean();  // 192.0.2.1, 2001:db8:1::1, 198.51.100.1
  AnalysisOptions opt;
  opt.asn_lookup = [](const net::SocketAddress&) -> std::optional<uint32_t> { return 64500; };
  auto f = analyze(d, kTwoProviders, opt);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0],
            (Finding{FindingCode::kSingleNetwork,
                     "all 3 addresses in one autonomous system, AS64500 (several prefixes)"}));
  // Two ASes, or one unknown, is not single.
  opt.asn_lookup = [](const net::SocketAddress& a) -> std::optional<uint32_t> {
    return a.family() == AF_INET6 ? 64501 : 64500;
  };
  EXPECT_TRUE(analyze(d, kTwoProviders, opt).empty());
  opt.asn_lookup = [](const net::SocketAddress& a) -> std::optional<uint32_t> {
    if (a.family() == AF_INET6) return std::nullopt;
    return 64500;
  };
  EXPECT_TRUE(analyze(d, kTwoProviders, opt).empty());
}

TEST(Findings, LameDelegation) {
  DomainObservation d = clean();
  auto& a = d.nameservers[0].addresses;
  a[0].reply = AddressProbe::Reply::kTimeout;
  a[1].rcode = 5;  // REFUSED
  d.nameservers[1].addresses[0].authoritative = false;
  auto f = analyze(d, kTwoProviders, {});
  ASSERT_EQ(codes(f), (std::vector{FindingCode::kLameDelegation, FindingCode::kLameDelegation}));
  EXPECT_EQ(f[0].detail,
            "ns1.provider-a.example: 192.0.2.1 timed out, 2001:db8:1::1 answered REFUSED");
  EXPECT_EQ(f[1].detail,
            "ns2.provider-b.example: 198.51.100.1 answered without AA (not authoritative)");
}

TEST(Findings, LameDelegationOtherReasons) {
  DomainObservation d = clean();
  d.nameservers[0].addresses = {};
  d.nameservers[0].resolve_error = "NXDOMAIN for the nameserver name";
  auto probe = good("198.51.100.1");
  probe.address = *net::SocketAddress::parse("127.0.0.2@5300", 53);
  probe.reply = AddressProbe::Reply::kNoListener;
  auto probe2 = good("198.51.100.2");
  probe2.reply = AddressProbe::Reply::kMalformed;
  auto probe3 = good("198.51.100.3");
  probe3.rcode = 2;
  d.nameservers[1].addresses = {probe, probe2, probe3};
  auto f = analyze(d, kTwoProviders, {});
  ASSERT_EQ(codes(f), (std::vector{FindingCode::kLameDelegation, FindingCode::kLameDelegation}));
  EXPECT_EQ(f[0].detail, "ns1.provider-a.example: no address (NXDOMAIN for the nameserver name)");
  EXPECT_EQ(f[1].detail,
            "ns2.provider-b.example: 127.0.0.2@5300 no listener, 198.51.100.2 malformed response, "
            "198.51.100.3 answered SERVFAIL");
}

TEST(Findings, SerialMismatchLaggingSecondary) {
  DomainObservation d = clean();
  d.nameservers[1].addresses[0].serial = 2024010100;
  auto f = analyze(d, kTwoProviders, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], (Finding{FindingCode::kSerialMismatch,
                           "ns1.provider-a.example=2024010101, ns2.provider-b.example=2024010100; "
                           "same primary ns1.provider-a.example: a secondary lags"}));
}

TEST(Findings, SerialMismatchIndependentCopies) {
  DomainObservation d = clean();
  d.nameservers[1].addresses[0] = good("198.51.100.1", 7, "master.provider-b.example.");
  auto f = analyze(d, kTwoProviders, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].code, FindingCode::kSerialMismatch);
  EXPECT_EQ(f[0].detail,
            "ns1.provider-a.example=2024010101, ns2.provider-b.example=7; different primaries "
            "(master.provider-b.example, ns1.provider-a.example): independently maintained copies");
  // Non-authoritative answers do not count for serials (they are lame instead).
  d.nameservers[1].addresses[0].authoritative = false;
  EXPECT_EQ(codes(analyze(d, kTwoProviders, {})), (std::vector{FindingCode::kLameDelegation}));
}

TEST(Findings, NsMismatch) {
  DomainObservation d = clean();
  d.parent_ns = {N("ns1.provider-a.example."), N("old.provider-c.example.")};
  d.child_ns = {N("ns1.provider-a.example."), N("ns2.provider-b.example.")};
  auto f = analyze(d, kTwoProviders, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], (Finding{FindingCode::kNsMismatch,
                           "only in parent: old.provider-c.example; only in child: "
                           "ns2.provider-b.example"}));
  // Unknown child set (no NS answer): no judgement.
  for (auto& n : d.nameservers) {
    for (auto& p : n.addresses) p.ns_answered = false;
  }
  d.child_ns.clear();
  EXPECT_TRUE(analyze(d, kTwoProviders, {}).empty());
}

TEST(Findings, AxfrOpen) {
  DomainObservation d = clean();
  EXPECT_TRUE(analyze(d, kTwoProviders, {}).empty());
  for (auto& n : d.nameservers) {
    for (auto& p : n.addresses) p.axfr_open = false;  // checked and refused: fine
  }
  EXPECT_TRUE(analyze(d, kTwoProviders, {}).empty());
  d.nameservers[0].addresses[1].axfr_open = true;
  auto f = analyze(d, kTwoProviders, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], (Finding{FindingCode::kAxfrOpen,
                           "zone transfer (AXFR) allowed to anyone by ns1.provider-a.example "
                           "(2001:db8:1::1)"}));
}

TEST(Findings, ShortExpire) {
  DomainObservation d = clean();
  for (auto& n : d.nameservers) {
    for (auto& p : n.addresses) p.expire = 604800;  // exactly 7 days is fine
  }
  EXPECT_TRUE(analyze(d, kTwoProviders, {}).empty());
  d.nameservers[1].addresses[0].expire = 604799;
  auto f = analyze(d, kTwoProviders, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], (Finding{FindingCode::kShortExpire,
                           "SOA expire 604799 s from ns2.provider-b.example (under 604800 s)"}));
}

TEST(Findings, SortedInEnumOrder) {
  DomainObservation d = clean();
  d.nameservers.pop_back();
  d.parent_ns = {N("ns1.provider-a.example."), N("ns9.provider-a.example.")};
  d.child_ns = {N("ns1.provider-a.example.")};
  d.nameservers[0].addresses = {good("192.0.2.1"), good("192.0.2.2")};
  d.nameservers[0].addresses[0].expire = 3600;
  d.nameservers[0].addresses[1].axfr_open = true;
  d.nameservers[0].addresses[1].serial = 1;
  auto f = analyze(d, {"provider-a.example"}, {});
  EXPECT_EQ(codes(f), (std::vector{FindingCode::kSingleProvider, FindingCode::kSingleNameserver,
                                   FindingCode::kSingleNetwork, FindingCode::kSerialMismatch,
                                   FindingCode::kNsMismatch, FindingCode::kAxfrOpen,
                                   FindingCode::kShortExpire}));
}

TEST(Findings, TextHelpers) {
  EXPECT_EQ(name_text(N("NS1.Example.COM.")), "ns1.example.com");
  EXPECT_EQ(address_text(A("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(address_text(A("2001:db8::1@5353")), "2001:db8::1@5353");
  EXPECT_TRUE(nameserver_is_authoritative(clean().nameservers[0]));
  EXPECT_FALSE(nameserver_is_authoritative(ns("x.example.", {})));
}

}  // namespace
}  // namespace tandem::audit
