// Events (issue 9): which transitions make an Event, and the recorder's
// core/v1 Event objects and de-duplication (a repeat PATCHes count and
// lastTimestamp), against the scripted FakeClient.
#include "kube/events.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "kube/fake_apiserver.h"
#include "kube/fake_client.h"
#include "kube/resources.h"
#include "status/sample_status.h"
#include "support/test_support.h"
#include "translate/translator.h"

namespace portico {
namespace {

using nlohmann::json;
using testing::cond;
using testing::FakeClient;

constexpr const char* kOurs = "portico.dev/gateway-controller";

status::ObjectStatus route(std::vector<api::Condition> conds, std::string parent = "gw") {
  status::ObjectStatus o;
  o.kind = api::Kind::HTTPRoute;
  o.apiVersion = "gateway.networking.k8s.io/v1";
  o.namespace_ = "default";
  o.name = "web";
  status::RouteParentStatus p;
  p.parentRef.namespace_ = "default";
  p.parentRef.name = std::move(parent);
  p.controllerName = kOurs;
  p.conditions = std::move(conds);
  o.status = status::RouteStatus{{p}};
  return o;
}

status::ObjectStatus gateway(std::vector<api::Condition> conds, std::vector<api::Condition> listener) {
  status::ObjectStatus o;
  o.kind = api::Kind::Gateway;
  o.apiVersion = "gateway.networking.k8s.io/v1";
  o.namespace_ = "default";
  o.name = "gw";
  status::ListenerStatus l;
  l.name = "https";
  l.conditions = std::move(listener);
  o.status = status::GatewayStatus{{}, std::move(conds), {l}, 0};
  return o;
}

status::StatusSet setOf(std::vector<status::ObjectStatus> objects) {
  status::StatusSet s;
  s.objects = std::move(objects);
  return s;
}

std::vector<std::string> reasons(const std::vector<kube::EventSpec>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type + " " + e.reason);
  return out;
}

using Reasons = std::vector<std::string>;

TEST(EventsForTransitions, RouteDetachedAndNotAccepted) {
  const auto accepted = route({cond("Accepted", "True", "Accepted", "")});
  const auto refused =
      route({cond("Accepted", "False", "NotAllowedByListeners", "no listener allows HTTPRoute")});
  // True → False: detached.
  auto events = kube::eventsForTransitions(setOf({accepted}), setOf({refused}));
  ASSERT_EQ(reasons(events), Reasons{"Warning RouteDetached"});
  EXPECT_EQ(events[0].kind, "HTTPRoute");
  EXPECT_EQ(events[0].apiVersion, "gateway.networking.k8s.io/v1");
  EXPECT_EQ(events[0].namespace_, "default");
  EXPECT_EQ(events[0].name, "web");
  EXPECT_EQ(events[0].message, "Gateway default/gw: NotAllowedByListeners: no listener allows HTTPRoute");
  // Newly False (a new route, or from Unknown): not accepted.
  EXPECT_EQ(reasons(kube::eventsForTransitions(setOf({}), setOf({refused}))),
            Reasons{"Warning RouteNotAccepted"});
  EXPECT_EQ(reasons(kube::eventsForTransitions(setOf({route({cond("Accepted", "Unknown", "Pending", "")})}),
                                               setOf({refused}))),
            Reasons{"Warning RouteNotAccepted"});
  // Still False for the same reason: nothing new; for another reason: told.
  EXPECT_TRUE(kube::eventsForTransitions(setOf({refused}), setOf({refused})).empty());
  EXPECT_EQ(
      reasons(kube::eventsForTransitions(
          setOf({refused}), setOf({route({cond("Accepted", "False", "NoMatchingListenerHostname", "")})}))),
      Reasons{"Warning RouteNotAccepted"});
  // Accepted again, or a parent that is new and fine: nothing.
  EXPECT_TRUE(kube::eventsForTransitions(setOf({refused}), setOf({accepted})).empty());
  EXPECT_TRUE(kube::eventsForTransitions(setOf({}), setOf({accepted})).empty());
}

TEST(EventsForTransitions, BackendRefInvalid) {
  const auto ok =
      route({cond("Accepted", "True", "Accepted", ""), cond("ResolvedRefs", "True", "ResolvedRefs", "")});
  const auto broken =
      route({cond("Accepted", "True", "Accepted", ""),
             cond("ResolvedRefs", "False", "BackendNotFound", "Service default/echo not found")});
  auto events = kube::eventsForTransitions(setOf({ok}), setOf({broken}));
  ASSERT_EQ(reasons(events), Reasons{"Warning BackendRefInvalid"});
  EXPECT_EQ(events[0].message, "Gateway default/gw: BackendNotFound: Service default/echo not found");
  EXPECT_TRUE(kube::eventsForTransitions(setOf({broken}), setOf({broken})).empty());
  const auto denied = route({cond("Accepted", "True", "Accepted", ""),
                             cond("ResolvedRefs", "False", "RefNotPermitted", "no ReferenceGrant")});
  EXPECT_EQ(reasons(kube::eventsForTransitions(setOf({broken}), setOf({denied}))),
            Reasons{"Warning BackendRefInvalid"});
}

TEST(EventsForTransitions, ListenerCertificateAndConflict) {
  const auto fine = gateway(
      {cond("Programmed", "True", "Programmed", "")},
      {cond("ResolvedRefs", "True", "ResolvedRefs", ""), cond("Conflicted", "False", "NoConflicts", "")});
  const auto badCert =
      gateway({cond("Programmed", "True", "Programmed", "")},
              {cond("ResolvedRefs", "False", "InvalidCertificateRef", "Secret default/tls not found"),
               cond("Conflicted", "False", "NoConflicts", "")});
  auto events = kube::eventsForTransitions(setOf({fine}), setOf({badCert}));
  ASSERT_EQ(reasons(events), Reasons{"Warning InvalidCertificate"});
  EXPECT_EQ(events[0].kind, "Gateway");
  EXPECT_EQ(events[0].message, "listener https: Secret default/tls not found");
  EXPECT_TRUE(kube::eventsForTransitions(setOf({badCert}), setOf({badCert})).empty());
  // Another ResolvedRefs reason is not a certificate problem.
  const auto badKinds = gateway({cond("Programmed", "True", "Programmed", "")},
                                {cond("ResolvedRefs", "False", "InvalidRouteKinds", "")});
  EXPECT_TRUE(kube::eventsForTransitions(setOf({fine}), setOf({badKinds})).empty());

  const auto conflicted =
      gateway({cond("Programmed", "True", "Programmed", "")},
              {cond("Conflicted", "True", "HostnameConflict", "hostname shared with listener http")});
  events = kube::eventsForTransitions(setOf({fine}), setOf({conflicted}));
  ASSERT_EQ(reasons(events), Reasons{"Warning ListenerConflict"});
  EXPECT_EQ(events[0].message, "listener https: HostnameConflict: hostname shared with listener http");
  EXPECT_TRUE(kube::eventsForTransitions(setOf({conflicted}), setOf({conflicted})).empty());
}

TEST(EventsForTransitions, GatewayProgrammed) {
  const auto pending = gateway({cond("Programmed", "False", "Pending", "")}, {});
  const auto programmed = gateway({cond("Programmed", "True", "Programmed", "Gateway is serving")}, {});
  auto events = kube::eventsForTransitions(setOf({pending}), setOf({programmed}));
  ASSERT_EQ(reasons(events), Reasons{"Normal Programmed"});
  EXPECT_EQ(events[0].message, "Gateway is serving");
  EXPECT_TRUE(kube::eventsForTransitions(setOf({programmed}), setOf({programmed})).empty());
  // Not for a Gateway seen for the first time (a restart stays quiet).
  EXPECT_TRUE(kube::eventsForTransitions(setOf({}), setOf({programmed})).empty());
  EXPECT_TRUE(kube::eventsForTransitions(setOf({programmed}), setOf({pending})).empty());
}

TEST(EventsForTransitions, FromTheTranslator) {
  // The translator's own condition names: a TLS listener whose Secret is
  // missing, and a route to a Service that does not exist.
  const std::string base = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: portico
  listeners:
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: echo, port: 80}]
)";
  const std::string service = R"(
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec:
  ports: [{name: http, port: 80}]
)";
  const std::string https = R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: secure, namespace: default}
spec:
  gatewayClassName: portico
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    tls:
      certificateRefs: [{name: missing}]
)";
  const auto before = translate::translate(testing::loadOk(base + service).snapshot).status;
  const auto after = translate::translate(testing::loadOk(base + https).snapshot).status;
  const auto events = kube::eventsForTransitions(before, after);
  Reasons got = reasons(events);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (Reasons{"Warning BackendRefInvalid", "Warning InvalidCertificate"}));
}

// ---------------------------------------------------------------- recorder

kube::EventSpec spec(std::string kind, std::string ns, std::string name, std::string reason,
                     std::string message) {
  kube::EventSpec e;
  e.kind = std::move(kind);
  e.apiVersion = "gateway.networking.k8s.io/v1";
  e.namespace_ = std::move(ns);
  e.name = std::move(name);
  e.uid = "1234";
  e.type = "Warning";
  e.reason = std::move(reason);
  e.message = std::move(message);
  return e;
}

TEST(EventRecorder, CreatesACoreV1Event) {
  FakeClient client;
  kube::EventRecorder recorder(client, "portico");
  const auto errors =
      recorder.record({spec("HTTPRoute", "team-a", "web", "RouteDetached", "Gateway default/gw: NotAllowed")},
                      "2026-01-02T03:04:05Z");
  ASSERT_TRUE(errors.empty()) << errors.front();
  const auto calls = client.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "POST");
  EXPECT_EQ(calls[0].path, "/api/v1/namespaces/team-a/events");
  const json e = json::parse(calls[0].body);
  EXPECT_EQ(e["apiVersion"], "v1");
  EXPECT_EQ(e["kind"], "Event");
  EXPECT_EQ(e["metadata"]["namespace"], "team-a");
  EXPECT_TRUE(e["metadata"]["name"].get<std::string>().starts_with("web.")) << e["metadata"]["name"];
  EXPECT_EQ(e["involvedObject"], json({{"apiVersion", "gateway.networking.k8s.io/v1"},
                                       {"kind", "HTTPRoute"},
                                       {"name", "web"},
                                       {"namespace", "team-a"},
                                       {"uid", "1234"}}));
  EXPECT_EQ(e["reason"], "RouteDetached");
  EXPECT_EQ(e["message"], "Gateway default/gw: NotAllowed");
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["firstTimestamp"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(e["lastTimestamp"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(e["source"]["component"], "portico");
  EXPECT_EQ(e["reportingComponent"], "portico");
  EXPECT_FALSE(e["reportingInstance"].get<std::string>().empty());
  // Only core/v1 Event fields (the test API server rejects unknown ones).
  for (const auto& [k, v] : e.items()) {
    static const std::set<std::string> known{
        "apiVersion",       "kind",          "metadata", "involvedObject",
        "reason",           "message",       "type",     "count",
        "firstTimestamp",   "lastTimestamp", "source",   "reportingComponent",
        "reportingInstance"};
    EXPECT_TRUE(known.count(k)) << k;
  }
}

TEST(EventRecorder, ARepeatPatchesCountAndLastTimestamp) {
  FakeClient client;
  kube::EventRecorder recorder(client, "portico");
  const auto e = spec("HTTPRoute", "default", "web", "BackendRefInvalid", "Service default/echo not found");
  recorder.record({e}, "2026-01-02T03:04:05Z");
  const std::string name = json::parse(client.calls()[0].body)["metadata"]["name"];
  recorder.record({e}, "2026-01-02T03:05:00Z");
  recorder.record({e}, "2026-01-02T03:06:00Z");
  const auto calls = client.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[1].method, "PATCH");
  EXPECT_EQ(calls[1].path, "/api/v1/namespaces/default/events/" + name);
  EXPECT_EQ(calls[1].contentType, "application/merge-patch+json");
  EXPECT_EQ(json::parse(calls[1].body), json({{"count", 2}, {"lastTimestamp", "2026-01-02T03:05:00Z"}}));
  const json stored = *client.object("/api/v1/namespaces/default/events/" + name);
  EXPECT_EQ(stored["count"], 3);
  EXPECT_EQ(stored["lastTimestamp"], "2026-01-02T03:06:00Z");
  EXPECT_EQ(stored["firstTimestamp"], "2026-01-02T03:04:05Z");

  // Another message is another Event.
  recorder.record({spec("HTTPRoute", "default", "web", "BackendRefInvalid", "Service default/api not found")},
                  "2026-01-02T03:07:00Z");
  EXPECT_EQ(client.calls().back().method, "POST");
}

TEST(EventRecorder, ClusterScopedObjectsUseDefault) {
  FakeClient client;
  kube::EventRecorder recorder(client, "portico");
  recorder.record({spec("GatewayClass", "", "portico", "Accepted", "ok")}, "2026-01-02T03:04:05Z");
  ASSERT_EQ(client.calls().size(), 1u);
  EXPECT_EQ(client.calls()[0].path, "/api/v1/namespaces/default/events");
  const json e = json::parse(client.calls()[0].body);
  EXPECT_FALSE(e["involvedObject"].contains("namespace"));
  EXPECT_EQ(e["metadata"]["namespace"], "default");
}

TEST(EventRecorder, AnExpiredEventIsCreatedAgainAndErrorsAreReturned) {
  FakeClient client;
  kube::EventRecorder recorder(client, "portico");
  const auto e = spec("HTTPRoute", "default", "web", "RouteNotAccepted", "x");
  recorder.record({e}, "2026-01-02T03:04:05Z");
  const std::string name = json::parse(client.calls()[0].body)["metadata"]["name"];
  // The API server dropped it (Events live an hour): PATCH 404 → POST.
  client.script("PATCH", "/api/v1/namespaces/default/events/" + name,
                FakeClient::status(404, "NotFound", "gone"));
  EXPECT_TRUE(recorder.record({e}, "2026-01-02T05:00:00Z").empty());
  auto calls = client.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2].method, "POST");
  EXPECT_EQ(json::parse(calls[2].body)["count"], 1);

  client.script("POST", "/api/v1/namespaces/other/events",
                FakeClient::status(403, "Forbidden", "events is forbidden"));
  const auto errors =
      recorder.record({spec("HTTPRoute", "other", "web", "RouteNotAccepted", "x")}, "2026-01-02T05:00:00Z");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("403"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("events is forbidden"), std::string::npos) << errors[0];
}

// ------------------------------------------- against the test API server

TEST(EventRecorderApiServer, CreatesThenCountsRepeats) {
  auto server = testing::FakeApiServer::start();
  ASSERT_TRUE(server);
  kube::ClusterConfig c;
  c.server = server->url();
  c.caPem = server->caPem();
  c.bearerToken = server->token();
  c.origin = "test";
  auto client = kube::Client::create(c);
  kube::EventRecorder recorder(*client, "portico");
  const auto route =
      spec("HTTPRoute", "default", "web", "RouteDetached", "Gateway default/gw: NotAllowedByListeners");
  const auto cls = spec("GatewayClass", "", "portico", "InvalidParameters", "ConfigMap missing");
  auto errors = recorder.record({route, cls}, "2026-01-02T03:04:05Z");
  ASSERT_TRUE(errors.empty()) << errors.front();
  errors = recorder.record({route}, "2026-01-02T03:09:05Z");
  ASSERT_TRUE(errors.empty()) << errors.front();

  std::string name;
  for (const auto& r : server->requests()) {
    EXPECT_EQ(r.resource, "events");
    EXPECT_EQ(r.namespace_, "default");
    EXPECT_LT(r.status, 300) << r.verb << " " << r.name;
    if (r.verb == "patch") name = r.name;
  }
  ASSERT_FALSE(name.empty());
  const json e = server->get("v1", "Event", "default", name);
  ASSERT_TRUE(e.is_object());
  EXPECT_EQ(e["count"], 2);
  EXPECT_EQ(e["firstTimestamp"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(e["lastTimestamp"], "2026-01-02T03:09:05Z");
  EXPECT_EQ(e["involvedObject"]["kind"], "HTTPRoute");
}

}  // namespace
}  // namespace portico
