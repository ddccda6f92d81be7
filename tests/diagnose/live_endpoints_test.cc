// PD-LIVE-ENDPOINTS-OUT and PD-LIVE-SESSION-SKEW from the live facts a
// running Portico reports (/endpoints), without a data plane: the facts
// are written here, the manifests give the Service they belong to.
#include <gtest/gtest.h>

#include <deque>

#include "diagnose/diagnose.h"
#include "support/test_support.h"

namespace portico::testing {
namespace {

constexpr const char* kManifests = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: portico
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
)";

diagnose::LiveFacts withCluster(std::vector<diagnose::LiveEndpoint> eps, bool persistent) {
  diagnose::LiveFacts f;
  f.generation = 1;
  f.clusters["default/web:80"] = diagnose::LiveCluster{persistent, false, std::move(eps)};
  return f;
}

std::vector<const diagnose::Finding*> findings(const diagnose::LiveFacts& facts, const std::string& code) {
  static source::LoadResult load = loadOk(kManifests);
  static std::deque<diagnose::Report> keep;  // findings point into the reports (deque: stable)
  diagnose::Options o;
  o.live = &facts;
  keep.push_back(diagnose::diagnose(load, o));
  std::vector<const diagnose::Finding*> out;
  for (const auto& f : keep.back().findings) {
    if (f.code == code) out.push_back(&f);
  }
  return out;
}

diagnose::LiveEndpoint ep(const std::string& addr, uint64_t sessions, bool out = false) {
  return {addr, out, out ? "consecutive_5xx" : "", out ? 3000u : 0u, sessions * 3, sessions};
}

TEST(LiveEndpoints, SomeOutIsAWarningWithEveryEndpointAsEvidence) {
  auto facts = withCluster({ep("10.0.0.1:80", 0), ep("10.0.0.2:80", 0, true), ep("10.0.0.3:80", 0)}, false);
  auto some = findings(facts, "PD-LIVE-ENDPOINTS-OUT");
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0]->severity, diagnose::Severity::Warning);
  EXPECT_EQ(some[0]->object.name, "web");
  EXPECT_NE(some[0]->symptom.find("1 of 3"), std::string::npos) << some[0]->symptom;
  EXPECT_EQ(some[0]->evidence.size(), 3u);
  EXPECT_TRUE(findings(facts, "PD-LIVE-ENDPOINTS-ALL-OUT").empty());
  EXPECT_TRUE(findings(withCluster({ep("10.0.0.1:80", 0)}, false), "PD-LIVE-ENDPOINTS-OUT").empty())
      << "all in rotation: nothing to say";
}

TEST(LiveEndpoints, SessionSkewNeedsPersistenceEnoughSessionsAndMoreThanTwiceTheFairShare) {
  // 4 endpoints, 100 sessions: fair share 25.
  auto skewed = withCluster(
      {ep("10.0.0.1:80", 70), ep("10.0.0.2:80", 10), ep("10.0.0.3:80", 10), ep("10.0.0.4:80", 10)}, true);
  auto f = findings(skewed, "PD-LIVE-SESSION-SKEW");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0]->symptom.find("10.0.0.1:80 holds 70%"), std::string::npos) << f[0]->symptom;
  EXPECT_EQ(f[0]->evidence.size(), 4u);

  auto even = withCluster(
      {ep("10.0.0.1:80", 30), ep("10.0.0.2:80", 25), ep("10.0.0.3:80", 25), ep("10.0.0.4:80", 20)}, true);
  EXPECT_TRUE(findings(even, "PD-LIVE-SESSION-SKEW").empty());
  auto few = withCluster({ep("10.0.0.1:80", 7), ep("10.0.0.2:80", 1)}, true);
  EXPECT_TRUE(findings(few, "PD-LIVE-SESSION-SKEW").empty()) << "8 sessions is noise";
  auto notSticky = withCluster({ep("10.0.0.1:80", 70), ep("10.0.0.2:80", 10)}, false);
  EXPECT_TRUE(findings(notSticky, "PD-LIVE-SESSION-SKEW").empty());
}

}  // namespace
}  // namespace portico::testing
