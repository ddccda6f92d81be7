// CORS filter (spec §12.15, HTTPCORSFilter). Use:
//
//   auto c = router::evaluateCors(*route.filters.cors, origin, method, acrm, acrh);
//   switch (c.kind) {
//     case CorsKind::Preflight:  answer c.status (no upstream request) with c.headers;
//     case CorsKind::Actual:     proxy; add c.headers to the upstream response
//                                (replacing same-named upstream headers);
//     case CorsKind::NotCors:    proxy untouched.
//   }
//
// A disallowed origin gets no CORS header at all: a preflight is still
// answered 200 by the gateway (the spec allows 200/204 without CORS headers
// or 403), an actual request is proxied without them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ir/ir.h"

namespace portico::router {

// Origin matching: `origin` is the request's Origin ("scheme://host[:port]").
// Each allowOrigins entry is "*" (any origin, including "null"), or
// "scheme://host[:port]" where the host may start with "*." (one or more
// labels to its left, never the bare suffix). Schemes and hosts compare
// case-insensitively; a missing port means the scheme's default (http 80,
// https 443), so "https://a.com" and "https://a.com:443" are the same origin.
bool corsOriginAllowed(const ir::Cors& cors, std::string_view origin);

enum class CorsKind {
  NotCors,    // no Origin header
  Preflight,  // OPTIONS + Origin + Access-Control-Request-Method
  Actual,     // any other request carrying Origin
};

struct CorsResult {
  CorsKind kind = CorsKind::NotCors;
  bool allowed = false;  // origin matched allowOrigins
  int status = 200;      // for Preflight: the gateway's own answer
  // Response headers to add (empty when not allowed):
  //   both kinds: Access-Control-Allow-Origin (the request Origin, echoed),
  //     Access-Control-Allow-Credentials: true (only when allowCredentials),
  //     Access-Control-Expose-Headers (when configured), Vary: Origin;
  //   Preflight also: Access-Control-Allow-Methods (only when the request
  //     has Access-Control-Request-Method), Access-Control-Allow-Headers
  //     (only when it has Access-Control-Request-Headers),
  //     Access-Control-Max-Age.
  // A "*" in allowMethods/allowHeaders is sent as "*" without credentials
  // and replaced by the request's own values with credentials (a literal
  // "*" is not honoured then); exposeHeaders "*" with credentials is left
  // out, having no request value to echo.
  std::vector<std::pair<std::string, std::string>> headers;
};

// `origin`, `requestMethod` (Access-Control-Request-Method) and
// `requestHeaders` (Access-Control-Request-Headers) are the request's
// values, nullopt when the header is absent.
CorsResult evaluateCors(const ir::Cors& cors, std::optional<std::string_view> origin, std::string_view method,
                        std::optional<std::string_view> requestMethod,
                        std::optional<std::string_view> requestHeaders);

}  // namespace portico::router
