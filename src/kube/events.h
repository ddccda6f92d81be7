// Kubernetes Events (core/v1) for the transitions an operator wants to see
// in `kubectl describe`: a route detached, a certificate invalid, a
// listener conflict, a backend reference broken. Repeats of the same event
// are counted on the existing Event (PATCH count/lastTimestamp), not
// re-created.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client.h"
#include "status/types.h"

namespace portico::kube {

struct EventSpec {
  std::string kind, apiVersion, namespace_, name, uid;  // involvedObject
  std::string type;                                     // "Normal" | "Warning"
  std::string reason;                                   // CamelCase, e.g. "RouteDetached"
  std::string message;
};

// The events worth recording between two consecutive status sets. Pure.
std::vector<EventSpec> eventsForTransitions(const status::StatusSet& before, const status::StatusSet& after);

class EventRecorder {
 public:
  EventRecorder(Client& client, std::string component);
  // `now` is RFC 3339. Failures are returned, not thrown; they never block status.
  std::vector<std::string> record(const std::vector<EventSpec>& events, std::string_view now);

 private:
  Client& client_;
  std::string component_;
  std::mutex mu_;  // two threads may record at once; held only around seen_
  std::map<std::string, std::pair<std::string, int>> seen_;  // dedup key -> (event name, count)
};

}  // namespace portico::kube
