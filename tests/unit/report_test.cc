#include "audit/report.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tandem::audit {
namespace {

dns::Name N(const char* text) {
  auto n = dns::Name::parse_absolute(text);
  EXPECT_TRUE(n.has_value()) << text;
  return n ? *n : dns::Name();
}

AddressProbe good(const char* address, uint32_t serial, double rtt) {
  AddressProbe p;
  p.address = *net::SocketAddress::parse(address, 53);
  p.reply = AddressProbe::Reply::kAnswer;
  p.authoritative = true;
  p.serial = serial;
  p.mname = N("ns1.example-hosting.net.");
  p.expire = 1209600;
  p.ns_answered = true;
  p.rtt_ms = rtt;
  return p;
}

NameserverObservation ns(const char* name, std::vector<AddressProbe> probes) {
  NameserverObservation n;
  n.name = N(name);
  n.in_parent = n.in_child = true;
  n.addresses = std::move(probes);
  return n;
}

DomainObservation domain(const char* name, std::optional<long> rank, size_t line) {
  DomainObservation d;
  d.input = name;
  d.domain = N(name);
  d.rank = rank;
  d.line = line;
  d.status = DomainObservation::Status::kResolved;
  return d;
}

// Three domains: one on two providers, one on a single provider with a
// timed-out address, one unresolvable.
std::vector<DomainObservation> observations() {
  std::vector<DomainObservation> v;
  DomainObservation a = domain("Multi.Example.", 1, 1);
  a.nameservers.push_back(ns("ns1.example-hosting.net.", {good("192.0.2.1", 5, 1.25)}));
  a.nameservers.push_back(ns("ns.example.co.uk.", {good("198.51.100.7", 5, 20.04)}));
  a.parent_ns = {a.nameservers[0].name, a.nameservers[1].name};
  a.child_ns = a.parent_ns;
  v.push_back(a);

  DomainObservation b = domain("single.example.", std::nullopt, 3);
  AddressProbe lost = good("192.0.2.9", 5, 0);
  lost.reply = AddressProbe::Reply::kTimeout;
  lost.serial.reset();
  b.nameservers.push_back(ns("ns1.example-hosting.net.", {good("192.0.2.1", 5, 1.25)}));
  b.nameservers.push_back(ns("ns2.example-hosting.net.", {lost, good("198.51.100.9", 5, 3.06)}));
  b.parent_ns = {b.nameservers[0].name, b.nameservers[1].name};
  b.child_ns = b.parent_ns;
  v.push_back(b);

  DomainObservation c = domain("gone.example.", 7, 4);
  c.status = DomainObservation::Status::kUnresolvable;
  c.unresolvable_reason = "NXDOMAIN";
  v.push_back(c);
  return v;
}

ProviderTable& table() {
  static ProviderTable t;
  return t;
}

Report report() { return build_report(observations(), table(), {}); }

template <class F>
std::string render(F write, const Report& r) {
  std::ostringstream out;
  write(out, r);
  return out.str();
}

TEST(Report, Summary) {
  Report r = report();
  const Summary& s = r.summary;
  EXPECT_EQ(s.domains, 3u);
  EXPECT_EQ(s.resolved, 2u);
  EXPECT_EQ(s.unresolvable, 1u);
  EXPECT_EQ(s.single_provider, 1u);
  EXPECT_EQ(s.multi_provider, 1u);
  ASSERT_EQ(s.by_provider.size(), 2u);
  EXPECT_EQ(s.by_provider[0], (ProviderCount{"example-hosting.net", 2, 1}));
  EXPECT_EQ(s.by_provider[1], (ProviderCount{"example.co.uk", 1, 1}));
  // Input order kept.
  ASSERT_EQ(r.domains.size(), 3u);
  EXPECT_EQ(name_text(r.domains[0].observation.domain), "multi.example");
  EXPECT_EQ(r.domains[0].providers,
            (std::vector<std::string>{"example-hosting.net", "example.co.uk"}));
}

TEST(Report, ByProviderTiesSortedByName) {
  std::vector<DomainReport> d(3);
  for (auto& x : d) x.observation.status = DomainObservation::Status::kResolved;
  d[0].providers = {"zeta.example"};
  d[1].providers = {"alpha.example"};
  d[2].providers = {"Cloudflare", "zeta.example"};
  Summary s = summarize(d);
  ASSERT_EQ(s.by_provider.size(), 3u);
  EXPECT_EQ(s.by_provider[0], (ProviderCount{"zeta.example", 2, 1}));
  EXPECT_EQ(s.by_provider[1], (ProviderCount{"Cloudflare", 1, 1}));
  EXPECT_EQ(s.by_provider[2], (ProviderCount{"alpha.example", 1, 0}));
}

TEST(Report, JsonGolden) {
  const char* expected = R"({
  "summary": {
    "domains": 3,
    "resolved": 2,
    "unresolvable": 1,
    "single_provider": 1,
    "multi_provider": 1,
    "by_provider": [
      {"provider": "example-hosting.net", "domains": 2, "with_other_provider": 1},
      {"provider": "example.co.uk", "domains": 1, "with_other_provider": 1}
    ]
  },
  "domains": [
    {
      "domain": "multi.example",
      "rank": 1,
      "status": "resolved",
      "nameservers": [
        {"name": "ns1.example-hosting.net", "addresses": ["192.0.2.1"], "provider": "example-hosting.net", "authoritative": true, "serial": 5, "rtt_ms": 1.2},
        {"name": "ns.example.co.uk", "addresses": ["198.51.100.7"], "provider": "example.co.uk", "authoritative": true, "serial": 5, "rtt_ms": 20.0}
      ],
      "providers": ["example-hosting.net", "example.co.uk"],
      "findings": []
    },
    {
      "domain": "single.example",
      "rank": null,
      "status": "resolved",
      "nameservers": [
        {"name": "ns1.example-hosting.net", "addresses": ["192.0.2.1"], "provider": "example-hosting.net", "authoritative": true, "serial": 5, "rtt_ms": 1.2},
        {"name": "ns2.example-hosting.net", "addresses": ["192.0.2.9", "198.51.100.9"], "provider": "example-hosting.net", "authoritative": false, "serial": 5, "rtt_ms": 3.1}
      ],
      "providers": ["example-hosting.net"],
      "findings": [
        {"code": "single-provider", "detail": "all 2 nameservers are on example-hosting.net"},
        {"code": "lame-delegation", "detail": "ns2.example-hosting.net: 192.0.2.9 timed out"}
      ]
    },
    {
      "domain": "gone.example",
      "rank": 7,
      "status": "unresolvable",
      "nameservers": [],
      "providers": [],
      "findings": [
        {"code": "unresolvable", "detail": "NXDOMAIN"}
      ]
    }
  ]
}
)";
  EXPECT_EQ(render(write_json, report()), expected);
}

TEST(Report, JsonEmpty) {
  EXPECT_EQ(
      render(write_json, Report{}),
      "{\n  \"summary\": {\n    \"domains\": 0,\n    \"resolved\": 0,\n    \"unresolvable\": 0,\n"
      "    \"single_provider\": 0,\n    \"multi_provider\": 0,\n    \"by_provider\": []\n  },\n"
      "  \"domains\": []\n}\n");
}

TEST(Report, JsonEscaping) {
  EXPECT_EQ(json_escape("plain"), "\"plain\"");
  EXPECT_EQ(json_escape("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_escape("tab\tnl\ncr\r\x01\x7f"), "\"tab\\tnl\\ncr\\r\\u0001\\u007f\"");
  EXPECT_EQ(json_escape("caf\xC3\xA9"), "\"caf\xC3\xA9\"");             // valid UTF-8 kept
  EXPECT_EQ(json_escape("bad\xC3(\xFF"), "\"bad\\ufffd(\\ufffd\"");     // invalid replaced
  EXPECT_EQ(json_escape("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
  EXPECT_EQ(json_escape("\xF0\x9F\x98\x80"), "\"\xF0\x9F\x98\x80\"");
}

TEST(Report, JsonNullRttWhenNoAnswer) {
  auto obs = observations();
  obs.resize(1);
  for (auto& p : obs[0].nameservers[1].addresses) {
    p.reply = AddressProbe::Reply::kNoListener;
    p.serial.reset();
  }
  std::string json = render(write_json, build_report(obs, table(), {}));
  EXPECT_NE(
      json.find("\"name\": \"ns.example.co.uk\", \"addresses\": [\"198.51.100.7\"], \"provider\": "
                "\"example.co.uk\", \"authoritative\": false, \"serial\": null, \"rtt_ms\": null}"),
      std::string::npos)
      << json;
}

TEST(Report, Csv) {
  std::string csv = render(write_csv, report());
  EXPECT_EQ(csv,
            "domain,rank,status,providers,nameservers,findings\r\n"
            "multi.example,1,resolved,example-hosting.net;example.co.uk,"
            "ns1.example-hosting.net;ns.example.co.uk,\r\n"
            "single.example,,resolved,example-hosting.net,ns1.example-hosting.net;"
            "ns2.example-hosting.net,single-provider;lame-delegation\r\n"
            "gone.example,7,unresolvable,,,unresolvable\r\n");
}

TEST(Report, CsvQuotingRfc4180) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field(""), "");
  // A provider name from --providers with a comma is quoted in the row.
  std::vector<DomainReport> d(1);
  d[0].observation = observations()[0];
  d[0].providers = {"Acme, Inc.", "B \"DNS\""};
  Report r{summarize(d), d};
  std::string csv = render(write_csv, r);
  EXPECT_NE(csv.find(",\"Acme, Inc.;B \"\"DNS\"\"\","), std::string::npos) << csv;
}

TEST(Report, LameDelegationCodeOnceInCsv) {
  auto obs = observations();
  obs.resize(2);
  obs[1].nameservers[0].addresses[0].authoritative = false;  // a second lame nameserver
  Report r = build_report(obs, table(), {});
  ASSERT_EQ(r.domains[1].findings.size(), 3u);
  std::string csv = render(write_csv, r);
  EXPECT_NE(csv.find(",single-provider;lame-delegation\r\n"), std::string::npos) << csv;
}

TEST(Report, Text) {
  std::string text = render(write_text, report());
  EXPECT_EQ(text,
            "3 domains audited, 2 resolved, 1 unresolvable\n"
            "1 rely on a single provider, 1 have nameservers on more than one provider\n"
            "\n"
            "provider             domains  with another provider\n"
            "example-hosting.net        2                      1\n"
            "example.co.uk              1                      1\n"
            "\n"
            "Findings:\n"
            "\n"
            "single.example: example-hosting.net\n"
            "  single-provider: all 2 nameservers are on example-hosting.net\n"
            "  lame-delegation: ns2.example-hosting.net: 192.0.2.9 timed out\n"
            "\n"
            "gone.example (rank 7)\n"
            "  unresolvable: NXDOMAIN\n"
            "\n"
            "1 domain without findings\n");
}

TEST(Report, Deterministic) {
  std::string a =
      render(write_json, report()) + render(write_csv, report()) + render(write_text, report());
  std::string b =
      render(write_json, report()) + render(write_csv, report()) + render(write_text, report());
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace tandem::audit
