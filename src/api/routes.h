// HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and UDPRoute (apis/v1/*route_types.go).
// Enumerations are kept as the strings written, so that a value this build
// does not know reaches the translator as UnsupportedValue instead of being
// lost in decoding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/meta.h"
#include "api/refs.h"

namespace portico::api {

struct CommonRouteSpec {
  std::vector<ParentReference> parentRefs;
  std::optional<std::string> useDefaultGateways;  // [EXP] All | None
};

// --- HTTPRoute matches -----------------------------------------------------

struct HTTPPathMatch {
  std::string type = "PathPrefix";  // Exact | PathPrefix | RegularExpression
  std::string value = "/";
};

struct HTTPHeaderMatch {
  std::string type = "Exact";  // Exact | RegularExpression
  std::string name;
  std::string value;
};

using HTTPQueryParamMatch = HTTPHeaderMatch;

struct HTTPRouteMatch {
  std::optional<HTTPPathMatch> path;  // defaulted to PathPrefix "/" when absent
  std::vector<HTTPHeaderMatch> headers;
  std::vector<HTTPQueryParamMatch> queryParams;
  std::optional<std::string> method;
};

// --- Filters ---------------------------------------------------------------

struct HTTPHeader {
  std::string name;
  std::string value;
};

struct HTTPHeaderFilter {
  std::vector<HTTPHeader> set;
  std::vector<HTTPHeader> add;
  std::vector<std::string> remove;
};

struct HTTPPathModifier {
  std::string type;  // ReplaceFullPath | ReplacePrefixMatch
  std::optional<std::string> replaceFullPath;
  std::optional<std::string> replacePrefixMatch;
};

struct HTTPRequestRedirectFilter {
  std::optional<std::string> scheme;
  std::optional<std::string> hostname;
  std::optional<HTTPPathModifier> path;
  std::optional<int32_t> port;
  int32_t statusCode = 302;
};

struct HTTPURLRewriteFilter {
  std::optional<std::string> hostname;
  std::optional<HTTPPathModifier> path;
};

struct Fraction {
  int32_t numerator = 0;
  int32_t denominator = 100;
};

struct HTTPRequestMirrorFilter {
  BackendObjectReference backendRef;
  std::optional<int32_t> percent;
  std::optional<Fraction> fraction;
};

struct HTTPCORSFilter {
  std::vector<std::string> allowOrigins;
  std::optional<bool> allowCredentials;
  std::vector<std::string> allowMethods;
  std::vector<std::string> allowHeaders;
  std::vector<std::string> exposeHeaders;
  int32_t maxAge = 5;
};

struct ForwardBodyConfig {
  std::optional<int32_t> maxSize;
};

struct HTTPExternalAuthFilter {  // [EXP]
  std::string protocol;  // HTTP | GRPC
  BackendObjectReference backendRef;
  std::vector<std::string> grpcAllowedHeaders;
  std::optional<std::string> httpPath;
  std::vector<std::string> httpAllowedHeaders;
  std::vector<std::string> httpAllowedResponseHeaders;
  std::optional<ForwardBodyConfig> forwardBody;
  // Whether the `grpc` / `http` sub-objects were written (CEL: each goes
  // with its protocol).
  bool grpcSet = false;
  bool httpSet = false;
};

// One filter; `type` names the member that must be set (a union).
struct HTTPRouteFilter {
  std::string type;
  std::optional<HTTPHeaderFilter> requestHeaderModifier;
  std::optional<HTTPHeaderFilter> responseHeaderModifier;
  std::optional<HTTPRequestMirrorFilter> requestMirror;
  std::optional<HTTPRequestRedirectFilter> requestRedirect;
  std::optional<HTTPURLRewriteFilter> urlRewrite;
  std::optional<HTTPCORSFilter> cors;
  std::optional<HTTPExternalAuthFilter> externalAuth;
  std::optional<LocalObjectReference> extensionRef;
};

// --- Rule-level policies -----------------------------------------------------

struct HTTPRouteTimeouts {
  std::optional<std::string> request;         // GEP-2257 Duration
  std::optional<std::string> backendRequest;  // GEP-2257 Duration
};

struct HTTPRouteRetry {  // [EXP]
  std::vector<int32_t> codes;
  std::optional<int32_t> attempts;
  std::optional<std::string> backoff;
};

struct CookieConfig {
  std::string lifetimeType = "Session";  // Session | Permanent
};

struct SessionPersistence {  // [EXP]
  std::optional<std::string> sessionName;
  std::optional<std::string> absoluteTimeout;
  // Dropped in v1.6; still decoded and honoured for v1.0-v1.5 manifests.
  std::optional<std::string> idleTimeout;
  std::string type = "Cookie";  // Cookie | Header
  std::optional<CookieConfig> cookieConfig;
};

struct HTTPBackendRef {
  BackendObjectReference ref;
  int32_t weight = 1;
  std::vector<HTTPRouteFilter> filters;
};

struct HTTPRouteRule {
  std::optional<std::string> name;
  std::vector<HTTPRouteMatch> matches;  // empty = one PathPrefix "/" match
  std::vector<HTTPRouteFilter> filters;
  std::vector<HTTPBackendRef> backendRefs;
  std::optional<HTTPRouteTimeouts> timeouts;
  std::optional<HTTPRouteRetry> retry;
  std::optional<SessionPersistence> sessionPersistence;
};

struct HTTPRoute {
  ObjectMeta meta;
  std::string apiVersion;
  CommonRouteSpec common;
  std::vector<std::string> hostnames;
  std::vector<HTTPRouteRule> rules;  // defaulted to one rule when absent
};

// --- GRPCRoute -----------------------------------------------------------------

struct GRPCMethodMatch {
  std::string type = "Exact";  // Exact | RegularExpression
  std::optional<std::string> service;
  std::optional<std::string> method;
};

struct GRPCRouteMatch {
  std::optional<GRPCMethodMatch> method;
  std::vector<HTTPHeaderMatch> headers;
};

struct GRPCRouteRule {
  std::optional<std::string> name;
  std::vector<GRPCRouteMatch> matches;
  std::vector<HTTPRouteFilter> filters;  // only the gRPC-valid types pass validation
  std::vector<HTTPBackendRef> backendRefs;
  std::optional<SessionPersistence> sessionPersistence;
};

struct GRPCRoute {
  ObjectMeta meta;
  std::string apiVersion;
  CommonRouteSpec common;
  std::vector<std::string> hostnames;
  std::vector<GRPCRouteRule> rules;
};

// --- L4 routes -------------------------------------------------------------------

struct L4RouteRule {
  std::optional<std::string> name;
  std::vector<HTTPBackendRef> backendRefs;  // filters never set for L4
};

// TLSRoute, TCPRoute and UDPRoute share one shape; hostnames only on TLSRoute.
struct L4Route {
  ObjectMeta meta;
  std::string apiVersion;
  CommonRouteSpec common;
  std::vector<std::string> hostnames;
  std::vector<L4RouteRule> rules;
};

struct TLSRoute : L4Route {};
struct TCPRoute : L4Route {};
struct UDPRoute : L4Route {};

}  // namespace portico::api
