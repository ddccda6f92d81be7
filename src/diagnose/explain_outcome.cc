// What happens once a rule is chosen, in the data plane's order
// (dataplane/session.cc Session::handle, exchange.cc): CORS preflight,
// redirect, direct response, then filters, backend choice by weight and the
// upstream request (dataplane::buildUpstreamHead).
#include "diagnose/explain_outcome.h"

#include <fmt/format.h>

#include "router/filters.h"

namespace portico::diagnose::detail {
namespace {

std::string headerOps(const ir::HeaderOps& ops) {
  std::vector<std::string> parts;
  for (const auto& [n, v] : ops.set) parts.push_back(fmt::format("set {}: {}", n, v));
  for (const auto& [n, v] : ops.add) parts.push_back(fmt::format("add {}: {}", n, v));
  for (const auto& n : ops.remove) parts.push_back("remove " + n);
  return fmt::format("{}", fmt::join(parts, "; "));
}

void traceFilters(const ir::Route& r, Explanation& e) {
  auto add = [&](std::string f, std::string effect) {
    e.filters.push_back({std::move(f), std::move(effect)});
  };
  if (!r.filters.requestHeaders.empty())
    add("RequestHeaderModifier (rule)", headerOps(r.filters.requestHeaders));
  if (r.filters.rewrite) {
    const auto& rw = *r.filters.rewrite;
    std::string effect;
    if (rw.hostname) effect += "Host -> " + *rw.hostname;
    if (rw.path.kind != ir::PathRewriteKind::None) {
      effect += (effect.empty() ? "" : "; ") +
                fmt::format("path {} -> {}", e.path, router::rewritePath(rw.path, e.path));
    }
    add("URLRewrite (rule)", effect);
  }
  for (const auto& m : r.filters.mirrors) {
    add("RequestMirror", fmt::format("a copy to {} ({} of {} requests, bodiless only; response dropped)",
                                     m.cluster, m.numerator, m.denominator));
  }
  if (!r.filters.responseHeaders.empty())
    add("ResponseHeaderModifier (rule)", headerOps(r.filters.responseHeaders));
  if (r.requestTimeoutMs) add("timeouts.request", fmt::format("{} ms, then 504", r.requestTimeoutMs));
  if (r.backendRequestTimeoutMs)
    add("timeouts.backendRequest", fmt::format("{} ms per attempt, then 504", r.backendRequestTimeoutMs));
  if (r.retry)
    add("retry", fmt::format("up to {} retries on {}", r.retry->attempts, fmt::join(r.retry->codes, ", ")));
  if (r.sessionPersistence) {
    add("sessionPersistence",
        fmt::format("{} {}", r.sessionPersistence->header ? "header" : "cookie", r.sessionPersistence->name));
  }
}

void traceBackends(const ir::Config& cfg, const ir::Route& r, const http1::RequestHead& head,
                   const dataplane::ForwardContext& fwd, Explanation& e) {
  uint64_t total = 0;
  for (const auto& b : r.backends) total += b.weight;
  for (const auto& b : r.backends) {
    BackendTrace t;
    t.cluster = b.cluster;
    t.weight = b.weight;
    t.share = total ? 100.0 * b.weight / total : 0;
    if (b.cluster.empty()) {
      t.status = b.invalidStatus;
      t.note =
          fmt::format("invalid backendRef: its share answers {} (see `portico diagnose`)", b.invalidStatus);
    } else if (auto it = cfg.clusters.find(b.cluster);
               it == cfg.clusters.end() || it->second.endpoints.empty()) {
      t.status = 503;
      t.note = "no ready endpoint: its share answers 503";
    } else {
      t.endpoints = it->second.endpoints.size();
      t.note = fmt::format("{} ready endpoint(s), chosen round-robin", t.endpoints);
      if (b.filters && !b.filters->requestHeaders.empty()) {
        t.note += "; backend RequestHeaderModifier: " + headerOps(b.filters->requestHeaders);
      }
      t.upstreamRequest = dataplane::buildUpstreamHead(head, r, &b, fwd);
    }
    if (b.weight == 0) t.note = "weight 0: never chosen";
    e.backends.push_back(std::move(t));
  }
}

}  // namespace

void traceOutcome(const ir::Config& cfg, const ir::Bind& bind, const ir::Route& r,
                  const router::RequestView& view, const http1::RequestHead& head, const ExplainRequest& req,
                  Explanation& e) {
  if (r.filters.cors) {
    const auto c = router::evaluateCors(*r.filters.cors, view);
    if (c.kind == router::CorsKind::Preflight) {
      e.filters.push_back(
          {"CORS", c.allowed ? "preflight answered by Portico"
                             : "preflight from a disallowed origin: answered without CORS headers"});
      e.status = c.status;
      e.outcome = fmt::format("Portico answers the CORS preflight itself ({})", c.status);
      e.response = dataplane::localResponse(c.status, "", true, c.headers);
      return;
    }
    if (c.kind == router::CorsKind::Actual) {
      e.filters.push_back(
          {"CORS", c.allowed ? "CORS headers added to the response" : "origin not allowed: no CORS headers"});
    }
  }
  if (r.filters.redirect) {
    const auto& rd = *r.filters.redirect;
    const std::string path =
        rd.path.kind == ir::PathRewriteKind::None ? e.path : router::rewritePath(rd.path, e.path);
    const std::string location =
        router::redirectLocation(rd, e.scheme, router::stripPort(head.host), bind.port, path, e.query);
    e.filters.push_back({"RequestRedirect", fmt::format("{} to {}", rd.statusCode, location)});
    e.status = rd.statusCode;
    e.outcome = fmt::format("Portico redirects: {} Location: {}", rd.statusCode, location);
    e.response = dataplane::localResponse(rd.statusCode, "", true, {{"Location", location}});
    return;
  }
  if (r.directResponseStatus) {
    e.status = r.directResponseStatus;
    e.outcome = fmt::format(
        "Portico answers {}: the rule cannot be served (an unsupported filter, see `portico diagnose`)",
        r.directResponseStatus);
    e.response = dataplane::localResponse(e.status, "this route cannot be served", true);
    return;
  }
  traceFilters(r, e);
  dataplane::ForwardContext fwd;
  fwd.clientAddress = req.clientAddress;
  fwd.scheme = e.scheme;
  fwd.requestId = "<generated>";
  traceBackends(cfg, r, head, fwd, e);
  uint64_t total = 0;
  for (const auto& b : r.backends) total += b.weight;
  if (r.backends.empty() || total == 0) {
    e.status = 500;
    e.outcome = r.backends.empty() ? "Portico answers 500: the rule has no backends"
                                   : "Portico answers 500: every backend has weight 0";
    e.response = dataplane::localResponse(500, "", true);
    return;
  }
  std::vector<std::string> parts;
  int served = 0;
  for (const auto& b : e.backends) {
    if (b.weight == 0) continue;
    parts.push_back(b.status ? fmt::format("{:.0f}% get {}", b.share, b.status)
                             : fmt::format("{:.0f}% go to {}", b.share, b.cluster));
    if (!b.status) ++served;
  }
  e.status = served ? 0 : e.backends.front().status;
  e.outcome = "Proxied: " + fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace portico::diagnose::detail
