// Leader election with a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection does: acquire when the lease is free or expired, renew
// every retryPeriod, step down when a renewal has not succeeded within
// renewDeadline. Only the leader writes status; every replica serves.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "kube/client.h"

namespace portico::kube {

struct LeaderOptions {
  std::string leaseNamespace;  // the controller's namespace
  std::string leaseName = "portico-controller";
  std::string identity;  // unique per replica (pod name + random suffix)
  std::chrono::milliseconds leaseDuration{15000};
  std::chrono::milliseconds renewDeadline{10000};
  std::chrono::milliseconds retryPeriod{2000};
};

class LeaderElector {
 public:
  virtual ~LeaderElector() = default;
  // Runs on its own thread; `onChange(true)` when this replica becomes
  // leader, `onChange(false)` when it loses the lease. Called from that thread.
  static std::unique_ptr<LeaderElector> start(Client& client, LeaderOptions options,
                                              std::function<void(bool leader)> onChange);
  virtual bool isLeader() const = 0;
  virtual std::string holder() const = 0;  // holderIdentity last seen
  // Stops; a leader releases the lease (clears holderIdentity) so another
  // replica takes over without waiting for it to expire.
  virtual void stop() = 0;
};

}  // namespace portico::kube
