// explain(): the data plane's path for one request (docs/ARCHITECTURE.md
// "A request's path through the data plane"), recorded step by step.
#include "diagnose/explain.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>

#include "dataplane/forward.h"
#include "diagnose/explain_match.h"
#include "diagnose/explain_outcome.h"
#include "diagnose/text.h"
#include "http1/codec.h"
#include "router/filters.h"
#include "router/router.h"
#include "translate/hostname.h"

namespace portico::diagnose {
namespace {

using detail::lower;

bool parseUrl(const std::string& url, Explanation& e, std::string& authority, std::string& error) {
  const auto sep = url.find("://");
  if (sep == std::string::npos) {
    error = "expected a URL such as http://shop.example.com/api";
    return false;
  }
  e.scheme = lower(url.substr(0, sep));
  if (e.scheme != "http" && e.scheme != "https") {
    error = "scheme must be http or https";
    return false;
  }
  std::string rest = url.substr(sep + 3);
  const auto slash = rest.find_first_of("/?");
  authority = rest.substr(0, slash);
  std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (target[0] == '?') target = "/" + target;
  const auto q = target.find('?');
  e.path = target.substr(0, q);
  e.query = q == std::string::npos ? "" : target.substr(q + 1);
  e.host = std::string(router::stripPort(authority));
  e.port = e.scheme == "https" ? 443 : 80;
  if (e.host.size() < authority.size()) e.port = std::atoi(authority.substr(e.host.size() + 1).c_str());
  if (e.host.empty() || e.port <= 0 || e.port > 65535) {
    error = "bad host or port in the URL";
    return false;
  }
  return true;
}

bool isIp(const std::string& h) {
  unsigned char buf[16];
  std::string bare = h.size() > 2 && h.front() == '[' ? h.substr(1, h.size() - 2) : h;
  return inet_pton(AF_INET, bare.c_str(), buf) == 1 || inet_pton(AF_INET6, bare.c_str(), buf) == 1;
}

std::string listenerName(const ir::Listener& l) {
  static const char* protocols[] = {"HTTP", "HTTPS", "TLS", "TCP", "UDP"};
  std::string owner = l.listenerSet.empty() ? fmt::format("Gateway {}/{}", l.gatewayNamespace, l.gatewayName)
                                            : "ListenerSet " + l.listenerSet;
  return fmt::format("{} listener \"{}\" ({}{})", owner, l.name, protocols[static_cast<int>(l.protocol)],
                     l.hostname ? ", hostname " + *l.hostname : std::string());
}

void traceListeners(const ir::Bind& bind, const ir::Listener* chosen, const std::string& host,
                    Explanation& e) {
  const std::string h = lower(host);
  for (const auto& l : bind.listeners) {
    if (l.protocol != ir::Protocol::HTTP && l.protocol != ir::Protocol::HTTPS) continue;
    ListenerTrace t;
    t.name = listenerName(l);
    t.chosen = &l == chosen;
    const std::string lh = l.hostname.value_or("");
    if (t.chosen) {
      t.reason = lh.empty()
                     ? "no more specific listener matches Host; a listener without hostname takes any"
                     : fmt::format("the most specific listener hostname matching {} (spec §12.3)", host);
    } else if (!lh.empty() && !translate::hostnameCovers(lh, h)) {
      t.reason = fmt::format("hostname {} does not match {}", lh, host);
    } else {
      t.reason =
          "matches, but a more specific listener takes the request (listener isolation: its routes are not "
          "consulted)";
    }
    e.listeners.push_back(std::move(t));
  }
}

// Every rule of the consulted virtual hosts with its verdict, in the
// router's order: most specific host first, falling through on a miss.
void traceRoutes(const store::Snapshot& snap, const ir::Listener& l, const router::RequestView& view,
                 const ir::Route* chosen, const std::string& host, Explanation& e) {
  const std::string h = lower(std::string(router::stripPort(host)));
  bool done = false;
  for (const auto& vh : l.virtualHosts) {
    if (vh.hostname != "*" && !translate::hostnameCovers(vh.hostname, h)) continue;
    const bool grpc = view.grpc && !vh.grpcRoutes.empty();  // §12.6: never merged
    for (const auto& r : grpc ? vh.grpcRoutes : vh.routes) {
      CandidateTrace c;
      c.route = detail::routeLabel(r);
      c.routeKind = r.routeKind;
      c.routeNamespace = r.routeNamespace;
      c.routeName = r.routeName;
      c.rule = r.ruleIndex;
      c.match = r.matchIndex;
      c.host = vh.hostname;
      c.matchText = detail::describeMatch(r.match);
      if (done && chosen && !detail::routerMatches(r, view)) {
        c.verdict = "no-match";
        c.reason = detail::mismatchReason(r, view);
      } else if (&r == chosen) {
        c.verdict = "chosen";
        c.reason = "first rule in precedence order whose match passes";
      } else if (detail::routerMatches(r, view)) {
        c.verdict = done ? "lost" : "not-consulted";
        c.reason = done ? "also matches; loses: " + detail::precedenceReason(snap, *chosen, r)
                        : "matches, but the router stopped earlier";
      } else {
        c.verdict = "no-match";
        c.reason = detail::mismatchReason(r, view);
      }
      if (c.reason.empty()) c.reason = "does not match";
      e.candidates.push_back(std::move(c));
      if (&r == chosen) done = true;
    }
    if (done) break;  // less specific hosts are not consulted (fall-through stops)
  }
}

}  // namespace

Explanation explain(const ir::Config& cfg, const store::Snapshot& snap, const ExplainRequest& req) {
  Explanation e;
  e.method = req.method;
  std::string authority, error;
  if (!parseUrl(req.url, e, authority, error)) {
    e.status = -1;
    e.outcome = "bad --url: " + error;
    return e;
  }
  // The request as curl would send it; parsed by the data plane's parser.
  std::string hostHeader = authority;
  std::string raw =
      fmt::format("{} {}{} HTTP/1.1\r\n", req.method, e.path, e.query.empty() ? "" : "?" + e.query);
  std::string extra;
  for (const auto& [n, v] : req.headers) {
    if (http1::iequals(n, "host")) {
      hostHeader = v;
    } else {
      extra += n + ": " + v + "\r\n";
    }
  }
  raw += "Host: " + hostHeader + "\r\n" + extra + "\r\n";
  http1::RequestHead head;
  size_t consumed = 0;
  http1::Error perr;
  if (http1::parseRequestHead(raw, http1::Limits{}, head, consumed, perr) != http1::Result::Done) {
    e.status = perr.status;
    e.outcome = fmt::format("Portico answers {}: {}", perr.status, perr.message);
    return e;
  }
  const ir::Bind* bind = nullptr;
  for (const auto& b : cfg.binds) {
    if (b.port != e.port || b.protocol == ir::Protocol::UDP) continue;
    if (!bind || (b.address == e.host)) bind = &b;
  }
  if (!bind) {
    std::vector<std::string> ports;
    for (const auto& b : cfg.binds) ports.push_back(std::to_string(b.port));
    e.status = -1;
    e.outcome = fmt::format("connection refused: no programmed listener on port {} (ports served: {})",
                            e.port, ports.empty() ? "none" : fmt::format("{}", fmt::join(ports, ", ")));
    return e;
  }
  e.steps.push_back(fmt::format("port {}: {} listener(s){}", e.port, bind->listeners.size(),
                                bind->address.empty() ? "" : " on address " + bind->address));
  const bool tlsPort = bind->protocol == ir::Protocol::HTTPS || bind->protocol == ir::Protocol::TLS;
  if (tlsPort != (e.scheme == "https")) {
    e.status = -1;
    e.outcome =
        tlsPort ? fmt::format("port {} expects TLS: use https:// (a plaintext request fails the handshake)",
                              e.port)
                : fmt::format("port {} is plain HTTP: use http:// (a TLS ClientHello is not HTTP)", e.port);
    return e;
  }
  const auto router = router::BindRouter::build(*bind);
  const ir::Listener* sni = nullptr;
  if (tlsPort) {
    const std::string sniName = isIp(e.host) ? std::string() : e.host;
    sni = router->listenerForSni(sniName);
    if (!sni) {
      e.status = -1;
      e.outcome = fmt::format(
          "TLS handshake refused (unrecognized_name): no HTTPS listener on port {} covers SNI "
          "\"{}\" and none is without hostname",
          e.port, sniName);
      return e;
    }
    e.steps.push_back(
        fmt::format("TLS: SNI \"{}\" selects {} and its certificate", sniName, listenerName(*sni)));
  }
  const router::RequestView view = dataplane::routingView(head);
  if (view.grpc)
    e.steps.push_back("content-type application/grpc: GRPCRoute rules are consulted (spec §12.6)");
  const auto m = router->route(view, sni);
  traceListeners(*bind, m.listener, std::string(router::stripPort(head.host)), e);
  if (m.listener) traceRoutes(snap, *m.listener, view, m.route, std::string(head.host), e);
  if (m.status == 421) {
    e.status = 421;
    e.outcome =
        "Portico answers 421 Misdirected Request: Host belongs to another listener than the TLS handshake's "
        "(spec §12.3)";
  } else if (!m.listener) {
    e.status = 404;
    e.outcome = fmt::format("Portico answers 404: no listener on port {} matches Host {}", e.port, head.host);
  } else if (!m.route) {
    e.status = 404;
    e.outcome = e.candidates.empty()
                    ? fmt::format("Portico answers 404: no route is attached to {} for host {}",
                                  listenerName(*m.listener), router::stripPort(head.host))
                    : "Portico answers 404: no rule of the chosen listener matches (see the rules above)";
  }
  if (e.status) {
    e.response =
        dataplane::localResponse(e.status, e.status == 421 ? "misdirected request" : "no route", true);
    return e;
  }
  detail::traceOutcome(cfg, *bind, *m.route, view, head, req, e);
  return e;
}

void addHints(Explanation& e, const store::Snapshot& snap, const Report& report) {
  if (e.status != 404) return;
  const std::string host = lower(e.host);
  auto meantForHost = [&](const Finding& f) {
    const std::vector<std::string>* hosts = nullptr;
    if (f.object.kind == "HTTPRoute") {
      if (const auto* r = snap.httpRoutes.find(f.object.namespace_, f.object.name)) hosts = &r->hostnames;
    } else if (f.object.kind == "GRPCRoute") {
      if (const auto* r = snap.grpcRoutes.find(f.object.namespace_, f.object.name)) hosts = &r->hostnames;
    }
    if (!hosts) return false;
    return hosts->empty() || std::any_of(hosts->begin(), hosts->end(), [&](const std::string& h) {
             return translate::hostnameCovers(h, host);
           });
  };
  for (const auto& f : report.findings) {
    if (f.severity == Severity::Error && meantForHost(f)) {
      e.hints.push_back(fmt::format("{} {}{}: {}", f.code, f.object.display(),
                                    f.field.empty() ? "" : " " + f.field, f.cause));
    }
  }
}

}  // namespace portico::diagnose
