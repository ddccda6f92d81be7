#include "run/traffic.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "dataplane/runtime.h"
#include "run/controller_state.h"

namespace portico::run {
namespace {

using nlohmann::json;

constexpr const char* kClasses[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};

const char* protocolName(ir::Protocol p) {
  switch (p) {
    case ir::Protocol::HTTP:
      return "HTTP";
    case ir::Protocol::HTTPS:
      return "HTTPS";
    case ir::Protocol::TLS:
      return "TLS";
    case ir::Protocol::TCP:
      return "TCP";
    case ir::Protocol::UDP:
      return "UDP";
  }
  return "";
}

// {"byClass": {"1xx": n, ...}, "total": n, "errors": 4xx + 5xx}
json requests(const dataplane::ClassCounts* c) {
  json byClass = json::object();
  uint64_t total = 0;
  for (size_t i = 1; i < std::size(kClasses); ++i) {
    const uint64_t n = c ? (*c)[i] : 0;
    byClass[kClasses[i]] = n;
    total += n;
  }
  const uint64_t errors = c ? (*c)[4] + (*c)[5] : 0;
  return {{"byClass", byClass}, {"total", total}, {"errors", errors}};
}

// Seconds; null when nothing was observed.
json latency(const dataplane::Histogram* h) {
  if (!h || h->count == 0) return nullptr;
  return {{"count", h->count},
          {"p50", histogramQuantile(0.5, *h).value_or(0)},
          {"p99", histogramQuantile(0.99, *h).value_or(0)},
          {"mean", static_cast<double>(h->micros) / 1e6 / static_cast<double>(h->count)}};
}

template <class Map>
const typename Map::mapped_type* find(const Map& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

}  // namespace

std::optional<double> histogramQuantile(double q, const dataplane::Histogram& h) {
  uint64_t count = 0;
  for (uint64_t n : h.buckets) count += n;
  if (count == 0) return std::nullopt;
  const double rank = q * static_cast<double>(count);
  uint64_t below = 0;
  double lower = 0;
  for (size_t i = 0; i < h.buckets.size(); ++i) {
    const uint64_t n = h.buckets[i];
    if (n && static_cast<double>(below + n) >= rank) {
      if (i == dataplane::kLatencyBuckets.size()) return lower;  // +Inf has no upper bound
      const double upper = dataplane::kLatencyBuckets[i];
      return lower + (upper - lower) * (rank - static_cast<double>(below)) / static_cast<double>(n);
    }
    below += n;
    if (i < dataplane::kLatencyBuckets.size()) lower = dataplane::kLatencyBuckets[i];
  }
  return lower;
}

std::string trafficJson(const TrafficInput& in) {
  static const dataplane::LabelledStats kNone;
  const dataplane::LabelledStats& s = in.labelled ? *in.labelled : kNone;
  int64_t open = 0;
  for (const auto& [key, n] : s.activeConnections) open += n;

  // Gateways and listeners come from the served IR, so a listener without
  // traffic is listed too. A Gateway's connections are those of its
  // ports; a port shared by two Gateways counts for both.
  struct Gateway {
    json listeners = json::array();
    int64_t open = 0;
    std::set<std::string> binds;
    dataplane::ClassCounts requests{};
  };
  std::map<std::pair<std::string, std::string>, Gateway> gateways;
  json binds = json::array();
  if (in.config) {
    for (const auto& b : in.config->binds) {
      const std::string key = dataplane::bindKey(b);
      const int64_t* n = find(s.activeConnections, key);
      const int64_t active = n ? *n : 0;
      json names = json::array();
      for (const auto& l : b.listeners) {
        const std::string label = l.gatewayNamespace + "/" + l.gatewayName + "/" + l.name;
        names.push_back(label);
        Gateway& gw = gateways[{l.gatewayNamespace, l.gatewayName}];
        if (gw.binds.insert(key).second) gw.open += active;
        const dataplane::ClassCounts* c = find(s.byListener, label);
        if (c) {
          for (size_t i = 0; i < c->size(); ++i) gw.requests[i] += (*c)[i];
        }
        gw.listeners.push_back({{"name", l.name},
                                {"listenerSet", l.listenerSet},
                                {"hostname", l.hostname.value_or("")},
                                {"port", b.port},
                                {"protocol", protocolName(l.protocol)},
                                {"activeConnections", active},
                                {"requests", requests(c)}});
      }
      binds.push_back({{"address", b.address},
                       {"port", b.port},
                       {"protocol", b.protocol == ir::Protocol::UDP ? "UDP" : "TCP"},
                       {"activeConnections", active},
                       {"listeners", names}});
    }
  }
  json gws = json::array();
  for (auto& [id, gw] : gateways) {
    gws.push_back({{"namespace", id.first},
                   {"name", id.second},
                   {"activeConnections", gw.open},
                   {"requests", requests(&gw.requests)},
                   {"listeners", std::move(gw.listeners)}});
  }

  // Sorted by name, so the document is stable between reads.
  std::set<std::string> routeKeys;
  for (const auto& [k, v] : s.byRoute) routeKeys.insert(k);
  for (const auto& [k, v] : s.routeTime) routeKeys.insert(k);
  json routes = json::array();
  for (const auto& k : routeKeys) {
    routes.push_back({{"route", k},
                      {"requests", requests(find(s.byRoute, k))},
                      {"latency", latency(find(s.routeTime, k))}});
  }
  std::set<std::string> backendKeys;
  for (const auto& [k, v] : s.byBackend) backendKeys.insert(k);
  for (const auto& [k, v] : s.upstreamTime) backendKeys.insert(k);
  json backends = json::array();
  for (const auto& k : backendKeys) {
    const uint64_t* errors = find(s.connectErrors, k);
    backends.push_back({{"backend", k},
                        {"requests", requests(find(s.byBackend, k))},
                        {"upstreamLatency", latency(find(s.upstreamTime, k))},
                        {"connectErrors", errors ? *errors : 0}});
  }
  json doc = {{"generation", in.generation},    {"routeMetrics", in.routeMetrics},
              {"activeConnections", open},      {"gateways", std::move(gws)},
              {"binds", std::move(binds)},      {"routes", std::move(routes)},
              {"backends", std::move(backends)}};
  return doc.dump(2) + "\n";
}

// Under the controller's lock, like /metrics: stop() cannot take the
// server away meanwhile.
std::string Controller::trafficJson() const {
  std::lock_guard lock(s_->mu);
  dataplane::LabelledStats labelled;
  if (s_->server) labelled = s_->server->labelledStats();
  TrafficInput in;
  in.generation = s_->generation;
  in.routeMetrics = s_->options.server.routeMetrics;
  in.config = s_->ir.get();
  in.labelled = &labelled;
  return run::trafficJson(in);
}

}  // namespace portico::run
