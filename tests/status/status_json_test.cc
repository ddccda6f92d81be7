#include "status/status_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "status/sample_status.h"

namespace portico::status {
namespace {

using nlohmann::json;

constexpr const char* kTime = "2025-01-02T03:04:05Z";

json render(const StatusSet& set) {
  DocumentOptions opts;
  opts.lastTransitionTime = kTime;
  return json::parse(renderKubeList(set, opts));
}

const json& item(const json& list, std::string_view kind) {
  for (const auto& i : list["items"]) {
    if (i["kind"] == kind) return i;
  }
  static const json kMissing;
  ADD_FAILURE() << "no item of kind " << kind;
  return kMissing;
}

TEST(StatusJson, WrapsItemsInAKubernetesList) {
  json doc = render(testing::sampleStatus());
  EXPECT_EQ(doc["apiVersion"], "v1");
  EXPECT_EQ(doc["kind"], "List");
  ASSERT_TRUE(doc["items"].is_array());
  EXPECT_EQ(doc["items"].size(), 5u);
}

TEST(StatusJson, EmptySetIsAnEmptyList) {
  json doc = render(StatusSet{});
  EXPECT_EQ(doc, json::parse(R"({"apiVersion":"v1","kind":"List","items":[]})"));
}

TEST(StatusJson, ItemsOrderedByKindThenNamespaceThenName) {
  json doc = render(testing::sampleStatus());
  std::vector<std::string> kinds;
  for (const auto& i : doc["items"]) kinds.push_back(i["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"GatewayClass", "Gateway", "HTTPRoute", "ReferenceGrant",
                                             "BackendTLSPolicy"}));
}

TEST(StatusJson, DeterministicRegardlessOfInputOrder) {
  StatusSet a = testing::sampleStatus();
  StatusSet b = a;
  std::mt19937 rng(42);
  std::shuffle(b.objects.begin(), b.objects.end(), rng);
  DocumentOptions opts;
  opts.lastTransitionTime = kTime;
  EXPECT_EQ(renderKubeList(a, opts), renderKubeList(b, opts));
  EXPECT_EQ(renderKubeList(a, opts), renderKubeList(a, opts));
}

TEST(StatusJson, MetadataOmitsNamespaceForClusterScopedKinds) {
  json doc = render(testing::sampleStatus());
  const json& gc = item(doc, "GatewayClass");
  EXPECT_EQ(gc["metadata"], json::parse(R"({"name":"portico","generation":1})"));
  const json& gw = item(doc, "Gateway");
  EXPECT_EQ(gw["metadata"], json::parse(R"({"name":"quickstart","namespace":"default","generation":2})"));
}

TEST(StatusJson, ApiVersionAsWrittenElsePreferred) {
  json doc = render(testing::sampleStatus());
  EXPECT_EQ(item(doc, "ReferenceGrant")["apiVersion"], "gateway.networking.k8s.io/v1beta1");
  EXPECT_EQ(item(doc, "BackendTLSPolicy")["apiVersion"], "gateway.networking.k8s.io/v1");
}

TEST(StatusJson, ConditionFieldsAndTransitionTimeFromParameter) {
  json doc = render(testing::sampleStatus());
  const json& c = item(doc, "GatewayClass")["status"]["conditions"][0];
  EXPECT_EQ(c, json::parse(R"({"type":"Accepted","status":"True","reason":"Accepted",
      "message":"Handled by Portico","observedGeneration":1,"lastTransitionTime":"2025-01-02T03:04:05Z"})"));
}

TEST(StatusJson, ConditionKeepsItsOwnTransitionTime) {
  StatusSet set = testing::sampleStatus();
  std::get<GatewayClassStatus>(set.objects.back().status).conditions[0].lastTransitionTime =
      "2000-01-01T00:00:00Z";
  json doc = render(set);
  EXPECT_EQ(item(doc, "GatewayClass")["status"]["conditions"][0]["lastTransitionTime"],
            "2000-01-01T00:00:00Z");
}

TEST(StatusJson, GatewayClassSupportedFeaturesAreNamedObjects) {
  json doc = render(testing::sampleStatus());
  EXPECT_EQ(item(doc, "GatewayClass")["status"]["supportedFeatures"],
            json::parse(R"([{"name":"Gateway"},{"name":"HTTPRoute"}])"));
}

TEST(StatusJson, GatewayStatusShape) {
  json doc = render(testing::sampleStatus());
  const json& s = item(doc, "Gateway")["status"];
  EXPECT_EQ(s["addresses"], json::parse(R"([{"type":"IPAddress","value":"127.0.0.1"}])"));
  EXPECT_EQ(s["conditions"].size(), 2u);
  ASSERT_EQ(s["listeners"].size(), 2u);
  const json& l = s["listeners"][0];
  EXPECT_EQ(l["name"], "http");
  EXPECT_EQ(l["attachedRoutes"], 2);
  EXPECT_EQ(l["supportedKinds"], json::parse(R"([{"group":"gateway.networking.k8s.io","kind":"HTTPRoute"},
      {"group":"gateway.networking.k8s.io","kind":"GRPCRoute"}])"));
  EXPECT_EQ(l["conditions"].size(), 3u);
  EXPECT_FALSE(s.contains("attachedListenerSets")) << "only written when > 0";
}

TEST(StatusJson, AttachedListenerSetsWhenPositive) {
  StatusSet set = testing::sampleStatus();
  std::get<GatewayStatus>(set.objects[1].status).attachedListenerSets = 2;
  const json doc = render(set);
  EXPECT_EQ(item(doc, "Gateway")["status"]["attachedListenerSets"], 2);
}

TEST(StatusJson, RouteParentsShape) {
  json doc = render(testing::sampleStatus());
  const json& parents = item(doc, "HTTPRoute")["status"]["parents"];
  ASSERT_EQ(parents.size(), 1u);
  EXPECT_EQ(parents[0]["parentRef"], json::parse(R"({"group":"gateway.networking.k8s.io","kind":"Gateway",
      "namespace":"default","name":"quickstart","sectionName":"http"})"));
  EXPECT_EQ(parents[0]["controllerName"], "portico.dev/gateway-controller");
  EXPECT_EQ(parents[0]["conditions"][1]["reason"], "BackendNotFound");
  EXPECT_EQ(parents[0]["conditions"][1]["observedGeneration"], 3);
}

TEST(StatusJson, ParentRefPortOnlyWhenSet) {
  StatusSet set = testing::sampleStatus();
  auto& parent = std::get<RouteStatus>(set.objects[0].status).parents[0];
  parent.parentRef.sectionName = std::nullopt;
  parent.parentRef.port = 8080;
  const json doc = render(set);
  const json& ref = item(doc, "HTTPRoute")["status"]["parents"][0]["parentRef"];
  EXPECT_EQ(ref["port"], 8080);
  EXPECT_FALSE(ref.contains("sectionName"));
}

TEST(StatusJson, PolicyAncestorsShape) {
  json doc = render(testing::sampleStatus());
  const json& anc = item(doc, "BackendTLSPolicy")["status"]["ancestors"];
  ASSERT_EQ(anc.size(), 1u);
  EXPECT_EQ(anc[0]["ancestorRef"]["name"], "quickstart");
  EXPECT_EQ(anc[0]["ancestorRef"]["kind"], "Gateway");
  EXPECT_EQ(anc[0]["controllerName"], "portico.dev/gateway-controller");
  EXPECT_EQ(anc[0]["conditions"][0]["type"], "Accepted");
}

TEST(StatusJson, ReferenceGrantHasNoStatusKey) {
  json doc = render(testing::sampleStatus());
  const json& grant = item(doc, "ReferenceGrant");
  EXPECT_FALSE(grant.contains("status"));
  EXPECT_EQ(grant["metadata"]["namespace"], "backends");
}

TEST(StatusJson, CompactIsOneLine) {
  DocumentOptions opts;
  opts.lastTransitionTime = kTime;
  opts.pretty = false;
  std::string out = renderKubeList(testing::sampleStatus(), opts);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  EXPECT_EQ(json::parse(out), render(testing::sampleStatus()));
}

TEST(StatusJson, InvalidUtf8InMessageDoesNotThrow) {
  StatusSet set = testing::sampleStatus();
  std::get<GatewayClassStatus>(set.objects.back().status).conditions[0].message = "bad \xff byte";
  DocumentOptions opts;
  EXPECT_NO_THROW(json::parse(renderKubeList(set, opts)));
}

}  // namespace
}  // namespace portico::status
