#include "run/metrics.h"

#include <fmt/format.h>

#include "admin/prometheus.h"
#include "api/kinds.h"

namespace portico::run {
namespace {

void countConditions(const std::vector<api::Condition>& conds, const std::string& kind,
                     std::map<std::tuple<std::string, std::string, std::string>, uint64_t>& out) {
  for (const auto& c : conds) ++out[{kind, c.type, c.status}];
}

}  // namespace

void ControlMetrics::recordReload(bool clean, double seconds, const store::Snapshot& snap,
                                  const status::StatusSet& status) {
  (clean ? reloadsOk_ : reloadsRejected_)++;
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  ++reconcileBuckets_[b];
  reconcileSum_ += seconds;
  lastChangeToTraffic_ = seconds;
  objectsByKind_ = {
      {"GatewayClass", snap.gatewayClasses.size()},
      {"Gateway", snap.gateways.size()},
      {"ListenerSet", snap.listenerSets.size()},
      {"HTTPRoute", snap.httpRoutes.size()},
      {"GRPCRoute", snap.grpcRoutes.size()},
      {"TLSRoute", snap.tlsRoutes.size()},
      {"TCPRoute", snap.tcpRoutes.size()},
      {"UDPRoute", snap.udpRoutes.size()},
      {"ReferenceGrant", snap.referenceGrants.size()},
      {"BackendTLSPolicy", snap.backendTLSPolicies.size()},
      {"Service", snap.services.size()},
      {"EndpointSlice", snap.endpointSlices.size()},
      {"Secret", snap.secrets.size()},
      {"ConfigMap", snap.configMaps.size()},
  };
  conditions_.clear();
  for (const auto& o : status.objects) {
    const std::string kind(api::kindName(o.kind));
    if (auto* g = std::get_if<status::GatewayStatus>(&o.status))
      countConditions(g->conditions, kind, conditions_);
    if (auto* c = std::get_if<status::GatewayClassStatus>(&o.status))
      countConditions(c->conditions, kind, conditions_);
    if (auto* l = std::get_if<status::ListenerSetStatus>(&o.status))
      countConditions(l->conditions, kind, conditions_);
    if (auto* r = std::get_if<status::RouteStatus>(&o.status)) {
      for (const auto& p : r->parents) countConditions(p.conditions, kind, conditions_);
    }
  }
}

std::string ControlMetrics::render(const dataplane::StatsSnapshot& dp,
                                   const dataplane::LabelledStats& labelled) const {
  admin::MetricsWriter w;
  static constexpr const char* kClasses[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
  auto byClass = [&](const char* name, const char* help, const dataplane::LabelledCounts& counts,
                     auto&& labelsOf) {
    for (const auto& [key, c] : counts) {
      for (size_t cls = 1; cls < c.size(); ++cls) {
        if (c[cls] == 0) continue;
        admin::MetricLabels labels = labelsOf(key);
        labels.emplace_back("code_class", kClasses[cls]);
        w.counter(name, help, labels, static_cast<double>(c[cls]));
      }
    }
  };
  byClass("portico_listener_requests_total", "Requests by Gateway listener and status class.",
          labelled.byListener, [](const std::string& key) {
            // key: namespace/gateway/listener
            auto a = key.find('/'), b = key.rfind('/');
            return admin::MetricLabels{{"namespace", key.substr(0, a)},
                                       {"gateway", key.substr(a + 1, b - a - 1)},
                                       {"listener", key.substr(b + 1)}};
          });
  byClass("portico_backend_requests_total", "Requests by backend (namespace/service:port) and status class.",
          labelled.byBackend, [](const std::string& key) {
            return admin::MetricLabels{{"backend", key}};
          });
  byClass("portico_route_requests_total", "Requests by route and status class (opt-in: --route-metrics).",
          labelled.byRoute, [](const std::string& key) {
            return admin::MetricLabels{{"route", key}};
          });
  // controller-runtime names, so existing controller dashboards work.
  w.counter("controller_runtime_reconcile_total", "Reconciliations of the whole configuration.",
            {{"controller", "gateway"}, {"result", "success"}}, static_cast<double>(reloadsOk_));
  w.counter("controller_runtime_reconcile_total", "Reconciliations of the whole configuration.",
            {{"controller", "gateway"}, {"result", "error"}}, static_cast<double>(reloadsRejected_));
  std::vector<double> bounds(kBuckets.begin(), kBuckets.end());
  std::vector<uint64_t> counts(reconcileBuckets_.begin(), reconcileBuckets_.end());
  w.histogram("controller_runtime_reconcile_time_seconds",
              "Time to load, translate and apply a configuration.", {{"controller", "gateway"}}, bounds,
              counts, reconcileSum_, reloadsOk_ + reloadsRejected_);
  w.counter("portico_config_reloads_total",
            "Configuration reloads by outcome (rejected: some objects were invalid).", {{"result", "ok"}},
            static_cast<double>(reloadsOk_));
  w.counter("portico_config_reloads_total",
            "Configuration reloads by outcome (rejected: some objects were invalid).",
            {{"result", "rejected"}}, static_cast<double>(reloadsRejected_));
  w.gauge("portico_config_change_to_traffic_seconds",
          "Time from the last configuration change being noticed to traffic using it.", {},
          lastChangeToTraffic_);
  for (const auto& [kind, n] : objectsByKind_) {
    w.gauge("portico_objects", "Objects loaded, by kind.", {{"kind", kind}}, static_cast<double>(n));
  }
  for (const auto& [key, n] : conditions_) {
    w.gauge("portico_object_conditions", "Conditions in status, by object kind, type and status.",
            {{"kind", std::get<0>(key)}, {"type", std::get<1>(key)}, {"status", std::get<2>(key)}},
            static_cast<double>(n));
  }
  for (size_t code = 100; code < dp.requestsByCode.size(); ++code) {
    if (dp.requestsByCode[code] == 0) continue;
    w.counter("portico_http_requests_total", "Requests answered, by status code.",
              {{"code", std::to_string(code)}}, static_cast<double>(dp.requestsByCode[code]));
  }
  for (size_t i = 0; i < dp.requestsByProtocol.size(); ++i) {
    w.counter("portico_requests_by_protocol_total",
              "Requests answered, by the protocol they came in on (http/1.1, http/2, grpc: HTTP/2 with "
              "content-type application/grpc).",
              {{"protocol", dataplane::kRequestProtocolNames[i]}},
              static_cast<double>(dp.requestsByProtocol[i]));
  }
  std::vector<double> lb(dataplane::kLatencyBuckets.begin(), dataplane::kLatencyBuckets.end());
  std::vector<uint64_t> lc(dp.latency.begin(), dp.latency.end());
  w.histogram("portico_http_request_duration_seconds", "Time from request head to the end of the response.",
              {}, lb, lc, dp.latencySecondsSum, dp.requests);
  // Sorted: unordered_map order would reshuffle the series on every scrape.
  std::map<std::string, const dataplane::Histogram*> upstream;
  for (const auto& [backend, h] : labelled.upstreamTime) upstream.emplace(backend, &h);
  for (const auto& [backend, h] : upstream) {
    constexpr std::string_view help =
        "Time from the first request byte written to a backend to the last response byte read from it "
        "(Envoy upstream_rq_time), by backend (namespace/service:port); buckets with "
        "--backend-latency-histograms.";
    if (backendHistograms) {
      std::vector<uint64_t> uc(h->buckets.begin(), h->buckets.end());
      w.histogram("portico_upstream_request_duration_seconds", help, {{"backend", backend}}, lb, uc,
                  static_cast<double>(h->micros) / 1e6, h->count);
    } else {
      w.summary("portico_upstream_request_duration_seconds", help, {{"backend", backend}},
                static_cast<double>(h->micros) / 1e6, h->count);
    }
  }
  w.gauge("portico_active_connections", "Open downstream connections.", {},
          static_cast<double>(dp.activeConnections));
  w.counter("portico_connections_accepted_total", "Downstream connections accepted.", {},
            static_cast<double>(dp.connectionsAccepted));
  w.counter("portico_upgraded_connections_total",
            "HTTP/1.1 connections upgraded by a backend's 101 (WebSocket and other Upgrades) and tunnelled.",
            {}, static_cast<double>(dp.upgradedConnections));
  w.gauge("portico_active_tunnels", "Upgraded connections still open.", {},
          static_cast<double>(dp.activeTunnels));
  w.counter("portico_upstream_connect_errors_total", "Failed connection attempts to backends.", {},
            static_cast<double>(dp.upstreamConnectErrors));
  // L4 listeners (TLSRoute, TCPRoute, UDPRoute): unlabelled, so the
  // series count does not grow with connections or routes.
  w.counter("portico_l4_connections_accepted_total",
            "Connections served by TLS and TCP listeners (TLSRoute, TCPRoute).", {},
            static_cast<double>(dp.l4ConnectionsAccepted));
  w.gauge("portico_l4_active_connections", "L4 connections still open.", {},
          static_cast<double>(dp.l4ActiveConnections));
  w.counter("portico_l4_connections_refused_total",
            "L4 connections closed without a backend: no server name, no matching route, an invalid "
            "backendRef share.",
            {}, static_cast<double>(dp.l4Refused));
  w.counter("portico_l4_connect_errors_total", "Failed connection attempts to L4 backends.", {},
            static_cast<double>(dp.l4ConnectErrors));
  w.counter("portico_l4_received_bytes_total", "Bytes from L4 clients relayed to backends (TCP and UDP).", {},
            static_cast<double>(dp.l4BytesIn));
  w.counter("portico_l4_sent_bytes_total", "Bytes from L4 backends relayed to clients (TCP and UDP).", {},
            static_cast<double>(dp.l4BytesOut));
  w.gauge("portico_udp_active_sessions", "UDPRoute client sessions open.", {},
          static_cast<double>(dp.udpSessionsActive));
  w.counter("portico_udp_datagrams_total", "UDP datagrams relayed, by direction.", {{"direction", "in"}},
            static_cast<double>(dp.udpDatagramsIn));
  w.counter("portico_udp_datagrams_total", "UDP datagrams relayed, by direction.", {{"direction", "out"}},
            static_cast<double>(dp.udpDatagramsOut));
  w.counter("portico_udp_datagrams_dropped_total",
            "UDP datagrams dropped: no backend, the session limit, or a full socket buffer.", {},
            static_cast<double>(dp.udpDatagramsDropped));
  // Sorted, like the other labelled series.
  const std::map<std::string, uint64_t> connectErrors(labelled.connectErrors.begin(),
                                                      labelled.connectErrors.end());
  for (const auto& [backend, n] : connectErrors) {
    w.counter("portico_backend_connect_errors_total",
              "Failed connection attempts to the endpoints of a backend (namespace/service:port).",
              {{"backend", backend}}, static_cast<double>(n));
  }
  for (const auto& [key, n] : labelled.tlsErrors) {
    w.counter("portico_backend_tls_errors_total",
              "Connections to a backend with a BackendTLSPolicy that failed TLS, by backend and reason "
              "(expired, not_yet_valid, unknown_ca, name_mismatch, invalid_certificate, alpn, timeout, "
              "handshake, invalid_policy).",
              {{"backend", key.first}, {"reason", key.second}}, static_cast<double>(n));
  }
  const std::map<std::string, uint64_t> tlsHandshakes(labelled.tlsHandshakes.begin(),
                                                      labelled.tlsHandshakes.end());
  for (const auto& [backend, n] : tlsHandshakes) {
    w.counter("portico_backend_tls_handshakes_total",
              "TLS handshakes completed with the endpoints of a backend (new connections; pooled ones are "
              "reused without one).",
              {{"backend", backend}}, static_cast<double>(n));
  }
  // Per endpoint, only where it is worth the series (issue 8's budget):
  // requests and new sessions for clusters that use session persistence
  // (to see skew) or active health checks, ejections for endpoints
  // ejected at least once. Every endpoint of every cluster is on the
  // admin's /endpoints.
  for (const auto& [backend, eps] : labelled.endpoints) {
    for (const auto& [ep, r] : eps) {
      const admin::MetricLabels labels = {{"backend", backend}, {"endpoint", ep}};
      if (r.persistent || r.healthChecked) {
        w.counter("portico_endpoint_requests_total",
                  "Requests sent to an endpoint of a backend with session persistence or health checks.",
                  labels, static_cast<double>(r.requests));
        w.counter("portico_endpoint_sessions_total",
                  "Sessions started on (or moved to) an endpoint (session persistence).", labels,
                  static_cast<double>(r.sessions));
      }
      if (r.ejections) {
        w.counter("portico_endpoint_ejections_total",
                  "Times an endpoint was ejected by outlier detection (consecutive connect errors or 5xx), "
                  "summed over workers.",
                  labels, static_cast<double>(r.ejections));
        w.gauge("portico_endpoint_ejected",
                "Workers that currently eject the endpoint (0: admitted everywhere).", labels,
                static_cast<double>(r.workersEjected));
      }
      if (r.healthChecked) {
        w.gauge("portico_endpoint_healthy",
                "1 when the endpoint passes its active health check (Service annotation "
                "portico.dev/health-check-path), 0 when it fails.",
                labels, r.workersUnhealthy ? 0.0 : 1.0);
      }
    }
  }
  w.counter("portico_upstream_retries_total", "Requests sent again under an HTTPRoute retry policy.", {},
            static_cast<double>(dp.retries));
  w.counter("portico_upstream_stale_connection_replays_total",
            "Requests sent again on a new connection because a pooled backend connection was closed before "
            "any response byte arrived.",
            {}, static_cast<double>(dp.staleReplays));
  w.counter(
      "portico_request_bodies_unbuffered_total",
      "Requests on routes that retry or mirror whose body exceeded the buffer limit: streamed, not retried "
      "or mirrored.",
      {}, static_cast<double>(dp.bodiesUnbuffered));
  w.counter(
      "portico_lingering_closes_total",
      "Connections half-closed after an answer while request bytes were still unread (lingering close).", {},
      static_cast<double>(dp.lingeringCloses));
  return w.str();
}

}  // namespace portico::run
