// Server: worker threads, binding sockets, swapping configs.
#include <fmt/format.h>

#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "dataplane/asio.h"
#include "dataplane/health_checker.h"
#include "dataplane/runtime.h"
#include "dataplane/server.h"
#include "dataplane/worker.h"

namespace portico::dataplane {
namespace {

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(const ServerOptions& options) : options_(options) {
    const int n = std::max(1, options_.workers);
    for (int i = 0; i < n; ++i) workers_.push_back(std::make_unique<Worker>(i, options_));
    std::vector<Worker*> all;
    for (auto& w : workers_) all.push_back(w.get());
    checker_ = std::make_unique<HealthChecker>(std::move(all));
  }

  ~ServerImpl() override { stop(std::chrono::milliseconds(0)); }

  void start() override {
    for (auto& w : workers_) threads_.emplace_back([wp = w.get()] { wp->run(); });
  }

  std::vector<BindResult> apply(ir::ConfigPtr config) override {
    std::lock_guard lock(mu_);  // control path only: serialises config swaps
    RuntimePtr rt = buildRuntime(config, ++generation_, last_.get());
    // Compared once here, not by every worker.
    const std::vector<std::string> reconnect =
        last_ && last_->config ? clustersWithNewConnectionSettings(*last_->config, *config)
                               : std::vector<std::string>();
    last_ = rt;
    std::vector<BindResult> results;
    // New sockets per worker, keyed by bind.
    std::vector<std::map<std::string, std::shared_ptr<tcp::acceptor>>> fresh(workers_.size());
    std::vector<std::map<std::string, std::shared_ptr<asio::ip::udp::socket>>> freshUdp(workers_.size());
    std::set<std::string> wanted;
    for (const auto& b : config->binds) {
      const std::string key = bindKey(b);
      BindResult r{b.address.empty() ? options_.listenAddress : b.address,
                   b.port,
                   b.protocol == ir::Protocol::UDP,
                   false,
                   {}};
      wanted.insert(key);
      if (open_.count(key)) {
        r.ok = true;  // kept: same sockets, live connections untouched
        results.push_back(r);
        continue;
      }
      std::string error;
      for (size_t i = 0; i < workers_.size() && error.empty(); ++i) {
        if (r.udp) {
          auto u = openUdp(*workers_[i], r.address, b.port, error);
          if (u) freshUdp[i][key] = std::move(u);
        } else {
          auto a = openAcceptor(*workers_[i], r.address, b.port, error);
          if (a) fresh[i][key] = std::move(a);
        }
      }
      if (!error.empty()) {
        for (auto& m : fresh) m.erase(key);
        for (auto& m : freshUdp) m.erase(key);
        r.error = error;
        wanted.erase(key);
      } else {
        r.ok = true;
        open_.insert(key);
      }
      results.push_back(r);
    }
    std::vector<std::string> removed;
    for (auto it = open_.begin(); it != open_.end();) {
      if (!wanted.count(*it)) {
        removed.push_back(*it);
        it = open_.erase(it);
      } else {
        ++it;
      }
    }
    // Hand the runtime and sockets to every worker; return once all of
    // them serve the new config (new requests only: in-flight ones keep
    // the runtime they pinned).
    std::vector<std::future<void>> done;
    for (size_t i = 0; i < workers_.size(); ++i) {
      auto p = std::make_shared<std::promise<void>>();
      done.push_back(p->get_future());
      Worker* w = workers_[i].get();
      asio::post(w->io(), [w, rt, p, acceptors = std::move(fresh[i]), udp = std::move(freshUdp[i]), removed,
                           reconnect]() mutable {
        w->balancer.forgive(reconnect);
        w->runtime = rt;
        for (const auto& key : removed) w->closeAcceptor(key);
        for (auto& [key, a] : acceptors) w->adopt(key, std::move(a));
        for (auto& [key, u] : udp) w->adoptUdp(key, std::move(u));
        p->set_value();
      });
    }
    for (auto& f : done) f.wait();
    checker_->update(*config);  // active health checks of the new config's clusters
    results_ = results;
    return results;
  }

  void stop(std::chrono::milliseconds drain) override {
    std::lock_guard lock(mu_);
    checker_->stop();
    if (threads_.empty()) return;
    for (auto& w : workers_) {
      Worker* wp = w.get();
      asio::post(wp->io(), [wp] { wp->beginDrain(); });
    }
    // Wait for in-flight requests to finish, up to the drain timeout.
    const auto until = std::chrono::steady_clock::now() + drain;
    for (auto& w : workers_) {
      while (w->liveConnections.load() > 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    for (auto& w : workers_) w->stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    open_.clear();
  }

  StatsSnapshot stats() const override {
    StatsSnapshot s;
    uint64_t micros = 0;
    for (const auto& w : workers_) {
      const WorkerStats& ws = w->stats;
      for (size_t i = 0; i < s.requestsByCode.size(); ++i) {
        uint64_t v = ws.requestsByCode[i].load(std::memory_order_relaxed);
        s.requestsByCode[i] += v;
        s.requests += v;
      }
      for (size_t i = 0; i < s.latency.size(); ++i)
        s.latency[i] += ws.latency[i].load(std::memory_order_relaxed);
      for (size_t i = 0; i < s.requestsByProtocol.size(); ++i)
        s.requestsByProtocol[i] += ws.requestsByProtocol[i].load(std::memory_order_relaxed);
      micros += ws.latencyMicrosSum.load(std::memory_order_relaxed);
      s.upstreamConnectErrors += ws.upstreamConnectErrors.load(std::memory_order_relaxed);
      s.retries += ws.retries.load(std::memory_order_relaxed);
      s.staleReplays += ws.staleReplays.load(std::memory_order_relaxed);
      s.bodiesUnbuffered += ws.bodiesUnbuffered.load(std::memory_order_relaxed);
      s.lingeringCloses += ws.lingeringCloses.load(std::memory_order_relaxed);
      s.connectionsAccepted += ws.connectionsAccepted.load(std::memory_order_relaxed);
      s.activeConnections += w->liveConnections.load(std::memory_order_relaxed);
      s.upgradedConnections += ws.upgradedConnections.load(std::memory_order_relaxed);
      s.activeTunnels += ws.activeTunnels.load(std::memory_order_relaxed);
      s.l4ConnectionsAccepted += ws.l4ConnectionsAccepted.load(std::memory_order_relaxed);
      s.l4ActiveConnections += ws.l4ActiveConnections.load(std::memory_order_relaxed);
      s.l4Refused += ws.l4Refused.load(std::memory_order_relaxed);
      s.l4ConnectErrors += ws.l4ConnectErrors.load(std::memory_order_relaxed);
      s.l4BytesIn += ws.l4BytesIn.load(std::memory_order_relaxed);
      s.l4BytesOut += ws.l4BytesOut.load(std::memory_order_relaxed);
      s.udpSessionsActive += ws.udpSessionsActive.load(std::memory_order_relaxed);
      s.udpDatagramsIn += ws.udpDatagramsIn.load(std::memory_order_relaxed);
      s.udpDatagramsOut += ws.udpDatagramsOut.load(std::memory_order_relaxed);
      s.udpDatagramsDropped += ws.udpDatagramsDropped.load(std::memory_order_relaxed);
    }
    s.latencySecondsSum = static_cast<double>(micros) / 1e6;
    return s;
  }

  LabelledStats labelledStats() const override {
    LabelledStats out;
    std::vector<std::future<LabelledStats>> parts;
    for (const auto& w : workers_) {
      auto p = std::make_shared<std::promise<LabelledStats>>();
      parts.push_back(p->get_future());
      Worker* wp = w.get();
      asio::post(wp->io(), [wp, p] {
        LabelledStats s = wp->labelled;
        collectEndpoints(wp->balancer, wp->runtime ? wp->runtime->config.get() : nullptr, s.endpoints);
        p->set_value(std::move(s));
      });
    }
    for (auto& f : parts) {
      if (f.wait_for(std::chrono::seconds(2)) != std::future_status::ready) continue;  // a stopped worker
      out.merge(f.get());
    }
    return out;
  }

  std::vector<BindResult> binds() const override {
    std::lock_guard lock(mu_);
    return results_;
  }

 private:
  // Opens `s` bound to `ep` with SO_REUSEPORT: one queue per worker, the
  // kernel spreads connections (and keeps a UDP client on one socket).
  template <class Socket, class Endpoint>
  static boost::system::error_code bindReusePort(Socket& s, const Endpoint& ep) {
    boost::system::error_code ec;
    s.open(ep.protocol(), ec);
    if (!ec) s.set_option(asio::socket_base::reuse_address(true), ec);
    int one = 1;
    if (!ec && ::setsockopt(s.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
      ec = boost::system::error_code(errno, boost::system::system_category());
    }
    if (!ec) s.bind(ep, ec);
    return ec;
  }

  std::shared_ptr<tcp::acceptor> openAcceptor(Worker& w, const std::string& address, int32_t port,
                                              std::string& error) {
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(address, ec);
    if (ec) {
      error = fmt::format("invalid listen address {}", address);
      return nullptr;
    }
    auto a = std::make_shared<tcp::acceptor>(w.io());
    ec = bindReusePort(*a, tcp::endpoint(ip, static_cast<uint16_t>(port)));
    if (!ec) a->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error = fmt::format("cannot listen on {}:{}: {}", address, port, ec.message());
      return nullptr;
    }
    return a;
  }

  std::shared_ptr<asio::ip::udp::socket> openUdp(Worker& w, const std::string& address, int32_t port,
                                                 std::string& error) {
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(address, ec);
    if (ec) {
      error = fmt::format("invalid listen address {}", address);
      return nullptr;
    }
    auto u = std::make_shared<asio::ip::udp::socket>(w.io());
    ec = bindReusePort(*u, asio::ip::udp::endpoint(ip, static_cast<uint16_t>(port)));
    if (ec) {
      error = fmt::format("cannot listen on {}:{}/udp: {}", address, port, ec.message());
      return nullptr;
    }
    return u;
  }

  const ServerOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<HealthChecker> checker_;  // probes run on worker 0
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::set<std::string> open_;
  std::vector<BindResult> results_;
  uint64_t generation_ = 0;
  RuntimePtr last_;  // the newest runtime: the next one shares its unchanged route tables
};

}  // namespace

std::unique_ptr<Server> Server::create(const ServerOptions& options) {
  return std::make_unique<ServerImpl>(options);
}

}  // namespace portico::dataplane
