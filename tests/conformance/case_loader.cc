#include "conformance/case_loader.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include "support/test_support.h"
#include "translate/translator.h"

namespace portico::conformance {
namespace {

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

// The suite's rewrites (utils/kubernetes/apply.go): every Gateway gets the
// suite's class, and GatewayClasses get the controller under test.
std::string rewrite(std::string yaml) {
  replaceAll(yaml, "\"{GATEWAY_CLASS_NAME}\"", kConformanceClass);
  replaceAll(yaml, "{GATEWAY_CLASS_NAME}", kConformanceClass);
  replaceAll(yaml, "\"{GATEWAY_CONTROLLER_NAME}\"", translate::kDefaultControllerName);
  replaceAll(yaml, "{GATEWAY_CONTROLLER_NAME}", translate::kDefaultControllerName);
  // GatewayStaticAddresses: the suite substitutes its --unusable-address
  // and --usable-address flags; ours are outside and inside the pool the
  // tests give the translator (kAddressPool).
  replaceAll(yaml, "PLACEHOLDER_UNUSABLE_ADDRS", "192.0.2.1");
  replaceAll(yaml, "PLACEHOLDER_USABLE_ADDRS", "127.0.1.250");
  return yaml;
}

std::string caConfigMap(const std::string& ns, const std::string& name, const testing::KeyPair& ca) {
  std::string indented;
  for (char ch : ca.certPem) {
    indented.push_back(ch);
    if (ch == '\n') indented += "    ";
  }
  return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: " + ns +
         "}\ndata:\n  ca.crt: |\n    " + indented + "\n";
}

// What suite.go creates after the base manifests (certificate.go). Status
// checks only need parseable material, so every entry is self-signed.
const std::string& generatedTLS() {
  static const std::string kYaml = [] {
    std::string out;
    auto secret = [&](const std::string& ns, const std::string& name, std::vector<std::string> dns) {
      out += testing::tlsSecretYaml(ns, name, testing::selfSigned(dns, 365)) + "---\n";
    };
    auto ca = [&](const std::string& ns, const std::string& name) {
      out += caConfigMap(ns, name, testing::selfSigned({}, 365)) + "---\n";
    };
    secret("gateway-conformance-web-backend", "certificate", {});
    secret("gateway-conformance-infra", "tls-validity-checks-certificate", {"*.org", "*.wildcard.org"});
    ca("gateway-conformance-web-backend", "web-backend-cm");
    ca("gateway-conformance-infra", "tls-validity-checks-ca-certificate");
    secret("gateway-conformance-infra", "tls-validity-checks-client-certificate", {});
    ca("gateway-conformance-infra", "tls-validity-checks-per-port-ca-certificate");
    secret("gateway-conformance-infra", "tls-validity-checks-per-port-client-certificate", {});
    ca("gateway-conformance-infra", "tls-checks-ca-certificate");
    secret("gateway-conformance-infra", "tls-checks-certificate", {"abc.example.com", "other.example.com"});
    secret("gateway-conformance-infra", "tls-checks-client-certificate", {});
    secret("gateway-conformance-infra", "tls-passthrough-checks-certificate", {"abc.example.com"});
    secret("gateway-conformance-app-backend", "tls-passthrough-checks-certificate", {"abc.example.com"});
    return out;
  }();
  return kYaml;
}

}  // namespace

std::string conformanceDir() {
  if (const char* env = std::getenv("PORTICO_CONFORMANCE_DIR"); env && *env) {
    return std::filesystem::is_directory(env) ? std::string(env) : std::string();
  }
  std::string shared = testing::sharedDir();
  if (shared.empty()) return {};
  std::string dir = shared + "/conformance";
  return std::filesystem::exists(dir + "/cases.json") ? dir : std::string();
}

const nlohmann::json& cases() {
  static const nlohmann::json kCases = [] {
    std::string dir = conformanceDir();
    if (dir.empty()) return nlohmann::json();
    std::ifstream in(dir + "/cases.json");
    return nlohmann::json::parse(in, nullptr, false);
  }();
  return kCases;
}

std::vector<std::string> caseNames() {
  const auto& all = cases();
  if (all.is_null() || !all.contains("cases")) return {"NoConformanceData"};
  std::vector<std::string> names;
  for (const auto& c : all["cases"]) names.push_back(c["name"].get<std::string>());
  return names;
}

const nlohmann::json& findCase(const std::string& name) {
  for (const auto& c : cases()["cases"]) {
    if (c["name"] == name) return c;
  }
  throw std::out_of_range("no conformance case " + name);
}

std::string caseManifests(const nlohmann::json& c) {
  const std::string dir = conformanceDir();
  std::string yaml = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: " +
                     std::string(kConformanceClass) +
                     "}\nspec: {controllerName: " + translate::kDefaultControllerName + "}\n---\n";
  yaml += rewrite(testing::readFile(dir + "/base/manifests.yaml")) + "\n---\n";
  yaml += generatedTLS();
  for (const auto& m : c.value("manifests", nlohmann::json::array())) {
    yaml += rewrite(testing::readFile(dir + "/" + m.get<std::string>())) + "\n---\n";
  }
  return yaml;
}

}  // namespace portico::conformance
