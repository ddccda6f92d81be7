// The ingress-nginx annotations of one Ingress, read into what the
// converter can express in Gateway API. Every annotation is accounted
// for: applied by the converter, or reported with the reason it is not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/diagnostic.h"
#include "api/routes.h"
#include "migrate/ingress.h"

namespace portico::migrate {

inline constexpr std::string_view kNginxPrefix = "nginx.ingress.kubernetes.io/";

struct Canary {
  bool enabled = false;  // canary: "true"
  const Annotation* source = nullptr;
  std::optional<int32_t> weight;  // canary-weight
  int32_t total = 100;            // canary-weight-total
  std::string header;             // canary-by-header
  std::string headerValue;        // canary-by-header-value
  std::string headerPattern;      // canary-by-header-pattern (used when no value)
  std::string cookie;             // canary-by-cookie
};

struct NginxConfig {
  // rewrite-target, and whether paths are regular expressions (use-regex,
  // or implied by rewrite-target as ingress-nginx does).
  const Annotation* rewriteTarget = nullptr;
  const Annotation* useRegex = nullptr;
  bool regexPaths = false;

  std::optional<bool> sslRedirect;  // ssl-redirect (ingress-nginx default: true when the host has TLS)
  const Annotation* sslRedirectSource = nullptr;
  bool forceSslRedirect = false;  // force-ssl-redirect
  const Annotation* forceSslRedirectSource = nullptr;

  Canary canary;

  // permanent-redirect / temporal-redirect: every rule answers this.
  std::optional<api::HTTPRequestRedirectFilter> redirect;
  // proxy-read-timeout / proxy-send-timeout -> timeouts.backendRequest.
  std::optional<std::string> backendRequestTimeout;
  std::optional<std::string> appRoot;        // app-root: "/" redirects here (302)
  std::optional<api::HTTPCORSFilter> cors;   // enable-cors + cors-*
  std::optional<std::string> upstreamVhost;  // upstream-vhost -> URLRewrite hostname
};

// Reads the annotations of `ing`, appending a warning for every annotation
// (or value) that cannot be carried over.
NginxConfig readNginxAnnotations(const Ingress& ing, api::Diagnostics& out);

// A warning about `ing` at `loc`: "file:line: warning: Ingress ns/name: <subject>: <message>".
void warn(api::Diagnostics& out, const Ingress& ing, const Loc& loc, std::string subject,
          std::string message);
void warnAnnotation(api::Diagnostics& out, const Ingress& ing, const Annotation& a, std::string message);

// Seconds as a GEP-2257 duration: 90 -> "1m30s", 3600 -> "1h".
std::string formatDuration(int64_t seconds);

// A permanent-/temporal-redirect URL as a RequestRedirect; nullopt with
// `why` set when it cannot be expressed. `dropped` receives parts that are
// left out (query string).
std::optional<api::HTTPRequestRedirectFilter> redirectFromUrl(std::string_view url, int32_t code,
                                                              std::string* why, std::string* dropped);

}  // namespace portico::migrate
