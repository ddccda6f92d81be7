// http.CompareRoundTrip of the Gateway API suite, as the conformance
// README specifies it: the status code (408/504 interchangeable when a
// timeout is expected), then, for 200/204, the request as the echo backend
// saw it (path with query, method, host, namespace, pod prefix, headers
// present and absent) and the response headers; for redirects, the
// Location's scheme, host, port and path.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "conformance/round_tripper.h"

namespace portico::conformance {

// The echo backend's JSON when the response is exactly application/json,
// else null (the suite then sees only the method it sent).
nlohmann::json echoedRequest(const ClientResponse& response);

// Empty when `response` satisfies `expected` (a RequestCase's `expected`
// object, placeholders already substituted); else what differs. Without a
// backendRequest the backend must have seen the request as sent
// (`sentMethod`, `sentPath`), as the suite defaults it.
std::string compare(const nlohmann::json& expected, const ClientResponse& response,
                    const std::string& sentMethod, const std::string& sentPath);

// The Deployment a pod name belongs to: the name without its last two
// dash-separated parts (the suite's weighted checks).
std::string deploymentOfPod(const std::string& pod);

}  // namespace portico::conformance
