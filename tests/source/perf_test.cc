// Decoding and validating many HTTPRoutes stays fast (the budget is loose
// enough for sanitizer builds; an optimised build is far below it).
#include <gtest/gtest.h>

#include <chrono>

#include "source/loader.h"

namespace portico::source {
namespace {

TEST(Performance, TenThousandHTTPRoutes) {
  std::string yaml;
  yaml.reserve(10000 * 700);
  for (int i = 0; i < 10000; ++i) {
    const std::string n = std::to_string(i);
    yaml += "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: route-" + n +
            "\n  namespace: ns-" + std::to_string(i % 50) +
            "\nspec:\n  parentRefs:\n  - name: gw\n    namespace: infra\n    sectionName: http\n  hostnames:\n"
            "  - app-" + n + ".example.com\n  rules:\n  - matches:\n    - path:\n        type: PathPrefix\n"
            "        value: /api/" + n + "\n      headers:\n      - name: x-tenant\n        value: t" + n +
            "\n    filters:\n    - type: RequestHeaderModifier\n      requestHeaderModifier:\n        set:\n"
            "        - name: x-route\n          value: r" + n + "\n    backendRefs:\n    - name: svc-" + n +
            "\n      port: 8080\n      weight: 90\n    - name: canary-" + n + "\n      port: 8080\n      weight: 10\n";
  }
  const auto start = std::chrono::steady_clock::now();
  auto r = loadString(yaml, "many.yaml");
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(api::hasErrors(r.diagnostics));
  EXPECT_EQ(r.snapshot.httpRoutes.size(), 10000u);
  RecordProperty("milliseconds", static_cast<int>(ms));
  std::printf("10000 HTTPRoutes loaded in %lld ms\n", static_cast<long long>(ms));
  EXPECT_LT(ms, 30000);
}

}  // namespace
}  // namespace portico::source
