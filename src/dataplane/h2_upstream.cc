#include "dataplane/h2_upstream.h"

#include <algorithm>

#include "dataplane/upstream_tls_connect.h"
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

H2EndpointPicker::H2EndpointPicker(Worker& w, const ir::Cluster& cluster, const ir::SessionPersistence* sp,
                                   ExtraFields* responseFields)
    : w_(w), cluster_(cluster), sp_(sp), response_(responseFields) {}

void H2EndpointPicker::useTls(const Runtime* rt, const ir::Listener* listener, std::string* failure) {
  target_ = upstreamTargetFor(w_, rt, cluster_, listener, true);
  failure_ = failure;
}

awaitable<H2UpstreamStream> H2EndpointPicker::open(const FieldList& fields, bool endStream) {
  H2UpstreamStream out;
  // TLS with ALPN h2 for a BackendTLSPolicy; an unusable one never
  // connects (GEP-1897).
  if (!target_) target_ = upstreamTargetFor(w_, nullptr, cluster_, nullptr, true);
  std::string& failure = failure_ ? *failure_ : failureSink_;
  if (target_->refuse) {
    countTlsError(w_, cluster_.name, "invalid_policy");
    failure = "tls:invalid_policy";
    co_return out;
  }
  if (!at_)
    at_.emplace(w_.balancer, w_.rng, cluster_, sp_, sp_ ? sessionValueInFields(*sp_, fields) : std::nullopt);
  if (opened_) {
    // Sent again after a refused stream: the same endpoint.
    out.conn = co_await acquireUpstreamH2(w_, cluster_, *ep_, *target_, failure);
    if (out.conn) out.stream = out.conn->open(fields, endStream);
    co_return out;
  }
  while ((ep_ = at_->next())) {
    // A TLS failure moves on like a connect failure (docs/backend-tls.md).
    out.conn = co_await acquireUpstreamH2(w_, cluster_, *ep_, *target_, failure);
    if (!out.conn) {
      at_->connectFailed();
      continue;
    }
    out.stream = out.conn->open(fields, endStream);
    if (!out.stream) continue;
    opened_ = true;
    if (auto f = at_->connected(); f && response_) putResponseField(*response_, std::move(*f));
    co_return out;
  }
  H2UpstreamStream none;
  co_return none;
}

}  // namespace portico::dataplane
