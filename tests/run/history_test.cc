// The config history behind `portico changes`: line diffs of manifests,
// flipped conditions, the bounded list of generations, captured objects.
#include "run/history.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run/line_diff.h"
#include "run/objects.h"
#include "source/loader.h"
#include "translate/translator.h"

namespace portico::run {
namespace {

TEST(LineDiff, ShowsOnlyChangedLinesUnderTheirContext) {
  const auto d =
      compactDiff("spec:\n  hostnames: [a]\n  rules: []\n", "spec:\n  hostnames: [b]\n  rules: []\n");
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0], "  spec:");
  EXPECT_EQ(d[1], "-   hostnames: [a]");
  EXPECT_EQ(d[2], "+   hostnames: [b]");
  EXPECT_TRUE(compactDiff("same\n", "same\n").empty());
}

TEST(LineDiff, IsBounded) {
  std::string a, b;
  for (int i = 0; i < 100; ++i) {
    a += "a" + std::to_string(i) + "\n";
    b += "b" + std::to_string(i) + "\n";
  }
  const auto d = compactDiff(a, b, 10);
  ASSERT_EQ(d.size(), 11u);
  EXPECT_EQ(d.back(), "… 190 more changed lines");
}

constexpr const char* kBase = R"(apiVersion: gateway.networking.k8s.io/v1
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
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  hostnames: [HOST]
)";

std::string with(std::string host) {
  std::string s = kBase;
  s.replace(s.find("HOST"), 4, host);
  return s;
}

TEST(History, ConditionsThatFlipAreListed) {
  auto before = translate::translate(source::loadString(with("a.example.com")).snapshot).status;
  std::string changed = with("a.example.com");
  changed.replace(changed.find("[{name: gw}]"), 12, "[{name: gw, sectionName: nope}]");
  auto after = translate::translate(source::loadString(changed).snapshot).status;
  const auto flips = diffConditions(before, after);
  bool found = false;
  for (const auto& f : flips) {
    if (f.object == "HTTPRoute default/web" && f.type == "Accepted" && f.after.starts_with("False"))
      found = true;
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(diffConditions(before, before).empty());
}

TEST(History, ObjectsAddedRemovedModifiedAndKeptBounded) {
  namespace fs = std::filesystem;
  const fs::path file =
      fs::temp_directory_path() / ("portico-history-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(file) << with("a.example.com");
  auto load1 = source::loadPaths({file.string()});
  const ObjectTexts t1 = captureObjects(load1.files, load1.snapshot, load1.diagnostics, {});
  ASSERT_EQ(t1.size(), 3u);
  EXPECT_NE(t1.at("HTTPRoute default/web").yaml->find("a.example.com"), std::string::npos);
  // The Gateway goes, the route's hostname changes.
  std::string next = with("b.example.com");
  const auto gw = next.find("---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n");
  const auto route = next.find("---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute");
  next.erase(gw, route - gw);
  std::ofstream(file, std::ios::trunc) << next;
  auto load2 = source::loadPaths({file.string()});
  const ObjectTexts t2 = captureObjects(load2.files, load2.snapshot, load2.diagnostics, t1);
  fs::remove(file);
  const auto changes = diffObjects(t1, t2);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].op, "modified");
  EXPECT_EQ(changes[0].kind, "HTTPRoute");
  EXPECT_EQ(changes[1].op, "removed");
  EXPECT_EQ(changes[1].kind, "Gateway");

  History h(2);
  for (uint64_t n = 1; n <= 3; ++n) h.record(Generation{.number = n});
  ASSERT_EQ(h.generations().size(), 2u);
  EXPECT_EQ(h.generations().front().number, 2u);
  const auto doc = nlohmann::json::parse(historyJson(h.generations(), 2));
  EXPECT_EQ(doc["generations"][0]["generation"], 3) << "newest first";
}

}  // namespace
}  // namespace portico::run
