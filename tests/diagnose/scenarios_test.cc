// One test per scenario directory: the expected findings are reported with
// their object, field and fix; where the scenario says so, the suggested
// fix, applied to the input, makes the finding go away.
#include <gtest/gtest.h>

#include "diagnose/patch.h"
#include "diagnose/scenario.h"

namespace portico::testing {
namespace {

std::string listing(const diagnose::Report& r) {
  std::string out;
  for (const auto& f : r.findings) out += "  " + f.code + " " + f.object.display() + " " + f.field + "\n";
  return out.empty() ? "  (none)\n" : out;
}

class Scenarios : public ::testing::TestWithParam<std::string> {};

TEST_P(Scenarios, ReportsExpectedFindings) {
  const Scenario s = loadScenario(GetParam());
  ASSERT_FALSE(s.expect.empty() && s.absent.empty() && !s.noErrors) << "scenario asserts nothing";
  const diagnose::Report report = diagnoseText(s.manifests, s);
  for (const auto& x : s.expect) {
    SCOPED_TRACE(x.code + " on " + x.object);
    const diagnose::Finding* f = findFinding(report, x.code, x.object, x.field);
    ASSERT_NE(f, nullptr) << "not reported; findings:\n" << listing(report);
    EXPECT_FALSE(f->symptom.empty());
    EXPECT_FALSE(f->cause.empty());
    EXPECT_FALSE(f->fix.summary.empty());
    const std::string fix = fixText(f->fix);
    for (const auto& want : x.fixContains)
      EXPECT_NE(fix.find(want), std::string::npos) << "fix lacks \"" << want << "\":\n" << fix;
    if (!x.fixApplies) continue;
    std::string error;
    const std::string fixed = diagnose::applyFix(s.manifests, f->fix, error);
    ASSERT_FALSE(fixed.empty()) << "fix does not apply: " << error;
    const diagnose::Report after = diagnoseText(fixed, s);
    for (const auto& g : after.findings) {
      EXPECT_NE(g.key(), f->key()) << "the fix did not remove the finding; after:\n" << listing(after);
    }
    if (x.cleanAfterFix) {
      EXPECT_EQ(after.summary.errors, 0) << "errors left after the fix:\n" << listing(after);
    }
  }
  if (s.noErrors) {
    EXPECT_EQ(report.summary.errors, 0) << listing(report);
  }
  // "CODE" or "CODE on Kind ns/name".
  for (const auto& entry : s.absent) {
    const auto on = entry.find(" on ");
    const std::string code = entry.substr(0, on);
    const std::string object = on == std::string::npos ? "" : entry.substr(on + 4);
    for (const auto& f : report.findings) {
      EXPECT_FALSE(f.code == code && (object.empty() || f.object.display() == object))
          << "unexpected " << f.code << " on " << f.object.display() << " " << f.field;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Diagnose, Scenarios, ::testing::ValuesIn(scenarioNames()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace portico::testing
