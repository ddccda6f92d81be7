// Session persistence (GEP-1619): the value codec, cookie parsing, the
// Set-Cookie attributes and the per-request endpoint choice with an
// injected clock (no sockets), then end to end through a real Server:
// cookie and header persistence, re-pinning after a live reload removed
// the endpoint, timeouts, the spread of new sessions, HTTP/2.
#include "dataplane/session_persistence.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "dataplane/e2e_support.h"
#include "dataplane/endpoint_attempt.h"
#include "dataplane/proxy_fixture.h"
#include "dataplane/stats.h"

namespace portico::testing {
namespace {

using namespace e2e;
using dataplane::SessionKey;
using dataplane::SessionToken;

TEST(SipHash, MatchesTheReferenceVectors) {
  // The SipHash paper's key 00 01 .. 0f; messages 00 01 .. (n-1).
  SessionKey k{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  EXPECT_EQ(dataplane::sipHash24(k, ""), 0x726fdb47dd0e0e31ULL);
  std::string m;
  for (int i = 0; i < 15; ++i) m.push_back(static_cast<char>(i));
  EXPECT_EQ(dataplane::sipHash24(k, m), 0xa129ca6149be45e5ULL);
}

TEST(SessionToken, RoundTripsAndRejectsTampering) {
  const SessionKey k = SessionKey::fromSecret("");
  SessionToken t{dataplane::sessionEndpointId(k, "10.1.2.3", 8080), 1700000000123ULL, 1700000004567ULL};
  const std::string v = dataplane::encodeSessionToken(k, t);
  EXPECT_EQ(v.size(), 39u);
  EXPECT_EQ(v.find("10.1.2.3"), std::string::npos) << "opaque";
  for (char c : v) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << v;
  auto d = dataplane::decodeSessionToken(k, v);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->endpoint, t.endpoint);
  EXPECT_EQ(d->startMs, t.startMs);
  EXPECT_EQ(d->lastUseMs, t.lastUseMs);
  // Another key, one changed character, a truncated value: not ours.
  EXPECT_FALSE(dataplane::decodeSessionToken(SessionKey::fromSecret("other"), v));
  std::string bad = v;
  bad[12] = bad[12] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(dataplane::decodeSessionToken(k, bad));
  EXPECT_FALSE(dataplane::decodeSessionToken(k, v.substr(1)));
  EXPECT_FALSE(dataplane::decodeSessionToken(k, "not a session"));
  // Stable: the same endpoint gets the same id for every worker and reload.
  EXPECT_EQ(dataplane::sessionEndpointId(k, "10.1.2.3", 8080),
            dataplane::sessionEndpointId(k, "10.1.2.3", 8080));
  EXPECT_NE(dataplane::sessionEndpointId(k, "10.1.2.3", 8080),
            dataplane::sessionEndpointId(k, "10.1.2.3", 8081));
}

// A rule's own sessionPersistence (HTTPRoute or GRPCRoute) wins over the
// Service-level one from XBackendTrafficPolicy, which applies otherwise.
TEST(SessionPolicy, RuleWinsOverTheServiceLevelPolicy) {
  ir::Route route;
  ir::Cluster cluster;
  EXPECT_EQ(dataplane::sessionPersistenceFor(route, cluster), nullptr) << "neither: no persistence";
  cluster.sessionPersistence = ir::SessionPersistence{"svc-cookie"};
  ASSERT_NE(dataplane::sessionPersistenceFor(route, cluster), nullptr);
  EXPECT_EQ(dataplane::sessionPersistenceFor(route, cluster)->name, "svc-cookie");
  route.sessionPersistence = ir::SessionPersistence{"rule-cookie"};
  EXPECT_EQ(dataplane::sessionPersistenceFor(route, cluster)->name, "rule-cookie");
}

TEST(SessionValue, CookiesAndHeaders) {
  ir::SessionPersistence sp;
  sp.name = "sess";
  EXPECT_EQ(dataplane::cookieValue("a=1; sess=xyz; b=2", "sess").value_or(""), "xyz");
  EXPECT_EQ(dataplane::cookieValue("sess=\"q\"", "sess").value_or(""), "q");
  EXPECT_FALSE(dataplane::cookieValue("session=1; Sess=2", "sess"));
  const std::string head =
      "GET / HTTP/1.1\r\nHost: a\r\nCookie: x=1\r\ncookie: sess=abc; y=2\r\nsess: hdr\r\n\r\n";
  EXPECT_EQ(dataplane::sessionValueInHead(sp, head).value_or(""), "abc");
  sp.header = true;
  EXPECT_EQ(dataplane::sessionValueInHead(sp, head).value_or(""), "hdr");
  std::vector<std::pair<std::string, std::string>> fields = {{"cookie", "x=1"}, {"sess", " h2 "}};
  EXPECT_EQ(dataplane::sessionValueInFields(sp, fields).value_or(""), "h2");
  sp.header = false;
  fields.emplace_back("cookie", "sess=crumb");
  EXPECT_EQ(dataplane::sessionValueInFields(sp, fields).value_or(""), "crumb");
}

TEST(SessionValue, SetCookieAttributesFollowTheLifetimeType) {
  ir::SessionPersistence sp;
  sp.name = "sess";
  sp.cookiePath = "/shop";
  sp.absoluteTimeoutMs = 60000;
  SessionToken t{1, 1000000, 1000000};
  // Session lifetime: no Max-Age even with an absoluteTimeout (enforced by
  // the gateway instead).
  auto f = dataplane::sessionResponseField(sp, "VALUE", t, 1000000);
  EXPECT_EQ(f.first, "set-cookie");
  EXPECT_EQ(f.second, "sess=VALUE; Path=/shop; HttpOnly");
  sp.permanent = true;
  f = dataplane::sessionResponseField(sp, "VALUE", t, 1000000 + 15500);
  EXPECT_EQ(f.second, "sess=VALUE; Path=/shop; Max-Age=45; HttpOnly") << "what is left of absoluteTimeout";
  sp.header = true;
  f = dataplane::sessionResponseField(sp, "VALUE", t, 1000000);
  EXPECT_EQ(f.first, "sess");
  EXPECT_EQ(f.second, "VALUE");
}

TEST(SessionValue, AbsoluteAndIdleTimeouts) {
  ir::SessionPersistence sp;
  SessionToken t{1, 10000, 20000};
  EXPECT_TRUE(dataplane::sessionLive(sp, t, 1ULL << 40)) << "no timeouts: forever";
  sp.absoluteTimeoutMs = 5000;
  EXPECT_TRUE(dataplane::sessionLive(sp, t, 14999));
  EXPECT_FALSE(dataplane::sessionLive(sp, t, 15000));
  sp.absoluteTimeoutMs = 0;
  sp.idleTimeoutMs = 1000;
  EXPECT_TRUE(dataplane::sessionLive(sp, t, 20999));
  EXPECT_FALSE(dataplane::sessionLive(sp, t, 21000));
}

// The per-request choice with a fixed clock.
class Attempt : public ::testing::Test {
 protected:
  void SetUp() override {
    c.name = "default/svc:80";
    for (int i = 0; i < 4; ++i) c.endpoints.push_back(ir::Endpoint{"10.0.0." + std::to_string(i + 1), 80});
    sp.name = "sess";
  }
  dataplane::AttemptClock at(uint64_t wallMs) {
    dataplane::AttemptClock k;
    k.steady = t0;
    k.wallMs = wallMs;
    k.fixed = true;
    return k;
  }
  // One request: the endpoint index it went to and the value it was given
  // (empty when the response carries none).
  std::pair<size_t, std::string> request(std::optional<std::string> cookie, uint64_t wallMs) {
    std::optional<std::string_view> v;
    if (cookie) v = *cookie;
    dataplane::EndpointAttempt a(b, rng, c, &sp, v, at(wallMs));
    EXPECT_NE(a.next(), nullptr);
    auto f = a.connected();
    a.answered(200);
    std::string value;
    if (f) value = f->second.substr(5, f->second.find(';') - 5);  // "sess=" ... ";"
    return {a.index(), value};
  }
  ir::Cluster c;
  ir::SessionPersistence sp;
  dataplane::EndpointBalancer b;
  std::mt19937_64 rng{5};
  dataplane::OutlierClock::time_point t0 = dataplane::OutlierClock::now();
};

TEST_F(Attempt, ASessionStaysOnItsEndpointAndMovesWhenItLeaves) {
  auto [first, cookie] = request(std::nullopt, 1000);
  ASSERT_FALSE(cookie.empty()) << "a new session gets a cookie";
  for (int i = 0; i < 20; ++i) {
    auto [idx, again] = request(cookie, 1000 + i);
    EXPECT_EQ(idx, first);
    EXPECT_TRUE(again.empty()) << "no Set-Cookie while nothing changes";
  }
  // The endpoint leaves the cluster: the session moves, with a new value.
  c.endpoints.erase(c.endpoints.begin() + static_cast<long>(first));
  auto [moved, rewritten] = request(cookie, 2000);
  EXPECT_FALSE(rewritten.empty());
  EXPECT_NE(rewritten, cookie);
  auto [stays, none] = request(rewritten, 2001);
  EXPECT_EQ(stays, moved);
  EXPECT_TRUE(none.empty());
}

TEST_F(Attempt, ExpiredSessionsStartAgain) {
  sp.absoluteTimeoutMs = 1000;
  auto [first, cookie] = request(std::nullopt, 10000);
  EXPECT_TRUE(request(cookie, 10999).second.empty());
  auto [idx, fresh] = request(cookie, 11000);
  EXPECT_FALSE(fresh.empty()) << "past absoluteTimeout: a new session";
  auto token = dataplane::decodeSessionToken(b.sessionKey(), fresh);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->startMs, 11000u);

  // idleTimeout: every answer refreshes the last use; a gap longer than it
  // starts a new session.
  sp.absoluteTimeoutMs = 0;
  sp.idleTimeoutMs = 500;
  auto [e, v1] = request(std::nullopt, 20000);
  auto [e2, v2] = request(v1, 20400);
  EXPECT_EQ(e2, e);
  ASSERT_FALSE(v2.empty()) << "refreshed";
  EXPECT_EQ(dataplane::decodeSessionToken(b.sessionKey(), v2)->startMs, 20000u) << "same session";
  auto [e3, v3] = request(v2, 20800);
  EXPECT_EQ(e3, e) << "idle 400 ms < 500 ms";
  auto [e4, v4] = request(v3, 21400);
  EXPECT_EQ(dataplane::decodeSessionToken(b.sessionKey(), v4)->startMs, 21400u) << "idle 600 ms: new session";
}

TEST_F(Attempt, NewSessionsAreSpreadByTheBalancerAndCounted) {
  std::map<size_t, int> perEndpoint;
  for (int i = 0; i < 400; ++i) perEndpoint[request(std::nullopt, 1000).first]++;
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(perEndpoint[i], 100) << "round-robin";
  dataplane::EndpointReports reports;
  dataplane::collectEndpoints(b, nullptr, reports);
  for (const auto& [key, r] : reports[c.name]) {
    EXPECT_EQ(r.sessions, 100u) << key;
    EXPECT_EQ(r.requests, 100u) << key;
    EXPECT_TRUE(r.persistent);
  }
}

}  // namespace
}  // namespace portico::testing
