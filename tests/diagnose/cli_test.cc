// `portico diagnose` and `portico explain` through the command line: exit
// status, -o json, -n, --with, width and colour.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "support/run_cli.h"
#include "support/test_support.h"

namespace portico::cli {
namespace {

using nlohmann::json;

using Out = testing::CliResult;
Out cli(std::vector<std::string> args) { return testing::runPortico(std::move(args)); }

std::string scenario(const std::string& name) {
  return testing::sourceDir() + "/tests/diagnose/scenarios/" + name + "/input.yaml";
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    path_ = (std::filesystem::temp_directory_path() /
             ("portico-diag-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_) + ".yaml"))
                .string();
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

constexpr const char* kGrant = R"(apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: allow-shop, namespace: backend}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]
  to: [{group: "", kind: Service}]
)";

TEST(DiagnoseCli, ExitStatusFollowsErrors) {
  const Out ok = cli({"diagnose", "-c", scenario("healthy")});
  EXPECT_EQ(ok.code, 0) << ok.out;
  EXPECT_NE(ok.out.find("0 errors"), std::string::npos);
  const Out bad = cli({"diagnose", "-c", scenario("ref-grant-missing")});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("PD-REF-GRANT-MISSING"), std::string::npos);
  EXPECT_TRUE(bad.err.empty()) << bad.err;
}

TEST(DiagnoseCli, JsonIsTheDocumentedSchema) {
  const Out r = cli({"diagnose", "-c", scenario("ref-grant-missing"), "-o", "json"});
  const json j = json::parse(r.out);
  EXPECT_EQ(j["apiVersion"], "portico.dev/diagnose/v1");
  EXPECT_EQ(j["kind"], "DiagnoseReport");
  EXPECT_EQ(j["summary"]["errors"], 1);
  const json& f = j["findings"][0];
  EXPECT_EQ(f["code"], "PD-REF-GRANT-MISSING");
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["object"], (json{{"kind", "HTTPRoute"}, {"namespace", "shop"}, {"name", "store"}}));
  EXPECT_EQ(f["field"], "spec.rules[0].backendRefs[0]");
  for (const char* key : {"title", "subject", "symptom", "cause", "evidence", "fix", "related", "docs"}) {
    EXPECT_TRUE(f.contains(key)) << key;
  }
  EXPECT_NE(f["fix"]["yaml"].get<std::string>().find("namespace: backend"), std::string::npos);
  EXPECT_EQ(f["docs"], "docs/troubleshooting.md#pd-ref-grant-missing");

  const Out p = cli({"diagnose", "-c", scenario("route-section-not-found"), "-o", "json"});
  const json pj = json::parse(p.out);
  const json& patch = pj["findings"][0]["fix"]["patch"];
  EXPECT_EQ(patch["target"]["kind"], "HTTPRoute");
  EXPECT_EQ(patch["operations"][0],
            (json{{"op", "replace"}, {"path", "/spec/parentRefs/0/sectionName"}, {"value", "http"}}));
}

TEST(DiagnoseCli, NamespaceFilter) {
  const Out all = cli({"diagnose", "-c", scenario("namespace-filter"), "-o", "json"});
  const Out blog = cli({"diagnose", "-c", scenario("namespace-filter"), "-n", "blog", "-o", "json"});
  int shopAll = 0, shopBlog = 0;
  const json a = json::parse(all.out), b = json::parse(blog.out);
  for (const auto& f : a["findings"]) shopAll += f["object"]["namespace"] == "shop";
  for (const auto& f : b["findings"]) shopBlog += f["object"]["namespace"] == "shop";
  EXPECT_GT(shopAll, 0);
  EXPECT_EQ(shopBlog, 0);
}

TEST(DiagnoseCli, WithReportsWhatAChangeFixes) {
  const TempFile grant(kGrant);
  const Out r = cli({"diagnose", "-c", scenario("ref-grant-missing"), "--with", grant.path(), "-o", "json"});
  EXPECT_EQ(r.code, 0) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["kind"], "DiagnoseComparison");
  ASSERT_EQ(j["fixed"].size(), 1u);
  EXPECT_EQ(j["fixed"][0]["code"], "PD-REF-GRANT-MISSING");
  EXPECT_TRUE(j["introduced"].empty());
  EXPECT_EQ(j["after"]["errors"], 0);

  const Out text = cli({"diagnose", "-c", scenario("ref-grant-missing"), "--with", grant.path()});
  EXPECT_NE(text.out.find("0 introduced, 1 fixed"), std::string::npos) << text.out;
}

TEST(DiagnoseCli, WithFailsOnIntroducedErrors) {
  // The change renames the Service the route uses: the route now points at
  // nothing, an error the change introduces.
  const TempFile change(R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {ports: [{name: http, port: 81, targetPort: 8080}]}
)");
  const Out r = cli({"diagnose", "-c", scenario("healthy"), "--with", change.path(), "-o", "json"});
  EXPECT_EQ(r.code, 1);
  const json j = json::parse(r.out);
  ASSERT_FALSE(j["introduced"].empty());
  EXPECT_EQ(j["introduced"][0]["code"], "PD-REF-PORT-NOT-FOUND");
  // Pre-existing errors alone do not fail the run.
  const TempFile noop(R"(apiVersion: v1
kind: Namespace
metadata: {name: unrelated}
)");
  EXPECT_EQ(cli({"diagnose", "-c", scenario("ref-grant-missing"), "--with", noop.path()}).code, 0);
}

TEST(DiagnoseCli, TextFitsEightyColumnsWithoutColour) {
  for (const char* s : {"route-namespace-selector", "ref-grant-wrong-namespace", "routing-duplicate-match",
                        "backend-endpoint-port-name"}) {
    const Out r = cli({"diagnose", "-c", scenario(s), "--width", "80"});
    EXPECT_EQ(r.out.find("\033["), std::string::npos) << "colour without a terminal";
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with(std::string(14, ' '))) continue;  // YAML and commands are kept verbatim
      if (line.find(' ', line.find_first_not_of(' ')) == std::string::npos)
        continue;  // one long word (a path)
      EXPECT_LE(line.size(), 80u) << s << ": " << line;
    }
  }
  const Out colour = cli({"diagnose", "-c", scenario("ref-grant-missing"), "--color", "always"});
  EXPECT_NE(colour.out.find("\033[1;31mERROR"), std::string::npos);
}

TEST(ExplainCli, ExitStatusAndHeaders) {
  const std::string in = testing::sourceDir() + "/examples/quickstart";
  const Out ok = cli({"explain", "-c", in, "--url", "http://echo.example.com:8080/api/x", "-H", "X-A: 1"});
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("X-A: 1"), std::string::npos);
  EXPECT_NE(ok.out.find("x-portico-quickstart: 1"), std::string::npos);
  const Out redirect = cli({"explain", "-c", in, "--url", "http://echo.example.com:8080/old"});
  EXPECT_EQ(redirect.code, 0);
  EXPECT_NE(redirect.out.find("Location: http://echo.example.com:8080/api"), std::string::npos);
  const Out miss = cli({"explain", "-c", in, "--url", "http://other.example.com:8080/", "-o", "json"});
  EXPECT_EQ(miss.code, 1) << "the quickstart route serves echo.example.com only";
  EXPECT_EQ(json::parse(miss.out)["status"], 404);
  const Out refused = cli({"explain", "-c", in, "--url", "http://echo.example.com:9999/"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(cli({"explain", "-c", in, "--url", "http://echo.example.com:8080/", "-H", "nocolon"}).code, 2);
}

TEST(ExplainCli, A404NamesTheRoutesThatDidNotAttach) {
  const Out r =
      cli({"explain", "-c", scenario("route-section-not-found"), "--url", "http://shop.example.com/api"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no route is attached"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PD-ROUTE-SECTION-NOT-FOUND HTTPRoute shop/store"), std::string::npos) << r.out;
}

TEST(ExplainCli, GrpcCallUsesGrpcRouteRules) {
  const Out r = cli({"explain", "-c", scenario("grpc-route"), "--url", "http://grpc.example.com/", "--grpc",
                     "shop.Cart/Add", "-o", "json"});
  const json j = json::parse(r.out);
  EXPECT_EQ(j["request"]["path"], "/shop.Cart/Add");
  EXPECT_EQ(j["request"]["method"], "POST");
  bool chosen = false;
  for (const auto& c : j["candidates"]) {
    if (c["verdict"] == "chosen") chosen = c["route"]["kind"] == "GRPCRoute" && c["route"]["name"] == "cart";
  }
  EXPECT_TRUE(chosen) << r.out;
  EXPECT_NE(r.out.find("application/grpc"), std::string::npos);
  EXPECT_EQ(cli({"explain", "-c", scenario("grpc-route"), "--url", "http://grpc.example.com/", "--grpc",
                 "nomethod"})
                .code,
            2);
}

}  // namespace
}  // namespace portico::cli
