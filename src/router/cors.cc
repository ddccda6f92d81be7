#include "router/cors.h"

#include <algorithm>

#include "http1/header.h"
#include "router/route_table.h"
#include "router/router.h"

namespace portico::router {
namespace {

struct Origin {
  std::string_view scheme;
  std::string_view host;
  int port = -1;  // -1: not parseable
};

int defaultPort(std::string_view scheme) {
  if (http1::iequals(scheme, "http")) return 80;
  if (http1::iequals(scheme, "https")) return 443;
  return 0;
}

// "scheme://host[:port]" (an origin, or an allowOrigins pattern whose host
// may be "*" or start with "*.").
Origin parseOrigin(std::string_view s) {
  Origin o;
  size_t sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0) return o;
  o.scheme = s.substr(0, sep);
  std::string_view rest = s.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);  // tolerate "https://a.com/" in config
  std::string_view host = stripPort(rest);
  if (host.empty()) return o;
  o.host = host;
  if (host.size() == rest.size()) {
    o.port = defaultPort(o.scheme);
    return o;
  }
  std::string_view digits = rest.substr(host.size() + 1);
  if (digits.empty() || digits.size() > 5) return o;
  int port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return o;
    port = port * 10 + (c - '0');
  }
  o.port = port;
  return o;
}

bool hostMatches(std::string_view pattern, std::string_view host) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern[0] == '*' && pattern[1] == '.') {
    // §12.15: "*" covers any number (at least one) of labels to its left.
    std::string_view suffix = pattern.substr(1);
    return host.size() > suffix.size() && http1::iequals(host.substr(host.size() - suffix.size()), suffix);
  }
  return http1::iequals(pattern, host);
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out.append(", ");
    out.append(s);
  }
  return out;
}

// allowMethods / allowHeaders / exposeHeaders value: the list, or for "*"
// either "*" or (with credentials, where browsers ignore "*") `echo`.
std::optional<std::string> listValue(const std::vector<std::string>& v, bool credentials,
                                     std::optional<std::string_view> echo) {
  if (v.empty()) return std::nullopt;
  if (!contains(v, "*")) return join(v);
  if (!credentials) return std::string("*");
  if (echo) return std::string(*echo);
  return std::nullopt;
}

}  // namespace

bool corsOriginAllowed(const ir::Cors& cors, std::string_view origin) {
  const Origin o = parseOrigin(origin);
  for (const auto& pattern : cors.allowOrigins) {
    if (pattern == "*") return true;
    if (o.port < 0) continue;
    const Origin p = parseOrigin(pattern);
    if (p.port < 0 || p.port != o.port || !http1::iequals(p.scheme, o.scheme)) continue;
    if (hostMatches(p.host, o.host)) return true;
  }
  return false;
}

CorsResult evaluateCors(const ir::Cors& cors, std::optional<std::string_view> origin, std::string_view method,
                        std::optional<std::string_view> requestMethod,
                        std::optional<std::string_view> requestHeaders) {
  CorsResult r;
  if (!origin) return r;
  const bool preflight = method == "OPTIONS" && requestMethod.has_value();
  r.kind = preflight ? CorsKind::Preflight : CorsKind::Actual;
  r.allowed = corsOriginAllowed(cors, *origin);
  if (!r.allowed) return r;
  auto& h = r.headers;
  const bool creds = cors.allowCredentials;
  // Always the request's Origin, never "*": valid with and without
  // credentials (§12.15 "echo Origin").
  h.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
  if (creds) h.emplace_back("Access-Control-Allow-Credentials", "true");
  if (preflight) {
    if (auto v = listValue(cors.allowMethods, creds, requestMethod)) {
      h.emplace_back("Access-Control-Allow-Methods", std::move(*v));
    }
    if (requestHeaders) {
      if (auto v = listValue(cors.allowHeaders, creds, requestHeaders)) {
        h.emplace_back("Access-Control-Allow-Headers", std::move(*v));
      }
    }
    h.emplace_back("Access-Control-Max-Age", std::to_string(cors.maxAge));
  }
  if (auto v = listValue(cors.exposeHeaders, creds, std::nullopt)) {
    h.emplace_back("Access-Control-Expose-Headers", std::move(*v));
  }
  h.emplace_back("Vary", "Origin");
  return r;
}

CorsResult evaluateCors(const ir::Cors& cors, const RequestView& req) {
  auto get = [&](std::string_view name) -> std::optional<std::string_view> {
    const http1::Header* hd = firstHeader(req, name);
    return hd ? std::optional<std::string_view>(hd->value) : std::nullopt;
  };
  return evaluateCors(cors, get("origin"), req.method, get("access-control-request-method"),
                      get("access-control-request-headers"));
}

}  // namespace portico::router
