// The request half of a conformance case: each RequestCase of cases.json
// sent to the Gateway's address the way the suite sends it (HTTP/1.1,
// HTTP/2, HTTPS, TLS passthrough, gRPC or WebSocket here; TCP, UDP, DNS and
// TLS rejection in l4_traffic.h), in the case's mode (eventually
// consistent, weighted distribution, percentage mirror, repeated header
// checks), compared with the suite's semantics (http.CompareRoundTrip, the
// gRPC and WebSocket helpers).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "conformance/live_case.h"

namespace portico::conformance {

// Empty when the request case holds; otherwise what went wrong.
std::string runRequestCase(const nlohmann::json& requestCase, LiveCase& env, const Timeouts& timeouts);

}  // namespace portico::conformance
