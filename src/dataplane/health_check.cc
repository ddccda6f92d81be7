#include "dataplane/health_check.h"

#include <string>

namespace portico::dataplane {

bool ActiveHealth::record(bool ok, const ir::HealthCheck& h) {
  if (ok == healthy_) {
    run_ = 0;
    return false;
  }
  if (++run_ < (ok ? h.healthyThreshold : h.unhealthyThreshold)) return false;
  healthy_ = ok;
  run_ = 0;
  return true;
}

bool probePassed(std::string_view r) {
  // "HTTP/1.x NNN"
  if (r.size() < 12 || r.substr(0, 7) != "HTTP/1." || r[8] != ' ') return false;
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (r[i] < '0' || r[i] > '9') return false;
    code = code * 10 + (r[i] - '0');
  }
  return code >= 200 && code < 400;
}

std::string probeRequest(const ir::HealthCheck& h, std::string_view host) {
  std::string r = "GET ";
  r.append(h.path).append(" HTTP/1.1\r\nHost: ").append(host);
  r.append("\r\nUser-Agent: portico-health-check\r\nConnection: close\r\n\r\n");
  return r;
}

}  // namespace portico::dataplane
