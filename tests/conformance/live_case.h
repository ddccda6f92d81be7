// One conformance case played against a real `portico run`, the way the
// suite plays it against a cluster: the base and case manifests (with the
// suite's rewrites and generated TLS material) written to a directory, echo
// pods started and EndpointSlices published for them, Portico started on
// those files with an address pool so every Gateway gets its own loopback
// address, and status read back from the admin server's /status.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conformance/backend_fleet.h"
#include "conformance/child_process.h"
#include "conformance/prose_steps.h"
#include "conformance/round_tripper.h"

namespace portico::conformance {

struct Timeouts {
  std::chrono::milliseconds status{
      std::chrono::seconds(60)};  // route/listener conditions (the suite: 60-180 s)
  std::chrono::milliseconds consistency{std::chrono::seconds(30)};  // MaxTimeToConsistency
  std::chrono::milliseconds request{std::chrono::seconds(10)};      // one HTTP request
  // Shorter than the suite's by default, so a failing case costs `make
  // test` seconds, not minutes (a passing case never waits for them);
  // PORTICO_CONFORMANCE_FULL=1 (`make conformance`) uses the suite's.
  static Timeouts fromEnvironment();
};

class LiveCase {
 public:
  LiveCase();
  ~LiveCase();  // stops Portico and the pods; removes the directory unless a check failed

  // False (with `error`) when something other than Portico's behaviour
  // went wrong (a pod did not start, Portico exited).
  bool start(const nlohmann::json& theCase, std::string& error);

  // Polls /status until every check holds or `timeout` passes; the
  // failures of the last poll ("" when all hold).
  std::string waitForStatus(const nlohmann::json& checks, std::chrono::milliseconds timeout);

  // The typed address in the Gateway's status.addresses ("" when none).
  std::string gatewayAddress(const std::string& ns, const std::string& name);

  // tls.crt / tls.key of a Secret in the manifests (PEM).
  std::string secretData(const std::string& ns, const std::string& name, const std::string& key) const;
  // A key of a ConfigMap in the manifests (ca.crt of the CA ConfigMaps).
  std::string configMapData(const std::string& ns, const std::string& name, const std::string& key) const;

  // Applies a case step (patch / create / delete), bumps generations as
  // the API server would and reloads Portico (SIGHUP). False with `error`
  // when the step cannot be expressed.
  bool applyStep(const nlohmann::json& step, std::string& error);

  const BackendFleet& fleet() const { return *fleet_; }
  const std::string& caseName() const { return caseName_; }
  const std::string& dir() const { return dir_; }
  void keep() { keep_ = true; }  // leave the directory for inspection
  std::string porticoLog() const { return portico_ ? portico_->log() : std::string(); }

 private:
  nlohmann::json fetchStatus();
  bool writeAndReload(std::string& error);

  std::string dir_, caseName_;
  bool keep_ = false;
  std::vector<nlohmann::json> docs_;
  std::vector<nlohmann::json> slices_;
  std::unique_ptr<BackendFleet> fleet_;
  std::unique_ptr<ChildProcess> portico_;
  int adminPort_ = 0;
  int64_t clock_ = 0;  // creation order for objects created by steps
  ProseSteps prose_;
};

// The loopback block of this test process: 127.X.Y.0/24 with X.Y from the
// pid, so concurrent ctest processes never share an address. Gateways get
// the lower half (the address pool), pods the upper half.
std::string gatewayPool();
std::string podAddress(int index);

// Whether this process may bind port 80 on its loopback block (root or
// CAP_NET_BIND_SERVICE): the cases use ports 80 and 443.
bool canBindPrivilegedPorts();

}  // namespace portico::conformance
