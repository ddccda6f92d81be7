// PD-LIVE-*: findings only a running Portico can back with data (reloads
// and their rejected objects, request counters by backend). Bind failures
// need no code of their own: the run loop feeds them to the translator,
// whose PortUnavailable condition becomes PD-LISTENER-PORT-IN-USE.
#include "diagnose/live.h"

#include <fmt/format.h>

#include <algorithm>

#include "diagnose/analysis.h"

namespace portico::diagnose::detail {
namespace {

// Below this share of 5xx a backend is not reported: a few errors among
// many requests are what retries and client aborts normally leave.
constexpr uint64_t kMinFiveXxPercent = 10;

std::string reloadEvidence(const LiveFacts& f) {
  return fmt::format(
      "generation {} ({}, applied {}); reloads since start: {} clean, {} with rejected objects", f.generation,
      f.trigger, f.appliedAt, f.reloadsOk, f.reloadsRejected);
}

void rejected(Analysis& a, const LiveFacts& live) {
  for (const auto& d : live.rejected) {
    if (d.severity != api::Severity::Error) continue;
    const bool named = !d.kind.empty() && !d.name.empty();
    ObjectRef obj = named ? ObjectRef{d.kind, d.namespace_, d.name} : ObjectRef{"File", "", d.file};
    const std::string id =
        named ? fmt::format("{} {}", d.kind, d.namespace_.empty() ? d.name : d.namespace_ + "/" + d.name)
              : "";
    const bool kept = named && std::find(live.carried.begin(), live.carried.end(), id) != live.carried.end();
    Finding& f = a.add("PD-LIVE-CONFIG-REJECTED", obj, d.field);
    f.subject = d.file;
    if (!named) {
      f.symptom =
          fmt::format("edits to {} are not live: Portico keeps serving what the file held before", d.file);
    } else if (kept) {
      f.symptom = fmt::format("the last edit of {} is not live: Portico still serves its previous version",
                              obj.display());
    } else {
      f.symptom =
          fmt::format("{} is not served: Portico refused it and had no earlier version", obj.display());
    }
    f.cause = d.message.empty() ? "The manifest was refused." : d.message;
    f.evidence.push_back({"reload", reloadEvidence(live)});
    f.evidence.push_back({"object", d.format()});
    f.fix.summary =
        "Correct the manifest and save it (the file watcher reloads) or send SIGHUP; check it first:";
    f.fix.commands.push_back(fmt::format("portico validate -c {}", d.file.empty() ? "FILE" : d.file));
  }
}

// "ns/svc:port" -> Service ns/svc.
ObjectRef serviceOf(const std::string& cluster) {
  const auto slash = cluster.find('/');
  const auto colon = cluster.rfind(':');
  if (slash == std::string::npos || colon == std::string::npos || colon < slash)
    return {"Service", "", cluster};
  return {"Service", cluster.substr(0, slash), cluster.substr(slash + 1, colon - slash - 1)};
}

std::string classes(const std::array<uint64_t, 6>& c) {
  std::string out;
  for (size_t i = 1; i < c.size(); ++i) {
    if (c[i] == 0) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{}xx {}", i, c[i]);
  }
  return out;
}

void backendErrors(Analysis& a, const LiveFacts& live) {
  for (const auto& [cluster, c] : live.backendRequests) {
    uint64_t total = 0;
    for (size_t i = 1; i < c.size(); ++i) total += c[i];
    if (c[5] == 0 || c[5] * 100 < total * kMinFiveXxPercent) continue;
    Finding& f = a.add("PD-LIVE-BACKEND-5XX", serviceOf(cluster));
    f.subject = cluster;
    f.symptom = fmt::format("{} of {} requests routed to {} ended in 5xx ({}%)", c[5], total, cluster,
                            c[5] * 100 / total);
    const auto ce = live.backendConnectErrors.find(cluster);
    const uint64_t connectFailures = ce == live.backendConnectErrors.end() ? 0 : ce->second;
    f.cause =
        connectFailures > 0
            ? "Portico could not connect to the backend's endpoints (refused or timed out): with no "
              "endpoint left to try it answers 502/503. The backend may answer 5xx itself as well."
            : "No connection to the backend failed, so the 5xx are its own answers (or a route timeout, "
              "504): look at the backend.";
    f.evidence.push_back({"counters", fmt::format("requests to {} since start: {}", cluster, classes(c))});
    f.evidence.push_back({"counters", fmt::format("portico_backend_connect_errors_total{{backend=\"{}\"}} {}",
                                                  cluster, connectFailures)});
    const auto it = a.tr.ir.clusters.find(cluster);
    std::string probe;
    if (it != a.tr.ir.clusters.end()) {
      std::string eps;
      for (const auto& ep : it->second.endpoints) {
        eps += (eps.empty() ? "" : ", ") + fmt::format("{}:{}", ep.address, ep.port);
        if (probe.empty()) probe = fmt::format("curl -sv http://{}:{}/", ep.address, ep.port);
      }
      f.evidence.push_back(
          {"endpoints", eps.empty() ? "no ready endpoint in the current config" : "ready endpoints: " + eps});
    }
    f.fix.summary =
        "Check the backend itself (its logs), and that its EndpointSlices list Pods that are up and accept "
        "connections from Portico:";
    if (!probe.empty()) f.fix.commands.push_back(probe);
    f.fix.commands.push_back(
        fmt::format("kubectl get endpointslices -n {} -l kubernetes.io/service-name={} -o wide",
                    f.object.namespace_, f.object.name));
  }
}

void connectErrors(Analysis& a, const LiveFacts& live) {
  if (live.upstreamConnectErrors == 0) return;
  Finding& f = a.add("PD-LIVE-UPSTREAM-CONNECT-ERRORS", {"Portico", "", "data-plane"});
  f.symptom = fmt::format("{} connection attempt{} to backends failed since start",
                          live.upstreamConnectErrors, live.upstreamConnectErrors == 1 ? "" : "s");
  f.cause =
      "An endpoint refused the connection or did not accept it within the connect timeout; Portico moved on "
      "to the next endpoint, and answered 502/503 when none was left.";
  f.evidence.push_back(
      {"counters", fmt::format("portico_upstream_connect_errors_total {}", live.upstreamConnectErrors)});
  for (const auto& [cluster, n] : live.backendConnectErrors) {
    f.evidence.push_back(
        {"counters", fmt::format("{}: {} failed connection attempt{}", cluster, n, n == 1 ? "" : "s")});
  }
  f.fix.summary =
      "Check that the EndpointSlices of the backends above list only endpoints that are up and accept "
      "connections from Portico.";
}

std::string endpointLine(const LiveEndpoint& e) {
  if (!e.out) return fmt::format("{}: in rotation, {} requests", e.endpoint, e.requests);
  return fmt::format("{}: OUT ({}, back in {} ms at most), {} requests", e.endpoint,
                     e.reason.empty() ? "ejected" : e.reason, e.outForMs, e.requests);
}

// Endpoints taken out of rotation by outlier detection or a failing
// health check (docs/backend-health.md): all of them is an outage (503 at
// once), some of them is capacity lost.
void endpointsOut(Analysis& a, const LiveFacts& live) {
  for (const auto& [cluster, c] : live.clusters) {
    const auto out = static_cast<size_t>(
        std::count_if(c.endpoints.begin(), c.endpoints.end(), [](const LiveEndpoint& e) { return e.out; }));
    if (out == 0) continue;
    const bool all = out == c.endpoints.size();
    Finding& f = a.add(all ? "PD-LIVE-ENDPOINTS-ALL-OUT" : "PD-LIVE-ENDPOINTS-OUT", serviceOf(cluster));
    f.subject = cluster;
    f.symptom = all ? fmt::format(
                          "every request routed to {} gets 503 at once: none of its {} endpoint{} is in "
                          "rotation",
                          cluster, c.endpoints.size(), c.endpoints.size() == 1 ? "" : "s")
                    : fmt::format("{} of {} endpoints of {} are out of rotation; the others carry their load",
                                  out, c.endpoints.size(), cluster);
    f.cause =
        "Portico took them out: consecutive connect errors or 5xx answers (passive outlier detection, "
        "connect_error / consecutive_5xx) or a failing active health check (health_check). Ejected endpoints "
        "come back after their back-off; health-checked ones after passing again.";
    for (const auto& e : c.endpoints) f.evidence.push_back({"endpoints", endpointLine(e)});
    f.fix.summary =
        "Look at the endpoints marked OUT (their logs, the health-check path); /endpoints shows each one's "
        "state live:";
    f.fix.commands.push_back("curl -s ADMIN/endpoints");
    f.fix.commands.push_back(
        fmt::format("kubectl get endpointslices -n {} -l kubernetes.io/service-name={} -o wide",
                    f.object.namespace_, f.object.name));
  }
}

// Below this many new sessions per endpoint the spread is noise.
constexpr uint64_t kMinSessionsPerEndpoint = 20;

// Session persistence whose new sessions pile onto one endpoint
// (docs/session-persistence.md "Seeing skew"): the balancer spreads new
// sessions, so a share far above 1/N means endpoints were out for a while
// (sessions moved and stayed) or clients replay one value.
void sessionSkew(Analysis& a, const LiveFacts& live) {
  for (const auto& [cluster, c] : live.clusters) {
    if (!c.persistent || c.endpoints.size() < 2) continue;
    uint64_t total = 0;
    const LiveEndpoint* top = &c.endpoints.front();
    for (const auto& e : c.endpoints) {
      total += e.sessions;
      if (e.sessions > top->sessions) top = &e;
    }
    const size_t n = c.endpoints.size();
    if (total < kMinSessionsPerEndpoint * n || top->sessions * n <= 2 * total) continue;
    Finding& f = a.add("PD-LIVE-SESSION-SKEW", serviceOf(cluster));
    f.subject = cluster;
    f.symptom = fmt::format("{} holds {}% of the new sessions of {} (fair share {}%): its Pod is loaded more",
                            top->endpoint, top->sessions * 100 / total, cluster, 100 / n);
    f.cause =
        "New sessions are placed by the load balancer, so an endpoint far above its share got sessions moved "
        "to it (the others were out of rotation or left) or clients keep one session value.";
    for (const auto& e : c.endpoints)
      f.evidence.push_back(
          {"sessions", fmt::format("{}: {} new sessions, {} requests{}", e.endpoint, e.sessions, e.requests,
                                   e.out ? " (out of rotation)" : "")});
    f.fix.summary =
        "If endpoints were out for a while, the spread evens out as sessions expire (set absoluteTimeout or "
        "idleTimeout on the sessionPersistence); watch it live:";
    f.fix.commands.push_back("curl -s ADMIN/endpoints");
  }
}

}  // namespace

void checkLive(Analysis& a) {
  if (!a.opt.live) return;
  rejected(a, *a.opt.live);
  backendErrors(a, *a.opt.live);
  connectErrors(a, *a.opt.live);
  endpointsOut(a, *a.opt.live);
  sessionSkew(a, *a.opt.live);
}

}  // namespace portico::diagnose::detail
