#include "ir/ir_json.h"

#include <nlohmann/json.hpp>

#include "ir/fingerprint.h"

namespace portico::ir {
namespace {

// ordered_json keeps the struct's field order, which reads better than
// alphabetical and is just as deterministic.
using Json = nlohmann::ordered_json;

const char* name(Protocol p) {
  switch (p) {
    case Protocol::HTTP:
      return "HTTP";
    case Protocol::HTTPS:
      return "HTTPS";
    case Protocol::TLS:
      return "TLS";
    case Protocol::TCP:
      return "TCP";
    case Protocol::UDP:
      return "UDP";
  }
  return "?";
}

const char* name(PathMatchKind k) {
  switch (k) {
    case PathMatchKind::Exact:
      return "Exact";
    case PathMatchKind::Prefix:
      return "PathPrefix";
    case PathMatchKind::Regex:
      return "RegularExpression";
  }
  return "?";
}

const char* name(StringMatchKind k) { return k == StringMatchKind::Exact ? "Exact" : "RegularExpression"; }

const char* name(PathRewriteKind k) {
  switch (k) {
    case PathRewriteKind::None:
      return "None";
    case PathRewriteKind::Full:
      return "ReplaceFullPath";
    case PathRewriteKind::Prefix:
      return "ReplacePrefixMatch";
  }
  return "?";
}

template <class T>
void putIf(Json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

Json stringMatches(const std::vector<StringMatch>& ms) {
  Json out = Json::array();
  for (const auto& m : ms) out.push_back(Json{{"type", name(m.kind)}, {"name", m.name}, {"value", m.value}});
  return out;
}

Json match(const Match& m) {
  Json out{{"path", Json{{"type", name(m.path.kind)}, {"value", m.path.value}}}};
  putIf(out, "method", m.method);
  if (!m.headers.empty()) out["headers"] = stringMatches(m.headers);
  if (!m.queryParams.empty()) out["queryParams"] = stringMatches(m.queryParams);
  if (m.grpc) out["grpc"] = true;
  return out;
}

Json pairs(const std::vector<std::pair<std::string, std::string>>& kv) {
  Json out = Json::array();
  for (const auto& [k, v] : kv) out.push_back(Json{{"name", k}, {"value", v}});
  return out;
}

Json headerOps(const HeaderOps& h) {
  Json out = Json::object();
  if (!h.set.empty()) out["set"] = pairs(h.set);
  if (!h.add.empty()) out["add"] = pairs(h.add);
  if (!h.remove.empty()) out["remove"] = h.remove;
  return out;
}

Json pathRewrite(const PathRewrite& p) {
  Json out{{"type", name(p.kind)}};
  if (p.kind != PathRewriteKind::None) out["value"] = p.value;
  if (p.kind == PathRewriteKind::Prefix) out["matchedPrefix"] = p.matchedPrefix;
  return out;
}

Json filters(const Filters& f) {
  Json out = Json::object();
  if (!f.requestHeaders.empty()) out["requestHeaders"] = headerOps(f.requestHeaders);
  if (!f.responseHeaders.empty()) out["responseHeaders"] = headerOps(f.responseHeaders);
  if (f.redirect) {
    Json r = Json::object();
    putIf(r, "scheme", f.redirect->scheme);
    putIf(r, "hostname", f.redirect->hostname);
    putIf(r, "port", f.redirect->port);
    r["path"] = pathRewrite(f.redirect->path);
    r["statusCode"] = f.redirect->statusCode;
    out["redirect"] = std::move(r);
  }
  if (f.rewrite) {
    Json r = Json::object();
    putIf(r, "hostname", f.rewrite->hostname);
    r["path"] = pathRewrite(f.rewrite->path);
    out["rewrite"] = std::move(r);
  }
  if (!f.mirrors.empty()) {
    Json ms = Json::array();
    for (const auto& m : f.mirrors) {
      ms.push_back(Json{{"cluster", m.cluster}, {"numerator", m.numerator}, {"denominator", m.denominator}});
    }
    out["mirrors"] = std::move(ms);
  }
  if (f.cors) {
    const Cors& c = *f.cors;
    out["cors"] = Json{{"allowOrigins", c.allowOrigins},   {"allowCredentials", c.allowCredentials},
                       {"allowMethods", c.allowMethods},   {"allowHeaders", c.allowHeaders},
                       {"exposeHeaders", c.exposeHeaders}, {"maxAge", c.maxAge}};
  }
  return out;
}

Json sessionPersistence(const SessionPersistence& s) {
  return Json{{"name", s.name},
              {"type", s.header ? "Header" : "Cookie"},
              {"permanent", s.permanent},
              {"absoluteTimeoutMs", s.absoluteTimeoutMs},
              {"idleTimeoutMs", s.idleTimeoutMs},
              {"cookiePath", s.cookiePath}};
}

Json route(const Route& r) {
  Json out{{"source", Json{{"kind", r.routeKind},
                           {"namespace", r.routeNamespace},
                           {"name", r.routeName},
                           {"rule", r.ruleIndex},
                           {"match", r.matchIndex}}}};
  if (!r.ruleName.empty()) out["source"]["ruleName"] = r.ruleName;
  out["match"] = match(r.match);
  if (!r.filters.empty()) out["filters"] = filters(r.filters);
  Json backends = Json::array();
  for (const auto& b : r.backends) {
    Json bj{{"cluster", b.cluster}, {"weight", b.weight}};
    if (b.cluster.empty()) bj["invalidStatus"] = b.invalidStatus;
    if (b.filters && !b.filters->empty()) bj["filters"] = filters(*b.filters);
    backends.push_back(std::move(bj));
  }
  out["backends"] = std::move(backends);
  if (r.directResponseStatus != 0) out["directResponseStatus"] = r.directResponseStatus;
  if (r.requestTimeoutMs != 0) out["requestTimeoutMs"] = r.requestTimeoutMs;
  if (r.backendRequestTimeoutMs != 0) out["backendRequestTimeoutMs"] = r.backendRequestTimeoutMs;
  if (r.retry) {
    out["retry"] =
        Json{{"codes", r.retry->codes}, {"attempts", r.retry->attempts}, {"backoffMs", r.retry->backoffMs}};
  }
  if (r.sessionPersistence) out["sessionPersistence"] = sessionPersistence(*r.sessionPersistence);
  return out;
}

Json routes(const std::vector<Route>& rs) {
  Json out = Json::array();
  for (const auto& r : rs) out.push_back(route(r));
  return out;
}

Json certificate(const Certificate& c) {
  return Json{{"secret", c.secret},
              {"certPem", pemFingerprint(c.certPem)},
              {"keyPem", c.keyPem.empty() ? "" : "<redacted>"},
              {"dnsNames", c.dnsNames}};
}

Json listener(const Listener& l) {
  Json out{{"gateway", l.gatewayNamespace + "/" + l.gatewayName}};
  if (!l.listenerSet.empty()) out["listenerSet"] = l.listenerSet;
  out["name"] = l.name;
  putIf(out, "hostname", l.hostname);
  out["protocol"] = name(l.protocol);
  if (l.tlsPassthrough) out["tlsPassthrough"] = true;
  if (!l.certificates.empty()) {
    Json certs = Json::array();
    for (const auto& c : l.certificates) certs.push_back(certificate(c));
    out["certificates"] = std::move(certs);
  }
  if (l.backendClientCertificate) out["backendClientCertificate"] = certificate(*l.backendClientCertificate);
  if (l.clientValidation) {
    out["clientValidation"] = Json{{"caCertificates", l.clientValidation->caPem.size()},
                                   {"insecureFallback", l.clientValidation->insecureFallback}};
  }
  Json vhosts = Json::array();
  for (const auto& vh : l.virtualHosts) {
    Json vj{{"hostname", vh.hostname}, {"routes", routes(vh.routes)}};
    if (!vh.grpcRoutes.empty()) vj["grpcRoutes"] = routes(vh.grpcRoutes);
    vhosts.push_back(std::move(vj));
  }
  out["virtualHosts"] = std::move(vhosts);
  if (!l.l4Routes.empty()) {
    Json l4 = Json::array();
    for (const auto& r : l.l4Routes) {
      Json backends = Json::array();
      for (const auto& b : r.backends) backends.push_back(Json{{"cluster", b.cluster}, {"weight", b.weight}});
      l4.push_back(Json{
          {"source", Json{{"kind", r.routeKind}, {"namespace", r.routeNamespace}, {"name", r.routeName}}},
          {"hostnames", r.hostnames},
          {"backends", std::move(backends)}});
    }
    out["l4Routes"] = std::move(l4);
  }
  return out;
}

Json cluster(const Cluster& c) {
  Json out{{"service", c.serviceNamespace + "/" + c.serviceName}, {"port", c.port}};
  if (!c.portName.empty()) out["portName"] = c.portName;
  if (!c.appProtocol.empty()) out["appProtocol"] = c.appProtocol;
  if (c.loadBalancer == LoadBalancer::LeastRequest) out["loadBalancer"] = "LeastRequest";  // default left out
  if (c.healthCheck) {
    const auto& h = *c.healthCheck;
    out["healthCheck"] = Json{{"path", h.path},
                              {"intervalMs", h.intervalMs},
                              {"timeoutMs", h.timeoutMs},
                              {"healthyThreshold", h.healthyThreshold},
                              {"unhealthyThreshold", h.unhealthyThreshold}};
  }
  Json eps = Json::array();
  for (const auto& e : c.endpoints) {
    Json ej{{"address", e.address}, {"port", e.port}};
    if (!e.podName.empty()) ej["podName"] = e.podName;
    if (!e.zone.empty()) ej["zone"] = e.zone;
    eps.push_back(std::move(ej));
  }
  out["endpoints"] = std::move(eps);
  if (c.tls) {
    // CA bundles are public, but whole PEMs drown the dump; fingerprints
    // are enough to tell which bundle is in use.
    Json cas = Json::array();
    for (const auto& pem : c.tls->caPem) cas.push_back(pemFingerprint(pem));
    Json tls = Json::object();
    if (!c.tls->policy.empty()) tls["policy"] = c.tls->policy;
    if (c.tls->invalid) tls["invalid"] = true;
    tls["sni"] = c.tls->sni;
    tls["caPem"] = std::move(cas);
    tls["systemCAs"] = c.tls->systemCAs;
    tls["subjectAltNames"] = c.tls->subjectAltNames;
    out["tls"] = std::move(tls);
  }
  if (c.sessionPersistence) out["sessionPersistence"] = sessionPersistence(*c.sessionPersistence);
  return out;
}

}  // namespace

std::string toJson(const Config& config, bool pretty) {
  Json binds = Json::array();
  for (const auto& b : config.binds) {
    Json listeners = Json::array();
    for (const auto& l : b.listeners) listeners.push_back(listener(l));
    binds.push_back(Json{{"address", b.address},
                         {"port", b.port},
                         {"protocol", name(b.protocol)},
                         {"listeners", std::move(listeners)}});
  }
  Json clusters = Json::object();
  for (const auto& [key, c] : config.clusters) clusters[key] = cluster(c);
  const Json doc{{"binds", std::move(binds)}, {"clusters", std::move(clusters)}};
  return doc.dump(pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace portico::ir
