// The cluster side of the conformance manifests, without a cluster: one
// echo per Deployment, each on a loopback address of its own standing in
// for the pod IP and listening where echo-basic listens in the Deployment's
// mode (pod_command.h: HTTP, gRPC, TCP, UDP, or DNS for coredns), with the
// Secret and ConfigMap volumes it mounts written to files (pod_volumes.h),
// and the EndpointSlices the endpoints controller would publish for every
// Service that selects those pods. Mesh echo Deployments are not started.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conformance/child_process.h"
#include "conformance/pod_command.h"

namespace portico::conformance {

struct Pod {
  std::string namespace_, deployment, name, ip;
  std::map<std::string, std::string> labels;
  std::map<std::string, int> namedPorts;  // container port names
  EchoMode mode = EchoMode::kNotServed;
  std::unique_ptr<ChildProcess> process;  // null when the mode is not served
  std::string skipReason;                 // why not started
};

class BackendFleet {
 public:
  // `podAddress(i)` gives the i-th pod its IP; logs go under `dir`.
  BackendFleet(std::string echoBinary, std::string grpcEchoBinary, std::string dir,
               std::string (*podAddress)(int));

  // Reads the Deployments of `docs` and starts their pods. False (with
  // `error`) when a served pod fails to start listening.
  bool start(const std::vector<nlohmann::json>& docs, std::string& error);

  // EndpointSlice documents for every Service with a selector; and for
  // selector-less Services named in `manualFill` (namespace/name ->
  // Deployment), the manifests' own slices filled with that Deployment's
  // pods (what HTTPRouteServiceTypes patches in).
  std::vector<nlohmann::json> endpointSlices(std::vector<nlohmann::json>& docs,
                                             const std::map<std::string, std::string>& manualFill) const;

  const Pod* pod(const std::string& ns, const std::string& deployment) const;
  const std::vector<std::unique_ptr<Pod>>& pods() const { return pods_; }

 private:
  std::string echoBinary_, grpcEchoBinary_, dir_;
  std::string (*podAddress_)(int);
  std::vector<std::unique_ptr<Pod>> pods_;
};

}  // namespace portico::conformance
