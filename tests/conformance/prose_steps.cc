#include "conformance/prose_steps.h"

#include "conformance/json_fields.h"

namespace portico::conformance {
namespace {

using nlohmann::json;

constexpr const char* kInfra = "gateway-conformance-infra";
constexpr const char* kCaConfigMap = "tls-checks-ca-certificate";
constexpr const char* kReconcileConfigMap = "tls-checks-ca-certificate-reconcile-test";

// ca.crt of the suite's CA "C" ConfigMap (backendtlspolicy.go copies it).
std::string caPem(const std::vector<json>& docs) {
  for (const auto& d : docs) {
    const json& m = field(d, "metadata");
    if (str(d, "kind") == "ConfigMap" && str(m, "namespace") == kInfra && str(m, "name") == kCaConfigMap)
      return str(field(d, "data"), "ca.crt");
  }
  return {};
}

}  // namespace

bool ProseSteps::patch(const std::string& description, json& obj, const std::vector<json>& docs) {
  if (description.starts_with("keep only the listener named \"http\"")) {  // GatewayModifyListeners
    json kept = json::array();
    for (const auto& l : obj["spec"]["listeners"]) {
      if (l.value("name", "") == "http") kept.push_back(l);
    }
    obj["spec"]["listeners"] = kept;
    return true;
  }
  if (description ==
      "set spec.rules[0].backendRefs[0].name = infra-backend-v2") {  // HTTPRouteObservedGenerationBump
    obj["spec"]["rules"][0]["backendRefs"][0]["name"] = "infra-backend-v2";
    return true;
  }
  const std::string name = str(field(obj, "metadata"), "name");
  if (str(obj, "kind") == "BackendTLSPolicy" &&
      description.starts_with(
          "set spec.validation.caCertificateRefs = [{group: \"\", kind: ConfigMap, name: " +
          std::string(kReconcileConfigMap) + "}]")) {
    saved_[name] = obj["spec"]["validation"]["caCertificateRefs"];
    obj["spec"]["validation"]["caCertificateRefs"] =
        json::array({{{"group", ""}, {"kind", "ConfigMap"}, {"name", kReconcileConfigMap}}});
    return true;
  }
  if (str(obj, "kind") == "BackendTLSPolicy" &&
      description.starts_with("restore the original caCertificateRefs") && saved_.count(name)) {
    obj["spec"]["validation"]["caCertificateRefs"] = saved_[name];
    return true;
  }
  if (str(obj, "kind") == "ConfigMap" && name == kReconcileConfigMap &&
      description == "restore data ca.crt to the original CA PEM") {
    obj["data"]["ca.crt"] = caPem(docs);
    return true;
  }
  return false;
}

json ProseSteps::create(const json& step, const std::vector<json>& docs) const {
  const json& target = field(step, "target");
  if (str(target, "kind") == "ConfigMap" && str(target, "name") == kReconcileConfigMap &&
      str(step, "description").starts_with("create ConfigMap " + std::string(kReconcileConfigMap))) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", kReconcileConfigMap}, {"namespace", kInfra}}},
            {"data", {{"ca.crt", caPem(docs)}}}};
  }
  return nullptr;
}

}  // namespace portico::conformance
