// The Service annotation portico.dev/load-balancer -> ir::Cluster::loadBalancer
// (Gateway API has no load-balancing field; docs/spec-decisions.md).
#include <gtest/gtest.h>

#include "translate/scenario.h"

namespace portico::testing {
namespace {

std::string withService(const std::string& annotations) {
  return std::string(R"(
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
)") + annotations +
         R"(
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
)";
}

const api::Diagnostic* annotationWarning(const Scenario& s) {
  for (const auto& d : s.result.diagnostics) {
    if (d.field == "metadata.annotations[portico.dev/load-balancer]") return &d;
  }
  return nullptr;
}

TEST(LoadBalancerAnnotation, DefaultsToRoundRobin) {
  Scenario s(withService(""));
  EXPECT_EQ(s.result.ir.clusters.at("default/web:8080").loadBalancer, ir::LoadBalancer::RoundRobin);
  EXPECT_EQ(annotationWarning(s), nullptr);
}

TEST(LoadBalancerAnnotation, KnownValues) {
  Scenario lr(withService("  annotations: {portico.dev/load-balancer: least-request}"));
  EXPECT_EQ(lr.result.ir.clusters.at("default/web:8080").loadBalancer, ir::LoadBalancer::LeastRequest);
  EXPECT_EQ(annotationWarning(lr), nullptr);
  Scenario rr(withService("  annotations: {portico.dev/load-balancer: round-robin}"));
  EXPECT_EQ(rr.result.ir.clusters.at("default/web:8080").loadBalancer, ir::LoadBalancer::RoundRobin);
  EXPECT_EQ(annotationWarning(rr), nullptr);
}

TEST(LoadBalancerAnnotation, UnknownValueWarnsAndKeepsRoundRobin) {
  Scenario s(withService("  annotations: {portico.dev/load-balancer: fastest}"));
  EXPECT_EQ(s.result.ir.clusters.at("default/web:8080").loadBalancer, ir::LoadBalancer::RoundRobin);
  const api::Diagnostic* d = annotationWarning(s);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->severity, api::Severity::Warning);
  EXPECT_EQ(d->kind, "Service");
  EXPECT_EQ(d->name, "web");
  EXPECT_NE(d->message.find("\"fastest\""), std::string::npos) << d->message;
  EXPECT_NE(d->message.find("round-robin"), std::string::npos) << d->message;
  EXPECT_EQ(s.httpRouteCond("default", "r", "Accepted"), "True/Accepted") << "a typo never costs traffic";
}

}  // namespace
}  // namespace portico::testing
