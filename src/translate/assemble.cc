// Builds the final IR: one Bind per (address, port, socket type), listeners
// on it most-specific-hostname first, virtual hosts sorted the same way and
// their routes sorted by precedence. Clusters nothing uses are dropped.
#include <fmt/format.h>

#include <algorithm>

#include "translate/context.h"
#include "translate/hostname.h"
#include "translate/route_memo.h"

namespace portico::translate {
namespace {

void collectClusters(const ir::Filters& f, std::set<std::string>& used) {
  for (const auto& m : f.mirrors) used.insert(m.cluster);
}

// Every cluster the routes of a list send to (backends and mirrors).
std::set<std::string> clustersOf(const ir::RouteList& list) {
  std::set<std::string> used;
  for (const auto& r : list) {
    collectClusters(r.filters, used);
    for (const auto& be : r.backends) {
      used.insert(be.cluster);
      if (be.filters) collectClusters(*be.filters, used);
    }
  }
  return used;
}

std::vector<ir::Route> sorted(std::vector<SharedPendingRoute>& v) {
  std::stable_sort(v.begin(), v.end(), [](const SharedPendingRoute& a, const SharedPendingRoute& b) {
    return precedes(a->key, b->key);
  });
  std::vector<ir::Route> out;
  out.reserve(v.size());
  for (auto& p : v) {
    // The last holder takes the route; the others (the same rule under
    // another hostname or listener, or the RouteMemo) copy it.
    if (p.use_count() == 1) {
      out.push_back(std::move(p->route));
    } else {
      out.push_back(p->route);
    }
    p.reset();
  }
  std::vector<SharedPendingRoute>().swap(v);
  return out;
}

// One virtual host's routes, sorted; from the RouteMemo when the same
// compiled routes reached it in the same order last time. Adds the
// clusters they use to `used`.
ir::RouteList sortedList(Context& ctx, const std::string& memoKey, std::vector<SharedPendingRoute>& v,
                         std::set<std::string>& used) {
  if (!ctx.memo) {
    ir::RouteList list(sorted(v));
    used.merge(clustersOf(list));
    return list;
  }
  if (const auto* kept = ctx.memo->findList(memoKey, v)) {
    used.insert(kept->clusters.begin(), kept->clusters.end());
    std::vector<SharedPendingRoute>().swap(v);
    return kept->list;
  }
  std::vector<SharedPendingRoute> inputs = v;
  ir::RouteList list(sorted(v));
  const auto& kept = ctx.memo->storeList(memoKey, std::move(inputs), list, clustersOf(list));
  used.insert(kept.clusters.begin(), kept.clusters.end());
  return kept.list;
}

ir::Listener buildListener(Context& ctx, const ListenerInfo& l, std::set<std::string>& used) {
  ir::Listener out;
  out.gatewayNamespace = l.gateway->meta.namespace_;
  out.gatewayName = l.gateway->meta.name;
  if (l.listenerSet) out.listenerSet = nsName(l.listenerSet->meta.namespace_, l.listenerSet->meta.name);
  out.name = l.spec->name;
  out.hostname = l.spec->hostname;
  out.protocol = l.protocol;
  out.tlsPassthrough = l.passthrough;
  out.certificates = l.certificates;
  out.clientValidation = l.clientValidation;
  if (auto it = ctx.backendClientCerts.find(nsName(out.gatewayNamespace, out.gatewayName));
      it != ctx.backendClientCerts.end()) {
    out.backendClientCertificate = it->second;
  }
  auto pit = ctx.pending.find(&l);
  if (pit == ctx.pending.end()) return out;
  PendingListener& p = pit->second;
  // The RouteMemo's name for a virtual host: listener and hostname.
  auto keyFor = [&](const std::string& host, char family) {
    if (!ctx.memo) return std::string();
    return fmt::format("{}\n{}\n{}\n{}\n{}{}", out.gatewayNamespace, out.gatewayName, out.listenerSet,
                       out.name, host, family);
  };
  std::map<std::string, ir::VirtualHost> hosts;
  for (auto& [h, routes] : p.http) {
    hosts[h].hostname = h;
    hosts[h].routes = sortedList(ctx, keyFor(h, 'h'), routes, used);
  }
  for (auto& [h, routes] : p.grpc) {
    hosts[h].hostname = h;
    hosts[h].grpcRoutes = sortedList(ctx, keyFor(h, 'g'), routes, used);
  }
  for (auto& [h, vh] : hosts) out.virtualHosts.push_back(std::move(vh));
  std::sort(out.virtualHosts.begin(), out.virtualHosts.end(),
            [](const ir::VirtualHost& a, const ir::VirtualHost& b) {
              return moreSpecificHostname(a.hostname, b.hostname);
            });
  out.l4Routes = std::move(p.l4);
  for (const auto& r : out.l4Routes) {
    for (const auto& be : r.backends) used.insert(be.cluster);
  }
  return out;
}

}  // namespace

void assembleIR(Context& ctx) {
  std::map<std::tuple<std::string, int32_t, bool>, ir::Bind> binds;
  std::set<std::string> used;  // clusters some route sends to
  for (auto& [key, gw] : ctx.gateways) {
    std::vector<std::string> addrs = gw.addresses.empty() ? std::vector<std::string>{""} : gw.addresses;
    for (auto& l : gw.listeners) {
      if (!l->programmed) continue;
      ir::Listener built = buildListener(ctx, *l, used);
      for (size_t ai = 0; ai < addrs.size(); ++ai) {
        const auto& a = addrs[ai];
        const bool udp = l->protocol == ir::Protocol::UDP;
        auto& b = binds[{a, l->spec->port, udp}];
        b.address = a;
        b.port = l->spec->port;
        b.protocol = udp ? ir::Protocol::UDP : l->protocol;
        if (ai + 1 == addrs.size()) {
          b.listeners.push_back(std::move(built));  // the last (usually only) address takes it
        } else {
          b.listeners.push_back(built);
        }
      }
    }
  }
  for (auto& [k, b] : binds) {
    std::stable_sort(b.listeners.begin(), b.listeners.end(),
                     [](const ir::Listener& x, const ir::Listener& y) {
                       return moreSpecificHostname(x.hostname.value_or(""), y.hostname.value_or(""));
                     });
    ctx.out.ir.binds.push_back(std::move(b));
  }
  for (auto it = ctx.out.ir.clusters.begin(); it != ctx.out.ir.clusters.end();) {
    it = used.count(it->first) ? std::next(it) : ctx.out.ir.clusters.erase(it);
  }
}

}  // namespace portico::translate
