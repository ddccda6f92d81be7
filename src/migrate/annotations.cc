#include "migrate/annotations.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "api/validate/patterns.h"

namespace portico::migrate {

void warn(api::Diagnostics& out, const Ingress& ing, const Loc& loc, std::string subject,
          std::string message) {
  api::Diagnostic d;
  d.severity = api::Severity::Warning;
  d.file = loc.file;
  d.line = loc.line;
  d.kind = "Ingress";
  d.namespace_ = ing.namespace_;
  d.name = ing.name;
  d.field = std::move(subject);
  d.message = std::move(message);
  out.push_back(std::move(d));
}

void warnAnnotation(api::Diagnostics& out, const Ingress& ing, const Annotation& a, std::string message) {
  warn(out, ing, a.loc, "annotation " + a.key, std::move(message));
}

std::string formatDuration(int64_t seconds) {
  if (seconds <= 0) return "0s";
  std::string out;
  const int64_t h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
  if (h > 0) out += fmt::format("{}h", h);
  if (m > 0) out += fmt::format("{}m", m);
  if (s > 0) out += fmt::format("{}s", s);
  return out;
}

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> splitList(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    std::string item = trim(s.substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

std::optional<int64_t> parseInt(std::string_view s) {
  const std::string t = trim(s);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || t.empty()) return std::nullopt;
  return v;
}

// ingress-nginx reads booleans with strconv.ParseBool.
std::optional<bool> parseBool(std::string_view s) {
  const std::string t = trim(s);
  if (t == "true" || t == "True" || t == "TRUE" || t == "1" || t == "t" || t == "T") return true;
  if (t == "false" || t == "False" || t == "FALSE" || t == "0" || t == "f" || t == "F") return false;
  return std::nullopt;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Why an ingress-nginx annotation the converter does not apply cannot be
// carried over (key without the prefix). Matched exactly, then by prefix.
struct Reason {
  std::string_view key;
  bool prefix;
  std::string_view why;
};

constexpr Reason kReasons[] = {
    {"affinity", true,
     "cookie affinity: Gateway API session persistence (rules[].sessionPersistence) is experimental; add it "
     "by "
     "hand if the experimental channel is installed"},
    {"session-cookie-", true, "part of cookie affinity; see the affinity annotation"},
    {"auth-url", false,
     "external authentication: the Gateway API ExternalAuth filter is experimental and not converted; add it "
     "by "
     "hand"},
    {"auth-tls-", true,
     "client certificate validation is the Gateway's spec.tls.frontend.default.validation; configure it by "
     "hand"},
    {"auth-", true, "authentication has no Gateway API equivalent in the standard channel"},
    {"enable-global-auth", false, "authentication has no Gateway API equivalent in the standard channel"},
    {"whitelist-source-range", false, "client address filtering has no Gateway API equivalent"},
    {"allowlist-source-range", false, "client address filtering has no Gateway API equivalent"},
    {"denylist-source-range", false, "client address filtering has no Gateway API equivalent"},
    {"limit-", true, "rate limiting has no Gateway API equivalent"},
    {"global-rate-limit", true, "rate limiting has no Gateway API equivalent"},
    {"proxy-body-size", false,
     "no per-route request size limit in Gateway API; `portico run --max-request-body` sets one for the "
     "whole "
     "data plane"},
    {"client-body-buffer-size", false, "nginx buffering; no equivalent"},
    {"proxy-buffer", true, "nginx buffering; no equivalent"},
    {"proxy-request-buffering", false, "nginx buffering; no equivalent (Portico streams request bodies)"},
    {"proxy-max-temp-file-size", false, "nginx buffering; no equivalent"},
    {"configuration-snippet", false,
     "raw nginx configuration cannot be converted; rewrite its intent by hand"},
    {"server-snippet", false, "raw nginx configuration cannot be converted; rewrite its intent by hand"},
    {"stream-snippet", false, "raw nginx configuration cannot be converted; rewrite its intent by hand"},
    {"ssl-passthrough", false,
     "TLS passthrough needs a listener with protocol TLS, tls.mode Passthrough and a TLSRoute; write them by "
     "hand"},
    {"proxy-ssl-", true,
     "TLS to the backend is configured with a BackendTLSPolicy targeting the Service; write one by hand"},
    {"proxy-next-upstream", true,
     "retries: HTTPRoute rules[].retry is experimental; add it by hand if the experimental channel is "
     "installed"},
    {"proxy-connect-timeout", false, "Gateway API has no connect timeout field"},
    {"load-balance", false,
     "set the Service annotation portico.dev/load-balancer: least-request instead (round robin is the "
     "default)"},
    {"upstream-hash-by", true, "consistent hashing has no Gateway API equivalent"},
    {"server-alias", false, "add the alias names to spec.hostnames of the generated HTTPRoutes by hand"},
    {"custom-http-errors", false, "custom error pages have no Gateway API equivalent"},
    {"default-backend", false, "custom error backends have no Gateway API equivalent"},
    {"ssl-ciphers", false, "TLS cipher choice is not part of a Gateway listener in Gateway API"},
    {"ssl-prefer-server-ciphers", false,
     "TLS cipher choice is not part of a Gateway listener in Gateway API"},
    {"x-forwarded-prefix", false,
     "add a RequestHeaderModifier filter setting X-Forwarded-Prefix to the rules that need it"},
    {"use-proxy-protocol", false, "PROXY protocol is not configured per route"},
    {"enable-access-log", false, "Portico logs every request (portico run --access-log)"},
    {"enable-opentracing", false, "tracing is not configured per route"},
    {"enable-opentelemetry", false, "tracing is not configured per route"},
    {"opentelemetry-", true, "tracing is not configured per route"},
    {"mirror-", true, "use a RequestMirror filter on the rule (or --mirror-to)"},
    {"service-upstream", false, "Portico always balances over the Service's ready endpoints"},
    {"preserve-trailing-slash", false,
     "no equivalent; the redirect keeps the request path as Gateway API defines"},
    {"from-to-www-redirect", false,
     "add an HTTPRoute for the other name with a RequestRedirect filter setting hostname"},
    {"http2-push-preload", false, "HTTP/2 push has no equivalent"},
    {"modsecurity-", true, "web application firewall rules have no Gateway API equivalent"},
    {"enable-modsecurity", false, "web application firewall rules have no Gateway API equivalent"},
    {"satisfy", false, "authentication has no Gateway API equivalent in the standard channel"},
    {"proxy-http-version", false,
     "Portico speaks HTTP/1.1 to backends (h2c with appProtocol kubernetes.io/h2c)"},
    {"proxy-redirect-", true, "rewriting Location headers of responses has no Gateway API equivalent"},
    {"proxy-cookie-", true, "rewriting cookies of responses has no Gateway API equivalent"},
    {"connection-proxy-header", false, "Portico manages the Connection header itself"},
    {"enable-rewrite-log", false, "nginx debugging; no equivalent"},
};

std::string_view reasonFor(std::string_view key) {
  for (const auto& r : kReasons) {
    if (r.prefix ? key.starts_with(r.key) : key == r.key) return r.why;
  }
  return {};
}

// Annotations of other controllers and tools that carry nothing to convert.
bool ignoredSilently(std::string_view key) {
  return key == "kubectl.kubernetes.io/last-applied-configuration" || key == "kubernetes.io/ingress.class" ||
         key.starts_with("meta.helm.sh/") || key == "deployment.kubernetes.io/revision" ||
         key.starts_with("argocd.argoproj.io/");
}

bool isCanaryKey(std::string_view k) { return k == "canary" || k.starts_with("canary-"); }

struct Parser {
  const Ingress& ing;
  api::Diagnostics& out;
  NginxConfig cfg;

  void warnA(const Annotation& a, std::string message) { warnAnnotation(out, ing, a, std::move(message)); }

  std::optional<bool> boolean(const Annotation& a) {
    auto b = parseBool(a.value);
    if (!b) warnA(a, fmt::format("\"{}\" is not a boolean; ignored", a.value));
    return b;
  }

  std::optional<int64_t> integer(const Annotation& a, int64_t min, int64_t max) {
    auto v = parseInt(a.value);
    if (!v || *v < min || *v > max) {
      warnA(a, fmt::format("\"{}\" is not an integer in [{}, {}]; ignored", a.value, min, max));
      return std::nullopt;
    }
    return v;
  }

  const Annotation* nginx(std::string_view key) const {
    for (const auto& a : ing.annotations) {
      if (a.key.size() == kNginxPrefix.size() + key.size() && a.key.starts_with(kNginxPrefix) &&
          std::string_view(a.key).substr(kNginxPrefix.size()) == key) {
        return &a;
      }
    }
    return nullptr;
  }

  void canary() {
    Canary& c = cfg.canary;
    if (const Annotation* a = nginx("canary-weight-total")) {
      if (auto v = integer(*a, 1, 1000000)) c.total = static_cast<int32_t>(*v);
    }
    if (const Annotation* a = nginx("canary-weight")) {
      if (auto v = integer(*a, 0, 1000000)) {
        if (*v > c.total) {
          warnA(*a, fmt::format("{} is above canary-weight-total {}: every request goes to the canary", *v,
                                c.total));
          c.weight = c.total;
        } else {
          c.weight = static_cast<int32_t>(*v);
        }
      }
    }
    if (const Annotation* a = nginx("canary-by-header")) {
      if (api::validate::isHeaderName(a->value)) {
        c.header = a->value;
      } else {
        warnA(*a, fmt::format("\"{}\" is not a header name; ignored", a->value));
      }
    }
    if (const Annotation* a = nginx("canary-by-header-value")) {
      if (c.header.empty()) {
        warnA(*a, "ignored: needs canary-by-header");
      } else if (!api::validate::isHeaderValue(a->value)) {
        warnA(*a, fmt::format("\"{}\" cannot be matched as a header value; ignored", a->value));
      } else {
        c.headerValue = a->value;
      }
    }
    if (const Annotation* a = nginx("canary-by-header-pattern")) {
      if (c.header.empty()) {
        warnA(*a, "ignored: needs canary-by-header");
      } else if (!c.headerValue.empty()) {
        warnA(*a, "ignored: canary-by-header-value is set and takes precedence (as in ingress-nginx)");
      } else if (!api::validate::isHeaderValue(a->value)) {
        warnA(*a, fmt::format("\"{}\" cannot be written as a header match; ignored", a->value));
      } else {
        c.headerPattern = a->value;
        warnA(*a,
              "converted to a RegularExpression header match; Portico (RE2) matches the whole header value "
              "where ingress-nginx searched for the pattern anywhere in it: anchor-free patterns may need "
              "\".*\" around them");
      }
    }
    if (const Annotation* a = nginx("canary-by-cookie")) {
      if (api::validate::isHeaderName(a->value) && a->value.find('*') == std::string::npos) {
        c.cookie = a->value;
        warnA(*a,
              "Gateway API cannot match cookies: converted to RegularExpression matches on the Cookie header "
              "(value always -> canary, never -> primary)");
      } else {
        warnA(*a, fmt::format("\"{}\" is not a cookie name; ignored", a->value));
      }
    }
    if (!c.weight && c.header.empty() && c.cookie.empty()) {
      warnA(*c.source,
            "canary Ingress without canary-weight, canary-by-header or canary-by-cookie: it gets no "
            "traffic (as in ingress-nginx); its backends are added with weight 0");
      c.weight = 0;
    }
  }

  void redirects() {
    const Annotation* temporal = nginx("temporal-redirect");
    const Annotation* permanent = nginx("permanent-redirect");
    const Annotation* chosen = temporal ? temporal : permanent;
    if (temporal && permanent) {
      warnA(*permanent, "ignored: temporal-redirect is also set and takes precedence (as in ingress-nginx)");
    }
    if (!chosen) {
      for (const char* k : {"permanent-redirect-code", "temporal-redirect-code"}) {
        if (const Annotation* a = nginx(k)) warnA(*a, "ignored: no redirect URL annotation");
      }
      return;
    }
    int32_t code = chosen == temporal ? 302 : 301;
    if (const Annotation* a =
            nginx(chosen == temporal ? "temporal-redirect-code" : "permanent-redirect-code")) {
      if (auto v = integer(*a, 300, 399)) {
        if (*v == 301 || *v == 302 || *v == 303 || *v == 307 || *v == 308) {
          code = static_cast<int32_t>(*v);
        } else {
          warnA(*a, fmt::format("Gateway API redirects answer 301, 302, 303, 307 or 308, not {}; {} is used",
                                *v, code));
        }
      }
    }
    if (const Annotation* a =
            nginx(chosen == temporal ? "permanent-redirect-code" : "temporal-redirect-code")) {
      warnA(*a, fmt::format("ignored: it goes with {}",
                            chosen == temporal ? "permanent-redirect" : "temporal-redirect"));
    }
    std::string why, dropped;
    auto r = redirectFromUrl(trim(chosen->value), code, &why, &dropped);
    if (!r) {
      warnA(*chosen, fmt::format("\"{}\" cannot be expressed as a RequestRedirect: {}; not carried over",
                                 chosen->value, why));
      return;
    }
    if (!dropped.empty()) warnA(*chosen, fmt::format("{} dropped: a RequestRedirect cannot set it", dropped));
    cfg.redirect = std::move(r);
  }

  void timeouts() {
    const Annotation* read = nginx("proxy-read-timeout");
    const Annotation* send = nginx("proxy-send-timeout");
    int64_t best = 0;
    for (const Annotation* a : {read, send}) {
      if (!a) continue;
      if (auto v = integer(*a, 1, int64_t{99999} * 3600)) best = std::max(best, *v);
    }
    if (best == 0) return;
    cfg.backendRequestTimeout = formatDuration(best);
    const Annotation* a = read ? read : send;
    warnA(*a, fmt::format("converted to timeouts.backendRequest {}: ingress-nginx's proxy-read/send timeouts "
                          "limit each wait between two reads or writes, backendRequest limits the whole "
                          "backend exchange, so slow streaming responses longer than that are now cut off",
                          *cfg.backendRequestTimeout));
  }

  void cors(const Annotation& enable) {
    auto on = boolean(enable);
    if (!on || !*on) return;
    api::HTTPCORSFilter f;
    f.allowOrigins = {"*"};
    f.allowMethods = {"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"};
    f.allowHeaders = {"DNT",           "Keep-Alive",   "User-Agent", "X-Requested-With", "If-Modified-Since",
                      "Cache-Control", "Content-Type", "Range",      "Authorization"};
    f.allowCredentials = true;
    f.maxAge = 1728000;
    if (const Annotation* a = nginx("cors-allow-origin")) {
      std::vector<std::string> origins;
      for (std::string o : splitList(a->value)) {
        if (o != "*" && o.size() > 1 && o.back() == '/') o.pop_back();
        if (!api::validate::isCorsOrigin(o)) {
          warnA(*a, fmt::format("origin \"{}\" is not scheme://host[:port]; left out", o));
        } else if (std::find(origins.begin(), origins.end(), o) == origins.end()) {
          origins.push_back(o);
        }
      }
      if (std::find(origins.begin(), origins.end(), "*") != origins.end()) origins = {"*"};
      if (origins.empty()) {
        warnA(*a, "no usable origin; the CORS filter is not created");
        return;
      }
      f.allowOrigins = std::move(origins);
    }
    if (const Annotation* a = nginx("cors-allow-methods")) {
      static const std::set<std::string> kMethods{"GET",     "HEAD",    "POST",  "PUT",   "DELETE",
                                                  "CONNECT", "OPTIONS", "TRACE", "PATCH", "*"};
      std::vector<std::string> methods;
      for (const auto& m : splitList(a->value)) {
        std::string u = upper(m);
        if (!kMethods.contains(u)) {
          warnA(*a, fmt::format("method \"{}\" is not one Gateway API lists; left out", m));
        } else if (std::find(methods.begin(), methods.end(), u) == methods.end()) {
          methods.push_back(u);
        }
      }
      if (std::find(methods.begin(), methods.end(), "*") != methods.end()) methods = {"*"};
      f.allowMethods = std::move(methods);
    }
    auto headerList = [&](const Annotation& a, std::vector<std::string>& dst) {
      std::vector<std::string> hs;
      std::set<std::string> seen;
      for (const auto& h : splitList(a.value)) {
        if (!api::validate::isHeaderName(h)) {
          warnA(a, fmt::format("\"{}\" is not a header name; left out", h));
        } else if (seen.insert(lower(h)).second) {
          hs.push_back(h);
        }
      }
      if (std::find(hs.begin(), hs.end(), "*") != hs.end()) hs = {"*"};
      dst = std::move(hs);
    };
    if (const Annotation* a = nginx("cors-allow-headers")) headerList(*a, f.allowHeaders);
    if (const Annotation* a = nginx("cors-expose-headers")) headerList(*a, f.exposeHeaders);
    if (const Annotation* a = nginx("cors-allow-credentials")) {
      if (auto b = boolean(*a)) f.allowCredentials = *b;
    }
    if (const Annotation* a = nginx("cors-max-age")) {
      if (auto v = integer(*a, 1, INT32_MAX)) f.maxAge = static_cast<int32_t>(*v);
    }
    cfg.cors = std::move(f);
  }

  void backendProtocol(const Annotation& a) {
    const std::string p = upper(trim(a.value));
    std::set<std::string> services;
    for (const auto& r : ing.rules) {
      for (const auto& path : r.paths) services.insert(path.backend.service);
    }
    if (ing.defaultBackend) services.insert(ing.defaultBackend->service);
    services.erase("");
    std::string list;
    for (const auto& s : services) list += (list.empty() ? "" : ", ") + s;
    if (p == "HTTP") return;
    if (p == "HTTPS") {
      warnA(a,
            fmt::format("Portico connects to backends over plain HTTP unless a BackendTLSPolicy targets the "
                        "Service: create one for {} (targetRefs the Service, validation.hostname and "
                        "caCertificateRefs or wellKnownCACertificates: System)",
                        list.empty() ? "the backend Services" : list));
    } else if (p == "GRPC" || p == "GRPCS") {
      warnA(a, fmt::format(
                   "gRPC needs HTTP/2 to the backend: set appProtocol: kubernetes.io/h2c on the port of {} "
                   "(the HTTPRoute then carries gRPC), or write a GRPCRoute for method-level matching{}",
                   list.empty() ? "the backend Services" : list,
                   p == "GRPCS" ? "; GRPCS also needs a BackendTLSPolicy for TLS to the backend" : ""));
    } else {
      warnA(a, fmt::format(
                   "backend protocol \"{}\" has no Gateway API equivalent; requests are sent as HTTP/1.1",
                   a.value));
    }
  }

  void run() {
    const Annotation* canaryOn = nginx("canary");
    if (canaryOn) {
      auto b = boolean(*canaryOn);
      cfg.canary.enabled = b && *b;
      cfg.canary.source = canaryOn;
    }
    if (cfg.canary.enabled) canary();

    for (const auto& a : ing.annotations) {
      if (!a.key.starts_with(kNginxPrefix)) {
        if (ignoredSilently(a.key)) continue;
        if (a.key.starts_with("cert-manager.io/")) {
          warnA(a,
                "not carried over: cert-manager issues Gateway certificates from the same annotation on the "
                "Gateway (with its Gateway API support enabled); add it to the generated Gateway");
        } else {
          warnA(a, "not an ingress-nginx annotation; not carried over");
        }
        continue;
      }
      const std::string_view key = std::string_view(a.key).substr(kNginxPrefix.size());
      if (isCanaryKey(key)) {
        if (!cfg.canary.enabled && key != "canary") warnA(a, "ignored: canary is not \"true\"");
        continue;
      }
      if (cfg.canary.enabled) {
        // ingress-nginx applies the primary Ingress's configuration to
        // canary traffic too; a canary's own annotations are not used.
        warnA(
            a,
            "ignored on a canary Ingress: ingress-nginx applies the primary Ingress's annotations to canary "
            "traffic");
        continue;
      }
      if (key == "rewrite-target") {
        cfg.rewriteTarget = &a;
        cfg.regexPaths = true;
      } else if (key == "use-regex") {
        if (auto b = boolean(a)) {
          cfg.useRegex = &a;
          cfg.regexPaths = cfg.regexPaths || *b;
        }
      } else if (key == "ssl-redirect") {
        cfg.sslRedirect = boolean(a);
        cfg.sslRedirectSource = &a;
      } else if (key == "force-ssl-redirect") {
        auto b = boolean(a);
        cfg.forceSslRedirect = b && *b;
        cfg.forceSslRedirectSource = &a;
      } else if (key == "backend-protocol") {
        backendProtocol(a);
      } else if (key == "permanent-redirect" || key == "temporal-redirect" ||
                 key == "permanent-redirect-code" || key == "temporal-redirect-code") {
        // redirects() below
      } else if (key == "proxy-read-timeout" || key == "proxy-send-timeout") {
        // timeouts() below
      } else if (key == "app-root") {
        const std::string v = trim(a.value);
        if (v.starts_with('/') && api::validate::isHttpPathChars(v) && v.find("//") == std::string::npos) {
          cfg.appRoot = v;
        } else {
          warnA(a, fmt::format("\"{}\" is not an absolute path; ignored", a.value));
        }
      } else if (key == "enable-cors") {
        cors(a);
      } else if (key.starts_with("cors-")) {
        if (!nginx("enable-cors")) warnA(a, "ignored: enable-cors is not set");
      } else if (key == "upstream-vhost") {
        const std::string v = trim(a.value);
        if (api::validate::isDnsSubdomain(v)) {
          cfg.upstreamVhost = v;
        } else {
          warnA(a,
                fmt::format("\"{}\" is not a hostname (URLRewrite.hostname takes a plain name); not carried "
                            "over",
                            a.value));
        }
      } else if (std::string_view why = reasonFor(key); !why.empty()) {
        warnA(a, fmt::format("not carried over: {}", why));
      } else {
        warnA(a, "not carried over: no Gateway API equivalent is known to portico migrate");
      }
    }
    if (!cfg.canary.enabled) {
      redirects();
      timeouts();
    }
  }
};

}  // namespace

std::optional<api::HTTPRequestRedirectFilter> redirectFromUrl(std::string_view url, int32_t code,
                                                              std::string* why, std::string* dropped) {
  api::HTTPRequestRedirectFilter r;
  r.statusCode = code;
  std::string_view rest = url;
  bool keepPath = false;
  if (rest.ends_with("$request_uri")) {
    rest.remove_suffix(std::string_view("$request_uri").size());
    keepPath = true;
  }
  if (rest.find('$') != std::string_view::npos) {
    *why = "nginx variables other than a trailing $request_uri are not expressible";
    return std::nullopt;
  }
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    *dropped = fmt::format("fragment \"{}\"", rest.substr(hash));
    rest = rest.substr(0, hash);
  }
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    *dropped = fmt::format("query \"{}\"", rest.substr(q));
    rest = rest.substr(0, q);
  }
  std::string path;
  if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) {
    const std::string s = lower(std::string(rest.substr(0, scheme)));
    if (s != "http" && s != "https") {
      *why = fmt::format("scheme \"{}\" (only http and https)", s);
      return std::nullopt;
    }
    r.scheme = s;
    rest.remove_prefix(scheme + 3);
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    if (authority.find('@') != std::string_view::npos) {
      *why = "user information in the URL";
      return std::nullopt;
    }
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      auto port = parseInt(authority.substr(colon + 1));
      if (!port || *port < 1 || *port > 65535) {
        *why = "bad port";
        return std::nullopt;
      }
      r.port = static_cast<int32_t>(*port);
      authority = authority.substr(0, colon);
    }
    const std::string host = lower(std::string(authority));
    if (!api::validate::isDnsSubdomain(host)) {
      *why = fmt::format("\"{}\" is not a hostname", host);
      return std::nullopt;
    }
    r.hostname = host;
    // nginx answers with the URL as written: no path means "/".
    if (path.empty() && !keepPath) path = "/";
  } else if (rest.starts_with('/')) {
    path = std::string(rest);
  } else if (!keepPath || !rest.empty()) {
    *why = "expected an absolute URL or path";
    return std::nullopt;
  }
  if (keepPath && !path.empty()) {
    *why = "a path before $request_uri is not expressible";
    return std::nullopt;
  }
  if (!path.empty()) {
    if (!api::validate::isHttpPathChars(path)) {
      *why = fmt::format("path \"{}\" has characters a redirect path cannot hold", path);
      return std::nullopt;
    }
    r.path = api::HTTPPathModifier{"ReplaceFullPath", path, std::nullopt};
  }
  return r;
}

NginxConfig readNginxAnnotations(const Ingress& ing, api::Diagnostics& out) {
  Parser p{ing, out, {}};
  p.run();
  return std::move(p.cfg);
}

}  // namespace portico::migrate
