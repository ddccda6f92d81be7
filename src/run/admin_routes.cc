#include "run/admin_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "admin/admin_server.h"
#include "admin/query.h"
#include "dataplane/stats.h"
#include "diagnose/certificates.h"
#include "diagnose/diagnose.h"
#include "diagnose/explain.h"
#include "diagnose/render.h"
#include "diagnose/served_certificates.h"
#include "diagnose/terminal.h"
#include "run/access_log_ring.h"
#include "run/controller.h"
#include "run/controller_state.h"

namespace portico::run {
namespace {

admin::Response body(std::string text, const char* type = "text/plain; charset=utf-8") {
  admin::Response r;
  r.body = std::move(text);
  r.contentType = type;
  return r;
}

admin::Response badRequest(const std::string& why) {
  admin::Response r = body(why + "\n");
  r.status = 400;
  return r;
}

// The rendering the CLI asked for: it knows its terminal, the server not.
bool wantsJson(const admin::Query& q) { return admin::queryValue(q, "o") == "json"; }

diagnose::TextOptions textOptions(const admin::Query& q) {
  diagnose::TextOptions t;
  const std::string width = admin::queryValue(q, "width", "80");
  t.width = std::clamp(std::atoi(width.c_str()), 0, 1000);
  if (t.width == 0) t.width = 80;
  t.color = admin::queryValue(q, "color") == "1";
  return t;
}

admin::Response withExit(admin::Response r, int exitStatus) {
  r.headers.emplace_back("X-Portico-Exit", std::to_string(exitStatus));
  return r;
}

diagnose::Options diagnoseOptions(const LiveView& v, const admin::Query& q, std::string& error) {
  diagnose::Options o;
  o.translate = v.translate;
  o.namespace_ = admin::queryValue(q, "namespace");
  o.live = &v.facts;
  if (const std::string now = admin::queryValue(q, "now"); !now.empty()) {
    o.now = diagnose::parseRfc3339(now);
    if (o.now == 0) error = "now: expected an RFC 3339 time";
  }
  return o;
}

admin::Response diagnoseRoute(const Controller& c, std::string_view query) {
  const auto q = admin::parseQuery(query);
  const LiveView v = c.liveView();
  std::string error;
  const diagnose::Options o = diagnoseOptions(v, q, error);
  if (!error.empty()) return badRequest(error);
  const diagnose::Report report = diagnose::diagnose(v.input, o);
  admin::Response r = wantsJson(q) ? body(diagnose::renderJson(report), "application/json")
                                   : body(diagnose::renderText(report, textOptions(q)));
  return withExit(std::move(r), report.summary.errors > 0 ? 1 : 0);
}

// Same steps as `portico explain -c`, on the served IR: bind failures and
// carried-forward objects are what the request really meets.
admin::Response explainRoute(const Controller& c, std::string_view query) {
  const auto q = admin::parseQuery(query);
  diagnose::ExplainRequest req;
  req.url = admin::queryValue(q, "url");
  if (req.url.empty()) return badRequest("url: required");
  req.method = admin::queryValue(q, "method", "GET");
  if (auto it = q.find("header"); it != q.end()) {
    for (const auto& h : it->second) {
      const auto colon = h.find(':');
      if (colon == std::string::npos || colon == 0) return badRequest("header: expected 'Name: value'");
      std::string value = h.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      req.headers.emplace_back(h.substr(0, colon), value);
    }
  }
  const LiveView v = c.liveView();
  if (!v.ir) return badRequest("no config applied yet");
  diagnose::Explanation e = diagnose::explain(*v.ir, v.input.snapshot, req);
  if (e.status == 404) {
    std::string error;
    diagnose::addHints(e, v.input.snapshot, diagnose::diagnose(v.input, diagnoseOptions(v, q, error)));
  }
  admin::Response r = wantsJson(q) ? body(diagnose::renderExplainJson(e), "application/json")
                                   : body(diagnose::renderExplainText(e, textOptions(q)));
  return withExit(std::move(r), e.status == 0 || (e.status >= 200 && e.status < 400) ? 0 : 1);
}

admin::Response certificatesRoute(const Controller& c, std::string_view query) {
  const auto q = admin::parseQuery(query);
  const LiveView v = c.liveView();
  const ir::Config empty;
  const ir::Config& config = v.ir ? *v.ir : empty;
  const std::time_t now = std::time(nullptr);
  if (admin::queryValue(q, "served") == "1") {
    // Handshakes with our own listeners: what clients really get.
    diagnose::ServedCertificatesOptions o;
    o.now = now;
    o.dialAddress = [&v](const ir::Bind& b) {
      const std::string a = b.address.empty() ? v.listenAddress : b.address;
      if (a == "0.0.0.0" || a.empty()) return std::string("127.0.0.1");
      if (a == "::") return std::string("::1");
      return a;
    };
    return wantsJson(q) ? body(diagnose::renderServedCertificatesJson(config, o), "application/json")
                        : body(diagnose::renderServedCertificatesText(config, o));
  }
  return wantsJson(q) ? body(diagnose::renderCertificatesJson(config, now), "application/json")
                      : body(diagnose::renderCertificatesText(config, now));
}

// The runtime facts as JSON, for `portico bundle` (schema portico.dev/runtime/v1).
admin::Response runtimeRoute(const Controller& c) {
  const LiveView v = c.liveView();
  const auto& f = v.facts;
  using json = nlohmann::ordered_json;
  json binds = json::array();
  for (const auto& b : f.binds) {
    binds.push_back({{"address", b.address},
                     {"port", b.port},
                     {"protocol", b.udp ? "UDP" : "TCP"},
                     {"ok", b.ok},
                     {"unsupported", b.unsupported},
                     {"error", b.error}});
  }
  json rejected = json::array();
  for (const auto& d : f.rejected) rejected.push_back(d.format());
  json backends = json::object();
  for (const auto& [cluster, counts] : f.backendRequests) {
    backends[cluster] = {
        {"1xx", counts[1]}, {"2xx", counts[2]}, {"3xx", counts[3]}, {"4xx", counts[4]}, {"5xx", counts[5]}};
  }
  json j = {{"apiVersion", "portico.dev/runtime/v1"},
            {"kind", "Runtime"},
            {"generation", f.generation},
            {"appliedAt", f.appliedAt},
            {"trigger", f.trigger},
            {"reloads", {{"clean", f.reloadsOk}, {"rejected", f.reloadsRejected}}},
            {"rejected", std::move(rejected)},
            {"carried", f.carried},
            {"binds", std::move(binds)},
            {"upstreamConnectErrors", f.upstreamConnectErrors},
            {"backendRequests", std::move(backends)}};
  return body(j.dump(2) + "\n", "application/json");
}

// /endpoints: every endpoint of every cluster as the workers see it,
// summed (docs/session-persistence.md, docs/backend-health.md).
nlohmann::json endpointsDocument(const dataplane::EndpointReports& reports) {
  nlohmann::json clusters = nlohmann::json::array();
  for (const auto& [name, eps] : reports) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [ep, r] : eps) {
      nlohmann::json e = {{"endpoint", ep},
                          {"inConfig", r.inConfig},
                          {"state", r.workersUnhealthy ? "unhealthy"
                                    : r.workersEjected ? "ejected"
                                                       : "healthy"},
                          {"healthChecked", r.healthChecked},
                          {"inFlight", r.inFlight},
                          {"requests", r.requests},
                          {"sessions", r.sessions},
                          {"ejections", r.ejections}};
      if (r.workersEjected || r.workersUnhealthy) {
        e["ejected"] = {{"reason", r.reason},
                        {"workers", std::max(r.workersEjected, r.workersUnhealthy)},
                        {"remainingMs", r.ejectedForMs}};
      }
      list.push_back(std::move(e));
    }
    const bool persistent =
        std::any_of(eps.begin(), eps.end(), [](const auto& kv) { return kv.second.persistent; });
    clusters.push_back(
        {{"cluster", name}, {"sessionPersistence", persistent}, {"endpoints", std::move(list)}});
  }
  return {{"clusters", std::move(clusters)}};
}

}  // namespace

std::string Controller::endpointsJson() const {
  std::lock_guard lock(s_->mu);
  if (!s_->server) return endpointsDocument({}).dump(2) + "\n";
  return endpointsDocument(s_->server->labelledStats().endpoints).dump(2) + "\n";
}

std::optional<std::string> Controller::recentAccessLog(size_t limit) const {
  // Set before start() and never replaced: no lock needed to read it.
  if (!s_->options.accessLogRing) return std::nullopt;
  return s_->options.accessLogRing->text(limit);
}

namespace {

// /access-log[?limit=N]: the newest N lines kept (all by default).
admin::Response accessLogRoute(const Controller& c, std::string_view query) {
  const auto q = admin::parseQuery(query);
  size_t limit = SIZE_MAX;  // the ring caps it
  if (const std::string l = admin::queryValue(q, "limit"); !l.empty()) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(l.c_str(), &end, 10);
    if (end == l.c_str() || *end != '\0' || l[0] == '-') return badRequest("limit: expected a number");
    limit = static_cast<size_t>(v);
  }
  auto text = c.recentAccessLog(limit);
  if (!text) {
    admin::Response r = body("the access log is off (portico run --access-log off)\n");
    r.status = 404;
    return r;
  }
  return body(std::move(*text));
}

}  // namespace

void registerAdminRoutes(admin::AdminServer& server, Controller& c) {
  const char* kJson = "application/json";
  server.handle("/ready", [&c](std::string_view, std::string_view) {
    const bool ready = c.ready();
    admin::Response r = body(ready ? "ready\n" : "not ready\n");
    if (!ready) r.status = 503;
    return r;
  });
  server.handle("/status",
                [&c, kJson](std::string_view, std::string_view) { return body(c.statusJson(), kJson); });
  server.handle("/config_dump",
                [&c, kJson](std::string_view, std::string_view) { return body(c.configDump(), kJson); });
  server.handle("/diagnostics",
                [&c](std::string_view, std::string_view) { return body(c.diagnosticsText()); });
  server.handle("/metrics", [&c](std::string_view, std::string_view) {
    return body(c.metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.handle("/objects", [&c](std::string_view, std::string_view) {
    return body(c.objectsYaml(), "application/yaml");
  });
  server.handle("/changes",
                [&c, kJson](std::string_view, std::string_view) { return body(c.changesJson(), kJson); });
  server.handle("/diagnose", [&c](std::string_view, std::string_view q) { return diagnoseRoute(c, q); });
  server.handle("/explain", [&c](std::string_view, std::string_view q) { return explainRoute(c, q); });
  server.handle("/certificates",
                [&c](std::string_view, std::string_view q) { return certificatesRoute(c, q); });
  server.handle("/runtime", [&c](std::string_view, std::string_view) { return runtimeRoute(c); });
  server.handle("/log", [&c](std::string_view, std::string_view) { return body(c.recentLog()); });
  server.handle("/access-log", [&c](std::string_view, std::string_view q) { return accessLogRoute(c, q); });
  server.handle("/endpoints",
                [&c, kJson](std::string_view, std::string_view) { return body(c.endpointsJson(), kJson); });
}

}  // namespace portico::run
