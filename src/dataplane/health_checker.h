// Active HTTP health checks (docs/backend-health.md): for each endpoint of
// a cluster with ir::Cluster::healthCheck, a probe every interval. They
// run in one place, worker 0's io_context, not once per worker; a verdict
// that changes is posted to every worker's balancer (message passing: the
// workers keep sharing nothing and the request path takes no lock).
// update() and stop() are called from the control thread (Server::apply,
// Server::stop); probes only read their own target's state.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace portico::dataplane {

class Worker;

class HealthChecker {
 public:
  explicit HealthChecker(std::vector<Worker*> workers) : workers_(std::move(workers)) {}
  ~HealthChecker() { stop(); }
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Probes for the endpoints of `config` that ask for them: kept ones
  // continue (with their verdict), new ones start, removed ones stop and
  // their endpoints are healthy again.
  void update(const ir::Config& config);
  // Ends every probe (they notice at their next wake-up, and publish
  // nothing more).
  void stop();

  struct Target;

 private:
  std::vector<Worker*> workers_;
  std::map<std::string, std::shared_ptr<Target>> targets_;  // by cluster|endpoint|settings
  // Set by stop(): nothing is posted to the workers after it (they may be
  // going away).
  std::shared_ptr<std::atomic<bool>> stopped_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace portico::dataplane
