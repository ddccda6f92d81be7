// The subcommands run against real manifest files. Tests that depend on
// the loader or translator skip while those are still placeholders.
#include "cli/commands.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_fixture.h"

namespace portico::cli {
namespace {

using nlohmann::json;
using testing::ScratchDir;

constexpr const char* kTime = "2025-01-02T03:04:05Z";

constexpr const char* kBadGateway = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: broken
  namespace: default
spec:
  gatewayClassName: portico
  listeners:
  - name: http
    protocol: HTTP
    port: eighty
)";

struct Output {
  int code = 0;
  std::string out;
  std::string err;
};

Output validate(std::vector<std::string> paths) {
  std::ostringstream out, err;
  const int code = runValidate(ValidateArgs{std::move(paths)}, out, err);
  return {code, out.str(), err.str()};
}

Output status(std::vector<std::string> paths, StatusFormat format, std::string controller = "") {
  StatusArgs args;
  args.paths = std::move(paths);
  args.format = format;
  args.controllerName = std::move(controller);
  args.lastTransitionTime = kTime;
  std::ostringstream out, err;
  const int code = runStatus(args, out, err);
  return {code, out.str(), err.str()};
}

Output configDump(std::vector<std::string> paths) {
  ConfigDumpArgs args;
  args.paths = std::move(paths);
  std::ostringstream out, err;
  const int code = runConfigDump(args, out, err);
  return {code, out.str(), err.str()};
}

const json* findItem(const json& list, std::string_view kind, std::string_view name) {
  for (const auto& i : list["items"]) {
    if (i["kind"] == kind && i["metadata"]["name"] == name) return &i;
  }
  return nullptr;
}

const json* findCondition(const json& conditions, std::string_view type) {
  for (const auto& c : conditions) {
    if (c["type"] == type) return &c;
  }
  return nullptr;
}

using CliCommands = ScratchDir;

TEST_F(CliCommands, ValidateQuickstartIsClean) {
  PORTICO_NEEDS_LOADER();
  const Output r = validate({quickstart()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "8 objects valid, 0 errors, 0 warnings\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(CliCommands, ValidateWrongTypeFailsAndNamesTheField) {
  PORTICO_NEEDS_LOADER();
  const Output r = validate({write("bad.yaml", kBadGateway)});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("bad.yaml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("spec.listeners[0].port"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("0 objects valid, 1 errors"), std::string::npos) << r.out;
}

TEST_F(CliCommands, ValidateRepeatedPathsAddUp) {
  PORTICO_NEEDS_LOADER();
  const Output r = validate({quickstart(), write("bad.yaml", kBadGateway)});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("8 objects valid, 1 errors"), std::string::npos) << r.out;
}

TEST_F(CliCommands, ValidateMissingPathIsAnError) {
  PORTICO_NEEDS_LOADER();
  const std::string missing = dir() + "/does-not-exist.yaml";
  const Output r = validate({missing});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("does-not-exist.yaml"), std::string::npos) << r.err;
}

TEST_F(CliCommands, StatusOfNoGatewayObjectsIsAnEmptyList) {
  const std::string ns = write("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: only\n");
  const Output r = status({ns}, StatusFormat::Json);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), json::parse(R"({"apiVersion":"v1","kind":"List","items":[]})"));
}

TEST_F(CliCommands, StatusYamlHasTheSameItemsAsJson) {
  const Output js = status({quickstart()}, StatusFormat::Json);
  const Output ym = status({quickstart()}, StatusFormat::Yaml);
  EXPECT_EQ(js.code, ym.code);
  const json doc = json::parse(js.out);
  const YAML::Node node = YAML::Load(ym.out);
  EXPECT_EQ(node["kind"].as<std::string>(), "List");
  ASSERT_TRUE(node["items"].IsSequence());
  ASSERT_EQ(node["items"].size(), doc["items"].size());
  for (size_t i = 0; i < doc["items"].size(); ++i) {
    EXPECT_EQ(node["items"][i]["kind"].as<std::string>(), doc["items"][i]["kind"]);
    EXPECT_EQ(node["items"][i]["metadata"]["name"].as<std::string>(), doc["items"][i]["metadata"]["name"]);
  }
}

TEST_F(CliCommands, StatusOfQuickstart) {
  PORTICO_NEEDS_TRANSLATOR();
  const Output r = status({quickstart()}, StatusFormat::Json);
  EXPECT_EQ(r.code, 0) << r.err;
  const json doc = json::parse(r.out);

  const json* gc = findItem(doc, "GatewayClass", "portico");
  ASSERT_NE(gc, nullptr) << r.out;
  EXPECT_EQ((*findCondition((*gc)["status"]["conditions"], "Accepted"))["status"], "True");

  const json* gw = findItem(doc, "Gateway", "quickstart");
  ASSERT_NE(gw, nullptr) << r.out;
  for (const char* type : {"Accepted", "Programmed"}) {
    const json* c = findCondition((*gw)["status"]["conditions"], type);
    ASSERT_NE(c, nullptr) << type;
    EXPECT_EQ((*c)["status"], "True") << type;
    EXPECT_EQ((*c)["lastTransitionTime"], kTime);
  }
  ASSERT_EQ((*gw)["status"]["listeners"].size(), 1u);
  EXPECT_EQ((*gw)["status"]["listeners"][0]["name"], "http");
  EXPECT_EQ((*gw)["status"]["listeners"][0]["attachedRoutes"], 1);

  const json* route = findItem(doc, "HTTPRoute", "echo");
  ASSERT_NE(route, nullptr) << r.out;
  const json& parents = (*route)["status"]["parents"];
  ASSERT_EQ(parents.size(), 1u);
  EXPECT_EQ(parents[0]["controllerName"], translate::kDefaultControllerName);
  EXPECT_EQ(parents[0]["parentRef"]["name"], "quickstart");
  EXPECT_EQ((*findCondition(parents[0]["conditions"], "Accepted"))["status"], "True");
  EXPECT_EQ((*findCondition(parents[0]["conditions"], "ResolvedRefs"))["status"], "True");

  EXPECT_EQ(findItem(doc, "Service", "echo-v1"), nullptr) << "core objects have no Gateway API status";
}

TEST_F(CliCommands, StatusStillPrintedWhenSomeObjectsAreInvalid) {
  PORTICO_NEEDS_TRANSLATOR();
  const Output r = status({quickstart(), write("bad.yaml", kBadGateway)}, StatusFormat::Json);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("spec.listeners[0].port"), std::string::npos) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_NE(findItem(doc, "Gateway", "quickstart"), nullptr);
  EXPECT_EQ(findItem(doc, "Gateway", "broken"), nullptr);
}

TEST_F(CliCommands, StatusForAnotherControllerClaimsNothing) {
  PORTICO_NEEDS_TRANSLATOR();
  const Output r = status({quickstart()}, StatusFormat::Json, "example.com/someone-else");
  const json doc = json::parse(r.out);
  EXPECT_EQ(r.out.find(translate::kDefaultControllerName), std::string::npos) << r.out;
  if (const json* gw = findItem(doc, "Gateway", "quickstart"); gw && gw->contains("status")) {
    const json conditions = (*gw)["status"].value("conditions", json::array());
    const json* accepted = findCondition(conditions, "Accepted");
    EXPECT_TRUE(accepted == nullptr || (*accepted)["status"] != "True");
  }
}

TEST_F(CliCommands, StatusTableOfQuickstart) {
  PORTICO_NEEDS_TRANSLATOR();
  const Output r = status({quickstart()}, StatusFormat::Table);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("KIND", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("quickstart"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("http:8080"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("echo"), std::string::npos) << r.out;
}

TEST_F(CliCommands, ConfigDumpIsJsonEvenWhenEmpty) {
  const std::string ns = write("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: only\n");
  const Output r = configDump({ns});
  EXPECT_EQ(r.code, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_TRUE(doc["binds"].is_array());
  EXPECT_TRUE(doc["clusters"].is_object());
}

TEST_F(CliCommands, ConfigDumpOfQuickstart) {
  PORTICO_NEEDS_TRANSLATOR();
  const Output r = configDump({quickstart()});
  EXPECT_EQ(r.code, 0) << r.err;
  const json doc = json::parse(r.out);
  ASSERT_EQ(doc["binds"].size(), 1u) << r.out;
  EXPECT_EQ(doc["binds"][0]["port"], 8080);
  const json& vhosts = doc["binds"][0]["listeners"][0]["virtualHosts"];
  ASSERT_EQ(vhosts.size(), 1u) << r.out;
  EXPECT_EQ(vhosts[0]["hostname"], "echo.example.com");
  EXPECT_EQ(vhosts[0]["routes"].size(), 3u);
  ASSERT_TRUE(doc["clusters"].contains("default/echo-v1:80")) << r.out;
  EXPECT_EQ(doc["clusters"]["default/echo-v1:80"]["endpoints"][0],
            json::parse(R"({"address":"127.0.0.1","port":9001})"));
  EXPECT_EQ(doc["clusters"]["default/echo-v2:80"]["endpoints"][0]["port"], 9002);
}

}  // namespace
}  // namespace portico::cli
