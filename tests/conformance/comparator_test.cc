// The runner's own rules, checked apart from Portico: a runner that cannot
// fail proves nothing.
#include "conformance/comparator.h"

#include <gtest/gtest.h>

#include "conformance/round_tripper.h"

namespace portico::conformance {
namespace {

using nlohmann::json;

ClientResponse echo(int status, const json& body) {
  ClientResponse r;
  r.status = status;
  r.proto = "HTTP/1.1";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = body.dump();
  return r;
}

const json kEcho = {{"path", "/a?x=1"},
                    {"method", "GET"},
                    {"host", "example.com"},
                    {"namespace", "ns"},
                    {"pod", "infra-backend-v1-abc-def"},
                    {"headers", {{"X-Multi", json::array({"a", "b"})}, {"Version", json::array({"one"})}}}};

TEST(Comparator, MatchesEchoedRequest) {
  json want = {{"status", 200},
               {"backend", "infra-backend-v1"},
               {"namespace", "ns"},
               {"backendRequest",
                {{"path", "/a?x=1"},
                 {"method", "GET"},
                 {"host", "example.com"},
                 {"headers", {{"x-multi", "a,b"}}},
                 {"absentHeaders", json::array({"X-Gone"})}}}};
  EXPECT_EQ(compare(want, echo(200, kEcho), "GET", "/a?x=1"), "");
}

TEST(Comparator, ReportsEachMismatch) {
  json base = {
      {"status", 200}, {"namespace", "ns"}, {"backendRequest", {{"path", "/a?x=1"}, {"method", "GET"}}}};
  json wrongPod = base;
  wrongPod["backend"] = "infra-backend-v2";
  EXPECT_NE(compare(wrongPod, echo(200, kEcho), "GET", "/"), "");
  json wrongNs = base;
  wrongNs["namespace"] = "other";
  EXPECT_NE(compare(wrongNs, echo(200, kEcho), "GET", "/"), "");
  json spaced = base;
  spaced["backendRequest"]["headers"] = {{"X-Multi", "a, b"}};  // appended values join without a space
  EXPECT_NE(compare(spaced, echo(200, kEcho), "GET", "/"), "");
  json absent = base;
  absent["backendRequest"]["absentHeaders"] = json::array({"version"});
  EXPECT_NE(compare(absent, echo(200, kEcho), "GET", "/"), "");
  json status = base;
  status["status"] = 404;
  EXPECT_NE(compare(status, echo(200, kEcho), "GET", "/"), "");
}

TEST(Comparator, TimeoutCodesAreInterchangeable) {
  ClientResponse r;
  r.status = 408;
  EXPECT_EQ(compare(json{{"status", 504}}, r, "GET", "/"), "");
  r.status = 503;
  EXPECT_NE(compare(json{{"status", 504}}, r, "GET", "/"), "");
}

TEST(Comparator, NonJsonAnswerIsNotAnEcho) {
  ClientResponse r;
  r.status = 200;
  r.headers = {{"Content-Type", "text/plain"}};
  r.body = kEcho.dump();
  // CORS preflights: path "" means "not answered by a backend".
  EXPECT_EQ(
      compare(
          json{{"status", 200}, {"namespace", ""}, {"backendRequest", {{"path", ""}, {"method", "OPTIONS"}}}},
          r, "OPTIONS", "/cors"),
      "");
  EXPECT_NE(
      compare(
          json{{"status", 200}, {"namespace", ""}, {"backendRequest", {{"path", ""}, {"method", "OPTIONS"}}}},
          echo(200, kEcho), "OPTIONS", "/cors"),
      "");
}

TEST(Comparator, RedirectLocation) {
  ClientResponse r;
  r.status = 302;
  r.headers = {{"Location", "https://example.org/path"}};
  json want = {{"status", 302},
               {"redirect", {{"scheme", "https"}, {"host", "example.org"}, {"path", "/path"}}}};
  EXPECT_EQ(compare(want, r, "GET", "/"), "");
  r.headers = {{"Location", "https://example.org:443/path"}};  // default port may be written
  EXPECT_EQ(compare(want, r, "GET", "/"), "");
  r.headers = {{"Location", "https://example.org:8443/path"}};
  EXPECT_NE(compare(want, r, "GET", "/"), "");
  want["redirect"]["port"] = 8443;
  EXPECT_EQ(compare(want, r, "GET", "/"), "");
}

TEST(Comparator, DeploymentOfPod) {
  EXPECT_EQ(deploymentOfPod("infra-backend-v1-7d9f8c6b5-x2k4q"), "infra-backend-v1");
}

TEST(RoundTripper, GoHeaderCanonicalisation) {
  EXPECT_EQ(canonicalHeaderKey("x-header-set"), "X-Header-Set");
  EXPECT_EQ(canonicalHeaderKey("access-control-request-method"), "Access-Control-Request-Method");
}

TEST(RoundTripper, GoHostnameRules) {
  EXPECT_TRUE(goHostnameMatch({"*.org"}, "example.org"));
  EXPECT_FALSE(goHostnameMatch({"*.org"}, "a.example.org"));  // one label only
  EXPECT_TRUE(goHostnameMatch({"*.wildcard.org"}, "third-example.wildcard.org"));
  EXPECT_FALSE(goHostnameMatch({"abc.example.com"}, "other.example.com"));
}

}  // namespace
}  // namespace portico::conformance
