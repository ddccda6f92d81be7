// Which echo a conformance Deployment's pod runs and with which flags: the
// container's image and environment decide echo-basic's mode as its main()
// does (GRPC_ECHO_SERVER, TCP_ECHO_SERVER, UDP_ECHO_SERVER, else HTTP), the
// ports come from the same variables with echo-basic's defaults, and TLS
// files from the pod's mounted volumes. The coredns Deployment becomes
// portico-echo's DNS responder on port 53 (its Corefile's ".:53").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conformance/pod_volumes.h"

namespace portico::conformance {

enum class EchoMode { kHttp, kGrpc, kTcp, kUdp, kDns, kNotServed };

struct PodCommand {
  EchoMode mode = EchoMode::kNotServed;
  std::vector<std::string> argv;  // empty when not served
  std::string skipReason;         // why not served
  std::string describe;           // the listeners, for error messages
};

struct EchoBinaries {
  std::string echo, grpcEcho;
};

// `container` is the pod template's first container; `ip` the pod address.
PodCommand podCommand(const nlohmann::json& container, const std::string& ip, const std::string& ns,
                      const std::string& podName, const PodVolumes& volumes, const EchoBinaries& bin);

}  // namespace portico::conformance
