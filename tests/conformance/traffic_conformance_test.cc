// The Gateway API conformance suite played against a real `portico run`:
// for every case of ../shared/conformance/cases.json whose features Portico
// declares, the base and case manifests are served by Portico with echo
// pods behind them; the case's status checks must hold on /status, then
// its requests must be answered as the suite expects, then each mutation
// step is applied and checked the same way. One test per case.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "conformance/case_loader.h"
#include "conformance/declared_features.h"
#include "conformance/live_case.h"
#include "conformance/traffic.h"
#include "translate/translator.h"

namespace portico::conformance {
namespace {

using nlohmann::json;

bool hasTraffic(const json& c) {
  if (!c.value("requests", json::array()).empty()) return true;
  return !c.value("steps", json::array()).empty();
}

class TrafficConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(TrafficConformance, CasePasses) {
  if (GetParam() == "NoConformanceData") {
    GTEST_SKIP() << "conformance data not found: set PORTICO_CONFORMANCE_DIR or PORTICO_SHARED_DIR "
                    "(default ../shared/conformance)";
  }
  const json& c = findCase(GetParam());
  if (c.value("mesh", false)) GTEST_SKIP() << "mesh conformance is out of scope for a gateway";
  if (const std::string f = missingFeature(c); !f.empty())
    GTEST_SKIP() << "Portico does not declare feature " << f;
  // skipIfFeature / skipUnlessFeature: the Go test returns early and passes.
  if (const std::string why = earlyReturn(c); !why.empty()) {
    std::cout << "passes without checks, as the Go test returns early: " << why << "\n";
    return;
  }
  if (c.value("fidelity", "") == "manual") {
    GTEST_SKIP() << "fidelity manual: not reproducible without a cluster (docs/conformance.md)";
  }
  if (!hasTraffic(c)) GTEST_SKIP() << "status-only case: StatusConformance checks it";
  if (!canBindPrivilegedPorts()) {
    GTEST_SKIP() << "the cases use ports 80 and 443: run as root or with CAP_NET_BIND_SERVICE";
  }
  const Timeouts timeouts = Timeouts::fromEnvironment();
  LiveCase env;
  std::string error;
  ASSERT_TRUE(env.start(c, error)) << error;

  bool failed = false;
  auto checkStatus = [&](const json& checks, const std::string& where) {
    if (checks.empty()) return;
    std::string failures = env.waitForStatus(checks, timeouts.status);
    if (!failures.empty()) {
      failed = true;
      ADD_FAILURE() << where << ": status checks did not hold:\n" << failures;
    }
  };
  auto sendRequests = [&](const json& requests, const std::string& where) {
    for (size_t i = 0; i < requests.size(); ++i) {
      const json& rc = requests[i];
      std::string failure = runRequestCase(rc, env, timeouts);
      if (!failure.empty()) {
        failed = true;
        ADD_FAILURE() << where << " request[" << i << "] " << rc.value("name", "") << " "
                      << rc["request"].value("method", "GET") << " " << rc["request"].value("host", "") << " "
                      << rc["request"].value("path", "") << " (port " << rc.value("port", 0)
                      << "): " << failure;
      }
    }
  };
  checkStatus(c.value("status", json::array()), "case");
  sendRequests(c.value("requests", json::array()), "case");
  const json steps = c.value("steps", json::array());
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string where = "step " + std::to_string(i);
    if (!env.applyStep(steps[i], error)) {
      failed = true;
      ADD_FAILURE() << where << ": " << error;
      break;
    }
    checkStatus(steps[i].value("status", json::array()), where);
    sendRequests(steps[i].value("requests", json::array()), where);
  }
  if (failed) {
    env.keep();
    std::cerr << "case files and logs kept in " << env.dir() << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, TrafficConformance, ::testing::ValuesIn(caseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace portico::conformance
