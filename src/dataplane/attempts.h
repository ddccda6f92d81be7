// The HTTPRoute timeouts and retry policy as numbers for one request's
// attempts, shared by the HTTP/1.1 session (proxy.cc) and HTTP/2 streams
// (h2_stream.cc). Pure: no I/O, no Asio.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>
#include <string_view>

#include "ir/ir.h"

namespace portico::dataplane {

using SteadyTime = std::chrono::steady_clock::time_point;

// When timeouts.request runs out for a request started at `start`
// (time_point::max() without one).
inline SteadyTime requestDeadline(const ir::Route& route, SteadyTime start) {
  return route.requestTimeoutMs ? start + std::chrono::milliseconds(route.requestTimeoutMs)
                                : SteadyTime::max();
}

// How long the next attempt may take: timeouts.backendRequest, capped by
// what is left of timeouts.request; 0 = unbounded; nullopt = the request's
// time is already up (504).
inline std::optional<std::chrono::milliseconds> attemptBudget(const ir::Route& route, SteadyTime deadline,
                                                              SteadyTime now) {
  auto budget = std::chrono::milliseconds(route.backendRequestTimeoutMs);
  if (deadline == SteadyTime::max()) return budget;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
  if (left.count() <= 0) return std::nullopt;
  return budget.count() ? std::min(budget, left) : left;
}

// The pause before retry number `attempt` + 1: retry.backoff doubled per
// attempt (capped at 64x); 0 when the route sets none.
inline std::chrono::milliseconds retryBackoff(const ir::Route& route, int attempt) {
  if (!route.retry || !route.retry->backoffMs) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(route.retry->backoffMs << std::min(attempt, 6));
}

// Attempts the route's retry policy allows (1 without one).
inline int attemptCount(const ir::Route& route) {
  return route.retry ? 1 + std::max(0, route.retry->attempts) : 1;
}

// RFC 9110 §9.2.2: methods whose intended effect is the same however
// often they are sent. Only these are replayed once the whole request may
// have reached the upstream (RFC 9112 §9.3.1).
inline bool idempotentMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" || method == "PUT" ||
         method == "DELETE";
}

}  // namespace portico::dataplane
