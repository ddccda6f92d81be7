// Session persistence end to end (GEP-1619): a real Server on 127.0.0.1
// with portico-echo backends (their JSON names the pod), two workers, a
// new connection per request unless said otherwise (so both workers serve
// the session: the value must mean the same to each).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"
#include "dataplane/session_persistence.h"
#include "dataplane/stats.h"

namespace portico::testing {
namespace {

using namespace e2e;

class SessionPersistence : public ProxyTest {
 protected:
  void SetUp() override { port = freePort(); }
  // Two workers: a session's requests on new connections land on both,
  // so each must honour the other's values.
  std::vector<dataplane::BindResult> serve(const std::string& yaml) {
    dataplane::ServerOptions o;
    o.workers = 2;
    return ProxyTest::serve(yaml, o);
  }

  std::string config(const std::vector<int>& ports, const std::string& persistence) {
    return gatewayYaml(port) + multiPortServiceYaml("svc", ports) +
           routeYaml(
               "r", "[sp.example.com]",
               "  - backendRefs: [{name: svc, port: 80}]\n    sessionPersistence: " + persistence + "\n");
  }

  struct Answer {
    int status = 0;
    std::string pod;
    std::string setCookie;  // the value of `sess`, empty when none was set
    std::string header;     // the x-session response header
    std::string rawSetCookie;
  };
  Answer request(const std::string& extra = "") {
    Client c(port);
    Answer a;
    if (!c.send(get("sp.example.com", "/", extra))) return a;
    auto r = c.read();
    if (!r) return a;
    a.status = r->status;
    if (r->status == 200) a.pod = nlohmann::json::parse(r->body)["pod"];
    a.rawSetCookie = r->header("set-cookie");
    if (a.rawSetCookie.rfind("sess=", 0) == 0)
      a.setCookie = a.rawSetCookie.substr(5, a.rawSetCookie.find(';') - 5);
    a.header = r->header("x-session");
    return a;
  }
  static uint64_t nowMs() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }

  int port = 0;
};

TEST_F(SessionPersistence, CookieKeepsTheEndpointAndMovesWhenItLeaves) {
  Backend a("sp-a"), b("sp-b"), c("sp-c");
  const std::string sp = "{sessionName: sess, type: Cookie}";
  auto binds = serve(config({a.port, b.port, c.port}, sp));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;

  Answer first = request();
  ASSERT_EQ(first.status, 200);
  ASSERT_FALSE(first.setCookie.empty()) << first.rawSetCookie;
  EXPECT_NE(first.rawSetCookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(first.rawSetCookie.find("Path=/"), std::string::npos);
  EXPECT_EQ(first.rawSetCookie.find("Max-Age"), std::string::npos) << "Session lifetime";
  EXPECT_EQ(first.rawSetCookie.find("127.0.0.1"), std::string::npos) << "opaque";
  const std::string cookie = "Cookie: other=1; sess=" + first.setCookie + "\r\n";
  for (int i = 0; i < 100; ++i) {
    Answer r = request(cookie);
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.pod, first.pod) << i;
    EXPECT_TRUE(r.setCookie.empty()) << i;
  }

  // A live reload drops the session's endpoint from the EndpointSlices.
  std::vector<int> rest;
  for (const Backend* x : {&a, &b, &c})
    if (x->name != first.pod) rest.push_back(x->port);
  ASSERT_EQ(rest.size(), 2u);
  auto again = serve(config(rest, sp));
  ASSERT_TRUE(again[0].ok);
  Answer moved = request(cookie);
  ASSERT_EQ(moved.status, 200);
  EXPECT_NE(moved.pod, first.pod);
  ASSERT_FALSE(moved.setCookie.empty()) << "the session is re-pinned with a new cookie";
  EXPECT_NE(moved.setCookie, first.setCookie);
  for (int i = 0; i < 10; ++i) {
    Answer r = request("Cookie: sess=" + moved.setCookie + "\r\n");
    EXPECT_EQ(r.pod, moved.pod) << i;
    EXPECT_TRUE(r.setCookie.empty()) << i;
  }
}

// The session's times travel in the value: one older than absoluteTimeout
// (or idle longer than idleTimeout) starts a new session. Values are
// written with the server's key (the built-in one), so no waiting.
TEST_F(SessionPersistence, AbsoluteAndIdleTimeoutsEndSessions) {
  Backend a("to-a"), b("to-b");
  auto binds = serve(config({a.port, b.port},
                            "{sessionName: sess, type: Cookie, absoluteTimeout: 1h, idleTimeout: 10m, "
                            "cookieConfig: {lifetimeType: Permanent}}"));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  const auto key = dataplane::SessionKey::fromSecret("");
  const uint64_t ep = dataplane::sessionEndpointId(key, "127.0.0.1", b.port);
  auto cookie = [&](uint64_t start, uint64_t lastUse) {
    return "Cookie: sess=" + dataplane::encodeSessionToken(key, {ep, start, lastUse}) + "\r\n";
  };
  const uint64_t now = nowMs();
  // Live: kept on to-b; idleTimeout refreshes the cookie (same start),
  // and a Permanent cookie says what is left of the hour.
  Answer live = request(cookie(now - 30 * 60000, now - 60000));
  EXPECT_EQ(live.pod, "to-b");
  ASSERT_FALSE(live.setCookie.empty());
  auto t = dataplane::decodeSessionToken(key, live.setCookie);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->startMs, now - 30 * 60000);
  EXPECT_GE(t->lastUseMs, now);
  EXPECT_NE(live.rawSetCookie.find("Max-Age=1800"), std::string::npos) << live.rawSetCookie;
  // Past absoluteTimeout: a new session, started now.
  Answer expired = request(cookie(now - 61 * 60000, now - 1000));
  ASSERT_FALSE(expired.setCookie.empty());
  EXPECT_GE(dataplane::decodeSessionToken(key, expired.setCookie)->startMs, now);
  // Idle for 11 minutes: a new session too.
  Answer idle = request(cookie(now - 20 * 60000, now - 11 * 60000));
  ASSERT_FALSE(idle.setCookie.empty());
  EXPECT_GE(dataplane::decodeSessionToken(key, idle.setCookie)->startMs, now);
  // A forged value is ignored (new session), never an error.
  Answer forged = request("Cookie: sess=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n");
  EXPECT_EQ(forged.status, 200);
  EXPECT_FALSE(forged.setCookie.empty());
}

// 1,000 clients without a cookie over 4 endpoints. New sessions are
// placed by the balancer (round-robin per worker), so each endpoint gets
// 250 give or take one per worker; the tolerance of ±25 (10%) leaves room
// for nothing but that and fails on any skew the cookie could cause.
TEST_F(SessionPersistence, NewSessionsAreSpreadEvenly) {
  Backend a("sp4-a"), b("sp4-b"), c("sp4-c"), d("sp4-d");
  auto binds = serve(config({a.port, b.port, c.port, d.port}, "{sessionName: sess, type: Cookie}"));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  std::map<std::string, int> perPod;
  for (int i = 0; i < 1000; ++i) {
    Answer r = request();
    ASSERT_EQ(r.status, 200) << i;
    ASSERT_FALSE(r.setCookie.empty()) << i;
    perPod[r.pod]++;
  }
  ASSERT_EQ(perPod.size(), 4u);
  for (const auto& [pod, n] : perPod) EXPECT_NEAR(n, 250, 25) << pod;
  // The skew metric: sessions per endpoint, summed over the workers.
  const auto eps = server->labelledStats().endpoints.at("default/svc:80");
  ASSERT_EQ(eps.size(), 4u);
  uint64_t sessions = 0;
  for (const auto& [ep, r] : eps) {
    EXPECT_NEAR(static_cast<double>(r.sessions), 250, 25) << ep;
    EXPECT_EQ(r.sessions, r.requests) << ep;
    EXPECT_TRUE(r.persistent);
    sessions += r.sessions;
  }
  EXPECT_EQ(sessions, 1000u);
}

TEST_F(SessionPersistence, HeaderCarriesTheSession) {
  Backend a("hd-a"), b("hd-b"), c("hd-c");
  auto binds = serve(config({a.port, b.port, c.port}, "{sessionName: X-Session, type: Header}"));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  Answer first = request();
  ASSERT_EQ(first.status, 200);
  ASSERT_FALSE(first.header.empty()) << "a new session: the header names it";
  EXPECT_TRUE(first.rawSetCookie.empty());
  for (int i = 0; i < 30; ++i) {
    Answer r = request("X-Session: " + first.header + "\r\n");
    EXPECT_EQ(r.pod, first.pod) << i;
    EXPECT_TRUE(r.header.empty()) << "unchanged session: no header";
  }
}

// An HTTP/2 client (curl, h2c with prior knowledge) keeps its session.
TEST_F(SessionPersistence, Http2ClientKeepsItsCookieSession) {
  if (std::system("curl --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "needs curl";
  Backend a("h2sp-a"), b("h2sp-b"), c("h2sp-c");
  auto binds = serve(config({a.port, b.port, c.port}, "{sessionName: sess, type: Cookie}"));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  auto curl = [&](const std::string& cookie) {
    std::string cmd = "curl -s -i --max-time 5 --http2-prior-knowledge -H 'Host: sp.example.com' ";
    if (!cookie.empty()) cmd += "-H 'Cookie: sess=" + cookie + "' ";
    cmd += "http://127.0.0.1:" + std::to_string(port) + "/";
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
      ::pclose(p);
    }
    return out;
  };
  auto cookieOf = [](const std::string& out) {
    const size_t at = lower(out).find("\nset-cookie: sess=");
    if (at == std::string::npos) return std::string();
    const size_t start = at + 18;
    return out.substr(start, out.find(';', start) - start);
  };
  auto podOf = [](const std::string& out) {
    const size_t body = out.find("\r\n\r\n");
    if (body == std::string::npos) return std::string();
    auto j = nlohmann::json::parse(out.substr(body + 4), nullptr, false);
    return j.is_object() && j.contains("pod") ? j["pod"].get<std::string>() : std::string();
  };
  const std::string first = curl("");
  ASSERT_EQ(first.rfind("HTTP/2 200", 0), 0u) << first;
  const std::string cookie = cookieOf(first);
  ASSERT_FALSE(cookie.empty()) << first;
  const std::string pod = podOf(first);
  for (int i = 0; i < 10; ++i) {
    const std::string out = curl(cookie);
    EXPECT_EQ(podOf(out), pod) << out;
    EXPECT_TRUE(cookieOf(out).empty()) << out;
  }
}

}  // namespace
}  // namespace portico::testing
