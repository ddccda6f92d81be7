// `portico run`'s controller: bad input never costs traffic (the last good
// version of an invalid object keeps serving), reloads pick up valid
// changes, the admin endpoints read the same state.
#include "run/controller.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"
#include "run/carry_forward.h"

namespace portico::testing {
namespace {

namespace fs = std::filesystem;

void writeFile(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string route(const std::string& host, const std::string& path) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n  "
         "parentRefs: [{name: "
         "gw}]\n  hostnames: [" +
         host + "]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: " + path +
         "}}]\n    backendRefs: [{name: echo, port: 80}]\n";
}

TEST(CarryForward, InvalidObjectsKeepTheirLastGoodVersion) {
  auto good = source::loadString(route("a.example.com", "/v1"), "routes.yaml");
  ASSERT_EQ(good.snapshot.httpRoutes.size(), 1u);
  auto bad = source::loadString(route("a.example.com", "v1-without-slash"), "routes.yaml");
  ASSERT_EQ(bad.snapshot.httpRoutes.size(), 0u) << "the invalid version is rejected";
  EXPECT_EQ(run::carryForward(bad.snapshot, good.snapshot, bad.diagnostics), 1u);
  ASSERT_EQ(bad.snapshot.httpRoutes.size(), 1u);
  EXPECT_EQ(bad.snapshot.httpRoutes.find("default", "web")->rules[0].matches[0].path->value, "/v1");
}

TEST(CarryForward, AMalformedFileKeepsWhatItHeld) {
  auto good = source::loadString(route("a.example.com", "/v1"), "routes.yaml");
  auto broken = source::loadString("apiVersion: [unclosed\n", "routes.yaml");
  ASSERT_TRUE(api::hasErrors(broken.diagnostics));
  EXPECT_EQ(run::carryForward(broken.snapshot, good.snapshot, broken.diagnostics), 1u);
  EXPECT_EQ(broken.snapshot.httpRoutes.size(), 1u);
}

TEST(CarryForward, DeletedObjectsAreNotResurrected) {
  auto good = source::loadString(route("a.example.com", "/v1"), "routes.yaml");
  auto emptied = source::loadString("", "routes.yaml");
  EXPECT_EQ(run::carryForward(emptied.snapshot, good.snapshot, emptied.diagnostics), 0u);
  EXPECT_TRUE(emptied.snapshot.httpRoutes.empty());
}

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend = std::make_unique<Backend>("echo");
    ASSERT_GT(backend->port, 0);
    dir = fs::temp_directory_path() / ("portico-run-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    port = freePort();
    writeFile(dir / "00-gateway.yaml", gatewayYaml(port) + serviceYaml("echo", backend->port));
    writeFile(dir / "10-route.yaml", route("a.example.com", "/v1"));
    run::RunOptions o;
    o.paths = {dir.string()};
    o.server.workers = 1;
    o.server.listenAddress = "127.0.0.1";
    o.adminPort = 0;
    o.watch = false;
    o.drainTimeout = std::chrono::milliseconds(1000);
    controller = std::make_unique<run::Controller>(o, log);
    std::string error;
    ASSERT_TRUE(controller->start(error)) << error;
  }
  void TearDown() override {
    controller.reset();
    fs::remove_all(dir);
  }

  int status(const std::string& host, const std::string& path) {
    auto r = echotest::roundTrip(port, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    return r ? r->status : -1;
  }

  std::unique_ptr<Backend> backend;
  fs::path dir;
  int port = 0;
  std::ostringstream log;
  std::unique_ptr<run::Controller> controller;
};

TEST_F(ControllerTest, AnInvalidChangeLeavesTrafficUntouched) {
  ASSERT_EQ(status("a.example.com", "/v1/x"), 200);
  writeFile(dir / "10-route.yaml", route("a.example.com", "v2-without-slash"));
  controller->reload("test");
  EXPECT_EQ(status("a.example.com", "/v1/x"), 200) << "the last good route keeps serving";
  EXPECT_NE(controller->diagnosticsText().find("spec.rules[0].matches[0].path.value"), std::string::npos)
      << controller->diagnosticsText();
  EXPECT_NE(log.str().find("rejected objects kept at their last good version"), std::string::npos)
      << log.str();
}

TEST_F(ControllerTest, AValidChangeIsServedAfterReload) {
  writeFile(dir / "10-route.yaml", route("b.example.com", "/v2"));
  controller->reload("test");
  EXPECT_EQ(status("b.example.com", "/v2"), 200);
  EXPECT_EQ(status("a.example.com", "/v1"), 404);
  EXPECT_EQ(controller->generation(), 2u);
}

TEST_F(ControllerTest, AdminStateMatchesWhatIsServed) {
  ASSERT_EQ(status("a.example.com", "/v1"), 200);
  auto list = nlohmann::json::parse(controller->statusJson());
  EXPECT_EQ(list["kind"], "List");
  bool routeAccepted = false;
  for (const auto& item : list["items"]) {
    if (item["kind"] != "HTTPRoute") continue;
    for (const auto& c : item["status"]["parents"][0]["conditions"]) {
      routeAccepted = routeAccepted || (c["type"] == "Accepted" && c["status"] == "True");
    }
  }
  EXPECT_TRUE(routeAccepted);
  EXPECT_NE(controller->configDump().find("a.example.com"), std::string::npos);
  const std::string metrics = controller->metrics();
  EXPECT_NE(metrics.find("controller_runtime_reconcile_total{controller=\"gateway\",result=\"success\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("portico_listener_requests_total{namespace=\"default\",gateway=\"gw\",listener=\"http\","
                   "code_class=\"2xx\"} 1"),
      std::string::npos)
      << metrics;
  EXPECT_TRUE(controller->ready());
  EXPECT_GT(controller->adminPort(), 0);
}

TEST_F(ControllerTest, MetricsShowUpstreamLatencyByBackend) {
  ASSERT_EQ(status("a.example.com", "/v1"), 200);
  // Observed after the last response byte went out: wait (bounded).
  const std::string count =
      "portico_upstream_request_duration_seconds_count{backend=\"default/echo:80\"} 1\n";
  std::string metrics;
  EXPECT_TRUE(e2e::eventually([&] {
    metrics = controller->metrics();
    return metrics.find(count) != std::string::npos;
  })) << metrics;
  // By default a sum and a count per backend, no buckets: the series count
  // must not grow by a histogram per Service (--backend-latency-histograms).
  EXPECT_NE(metrics.find("# TYPE portico_upstream_request_duration_seconds summary"), std::string::npos);
  EXPECT_NE(metrics.find("portico_upstream_request_duration_seconds_sum{backend=\"default/echo:80\"} "),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("portico_upstream_request_duration_seconds_bucket"), std::string::npos) << metrics;
  // Beside the request latency histogram.
  EXPECT_LT(metrics.find("portico_http_request_duration_seconds"),
            metrics.find("portico_upstream_request_duration_seconds"));
}

}  // namespace
}  // namespace portico::testing
