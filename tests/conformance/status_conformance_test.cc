// The status half of the Gateway API conformance suite: for every case of
// ../shared/conformance/cases.json, apply the manifests as the suite does
// and check each StatusCheck against the translator's output. Traffic
// expectations are issue 4's runner; mutation steps are not replayed yet.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "conformance/case_loader.h"
#include "conformance/declared_features.h"
#include "conformance/status_checks.h"
#include "source/loader.h"

namespace portico::conformance {
namespace {

class StatusConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(StatusConformance, StatusChecksHold) {
  if (GetParam() == "NoConformanceData") {
    GTEST_SKIP() << "conformance data not found: set PORTICO_CONFORMANCE_DIR or PORTICO_SHARED_DIR "
                    "(default ../shared/conformance)";
  }
  const nlohmann::json& c = findCase(GetParam());
  if (c.value("mesh", false)) GTEST_SKIP() << "mesh conformance is out of scope for a gateway";
  if (const std::string f = missingFeature(c); !f.empty())
    GTEST_SKIP() << "Portico does not declare feature " << f;
  // skipIfFeature / skipUnlessFeature: the Go test returns early and passes.
  if (const std::string why = earlyReturn(c); !why.empty()) {
    std::cout << "passes without checks, as the Go test returns early: " << why << "\n";
    return;
  }
  if (c["status"].empty()) GTEST_SKIP() << "case has no status checks";

  auto load = source::loadString(caseManifests(c), GetParam() + ".yaml");
  for (const auto& d : load.diagnostics) {
    if (d.severity == api::Severity::Error) ADD_FAILURE() << "manifest rejected: " << d.format();
  }
  translate::Options opts;
  opts.addressPool = {"127.0.1.0/24"};
  auto result = translate::translate(load.snapshot, opts);
  const StatusView status(statusList(result));
  for (size_t i = 0; i < c["status"].size(); ++i) {
    const auto& check = c["status"][i];
    std::string failure = evaluate(check, status, load.snapshot);
    EXPECT_TRUE(failure.empty()) << "status[" << i << "] " << check.value("check", "") << " on "
                                 << check.value("kind", "") << " " << check.value("name", "") << ": "
                                 << failure;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, StatusConformance, ::testing::ValuesIn(caseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace portico::conformance
