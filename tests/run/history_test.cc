// The config history behind `portico changes`: line diffs of manifests,
// flipped conditions, the bounded list of generations, captured objects.
#include "run/history.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run/line_diff.h"
#include "run/objects.h"
#include "source/file_set.h"
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

// Objects added and removed around the one that flips: the cursor over the
// previous set resynchronises through its index, for one or many.
TEST(History, FlipsAreFoundAmongAddedAndRemovedObjects) {
  auto routes = [](const std::string& prefix, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      out += fmt::format(
          "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {}{}}}\n"
          "spec: {{parentRefs: [{{name: gw}}]}}\n",
          prefix, i);
    }
    return out;
  };
  std::string broken = with("a.example.com");
  broken.replace(broken.find("[{name: gw}]"), 12, "[{name: gw, sectionName: nope}]");
  for (int added : {1, 10}) {
    const auto before =
        translate::translate(source::loadString(with("a.example.com") + routes("b", 3)).snapshot).status;
    const auto after = translate::translate(source::loadString(broken + routes("a", added)).snapshot).status;
    std::vector<std::string> got;
    for (const auto& f : diffConditions(before, after))
      got.push_back(f.object + " " + f.type + " " + f.after);
    EXPECT_NE(std::find(got.begin(), got.end(), "HTTPRoute default/web Accepted False (NoMatchingParent)"),
              got.end())
        << added << " added: " << fmt::format("{}", fmt::join(got, "; "));
    for (const auto& g : got) EXPECT_EQ(g.find("HTTPRoute default/web"), 0u) << g;
  }
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

// A reload's history captures only the objects the loader did not reuse,
// and the texts it leaves are those a full capture reads.
TEST(History, CaptureChangesListsOnlyChangedObjectsAndAgreesWithAFullCapture) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("portico-capture-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / ("." + name)) << text;
    fs::rename(dir / ("." + name), dir / name);  // a new inode: no timestamp granularity
  };
  auto route = [](const std::string& name, const std::string& host) {
    return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name +
           "}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [" + host + "]\n";
  };
  std::string base = with("x.example.com");
  base.erase(base.find("---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute"));
  write("00-base.yaml", base);
  write("10-a.yaml", route("a", "a.example.com"));
  write("20-b.yaml", route("b", "b.example.com"));
  source::FileSetLoader files({dir.string()});
  const auto l1 = files.load();
  ObjectTexts texts;
  auto updates =
      captureChanges(l1.files, files.takeContents(), store::Snapshot{}, l1.snapshot, l1.diagnostics, texts);
  EXPECT_EQ(updates.size(), 4u) << "every object is new";
  applyUpdates(texts, std::move(updates));
  EXPECT_EQ(objectsYaml(texts), objectsYaml(captureObjects(l1.files, l1.snapshot, l1.diagnostics, {})));

  fs::remove(dir / "10-a.yaml");
  write("20-b.yaml", route("b", "bb.example.com"));
  write("30-c.yaml", route("c", "c.example.com"));
  const auto l2 = files.load();
  updates = captureChanges(l2.files, files.takeContents(), l1.snapshot, l2.snapshot, l2.diagnostics, texts);
  std::vector<std::string> ids;
  for (const auto& u : updates) ids.push_back(u.id + (u.text ? "" : " (gone)"));
  EXPECT_EQ(ids, (std::vector<std::string>{"HTTPRoute default/a (gone)", "HTTPRoute default/b",
                                           "HTTPRoute default/c"}))
      << "the GatewayClass and Gateway are the objects the first load decoded";
  const auto changes = diffObjects(texts, updates);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].op + " " + changes[0].name, "modified b");
  EXPECT_NE(fmt::format("{}", fmt::join(changes[0].diff, "\n")).find("+   - bb.example.com"),
            std::string::npos)
      << fmt::format("{}", fmt::join(changes[0].diff, "\n"));
  EXPECT_EQ(changes[1].op + " " + changes[1].name, "added c");
  EXPECT_EQ(changes[2].op + " " + changes[2].name, "removed a");
  applyUpdates(texts, std::move(updates));
  const std::string full = objectsYaml(captureObjects(l2.files, l2.snapshot, l2.diagnostics, {}));
  EXPECT_EQ(objectsYaml(texts), full);
  EXPECT_EQ(full.find("name: a\n"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace portico::run
