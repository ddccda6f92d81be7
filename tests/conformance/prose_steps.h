// The mutation steps cases.json states only in prose, written out as the
// Go tests perform them: GatewayModifyListeners' listener removal,
// HTTPRouteObservedGenerationBump's backend change, and the
// BackendTLSPolicy "reconcile-test" sub-test (caCertificateRefs pointed at
// a ConfigMap that does not exist yet, the ConfigMap created as a copy of
// tls-checks-ca-certificate, emptied, restored, and the original refs put
// back).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace portico::conformance {

class ProseSteps {
 public:
  // Edits `obj` as `description` says; false when it is not one of ours.
  // `docs` are the current objects (a restore reads the CA PEM there).
  bool patch(const std::string& description, nlohmann::json& obj, const std::vector<nlohmann::json>& docs);
  // The object a prose create step describes; null when not one of ours.
  nlohmann::json create(const nlohmann::json& step, const std::vector<nlohmann::json>& docs) const;

 private:
  std::map<std::string, nlohmann::json> saved_;  // original caCertificateRefs, by policy name
};

}  // namespace portico::conformance
