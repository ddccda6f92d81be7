#include "dataplane/endpoint_attempt.h"

#include <algorithm>
#include <chrono>

#include "http1/header.h"

namespace portico::dataplane {
namespace {

constexpr size_t kMaxTries = 3;  // endpoints one request tries after connect failures

}  // namespace

const ir::SessionPersistence* sessionPersistenceFor(const ir::Route& route, const ir::Cluster& cluster) {
  if (route.sessionPersistence) return &*route.sessionPersistence;
  if (cluster.sessionPersistence) return &*cluster.sessionPersistence;
  return nullptr;
}

void putResponseField(ExtraFields& extra, std::pair<std::string, std::string> f) {
  std::erase_if(extra, [&](const auto& e) { return http1::iequals(e.first, f.first); });
  extra.push_back(std::move(f));
}

EndpointAttempt::EndpointAttempt(EndpointBalancer& b, std::mt19937_64& rng, const ir::Cluster& c,
                                 const ir::SessionPersistence* sp,
                                 std::optional<std::string_view> sessionValue, AttemptClock clock)
    : b_(b), c_(c), sp_(sp), clock_(clock) {
  if (c.endpoints.empty()) {
    allEjected_ = false;
    tried_ = kMaxTries;  // nothing to try
    return;
  }
  if (sp_) {
    if (!clock_.wallMs) {
      clock_.wallMs = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
    }
    b_.clusterState(c.name).persistent = true;
    if (sessionValue) {
      token_ = decodeSessionToken(b_.sessionKey(), *sessionValue);
      if (token_ && !sessionLive(*sp_, *token_, clock_.wallMs)) token_.reset();  // treated as a new session
    }
    if (token_) {
      // The endpoint the session names, if it is still in the cluster and
      // admitted; otherwise the session moves (and the value is rewritten).
      for (size_t i = 0; i < c.endpoints.size(); ++i) {
        const ir::Endpoint& ep = c.endpoints[i];
        if (sessionEndpointId(b_.sessionKey(), ep.address, ep.port) == token_->endpoint) {
          if (!b_.ejected(c, i, clock_.steady)) pinned_ = i;
          break;
        }
      }
    }
  }
  if (pinned_) {
    first_ = *pinned_;
    return;
  }
  // New sessions are spread by the balancer, never by the value.
  auto pick = b_.pickAdmitted(c, rng, clock_.steady);
  if (!pick) {
    allEjected_ = true;
    tried_ = kMaxTries;
    return;
  }
  first_ = *pick;
}

const ir::Endpoint* EndpointAttempt::next() {
  const size_t n = c_.endpoints.size();
  while (tried_ < std::min(n, kMaxTries) && scanned_ < n) {
    const size_t i = (first_ + scanned_++) % n;
    if (scanned_ > 1 && b_.ejected(c_, i, clock_.steady)) continue;  // the first was chosen admitted
    ++tried_;
    current_ = i;
    key_ = endpointKey(c_.endpoints[i]);
    inFlight_ = b_.track(c_, key_);  // counted from the choice on: picks made while this one connects see it
    return &c_.endpoints[i];
  }
  inFlight_.release();
  return nullptr;
}

void EndpointAttempt::connectFailed() {
  b_.report(c_, key_, EjectReason::ConnectError, clock_.outcomeTime());
  inFlight_.release();
}

std::optional<std::pair<std::string, std::string>> EndpointAttempt::connected() {
  EndpointState& e = b_.endpoint(c_, key_);
  ++e.requests;
  e.lastUse = clock_.steady;
  if (!sp_) return std::nullopt;
  const bool same = pinned_ && *pinned_ == current_;
  if (same && !sp_->idleTimeoutMs) return std::nullopt;  // the client already has the right value
  SessionToken t;
  const ir::Endpoint& ep = c_.endpoints[current_];
  t.endpoint = sessionEndpointId(b_.sessionKey(), ep.address, ep.port);
  t.lastUseMs = clock_.wallMs;
  // A session kept keeps its start (absoluteTimeout runs from it); one
  // that starts or moves starts now.
  t.startMs = same ? token_->startMs : clock_.wallMs;
  if (!same) ++e.sessions;
  return sessionResponseField(*sp_, encodeSessionToken(b_.sessionKey(), t), t, clock_.wallMs);
}

void EndpointAttempt::answered(int status) {
  if (status == 0) return;  // the client went away: says nothing about the endpoint
  b_.report(c_, key_, status >= 500 ? EjectReason::Status5xx : EjectReason::None, clock_.outcomeTime());
}

}  // namespace portico::dataplane
