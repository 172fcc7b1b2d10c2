#include "audit/query_engine.h"

#include <gtest/gtest.h>

#include <chrono>

#include "dns/types.h"
#include "fake_dns_server.h"
#include "net/dns_client.h"

namespace tandem::audit {
namespace {

using testing::Behaviour;
using testing::FakeNet;
using testing::FakeZone;
using testing::N;

net::SocketAddress addr(const char* text) { return *net::SocketAddress::parse(text, 53); }

class QueryEngineTest : public ::testing::Test {
 protected:
  QueryEngineTest() : net_({"127.0.0.1", "127.0.0.2"}) {
    FakeZone z{N("example.com."),
               {testing::rr_soa("example.com.", "ns1.example.com.", 42),
                testing::rr_ns("example.com.", "ns1.example.com."),
                testing::rr_a("ns1.example.com.", "127.0.0.1")}};
    for (int i = 0; i < 60; ++i) {
      z.records.push_back(testing::rr_a("big.example.com.", "10.0.0." + std::to_string(i)));
    }
    net_.add_zone("127.0.0.1", z);
    net_.add_zone("127.0.0.2", z);
    net_.start();
  }
  EngineOptions options(int timeout_ms = 300, int retries = 1) {
    EngineOptions o;
    o.timeout_ms = timeout_ms;
    o.retries = retries;
    o.port_override = net_.port();
    return o;
  }
  FakeNet net_;
};

TEST_F(QueryEngineTest, AnswersWithoutRecursionAndWithEdns) {
  QueryEngine engine(options());
  QueryResult got;
  int calls = 0;
  engine.query(addr("127.0.0.1"), N("example.com."), dns::rrtype::kSOA, [&](QueryResult r) {
    got = std::move(r);
    ++calls;
  });
  EXPECT_EQ(calls, 0);  // never from inside query()
  engine.run();
  ASSERT_EQ(calls, 1);
  ASSERT_EQ(got.status, QueryResult::Status::kAnswer) << got.detail;
  EXPECT_TRUE(got.message.aa());
  EXPECT_EQ(got.message.rcode(), 0);
  ASSERT_EQ(got.message.answer.size(), 1u);
  EXPECT_EQ(got.message.answer[0].type, dns::rrtype::kSOA);
  EXPECT_EQ(got.tries, 1);
  EXPECT_FALSE(got.over_tcp);
  EXPECT_GE(got.rtt_ms, 0);
  EXPECT_EQ(engine.pending(), 0u);
}

TEST_F(QueryEngineTest, ParseMessageReadsSectionsAndRejectsGarbage) {
  auto q = net::make_query(N("a.example."), dns::rrtype::kNS, 7, false, true);
  auto m = parse_message(q.data(), q.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->id, 7);
  EXPECT_FALSE(m->qr());
  EXPECT_EQ(m->qname, N("a.example."));
  EXPECT_EQ(m->qtype, dns::rrtype::kNS);
  ASSERT_EQ(m->additional.size(), 1u);  // the OPT record
  EXPECT_EQ(m->additional[0].type, dns::rrtype::kOPT);
  EXPECT_FALSE(parse_message(q.data(), 11));
  EXPECT_FALSE(parse_message(q.data(), q.size() - 3));
  auto bad = q;
  bad[11] = 2;  // ARCOUNT 2 with one record
  EXPECT_FALSE(parse_message(bad.data(), bad.size()));
}

TEST_F(QueryEngineTest, TimeoutAfterRetries) {
  net_.set_behaviour("127.0.0.2", Behaviour{.drop = true});
  QueryEngine engine(options(60, 2));
  QueryResult got;
  auto t0 = std::chrono::steady_clock::now();
  engine.query(addr("127.0.0.2"), N("example.com."), dns::rrtype::kSOA,
               [&](QueryResult r) { got = std::move(r); });
  engine.run();
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(got.status, QueryResult::Status::kTimeout);
  EXPECT_EQ(got.tries, 3);
  EXPECT_EQ(got.detail, "timeout after 3 tries");
  EXPECT_GE(ms, 170);
  EXPECT_EQ(net_.queries("127.0.0.2"), 3);
}

TEST_F(QueryEngineTest, NoListenerIsReportedQuickly) {
  QueryEngine engine(options(2000, 2));
  QueryResult got;
  auto t0 = std::chrono::steady_clock::now();
  engine.query(addr("127.0.0.9"), N("example.com."), dns::rrtype::kSOA,
               [&](QueryResult r) { got = std::move(r); });
  engine.run();
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(got.status, QueryResult::Status::kNoListener) << got.detail;
  EXPECT_NE(got.detail.find("refused"), std::string::npos) << got.detail;
  EXPECT_LT(ms, 1000);
}

TEST_F(QueryEngineTest, TruncatedAnswerIsRetriedOverTcp) {
  net_.set_behaviour("127.0.0.2", Behaviour{.truncate_udp = true});
  QueryEngine engine(options());
  QueryResult got;
  engine.query(addr("127.0.0.2"), N("big.example.com."), dns::rrtype::kA,
               [&](QueryResult r) { got = std::move(r); });
  engine.run();
  ASSERT_EQ(got.status, QueryResult::Status::kAnswer) << got.detail;
  EXPECT_TRUE(got.over_tcp);
  EXPECT_FALSE(got.message.tc());
  EXPECT_EQ(got.message.answer.size(), 60u);
}

TEST_F(QueryEngineTest, ReplyWithWrongIdIsIgnored) {
  net_.set_behaviour("127.0.0.2", Behaviour{.wrong_id_first = true});
  QueryEngine engine(options());
  QueryResult got;
  engine.query(addr("127.0.0.2"), N("example.com."), dns::rrtype::kNS,
               [&](QueryResult r) { got = std::move(r); });
  engine.run();
  ASSERT_EQ(got.status, QueryResult::Status::kAnswer) << got.detail;
  EXPECT_EQ(got.tries, 1);
  ASSERT_EQ(got.message.answer.size(), 1u);
  EXPECT_EQ(got.message.answer[0].type, dns::rrtype::kNS);
}

TEST_F(QueryEngineTest, PerServerInflightBoundAndFifo) {
  net_.set_behaviour("127.0.0.2", Behaviour{.drop = true});
  auto o = options(40, 0);
  o.max_inflight_per_server = 2;
  o.down_after_timeouts = 0;
  QueryEngine engine(o);
  std::vector<int> order;
  for (int i = 0; i < 10; ++i) {
    engine.query(addr("127.0.0.2"), N("example.com."), dns::rrtype::kSOA, [&, i](QueryResult r) {
      EXPECT_EQ(r.status, QueryResult::Status::kTimeout);
      order.push_back(i);
    });
  }
  // Another server is not held up by the slow one.
  bool other_done = false;
  engine.query(addr("127.0.0.1"), N("example.com."), dns::rrtype::kSOA, [&](QueryResult r) {
    EXPECT_EQ(r.status, QueryResult::Status::kAnswer);
    EXPECT_LT(order.size(), 3u);
    other_done = true;
  });
  EXPECT_EQ(engine.pending(), 11u);
  auto t0 = std::chrono::steady_clock::now();
  engine.run();
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_TRUE(other_done);
  EXPECT_EQ(engine.max_server_inflight_seen(), 2);
  EXPECT_GE(ms, 5 * 40 - 10);  // 10 queries, 2 at a time, 40 ms each
  ASSERT_EQ(order.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(order[i], i);
}

TEST_F(QueryEngineTest, ServerThatNeverAnsweredIsTakenAsDown) {
  net_.set_behaviour("127.0.0.2", Behaviour{.drop = true});
  auto o = options(30, 1);
  o.down_after_timeouts = 4;
  o.max_inflight_per_server = 1;  // one at a time: exactly 4 real queries
  QueryEngine engine(o);
  std::vector<QueryResult> got;
  for (int i = 0; i < 14; ++i) {
    engine.query(addr("127.0.0.2"), N("example.com."), dns::rrtype::kSOA,
                 [&](QueryResult r) { got.push_back(std::move(r)); });
  }
  engine.run();
  ASSERT_EQ(got.size(), 14u);
  for (const auto& r : got) {
    EXPECT_EQ(r.status, QueryResult::Status::kTimeout);
    EXPECT_EQ(r.tries, 2);
    EXPECT_EQ(r.detail, "timeout after 2 tries");  // the same as a real timeout
  }
  EXPECT_EQ(net_.queries("127.0.0.2"), 4 * 2);
  EXPECT_EQ(engine.short_circuited(), 10u);

  // A server that has answered once is never short-circuited.
  QueryEngine engine2(o);
  engine2.query(addr("127.0.0.1"), N("example.com."), dns::rrtype::kSOA,
                [](QueryResult r) { EXPECT_EQ(r.status, QueryResult::Status::kAnswer); });
  engine2.run();
  net_.set_behaviour("127.0.0.1", Behaviour{.drop = true});
  for (int i = 0; i < 6; ++i) {
    engine2.query(addr("127.0.0.1"), N("example.com."), dns::rrtype::kSOA,
                  [](QueryResult r) { EXPECT_EQ(r.status, QueryResult::Status::kTimeout); });
  }
  engine2.run();
  EXPECT_EQ(net_.queries("127.0.0.1"), 1 + 6 * 2);
  EXPECT_EQ(engine2.short_circuited(), 0u);
}

TEST_F(QueryEngineTest, GlobalInflightBound) {
  auto o = options();
  o.max_inflight = 3;
  QueryEngine engine(o);
  int answers = 0;
  for (int i = 0; i < 50; ++i) {
    engine.query(addr(i % 2 ? "127.0.0.1" : "127.0.0.2"), N("example.com."), dns::rrtype::kSOA,
                 [&](QueryResult r) { answers += r.status == QueryResult::Status::kAnswer; });
  }
  engine.run();
  EXPECT_EQ(answers, 50);
  EXPECT_LE(engine.max_server_inflight_seen(), 3);
}

TEST_F(QueryEngineTest, CallbacksMayQueueMoreQueries) {
  QueryEngine engine(options());
  int depth = 0;
  std::function<void(QueryResult)> again = [&](QueryResult r) {
    EXPECT_EQ(r.status, QueryResult::Status::kAnswer);
    if (++depth < 5) engine.query(addr("127.0.0.1"), N("example.com."), dns::rrtype::kNS, again);
  };
  engine.query(addr("127.0.0.1"), N("example.com."), dns::rrtype::kNS, again);
  engine.run();
  EXPECT_EQ(depth, 5);
}

TEST_F(QueryEngineTest, AxfrProbe) {
  net_.set_behaviour("127.0.0.1", Behaviour{.allow_axfr = true});
  QueryEngine engine(options());
  std::vector<std::pair<bool, std::string>> got(3);
  engine.axfr_probe(addr("127.0.0.1"), N("example.com."), [&](bool open, std::string d) {
    got[0] = {open, d};
  });
  engine.axfr_probe(addr("127.0.0.2"), N("example.com."), [&](bool open, std::string d) {
    got[1] = {open, d};
  });
  engine.axfr_probe(addr("127.0.0.9"), N("example.com."), [&](bool open, std::string d) {
    got[2] = {open, d};
  });
  engine.run();
  EXPECT_TRUE(got[0].first) << got[0].second;
  EXPECT_FALSE(got[1].first);
  EXPECT_EQ(got[1].second, "AXFR refused (REFUSED)");
  EXPECT_FALSE(got[2].first);
  EXPECT_NE(got[2].second.find("no listener"), std::string::npos) << got[2].second;
}

}  // namespace
}  // namespace tandem::audit
