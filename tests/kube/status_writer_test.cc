// Status writes (issue 9): the pure merge (status_merge.h) and the writer
// against the scripted FakeClient: only our entries, lastTransitionTime
// kept, observedGeneration, no write when unchanged (and no request at all
// for an unchanged translation), 409 retried on a fresh read, 404 skipped.
#include "kube/status_writer.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "kube/fake_apiserver.h"
#include "kube/fake_client.h"
#include "kube/resources.h"
#include "kube/status_merge.h"
#include "status/sample_status.h"
#include "status/status_json.h"
#include "support/test_support.h"
#include "translate/translator.h"

namespace portico {
namespace {

using nlohmann::json;
using testing::FakeClient;

constexpr const char* kOurs = "portico.dev/gateway-controller";
constexpr const char* kOther = "example.com/other-controller";
constexpr const char* kT0 = "2026-01-01T00:00:00Z";
constexpr const char* kT1 = "2026-01-02T00:00:00Z";
constexpr const char* kT2 = "2026-01-03T00:00:00Z";

// Two classes (ours and another controller's), a Gateway of each, and a
// route attached to both; a ReferenceGrant (no status).
constexpr const char* kYaml = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: other}
spec: {controllerName: example.com/other-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default, generation: 2}
spec:
  gatewayClassName: portico
  listeners:
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: foreign, namespace: default}
spec:
  gatewayClassName: other
  listeners:
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default, generation: 4}
spec:
  parentRefs: [{name: foreign}, {name: gw}]
  rules:
  - backendRefs: [{name: echo, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: grant, namespace: default}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
  to: [{group: "", kind: Service}]
)";

status::StatusSet translateYaml(const std::string& yaml) {
  return translate::translate(testing::loadOk(yaml).snapshot).status;
}

const status::ObjectStatus& find(const status::StatusSet& set, api::Kind kind, const std::string& ns,
                                 const std::string& name) {
  const auto* o = set.find(kind, ns, name);
  EXPECT_NE(o, nullptr) << name;
  return *o;
}

std::string pathOf(api::Kind kind, const std::string& ns, const std::string& name) {
  return kube::resourcePath(*kube::resourceForKind(kind), ns, name);
}

// What the API server holds for an object before any controller writes
// (GatewayClass and Gateway CRDs default their status to Pending).
json liveObject(api::Kind kind, const std::string& ns, const std::string& name, int generation,
                json status = nullptr) {
  json meta{{"name", name}, {"generation", generation}, {"uid", "uid-" + name}, {"resourceVersion", "7"}};
  if (!ns.empty()) meta["namespace"] = ns;
  json o{{"apiVersion", "gateway.networking.k8s.io/v1"},
         {"kind", std::string(api::kindName(kind))},
         {"metadata", meta},
         {"spec", json::object()}};
  if (!status.is_null()) o["status"] = std::move(status);
  return o;
}

json pendingStatus() {
  return json{{"conditions",
               {{{"type", "Accepted"},
                 {"status", "Unknown"},
                 {"reason", "Pending"},
                 {"message", "Waiting for controller"},
                 {"observedGeneration", 0},
                 {"lastTransitionTime", "1970-01-01T00:00:00Z"}}}}};
}

json otherParent() {
  return json{{"parentRef",
               {{"group", "gateway.networking.k8s.io"},
                {"kind", "Gateway"},
                {"namespace", "default"},
                {"name", "foreign"}}},
              {"controllerName", kOther},
              {"conditions",
               {{{"type", "Accepted"},
                 {"status", "True"},
                 {"reason", "Accepted"},
                 {"message", "theirs"},
                 {"observedGeneration", 3},
                 {"lastTransitionTime", kT0}}}}};
}

json conditionOf(const json& conds, const std::string& type) {
  for (const auto& c : conds)
    if (c["type"] == type) return c;
  return nullptr;
}

// ---------------------------------------------------------------- the merge

TEST(StatusStanza, SameAsTheListItem) {
  // The writer's per-object stanza must never drift from `portico status`.
  const auto set = testing::sampleStatus();
  status::DocumentOptions opts;
  opts.lastTransitionTime = kT0;
  const json list = json::parse(status::renderKubeList(set, opts));
  size_t withStatus = 0;
  for (const auto& o : set.objects) {
    const std::string stanza = status::renderStatusStanza(o, opts);
    bool found = false;
    for (const auto& item : list["items"]) {
      if (item["metadata"]["name"] != o.name || item["kind"] != api::kindName(o.kind)) continue;
      found = true;
      if (item.contains("status")) {
        ++withStatus;
        EXPECT_EQ(json::parse(stanza), item["status"]) << o.name;
      } else {
        EXPECT_EQ(stanza, "") << o.name;
      }
    }
    EXPECT_TRUE(found) << o.name;
  }
  EXPECT_GT(withStatus, 3u);
}

TEST(StatusMerge, WritesOnlyObjectsOurTranslationOwns) {
  const auto set = translateYaml(kYaml);
  EXPECT_TRUE(kube::writesStatus(find(set, api::Kind::GatewayClass, "", "portico")));
  EXPECT_FALSE(kube::writesStatus(find(set, api::Kind::GatewayClass, "", "other")));
  EXPECT_TRUE(kube::writesStatus(find(set, api::Kind::Gateway, "default", "gw")));
  EXPECT_FALSE(kube::writesStatus(find(set, api::Kind::Gateway, "default", "foreign")));
  EXPECT_TRUE(kube::writesStatus(find(set, api::Kind::HTTPRoute, "default", "web")));
  EXPECT_FALSE(kube::writesStatus(find(set, api::Kind::ReferenceGrant, "default", "grant")));
  // The merge itself never writes them either.
  EXPECT_FALSE(kube::mergeStatus(find(set, api::Kind::Gateway, "default", "foreign"),
                                 liveObject(api::Kind::Gateway, "default", "foreign", 1).dump(), kOurs, kT1)
                   .changed);
  EXPECT_FALSE(kube::mergeStatus(find(set, api::Kind::ReferenceGrant, "default", "grant"),
                                 liveObject(api::Kind::ReferenceGrant, "default", "grant", 1).dump(), kOurs,
                                 kT1)
                   .changed);
}

TEST(StatusMerge, RouteKeepsOtherControllersParentsInPlace) {
  const auto set = translateYaml(kYaml);
  const auto& route = find(set, api::Kind::HTTPRoute, "default", "web");
  // Live: another controller's parent first, our old entry for gw written
  // without the defaults (group/kind/namespace), and a stale entry of ours
  // for a parent the route no longer has.
  json ourOld{{"parentRef", {{"name", "gw"}}},
              {"controllerName", kOurs},
              {"conditions",
               {{{"type", "Accepted"},
                 {"status", "True"},
                 {"reason", "Accepted"},
                 {"message", "old"},
                 {"observedGeneration", 3},
                 {"lastTransitionTime", kT0}},
                {{"type", "ResolvedRefs"},
                 {"status", "False"},
                 {"reason", "BackendNotFound"},
                 {"message", "old"},
                 {"observedGeneration", 3},
                 {"lastTransitionTime", kT0}}}}};
  json stale{{"parentRef", {{"name", "gone"}, {"namespace", "default"}}},
             {"controllerName", kOurs},
             {"conditions", json::array()}};
  json third = otherParent();
  third["parentRef"]["name"] = "mesh";
  const json live = liveObject(api::Kind::HTTPRoute, "default", "web", 4,
                               {{"parents", {otherParent(), ourOld, stale, third}}});

  const auto m = kube::mergeStatus(route, live.dump(), kOurs, kT1);
  ASSERT_TRUE(m.error.empty()) << m.error;
  ASSERT_TRUE(m.changed);
  const json merged = json::parse(m.status);
  ASSERT_EQ(merged["parents"].size(), 3u) << merged.dump(2);
  EXPECT_EQ(merged["parents"][0], otherParent());  // untouched, same place
  const json& ours = merged["parents"][1];         // replaced in place
  EXPECT_EQ(ours["controllerName"], kOurs);
  EXPECT_EQ(ours["parentRef"]["name"], "gw");
  EXPECT_EQ(merged["parents"][2], third);  // the stale entry of ours is gone
  // Accepted stayed True: its transition time is kept; ResolvedRefs went
  // False → True: stamped now. observedGeneration is the route's.
  const json accepted = conditionOf(ours["conditions"], "Accepted");
  EXPECT_EQ(accepted["lastTransitionTime"], kT0);
  EXPECT_EQ(accepted["observedGeneration"], 4);
  EXPECT_NE(accepted["message"], "old");
  const json resolved = conditionOf(ours["conditions"], "ResolvedRefs");
  EXPECT_EQ(resolved["status"], "True");
  EXPECT_EQ(resolved["lastTransitionTime"], kT1);
  EXPECT_EQ(resolved["observedGeneration"], 4);

  // The PUT body is the live object (metadata, spec, resourceVersion) with
  // the merged status.
  const json object = json::parse(m.object);
  EXPECT_EQ(object["metadata"], live["metadata"]);
  EXPECT_EQ(object["spec"], live["spec"]);
  EXPECT_EQ(object["status"], merged);

  // Merging again onto what was written: nothing to do (idempotent).
  const auto again = kube::mergeStatus(route, object.dump(), kOurs, kT2);
  EXPECT_FALSE(again.changed) << again.status;
}

TEST(StatusMerge, AppendsANewParentAfterOthers) {
  const auto set = translateYaml(kYaml);
  const json live = liveObject(api::Kind::HTTPRoute, "default", "web", 4, {{"parents", {otherParent()}}});
  const auto m =
      kube::mergeStatus(find(set, api::Kind::HTTPRoute, "default", "web"), live.dump(), kOurs, kT1);
  ASSERT_TRUE(m.changed);
  const json merged = json::parse(m.status);
  ASSERT_EQ(merged["parents"].size(), 2u);
  EXPECT_EQ(merged["parents"][0], otherParent());
  EXPECT_EQ(merged["parents"][1]["controllerName"], kOurs);
  for (const auto& c : merged["parents"][1]["conditions"]) {
    EXPECT_EQ(c["lastTransitionTime"], kT1);
    EXPECT_EQ(c["observedGeneration"], 4);
  }
}

TEST(StatusMerge, RouteWithNothingOfOursIsNotWritten) {
  // A route attached only to another controller's Gateway: the translation
  // has no parent entry, the server none of ours: never write `parents: []`.
  const auto set = translateYaml(std::string(kYaml) + R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: theirs, namespace: default}
spec:
  parentRefs: [{name: foreign}]
)");
  const auto& route = find(set, api::Kind::HTTPRoute, "default", "theirs");
  EXPECT_FALSE(
      kube::mergeStatus(route, liveObject(api::Kind::HTTPRoute, "default", "theirs", 1).dump(), kOurs, kT1)
          .changed);
  EXPECT_FALSE(
      kube::mergeStatus(
          route,
          liveObject(api::Kind::HTTPRoute, "default", "theirs", 1, {{"parents", {otherParent()}}}).dump(),
          kOurs, kT1)
          .changed);
  // But an entry of ours left from before (the route moved away from our
  // Gateway) is removed.
  json ours = otherParent();
  ours["controllerName"] = kOurs;
  ours["parentRef"]["name"] = "gw";
  const auto m = kube::mergeStatus(
      route,
      liveObject(api::Kind::HTTPRoute, "default", "theirs", 1, {{"parents", {otherParent(), ours}}}).dump(),
      kOurs, kT1);
  ASSERT_TRUE(m.changed);
  EXPECT_EQ(json::parse(m.status), json({{"parents", {otherParent()}}}));
}

TEST(StatusMerge, GatewayStatusIsWhollyOursWithListenerTimesKept) {
  const auto set = translateYaml(kYaml);
  const auto& gw = find(set, api::Kind::Gateway, "default", "gw");
  // First write over the CRD default.
  const json live = liveObject(api::Kind::Gateway, "default", "gw", 2, pendingStatus());
  const auto first = kube::mergeStatus(gw, live.dump(), kOurs, kT1);
  ASSERT_TRUE(first.changed);
  const json written = json::parse(first.status);
  EXPECT_EQ(conditionOf(written["conditions"], "Accepted")["status"], "True");
  EXPECT_EQ(conditionOf(written["conditions"], "Accepted")["lastTransitionTime"], kT1);  // Unknown → True
  EXPECT_EQ(conditionOf(written["conditions"], "Accepted")["observedGeneration"], 2);
  ASSERT_EQ(written["listeners"].size(), 1u);

  // A later translation of the same object: times kept, nothing to write.
  json after = live;
  after["status"] = written;
  EXPECT_FALSE(kube::mergeStatus(gw, after.dump(), kOurs, kT2).changed);

  // Someone flipped a listener condition on the server: it is rewritten,
  // stamped now; the other listener conditions keep their time.
  for (auto& c : after["status"]["listeners"][0]["conditions"])
    if (c["type"] == "ResolvedRefs") c["status"] = "False";
  const auto fix = kube::mergeStatus(gw, after.dump(), kOurs, kT2);
  ASSERT_TRUE(fix.changed);
  const json fixed = json::parse(fix.status);
  const json& lconds = fixed["listeners"][0]["conditions"];
  EXPECT_EQ(conditionOf(lconds, "ResolvedRefs")["lastTransitionTime"], kT2);
  EXPECT_EQ(conditionOf(lconds, "Accepted")["lastTransitionTime"], kT1);
  EXPECT_EQ(fixed["conditions"], written["conditions"]);
}

TEST(StatusMerge, PolicyAncestorsKeepOtherControllers) {
  status::ObjectStatus policy;
  policy.kind = api::Kind::BackendTLSPolicy;
  policy.apiVersion = "gateway.networking.k8s.io/v1";
  policy.namespace_ = "default";
  policy.name = "tls";
  policy.generation = 5;
  status::PolicyAncestorStatus a;
  a.ancestorRef.name = "gw";
  a.ancestorRef.namespace_ = "default";
  a.controllerName = kOurs;
  a.conditions = {testing::cond("Accepted", "True", "Accepted", "policy accepted", 5)};
  status::PolicyAncestorStatus foreign = a;
  foreign.controllerName = kOther;  // never written by us even if the translation had it
  policy.status = status::PolicyStatus{{foreign, a}};

  json theirs{{"ancestorRef",
               {{"group", "gateway.networking.k8s.io"},
                {"kind", "Gateway"},
                {"namespace", "default"},
                {"name", "mesh"}}},
              {"controllerName", kOther},
              {"conditions", json::array()}};
  json live = liveObject(api::Kind::BackendTLSPolicy, "default", "tls", 5, {{"ancestors", {theirs}}});
  const auto m = kube::mergeStatus(policy, live.dump(), kOurs, kT1);
  ASSERT_TRUE(m.changed);
  const json merged = json::parse(m.status);
  ASSERT_EQ(merged["ancestors"].size(), 2u);
  EXPECT_EQ(merged["ancestors"][0], theirs);
  EXPECT_EQ(merged["ancestors"][1]["controllerName"], kOurs);
  EXPECT_EQ(merged["ancestors"][1]["conditions"][0]["observedGeneration"], 5);
  live["status"] = merged;
  EXPECT_FALSE(kube::mergeStatus(policy, live.dump(), kOurs, kT2).changed);
}

TEST(StatusMerge, ConditionWithoutGenerationGetsTheObjects) {
  status::ObjectStatus gc;
  gc.kind = api::Kind::GatewayClass;
  gc.name = "portico";
  gc.generation = 9;
  gc.status = status::GatewayClassStatus{{testing::cond("Accepted", "True", "Accepted", "", 0)}, {}};
  const auto m =
      kube::mergeStatus(gc, liveObject(api::Kind::GatewayClass, "", "portico", 9).dump(), kOurs, kT1);
  ASSERT_TRUE(m.changed);
  EXPECT_EQ(json::parse(m.status)["conditions"][0]["observedGeneration"], 9);
}

TEST(StatusMerge, NotAnObjectIsAnError) {
  const auto set = translateYaml(kYaml);
  const auto m = kube::mergeStatus(find(set, api::Kind::HTTPRoute, "default", "web"), "[1,2]", kOurs, kT1);
  EXPECT_FALSE(m.error.empty());
  EXPECT_FALSE(m.changed);
}

// ---------------------------------------------------------------- the writer

class StatusWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_ = translateYaml(kYaml);
    client_.store(pathOf(api::Kind::GatewayClass, "", "portico"),
                  liveObject(api::Kind::GatewayClass, "", "portico", 1, pendingStatus()));
    client_.store(pathOf(api::Kind::GatewayClass, "", "other"),
                  liveObject(api::Kind::GatewayClass, "", "other", 1, pendingStatus()));
    client_.store(pathOf(api::Kind::Gateway, "default", "gw"),
                  liveObject(api::Kind::Gateway, "default", "gw", 2, pendingStatus()));
    client_.store(pathOf(api::Kind::Gateway, "default", "foreign"),
                  liveObject(api::Kind::Gateway, "default", "foreign", 1, pendingStatus()));
    client_.store(routePath(),
                  liveObject(api::Kind::HTTPRoute, "default", "web", 4, {{"parents", {otherParent()}}}));
  }

  static std::string routePath() { return pathOf(api::Kind::HTTPRoute, "default", "web"); }
  json route() const { return *client_.object(routePath()); }

  FakeClient client_;
  status::StatusSet set_;
};

TEST_F(StatusWriterTest, WritesOursThroughTheStatusSubresource) {
  kube::StatusWriter writer(client_, {kOurs, 5});
  const auto r = writer.publish(set_, kT1);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_EQ(r.written, 3u);  // class portico, Gateway gw, route web
  EXPECT_EQ(r.unchanged, 0u);
  EXPECT_EQ(r.failed, 0u);
  for (const auto& c : client_.calls()) {
    if (c.method == "PUT") {
      EXPECT_TRUE(c.path.ends_with("/status")) << c.path;
      EXPECT_EQ(c.status, 200);
    }
    EXPECT_EQ(c.path.find("/other"), std::string::npos) << "never touches another controller's class";
    EXPECT_EQ(c.path.find("/foreign"), std::string::npos) << "nor its Gateway";
    EXPECT_EQ(c.path.find("referencegrants"), std::string::npos);
  }
  EXPECT_EQ(client_.count("PUT"), 3u);
  EXPECT_EQ(client_.count("GET"), 3u);
  const json parents = route()["status"]["parents"];
  ASSERT_EQ(parents.size(), 2u);
  EXPECT_EQ(parents[0], otherParent());
  EXPECT_EQ(parents[1]["controllerName"], kOurs);
  EXPECT_EQ(client_.object(pathOf(api::Kind::GatewayClass, "", "other"))->at("status"), pendingStatus());
}

TEST_F(StatusWriterTest, AnUnchangedTranslationMakesNoRequests) {
  kube::StatusWriter writer(client_, {kOurs, 5});
  writer.publish(set_, kT1);
  client_.clearCalls();
  const auto again = translateYaml(kYaml);  // a new translation, same result
  const auto r = writer.publish(again, kT2);
  EXPECT_EQ(r.written, 0u);
  EXPECT_EQ(r.unchanged, 3u);
  EXPECT_TRUE(client_.calls().empty());
}

TEST_F(StatusWriterTest, AfterResetComparesWithTheServerAndKeepsTimes) {
  kube::StatusWriter writer(client_, {kOurs, 5});
  writer.publish(set_, kT1);
  const json before = route();
  writer.reset();  // e.g. leadership regained: another replica may have written
  client_.clearCalls();
  const auto r = writer.publish(set_, kT2);
  EXPECT_EQ(r.written, 0u);
  EXPECT_EQ(r.unchanged, 3u);
  EXPECT_EQ(client_.count("GET"), 3u);
  EXPECT_EQ(client_.count("PUT"), 0u);
  EXPECT_EQ(route(), before);
  EXPECT_EQ(route()["status"]["parents"][1]["conditions"][0]["lastTransitionTime"], kT1);
}

TEST_F(StatusWriterTest, ANewGenerationKeepsTransitionTimesAndBumpsObservedGeneration) {
  kube::StatusWriter writer(client_, {kOurs, 5});
  writer.publish(set_, kT1);
  std::string yaml = kYaml;
  yaml.replace(yaml.find("name: web, namespace: default, generation: 4"), 44,
               "name: web, namespace: default, generation: 5");
  client_.clearCalls();
  const auto r = writer.publish(translateYaml(yaml), kT2);
  EXPECT_EQ(r.written, 1u);
  EXPECT_EQ(r.unchanged, 2u);
  const json conditions = route()["status"]["parents"][1]["conditions"];
  ASSERT_FALSE(conditions.empty());
  for (const auto& c : conditions) {
    EXPECT_EQ(c["observedGeneration"], 5);
    EXPECT_EQ(c["lastTransitionTime"], kT1) << c["type"];  // status unchanged
  }
}

TEST_F(StatusWriterTest, ConflictIsRetriedOnAFreshRead) {
  // Between our GET and PUT another controller adds its own parent entry:
  // the PUT meets 409, the writer reads again and keeps that entry.
  json added = otherParent();
  added["parentRef"]["name"] = "mesh";
  bool once = false;
  client_.setHandler([&](const testing::FakeCall& c) -> std::optional<kube::Response> {
    if (c.method == "PUT" && c.path == routePath() + "/status" && !once) {
      once = true;
      json o = route();
      o["status"]["parents"].push_back(added);
      client_.store(routePath(), o);  // new resourceVersion: our PUT is now stale
    }
    return std::nullopt;
  });
  kube::StatusWriter writer(client_, {kOurs, 5});
  const auto r = writer.publish(set_, kT1);
  EXPECT_EQ(r.conflicts, 1u);
  EXPECT_EQ(r.written, 3u);
  EXPECT_EQ(r.failed, 0u);
  EXPECT_EQ(client_.count("GET", routePath() + "/status"), 2u);
  const json parents = route()["status"]["parents"];
  ASSERT_EQ(parents.size(), 3u);
  EXPECT_EQ(parents[0], otherParent());
  EXPECT_EQ(parents[1], added);
  EXPECT_EQ(parents[2]["controllerName"], kOurs);
}

TEST_F(StatusWriterTest, GivesUpAfterConflictRetries) {
  client_.setHandler([&](const testing::FakeCall& c) -> std::optional<kube::Response> {
    if (c.method == "PUT" && c.path == routePath() + "/status")
      return FakeClient::status(409, "Conflict", "the object has been modified");
    return std::nullopt;
  });
  kube::StatusWriter writer(client_, {kOurs, 2});
  const auto r = writer.publish(set_, kT1);
  EXPECT_EQ(r.conflicts, 3u);  // the first attempt and two retries
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.written, 2u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(r.errors[0].starts_with("HTTPRoute default/web: gave up after 3 conflicts: 409 Conflict"))
      << r.errors[0];
  // Not remembered as written: the next publish tries again.
  client_.setHandler(nullptr);
  client_.clearCalls();
  const auto next = writer.publish(set_, kT2);
  EXPECT_EQ(next.written, 1u);
  EXPECT_EQ(client_.count("PUT"), 1u);
}

TEST_F(StatusWriterTest, ErrorsNameTheObjectAndTheServersMessage) {
  client_.script(
      "PUT", routePath() + "/status",
      FakeClient::status(403, "Forbidden", "httproutes.gateway.networking.k8s.io \"web\" is forbidden"));
  kube::StatusWriter writer(client_, {kOurs, 5});
  const auto r = writer.publish(set_, kT1);
  EXPECT_EQ(r.failed, 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(
      r.errors[0],
      "HTTPRoute default/web: 403 Forbidden: httproutes.gateway.networking.k8s.io \"web\" is forbidden");
}

TEST_F(StatusWriterTest, DeletedObjectIsSkippedNotFailed) {
  client_.script("GET", routePath() + "/status", FakeClient::status(404, "NotFound", "gone"));
  kube::StatusWriter writer(client_, {kOurs, 5});
  const auto r = writer.publish(set_, kT1);
  EXPECT_EQ(r.failed, 0u);
  EXPECT_EQ(r.unchanged, 1u);
  EXPECT_EQ(r.written, 2u);
  EXPECT_EQ(client_.count("PUT", routePath() + "/status"), 0u);
}

TEST_F(StatusWriterTest, ObjectsThatLeaveTheSetAreForgotten) {
  kube::StatusWriter writer(client_, {kOurs, 5});
  writer.publish(set_, kT1);
  status::StatusSet without = set_;
  std::erase_if(without.objects, [](const auto& o) { return o.kind == api::Kind::HTTPRoute; });
  writer.publish(without, kT1);
  client_.clearCalls();
  // Back again (re-created): compared with the server, not with memory.
  writer.publish(set_, kT2);
  EXPECT_EQ(client_.count("GET", routePath() + "/status"), 1u);
}

// ------------------------------------------- against the test API server
// The real HTTPS client (client_impl.cc) and the test API server, which
// speaks the wire protocol and rejects unknown fields (422).

namespace integration {

std::unique_ptr<kube::Client> realClient(const testing::FakeApiServer& server) {
  kube::ClusterConfig c;
  c.server = server.url();
  c.caPem = server.caPem();
  c.bearerToken = server.token();
  c.origin = "test";
  return kube::Client::create(c);
}

json scalar(const YAML::Node& n) {
  const std::string s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted: always a string
  if (s == "true" || s == "false") return s == "true";
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return v;
  return s;
}

json toJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.Scalar()] = toJson(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& v : n) a.push_back(toJson(v));
      return a;
    }
    case YAML::NodeType::Scalar:
      return scalar(n);
    default:
      return nullptr;
  }
}

// Applies every document (as kubectl apply would), without the
// server-owned metadata the YAML sets for the translator (generation).
void applyAll(testing::FakeApiServer& server, const std::string& yaml) {
  for (const auto& doc : YAML::LoadAll(yaml)) {
    json o = toJson(doc);
    if (o.is_null()) continue;
    o["metadata"].erase("generation");
    server.apply(o);
  }
}

// kYaml with the generations the server assigns: 1 on create.
std::string atGeneration(std::string yaml, int route) {
  const auto replace = [&](const std::string& from, const std::string& to) {
    yaml.replace(yaml.find(from), from.size(), to);
  };
  replace("name: gw, namespace: default, generation: 2", "name: gw, namespace: default, generation: 1");
  replace("name: web, namespace: default, generation: 4",
          "name: web, namespace: default, generation: " + std::to_string(route));
  return yaml;
}

json routeOnServer(const testing::FakeApiServer& server) {
  return server.get("gateway.networking.k8s.io/v1", "HTTPRoute", "default", "web");
}

TEST(StatusWriterApiServer, WritesOursKeepsTheirsRetriesConflictsKeepsTimes) {
  auto server = testing::FakeApiServer::start();
  ASSERT_TRUE(server);
  auto client = realClient(*server);
  applyAll(*server, atGeneration(kYaml, 1));

  // Another controller wrote its parent entry first (through the status
  // subresource, as it would).
  const std::string routeUrl = pathOf(api::Kind::HTTPRoute, "default", "web");
  json route = routeOnServer(*server);
  ASSERT_TRUE(route.is_object());
  route["status"] = {{"parents", {otherParent()}}};
  const auto theirs = client->request("PUT", routeUrl + "/status", route.dump());
  ASSERT_EQ(theirs.status, 200) << theirs.body;

  kube::StatusWriter writer(*client, {kOurs, 5});
  auto r = writer.publish(translateYaml(atGeneration(kYaml, 1)), kT1);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_EQ(r.written, 3u);
  json parents = routeOnServer(*server)["status"]["parents"];
  ASSERT_EQ(parents.size(), 2u) << parents.dump(2);
  EXPECT_EQ(parents[0], otherParent());
  EXPECT_EQ(parents[1]["controllerName"], kOurs);
  const json gwStatus = server->get("gateway.networking.k8s.io/v1", "Gateway", "default", "gw")["status"];
  EXPECT_EQ(conditionOf(gwStatus["conditions"], "Accepted")["status"], "True");
  // Another controller's class and Gateway keep the CRD default.
  for (const char* name : {"other"}) {
    const json gc = server->get("gateway.networking.k8s.io/v1", "GatewayClass", "", name);
    EXPECT_FALSE(gc.contains("status") && gc["status"].contains("supportedFeatures")) << gc.dump();
  }
  for (const auto& req : server->requests()) {
    if (req.subresource == "status" && req.method == "PUT") {
      EXPECT_NE(req.name, "foreign");
      EXPECT_NE(req.name, "other");
      EXPECT_LT(req.status, 300) << req.resource << " " << req.name;
    }
  }

  // The same translation again: no request at all.
  const size_t before = server->requests().size();
  r = writer.publish(translateYaml(atGeneration(kYaml, 1)), kT2);
  EXPECT_EQ(r.unchanged, 3u);
  EXPECT_EQ(server->requests().size(), before);

  // The user edits the route (generation 2); our first status write meets
  // a 409 and succeeds on a fresh read. Conditions whose status did not
  // change keep their lastTransitionTime; observedGeneration moves.
  route = routeOnServer(*server);
  json edit{{"apiVersion", route["apiVersion"]},
            {"kind", "HTTPRoute"},
            {"metadata", {{"name", "web"}, {"namespace", "default"}}},
            {"spec", route["spec"]}};
  edit["spec"]["hostnames"] = {"web.example.com"};
  server->apply(edit);
  ASSERT_EQ(routeOnServer(*server)["metadata"]["generation"], 2);
  std::string edited = atGeneration(kYaml, 2);
  const std::string refs = "  parentRefs: [{name: foreign}, {name: gw}]";
  edited.replace(edited.find(refs), refs.size(), "  hostnames: [web.example.com]\n" + refs);
  server->injectStatusConflicts(1);
  r = writer.publish(translateYaml(edited), kT2);
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_EQ(r.conflicts, 1u);
  EXPECT_EQ(r.written, 1u);
  parents = routeOnServer(*server)["status"]["parents"];
  ASSERT_EQ(parents.size(), 2u) << parents.dump(2);
  EXPECT_EQ(parents[0], otherParent());
  ASSERT_FALSE(parents[1]["conditions"].empty());
  for (const auto& c : parents[1]["conditions"]) {
    EXPECT_EQ(c["observedGeneration"], 2) << c.dump();
    EXPECT_EQ(c["lastTransitionTime"], kT1) << c.dump();
  }
}

}  // namespace integration

}  // namespace
}  // namespace portico
