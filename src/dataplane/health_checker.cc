#include "dataplane/health_checker.h"

#include <fmt/format.h>

#include <atomic>

#include "dataplane/asio.h"
#include "dataplane/health_check.h"
#include "dataplane/load_balancer.h"
#include "dataplane/worker.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {

struct HealthChecker::Target {
  std::string cluster;
  std::string key;  // endpointKey
  std::string address;
  int32_t port = 0;
  std::string host;  // Host of the probe: the Service's name
  ir::HealthCheck check;
  // TLS (BackendTLSPolicy) and HTTP/2-only backends get a TCP connect
  // check: a plain HTTP/1.1 GET would fail them for the wrong reason.
  bool connectOnly = false;
  std::atomic<bool> stopped{false};
};

namespace {

using Target = HealthChecker::Target;

void publish(const std::vector<Worker*>& workers, const std::shared_ptr<Target>& t, bool healthy) {
  for (Worker* w : workers) {
    asio::post(w->io(), [w, t, healthy] { w->balancer.setActiveHealth(t->cluster, t->key, healthy); });
  }
}

awaitable<bool> exchange(tcp::socket& s, const Target& t) {
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(t.address, ec);
  if (ec) co_return false;
  auto [cec] = co_await s.async_connect(tcp::endpoint(addr, static_cast<uint16_t>(t.port)),
                                        asio::as_tuple(asio::use_awaitable));
  if (cec) co_return false;
  if (t.connectOnly) co_return true;
  const std::string req = probeRequest(t.check, t.host);
  auto [wec, wn] = co_await asio::async_write(s, asio::buffer(req), asio::as_tuple(asio::use_awaitable));
  if (wec) co_return false;
  // The status line is all the probe needs.
  std::string buf(64, '\0');
  size_t have = 0;
  while (have < 12) {
    auto [rec, n] = co_await s.async_read_some(asio::buffer(buf.data() + have, buf.size() - have),
                                               asio::as_tuple(asio::use_awaitable));
    if (rec || n == 0) break;
    have += n;
  }
  co_return probePassed(std::string_view(buf.data(), have));
}

awaitable<bool> probe(const Target& t) {
  using namespace asio::experimental::awaitable_operators;
  auto ex = co_await asio::this_coro::executor;
  tcp::socket s(ex);
  asio::steady_timer deadline(ex, std::chrono::milliseconds(t.check.timeoutMs));
  auto r = co_await (exchange(s, t) || deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
  co_return r.index() == 0 && std::get<0>(r);
}

awaitable<void> probeLoop(std::shared_ptr<Target> t, std::vector<Worker*> workers) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  ActiveHealth health;
  while (!t->stopped.load()) {
    const bool ok = co_await probe(*t);
    if (t->stopped.load()) break;
    if (health.record(ok, t->check)) publish(workers, t, health.healthy());
    timer.expires_after(std::chrono::milliseconds(t->check.intervalMs));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace

void HealthChecker::update(const ir::Config& config) {
  if (workers_.empty()) return;
  std::map<std::string, std::shared_ptr<Target>> next;
  for (const auto& [name, c] : config.clusters) {
    if (!c.healthCheck) continue;
    const auto& h = *c.healthCheck;
    const bool connectOnly = c.tls.has_value() || c.appProtocol == "kubernetes.io/h2c" ||
                             c.appProtocol == "grpc" || c.appProtocol == "http2";
    for (const auto& ep : c.endpoints) {
      const std::string key = endpointKey(ep);
      const std::string id = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", name, key, h.path, h.intervalMs,
                                         h.timeoutMs, h.healthyThreshold, h.unhealthyThreshold, connectOnly);
      if (auto it = targets_.find(id); it != targets_.end()) {
        next.emplace(id, it->second);
        continue;
      }
      auto t = std::make_shared<Target>();
      t->cluster = name;
      t->key = key;
      t->address = ep.address;
      t->port = ep.port;
      t->host = c.serviceName;
      t->check = h;
      t->connectOnly = connectOnly;
      next.emplace(id, t);
      asio::co_spawn(workers_[0]->io(), probeLoop(t, workers_), asio::detached);
    }
  }
  for (auto& [id, t] : targets_) {
    if (next.count(id)) continue;
    // No longer checked (or checked anew): healthy until told otherwise.
    // Published from worker 0, where the probe runs, so it follows
    // anything the probe published (posts are delivered in order).
    t->stopped = true;
    asio::post(workers_[0]->io(), [t, workers = workers_, stopped = stopped_] {
      if (!stopped->load()) publish(workers, t, true);
    });
  }
  targets_ = std::move(next);
}

void HealthChecker::stop() {
  stopped_->store(true);
  for (auto& [id, t] : targets_) t->stopped = true;
  targets_.clear();
}

}  // namespace portico::dataplane
