// The request cases of TCPRoute, UDPRoute and TLSRoute tests that are not
// HTTP: "tcp-echo" and "tls-tcp-echo" (tcp_request.h), "udp-echo"
// (udp_request.h), "dns-udp" (dns_request.h) and "tls-connect-reject", in
// the modes their Go helpers implement (the request notes of cases.json):
// eventually (one success, polled every 1 s), weightedDistribution, repeat
// (TCP) and pollBatch (UDP). "tls-passthrough" is HTTPS and runs with the
// HTTP cases (traffic.cc).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "conformance/live_case.h"

namespace portico::conformance {

bool isL4Protocol(const std::string& protocol);

// Empty when the request case holds; otherwise what went wrong. `address`
// is the Gateway's address.
std::string runL4RequestCase(const nlohmann::json& requestCase, const std::string& address, LiveCase& env,
                             const Timeouts& timeouts);

}  // namespace portico::conformance
