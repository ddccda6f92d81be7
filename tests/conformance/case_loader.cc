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

// suite.go's TLS material (utils/kubernetes/certificate.go, the table in
// the data's README "Runtime-generated TLS secrets and CA ConfigMaps"): the
// same objects, issuers and SANs, so a client trusting a CA ConfigMap
// verifies the Secrets issued by it (BackendTLSPolicy, TLSRoute, client
// certificates). Leaves are CN "default" and CAs CN "gatewayapi", as
// upstream; keys are EC P-256 rather than RSA 2048 (nothing checks the key
// type, and generation stays fast). Made once per test process.
const std::string& generatedTLS() {
  static const std::string kYaml = [] {
    using testing::CertSpec;
    std::string out;
    auto leaf = [](std::vector<std::string> dns, std::vector<std::string> uris) {
      CertSpec spec;
      spec.dnsNames = std::move(dns);
      spec.uris = std::move(uris);
      spec.commonName = "default";
      spec.notAfterSeconds = 365L * 86400;
      return spec;
    };
    auto secret = [&](const std::string& ns, const std::string& name, const testing::KeyPair& kp) {
      out += testing::tlsSecretYaml(ns, name, kp) + "---\n";
    };
    auto configMap = [&](const std::string& ns, const std::string& name, const testing::KeyPair& ca) {
      out += testing::caConfigMapYaml(ns, name, ca.certPem) + "---\n";
    };
    // Self-signed server certificates ("*" parses as a URL: a URI SAN).
    secret("gateway-conformance-web-backend", "certificate", testing::makeCert(leaf({}, {"*"})));
    secret("gateway-conformance-infra", "tls-validity-checks-certificate",
           testing::makeCert(leaf({"*.org", "*.wildcard.org"}, {"*"})));
    // CA "W", unused elsewhere.
    configMap("gateway-conformance-web-backend", "web-backend-cm", testing::makeCa("gatewayapi", 365));
    // CA "A": frontend client validation, and its client certificate.
    const testing::KeyPair a = testing::makeCa("gatewayapi", 365);
    configMap("gateway-conformance-infra", "tls-validity-checks-ca-certificate", a);
    secret("gateway-conformance-infra", "tls-validity-checks-client-certificate",
           testing::makeCert(leaf({}, {}), &a));
    // CA "B": the per-port variant.
    const testing::KeyPair b = testing::makeCa("gatewayapi", 365);
    configMap("gateway-conformance-infra", "tls-validity-checks-per-port-ca-certificate", b);
    secret("gateway-conformance-infra", "tls-validity-checks-per-port-client-certificate",
           testing::makeCert(leaf({}, {}), &b));
    // CA "C": BackendTLSPolicy and TLSRoute trust, backend and listener
    // certificates, the Gateway's backend client certificate.
    const testing::KeyPair c = testing::makeCa("gatewayapi", 365);
    configMap("gateway-conformance-infra", "tls-checks-ca-certificate", c);
    secret(
        "gateway-conformance-infra", "tls-checks-certificate",
        testing::makeCert(
            leaf({"abc.example.com", "other.example.com"}, {"spiffe://abc.example.com/test-identity"}), &c));
    secret("gateway-conformance-infra", "tls-checks-client-certificate", testing::makeCert(leaf({}, {}), &c));
    secret("gateway-conformance-infra", "tls-passthrough-checks-certificate",
           testing::makeCert(leaf({"abc.example.com"}, {}), &c));
    secret("gateway-conformance-app-backend", "tls-passthrough-checks-certificate",
           testing::makeCert(leaf({"abc.example.com"}, {}), &c));
    secret("gateway-conformance-infra", "tls-terminate-checks-certificate",
           testing::makeCert(leaf({"tls.example.com"}, {}), &c));
    // CA "D", unrelated: backend validation against it fails on purpose.
    configMap("gateway-conformance-infra", "mismatch-ca-certificate", testing::makeCa("gatewayapi", 365));
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
