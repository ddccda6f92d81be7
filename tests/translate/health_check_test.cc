// The Service annotations portico.dev/health-check-* -> ir::Cluster::healthCheck
// (Gateway API has no health-check field; docs/backend-health.md).
#include <gtest/gtest.h>

#include "translate/scenario.h"

namespace portico::testing {
namespace {

Scenario withAnnotations(const std::string& annotations) {
  return Scenario(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: portico
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
)" + annotations + R"(
spec:
  ports: [{name: http, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: web, port: 8080}]
)");
}

std::vector<std::string> warnedFields(const Scenario& s) {
  std::vector<std::string> out;
  for (const auto& d : s.result.diagnostics) {
    if (d.field.find("health-check") != std::string::npos) out.push_back(d.field);
  }
  return out;
}

TEST(HealthCheckAnnotation, OffWithoutPath) {
  auto s = withAnnotations("  annotations: {portico.dev/health-check-interval: 2s}");
  EXPECT_FALSE(s.result.ir.clusters.at("default/web:8080").healthCheck.has_value());
}

TEST(HealthCheckAnnotation, PathTurnsItOnWithDefaults) {
  auto s = withAnnotations("  annotations: {portico.dev/health-check-path: /healthz}");
  const auto& h = s.result.ir.clusters.at("default/web:8080").healthCheck;
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->path, "/healthz");
  EXPECT_EQ(h->intervalMs, ir::HealthCheck{}.intervalMs);
  EXPECT_EQ(h->unhealthyThreshold, ir::HealthCheck{}.unhealthyThreshold);
  EXPECT_TRUE(warnedFields(s).empty());
}

TEST(HealthCheckAnnotation, EveryKnob) {
  auto s = withAnnotations(R"(  annotations:
    portico.dev/health-check-path: /ready
    portico.dev/health-check-interval: 500ms
    portico.dev/health-check-timeout: 200ms
    portico.dev/health-check-healthy-threshold: "1"
    portico.dev/health-check-unhealthy-threshold: "4")");
  const auto& h = s.result.ir.clusters.at("default/web:8080").healthCheck;
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->path, "/ready");
  EXPECT_EQ(h->intervalMs, 500u);
  EXPECT_EQ(h->timeoutMs, 200u);
  EXPECT_EQ(h->healthyThreshold, 1u);
  EXPECT_EQ(h->unhealthyThreshold, 4u);
}

TEST(HealthCheckAnnotation, BadValuesWarnAndKeepDefaults) {
  auto s = withAnnotations(R"(  annotations:
    portico.dev/health-check-path: healthz
    portico.dev/health-check-interval: soon
    portico.dev/health-check-unhealthy-threshold: "0")");
  const auto& h = s.result.ir.clusters.at("default/web:8080").healthCheck;
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->path, "/");
  EXPECT_EQ(h->intervalMs, ir::HealthCheck{}.intervalMs);
  EXPECT_EQ(h->unhealthyThreshold, ir::HealthCheck{}.unhealthyThreshold);
  auto fields = warnedFields(s);
  EXPECT_EQ(fields.size(), 3u);
  EXPECT_EQ(s.httpRouteCond("default", "r", "Accepted"), "True/Accepted") << "a typo never costs traffic";
}

}  // namespace
}  // namespace portico::testing
