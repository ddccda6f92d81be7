#include "router/router.h"

#include <unordered_map>

#include "router/host_index.h"
#include "router/route_table.h"

namespace portico::router {

// Tables are shared with the routers of later configs that keep the same
// route lists (build's `previous`); a table points into its list, which
// every config holding it keeps alive.
using TablePtr = std::shared_ptr<const RouteTable>;

struct BindRouter::ListenerState {
  HostIndex vhosts;            // hostname -> index into Listener::virtualHosts
  std::vector<TablePtr> http;  // parallel to virtualHosts: HTTPRoute rules
  std::vector<TablePtr> grpc;  // parallel to virtualHosts: GRPCRoute rules
};

std::string_view stripPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // IPv6 literal, RFC 3986 §3.2.2
    size_t end = host.find(']');
    return end == std::string_view::npos ? host : host.substr(0, end + 1);
  }
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos) return host;
  for (size_t i = colon + 1; i < host.size(); ++i) {
    if (host[i] < '0' || host[i] > '9') return host;
  }
  return host.substr(0, colon);
}

BindRouter::BindRouter() = default;
BindRouter::~BindRouter() = default;

std::shared_ptr<const BindRouter> BindRouter::build(const ir::Bind& bind, const BindRouter* previous) {
  // The previous router's tables by the list each was compiled for. Its
  // config is alive while we build, so no list address was reused.
  std::unordered_map<const void*, TablePtr> kept;
  if (previous) {
    for (size_t i = 0; i < previous->listeners_.size(); ++i) {
      const auto& vhosts = previous->bind_->listeners[i].virtualHosts;
      const ListenerState& st = previous->listeners_[i];
      for (size_t v = 0; v < vhosts.size(); ++v) {
        if (vhosts[v].routes.identity()) kept.emplace(vhosts[v].routes.identity(), st.http[v]);
        if (vhosts[v].grpcRoutes.identity()) kept.emplace(vhosts[v].grpcRoutes.identity(), st.grpc[v]);
      }
    }
  }
  auto table = [&](const ir::RouteList& list) {
    if (auto it = kept.find(list.identity()); it != kept.end()) return it->second;
    return std::make_shared<const RouteTable>(list.get());
  };
  std::shared_ptr<BindRouter> r(new BindRouter());
  r->bind_ = &bind;
  r->httpListeners_ = std::make_unique<HostIndex>();
  r->tlsListeners_ = std::make_unique<HostIndex>();
  r->listeners_.resize(bind.listeners.size());
  // ir::Bind keeps listeners most specific first (§12.3); the index only
  // relies on that order to break ties between equal hostnames.
  for (uint32_t i = 0; i < bind.listeners.size(); ++i) {
    const ir::Listener& l = bind.listeners[i];
    ListenerState& st = r->listeners_[i];
    for (uint32_t v = 0; v < l.virtualHosts.size(); ++v) {
      const ir::VirtualHost& vh = l.virtualHosts[v];
      st.vhosts.add(vh.hostname, v);
      st.http.push_back(table(vh.routes));
      st.grpc.push_back(table(vh.grpcRoutes));
    }
    const std::string_view hostname = l.hostname ? std::string_view(*l.hostname) : std::string_view();
    if (l.protocol == ir::Protocol::HTTP || l.protocol == ir::Protocol::HTTPS)
      r->httpListeners_->add(hostname, i);
    if (l.protocol == ir::Protocol::HTTPS || l.protocol == ir::Protocol::TLS)
      r->tlsListeners_->add(hostname, i);
  }
  return r;
}

const ir::Listener* BindRouter::listenerForHost(std::string_view hostNoPort) const {
  char buf[256];
  int64_t i = httpListeners_->first(normalizeHost(hostNoPort, buf));
  return i < 0 ? nullptr : &bind_->listeners[static_cast<size_t>(i)];
}

const ir::Listener* BindRouter::listenerForSni(std::string_view sni) const {
  char buf[256];
  int64_t i = tlsListeners_->first(normalizeHost(sni, buf));
  return i < 0 ? nullptr : &bind_->listeners[static_cast<size_t>(i)];
}

BindRouter::Match BindRouter::route(const RequestView& req, const ir::Listener* sniListener) const {
  Match m;
  char buf[256];
  const NormalHost host = normalizeHost(stripPort(req.host), buf);
  const int64_t li = httpListeners_->first(host);
  if (li < 0) {
    m.status = 404;  // no listener matches Host (§12.3)
    return m;
  }
  const ir::Listener& l = bind_->listeners[static_cast<size_t>(li)];
  m.listener = &l;
  if (sniListener && sniListener != &l) {
    // §12.3 misdirected request: the Host belongs to another listener than
    // the one the TLS handshake chose (more specific, or the SNI one does
    // not cover the Host at all).
    m.status = 421;
    return m;
  }
  // Listener isolation: only this listener's virtual hosts, most specific
  // hostname first, falling through to less specific ones on a miss.
  const ListenerState& st = listeners_[static_cast<size_t>(li)];
  const bool found = st.vhosts.visit(host, [&](uint32_t v) {
    const bool useGrpc = req.grpc && !st.grpc[v]->empty();  // §12.6: never merged
    const int64_t ri = (useGrpc ? st.grpc[v] : st.http[v])->find(req);
    if (ri < 0) return false;
    const ir::VirtualHost& vh = l.virtualHosts[v];
    m.vhost = &vh;
    m.route = &(useGrpc ? vh.grpcRoutes : vh.routes)[static_cast<size_t>(ri)];
    return true;
  });
  if (!found) m.status = 404;
  return m;
}

}  // namespace portico::router
