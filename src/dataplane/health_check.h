// Active health checking, the part without sockets: the verdict of a run
// of probes against the thresholds (Service annotations
// portico.dev/health-check-*, ir::HealthCheck), and what a probe's answer
// means. health_checker.* runs the probes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ir/ir.h"

namespace portico::dataplane {

class ActiveHealth {
 public:
  // One probe's result; true when the verdict changed. An endpoint starts
  // healthy (a new or reloaded config must not take a Service out of
  // service before the first probes), goes unhealthy after
  // `unhealthyThreshold` failures in a row and back after
  // `healthyThreshold` successes in a row.
  bool record(bool ok, const ir::HealthCheck& h);
  bool healthy() const { return healthy_; }

 private:
  bool healthy_ = true;
  uint32_t run_ = 0;  // consecutive results against the current verdict
};

// Whether the start of a probe's response (its status line) is a pass:
// 200-399, as the kubelet's httpGet probes count it.
bool probePassed(std::string_view responseStart);

// The probe request: GET `path`, Host the Service's name, closed after.
std::string probeRequest(const ir::HealthCheck& h, std::string_view host);

}  // namespace portico::dataplane
