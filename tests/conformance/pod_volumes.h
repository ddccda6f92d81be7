// The kubelet's part for echo pods that read TLS files: the Secret and
// ConfigMap volumes of a Deployment's pod template, written under a local
// directory, and container paths (the TLS_SERVER_CERT / TLS_SERVER_PRIVKEY
// / TLS_CLIENT_CACERTS values of the manifests, e.g. /etc/secret-volume/crt)
// mapped onto those files.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace portico::conformance {

class PodVolumes {
 public:
  // Writes every volume the container mounts (secret: data base64-decoded,
  // configMap: data as is; `items` select and rename keys, else every key
  // is a file) under `root`. False with `error` when a volume names an
  // object or key the manifests do not hold.
  bool mount(const std::string& ns, const nlohmann::json& podSpec, const nlohmann::json& container,
             const std::vector<nlohmann::json>& docs, const std::string& root, std::string& error);

  // The local file behind a container path; "" when no mount covers it.
  std::string localPath(const std::string& containerPath) const;

 private:
  std::map<std::string, std::string> mounts_;  // mountPath -> local directory
};

// RFC 4648 base64, as Secret data holds it; "" when malformed.
std::string decodeBase64(const std::string& in);

}  // namespace portico::conformance
