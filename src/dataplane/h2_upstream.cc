#include "dataplane/h2_upstream.h"

#include <algorithm>

#include "dataplane/worker.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {

bool upstreamSpeaksH2(const ir::Route& route, const ir::Cluster& cluster) {
  const std::string& app = cluster.appProtocol;
  return route.match.grpc || app == "kubernetes.io/h2c" || app == "grpc" || app == "http2";
}

bool retryableStatus(const ir::Route& route, int status) {
  if (!route.retry) return false;
  const auto& codes = route.retry->codes;
  return std::find(codes.begin(), codes.end(), status) != codes.end();
}

H2EndpointPicker::H2EndpointPicker(Worker& w, const ir::Cluster& cluster)
    : w_(w), cluster_(cluster), first_(cluster.endpoints.empty() ? 0 : w.balancer.pick(cluster, w.rng)) {}

awaitable<H2UpstreamStream> H2EndpointPicker::open(const FieldList& fields, bool endStream) {
  const size_t n = cluster_.endpoints.size();
  H2UpstreamStream out;
  while (tries_ < std::min<size_t>(n, 3)) {
    const ir::Endpoint& ep = cluster_.endpoints[(first_ + tries_) % n];
    out.inFlight = w_.balancer.track(cluster_, endpointKey(ep));
    boost::system::error_code ec;
    out.conn = co_await w_.h2pool.acquire(ep.address, ep.port, w_.options().upstreamConnectTimeout, ec);
    if (!out.conn) {
      w_.countConnectError(cluster_.name);
      ++tries_;
      continue;
    }
    out.stream = out.conn->open(fields, endStream);
    if (out.stream) co_return out;
    ++tries_;
  }
  H2UpstreamStream none;
  co_return none;
}

}  // namespace portico::dataplane
