#include "audit/providers.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace tandem::audit {
namespace {

dns::Name N(const char* text) {
  auto n = dns::Name::parse_absolute(text);
  EXPECT_TRUE(n.has_value()) << text;
  return n ? *n : dns::Name();
}

// One table for the whole file: loading the list takes a few milliseconds.
ProviderTable& table() {
  static ProviderTable t;
  return t;
}

TEST(ProviderTable, WellKnownProviders) {
  ProviderTable& t = table();
  EXPECT_EQ(t.provider_of("ada.ns.cloudflare.com"), "Cloudflare");
  EXPECT_EQ(t.provider_of(N("Bob.NS.Cloudflare.com.")), "Cloudflare");
  EXPECT_EQ(t.provider_of("ns-123.awsdns-45.com"), "Amazon Route 53");
  EXPECT_EQ(t.provider_of("ns-1.awsdns-01.net."), "Amazon Route 53");
  EXPECT_EQ(t.provider_of("ns-2.awsdns-63.org"), "Amazon Route 53");
  EXPECT_EQ(t.provider_of("ns-3.awsdns-07.co.uk"), "Amazon Route 53");
  EXPECT_EQ(t.provider_of("ns07.domaincontrol.com"), "GoDaddy");
  EXPECT_EQ(t.provider_of("dns1.p01.nsone.net"), "NS1");
  EXPECT_EQ(t.provider_of("ns0.dnsmadeeasy.com"), "DNS Made Easy");
  EXPECT_EQ(t.provider_of("pdns1.ultradns.net"), "UltraDNS");
  EXPECT_EQ(t.provider_of("pdns196.ultradns.com"), "UltraDNS");
  EXPECT_EQ(t.provider_of("pdns196.ultradns.org"), "UltraDNS");
  EXPECT_EQ(t.provider_of("pdns196.ultradns.biz"), "UltraDNS");
  EXPECT_EQ(t.provider_of("pdns196.ultradns.info"), "UltraDNS");
  EXPECT_EQ(t.provider_of("pdns196.ultradns.co.uk"), "UltraDNS");
  EXPECT_EQ(t.provider_of("a1-64.akam.net"), "Akamai");
  EXPECT_EQ(t.provider_of("ns1.p16.dynect.net"), "Dyn");
  EXPECT_EQ(t.provider_of("ns1.edgecastdns.net"), "Edgecast");
  EXPECT_EQ(t.provider_of("ns-cloud-a1.googledomains.com"), "Google Cloud DNS");
  EXPECT_EQ(t.provider_of("ns1-01.azure-dns.com"), "Azure DNS");
  EXPECT_EQ(t.provider_of("ns2-01.azure-dns.net"), "Azure DNS");
  EXPECT_EQ(t.provider_of("ns3-01.azure-dns.org"), "Azure DNS");
  EXPECT_EQ(t.provider_of("ns4-01.azure-dns.info"), "Azure DNS");
}

TEST(ProviderTable, UnknownIsRegisteredDomain) {
  ProviderTable& t = table();
  EXPECT_EQ(t.provider_of(N("ns1.example-hosting.net.")), "example-hosting.net");
  EXPECT_EQ(t.provider_of("NS.Example.CO.UK."), "example.co.uk");  // co.uk is a public suffix
  EXPECT_EQ(t.provider_of("a.b.ns.provider-one.test"), "provider-one.test");
  // Near misses of the built-in patterns are not the providers.
  EXPECT_EQ(t.provider_of("ns.cloudflare-dns.example"), "cloudflare-dns.example");
  EXPECT_EQ(t.provider_of("ns1.notnsone.net"), "notnsone.net");
  EXPECT_EQ(t.provider_of("ns1.awsdns.example.com"), "example.com");
  // A name that is itself a public suffix has no registered domain.
  EXPECT_EQ(t.provider_of("co.uk."), "co.uk");
  EXPECT_EQ(t.registered_domain("ns.example.co.uk"), "example.co.uk");
  EXPECT_EQ(t.registered_domain("co.uk"), "");
}

TEST(ProviderTable, UserRulesOverrideAndExtend) {
  ProviderTable t;
  auto errors = t.add_rules(
      "# my providers\n"
      "\n"
      "example-hosting.net   Example   Hosting   # trailing comment\n"
      "*.ns.cloudflare.com   Not Cloudflare\n"
      "dns-*.test            Test DNS\n"
      "mirror*               Mirrors\n"
      "ns.internal.example.org In House\n",
      "mine.txt");
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(t.provider_of("ns1.example-hosting.net"), "Example Hosting");
  EXPECT_EQ(t.provider_of("example-hosting.net"), "Example Hosting");
  EXPECT_EQ(t.provider_of("ns1.other-hosting.net"), "other-hosting.net");
  EXPECT_EQ(t.provider_of("x.ns.cloudflare.com"), "Not Cloudflare");
  EXPECT_EQ(t.provider_of("ns1.dns-7.test"), "Test DNS");
  EXPECT_EQ(t.provider_of("ns1.dns-7.example"), "dns-7.example");  // suffix must be "test"
  EXPECT_EQ(t.provider_of("a.mirror.co.uk"), "Mirrors");
  EXPECT_EQ(t.provider_of("a.mirrors.example"), "Mirrors");
  EXPECT_EQ(t.provider_of("ns.internal.example.org"), "In House");
  EXPECT_EQ(t.provider_of("ns2.example.org"), "example.org");
  EXPECT_EQ(t.user_rules().size(), 5u);
}

TEST(ProviderTable, CacheIsClearedByNewRules) {
  ProviderTable t;
  EXPECT_EQ(t.provider_of("ns1.example-hosting.net"), "example-hosting.net");
  EXPECT_TRUE(t.add_rules("example-hosting.net Example\n", "f").empty());
  EXPECT_EQ(t.provider_of("ns1.example-hosting.net"), "Example");
}

TEST(ProviderTable, BadRulesReportedWithLineNumbers) {
  ProviderTable t;
  auto errors = t.add_rules(
      "nsone.net\n"           // 1: no provider
      "a.*.example Foo\n"     // 2: '*' in the middle
      "*.co*.uk Foo\n"        // 3
      "co.uk Everyone\n"      // 4: a public suffix
      "*.com Everyone\n"      // 5: below a public suffix
      "* Anything\n"          // 6
      "bad!name.example X\n"  // 7
      "ok.example Fine\n",    // 8
      "p.txt");
  ASSERT_EQ(errors.size(), 7u);
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i].rfind("p.txt:" + std::to_string(i + 1) + ": ", 0), 0u) << errors[i];
  }
  EXPECT_NE(errors[0].find("missing provider"), std::string::npos);
  EXPECT_NE(errors[3].find("public suffix"), std::string::npos);
  ASSERT_EQ(t.user_rules().size(), 1u);
  EXPECT_EQ(t.user_rules()[0].provider, "Fine");
}

TEST(ProviderTable, LoadFile) {
  std::string path = ::testing::TempDir() + "/tandem_providers_test.txt";
  {
    std::ofstream f(path);
    f << "example-hosting.net Example\n";
  }
  ProviderTable t;
  t.load_file(path);
  EXPECT_EQ(t.provider_of("ns.example-hosting.net"), "Example");
  {
    std::ofstream f(path);
    f << "ok.example A\nbroken\n";
  }
  try {
    t.load_file(path);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":2: "), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
  EXPECT_THROW(t.load_file(path), std::runtime_error);
}

TEST(ProviderTable, PslFallback) {
  // A missing list file falls back to libpsl's own lists.
  ProviderTable t("/nonexistent/public_suffix_list.dafsa");
  EXPECT_NE(t.psl_source(), "/nonexistent/public_suffix_list.dafsa");
  EXPECT_EQ(t.provider_of("ns.example.co.uk"), "example.co.uk");
}

TEST(ProviderPattern, Kinds) {
  ProviderRule r;
  EXPECT_EQ(parse_provider_pattern("*.NS.Cloudflare.com.", r), "");
  EXPECT_EQ(r.kind, ProviderRule::Kind::kBelow);
  EXPECT_EQ(r.name, ".ns.cloudflare.com");
  EXPECT_EQ(parse_provider_pattern("nsone.net", r), "");
  EXPECT_EQ(r.kind, ProviderRule::Kind::kExact);
  EXPECT_EQ(parse_provider_pattern("awsdns-*", r), "");
  EXPECT_EQ(r.kind, ProviderRule::Kind::kRegisteredGlob);
  EXPECT_EQ(r.name, "awsdns-*");
  EXPECT_EQ(r.suffix, "");
  EXPECT_EQ(parse_provider_pattern("ultradns.*", r), "");
  EXPECT_EQ(r.name, "ultradns");
  EXPECT_EQ(r.suffix, "");
  EXPECT_EQ(parse_provider_pattern("awsdns-*.co.uk", r), "");
  EXPECT_EQ(r.suffix, "co.uk");
  EXPECT_NE(parse_provider_pattern("a.*.b", r), "");
  EXPECT_NE(parse_provider_pattern("*", r), "");
  EXPECT_NE(parse_provider_pattern("", r), "");
}

// data/providers.txt documents the built-in table: it must be the same text.
TEST(ProviderTable, ShippedFileMatchesBuiltinTable) {
  std::string here = __FILE__;
  std::string root = here.substr(0, here.rfind("tests/unit/"));
  std::ifstream f(root + "data/providers.txt", std::ios::binary);
  if (!f) GTEST_SKIP() << "source tree not found from " << here;
  std::stringstream buf;
  buf << f.rdbuf();
  EXPECT_EQ(buf.str(), kBuiltinProviderRules);
}

TEST(ProviderTable, ManyLookupsAreCached) {
  ProviderTable& t = table();
  // Thousands of lookups of a few hundred names: must stay fast (cache).
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 500; ++i) {
      std::string name =
          "ns" + std::to_string(i) + ".hosting-" + std::to_string(i % 50) + ".example";
      ASSERT_EQ(t.provider_of(name), "hosting-" + std::to_string(i % 50) + ".example");
    }
  }
}

}  // namespace
}  // namespace tandem::audit
