// Config swaps under load: apply() never fails a request, keeps live
// connections (plain and TLS), serves added routes from the first request
// after it returns, and closes the acceptors of removed ports. (Invalid
// updates are rejected by the controller before they reach apply(): not
// this layer's concern.)
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;

class ReloadProxy : public ProxyTest {
 protected:
  void SetUp() override {
    echo = std::make_unique<Backend>("echo-reload");
    ASSERT_GT(echo->port, 0);
    port = freePort();
    tlsPort = freePort();
    extraPort = freePort();
    ASSERT_TRUE(port != tlsPort && port != extraPort && tlsPort != extraPort);
    cert = selfSigned({"secure.example.com"});
  }

  // The gateway: HTTP on `port`, HTTPS on `tlsPort`, and HTTP on
  // `extraPort` when `withExtraPort`; the stable route on every listener;
  // the unrelated route `extra.example.com` when `withExtraRoute`.
  std::string config(bool withExtraRoute, bool withExtraPort) const {
    std::string y =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\nspec: "
        "{controllerName: portico.dev/gateway-controller}\n---\napiVersion: "
        "gateway.networking.k8s.io/v1\nkind: "
        "Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: portico\n  listeners:\n"
        "  - {name: http, port: " +
        std::to_string(port) +
        ", protocol: HTTP}\n"
        "  - {name: https, port: " +
        std::to_string(tlsPort) +
        ", protocol: HTTPS, hostname: secure.example.com, tls: {certificateRefs: [{name: cert}]}}\n";
    if (withExtraPort) y += "  - {name: extra, port: " + std::to_string(extraPort) + ", protocol: HTTP}\n";
    y += "---\n" + tlsSecretYaml("default", "cert", cert) + serviceYaml("echo-reload", echo->port) +
         routeYaml("stable", "[stable.example.com, secure.example.com]",
                   "  - backendRefs: [{name: echo-reload, port: 80}]\n");
    if (withExtraRoute) {
      y += routeYaml("extra", "[extra.example.com]", "  - backendRefs: [{name: echo-reload, port: 80}]\n");
    }
    return y;
  }

  std::unique_ptr<Backend> echo;
  int port = 0, tlsPort = 0, extraPort = 0;
  KeyPair cert;
};

// A client thread hammering the stable route: one plain and one TLS
// keep-alive connection for the whole run, plus a fresh plain and a fresh
// TLS connection per round. Every non-200 and every connection error is
// a failure; a keep-alive connection that had to be reopened is one too.
class Load {
 public:
  Load(int port, int tlsPort) : port_(port), tlsPort_(tlsPort), thread_([this] { run(); }) {}
  ~Load() { finish(); }
  uint64_t rounds() const { return rounds_.load(); }
  // Waits (bounded) for `n` more full rounds.
  bool waitRounds(uint64_t n, std::chrono::milliseconds timeout = 10s) {
    const uint64_t target = rounds() + n;
    return eventually([&] { return rounds() >= target || stop_; }, timeout) && rounds() >= target;
  }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  std::atomic<uint64_t> failures{0}, requests{0}, reopened{0};
  std::mutex mu;
  std::vector<std::string> errors;  // the first few, for the failure message

 private:
  void fail(const std::string& what) {
    failures++;
    std::lock_guard l(mu);
    if (errors.size() < 10) errors.push_back(what);
  }
  bool check(Client& c, const std::string& host, const std::string& what) {
    requests++;
    if (!c.ok() || !c.send(get(host, "/stable"))) {
      fail(what + ": send failed");
      return false;
    }
    auto r = c.read();
    if (!r) {
      fail(what + ": no response");
      return false;
    }
    if (r->status != 200) {
      fail(what + ": status " + std::to_string(r->status) + " " + r->body);
      return false;
    }
    return true;
  }
  void run() {
    auto plain = std::make_unique<Client>(port_);
    auto tls = std::make_unique<Client>(tlsPort_, TlsOptions{"secure.example.com"});
    while (!stop_) {
      if (!check(*plain, "stable.example.com", "keep-alive")) {
        reopened++;
        plain = std::make_unique<Client>(port_);
      }
      if (!check(*tls, "secure.example.com", "tls keep-alive")) {
        reopened++;
        tls = std::make_unique<Client>(tlsPort_, TlsOptions{"secure.example.com"});
      }
      {
        Client fresh(port_);
        check(fresh, "stable.example.com", "new connection");
      }
      {
        Client fresh(tlsPort_, TlsOptions{"secure.example.com"});
        if (!fresh.ok()) {
          requests++;
          fail("new tls connection: handshake failed");
        } else {
          check(fresh, "secure.example.com", "new tls connection");
        }
      }
      rounds_++;
    }
  }

  int port_, tlsPort_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> rounds_{0};
  std::thread thread_;
};

std::string errorsOf(Load& load) {
  std::lock_guard l(load.mu);
  std::string out;
  for (const auto& e : load.errors) out += e + "\n";
  return out;
}

TEST_F(ReloadProxy, FiftySwapsUnderLoadFailNothing) {
  const ir::ConfigPtr with = compile(config(true, false));
  const ir::ConfigPtr without = compile(config(false, false));
  auto binds = serve(without);
  ASSERT_EQ(binds.size(), 2u);
  for (const auto& b : binds) ASSERT_TRUE(b.ok) << b.error;

  Load load(port, tlsPort);
  ASSERT_TRUE(load.waitRounds(1)) << errorsOf(load);
  for (int i = 0; i < 50; ++i) {
    const bool adding = i % 2 == 0;
    for (const auto& b : serve(adding ? with : without)) ASSERT_TRUE(b.ok) << b.error;
    // The swap takes effect when apply() returns, on new and kept
    // connections alike.
    Client fresh(port);
    ASSERT_TRUE(fresh.send(get("extra.example.com", "/extra")));
    auto r = fresh.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, adding ? 200 : 404) << "swap " << i;
    // Traffic interleaves with every swap.
    ASSERT_TRUE(load.waitRounds(1)) << "swap " << i << "\n" << errorsOf(load);
  }
  load.finish();
  EXPECT_EQ(load.failures.load(), 0u) << load.requests.load() << " requests\n" << errorsOf(load);
  EXPECT_EQ(load.reopened.load(), 0u) << "keep-alive connections must survive config swaps";
  EXPECT_GE(load.requests.load(), 200u);
}

TEST_F(ReloadProxy, AddedRouteAnswersFromTheFirstRequest) {
  const ir::ConfigPtr without = compile(config(false, false));
  auto binds = serve(without);
  for (const auto& b : binds) ASSERT_TRUE(b.ok) << b.error;
  Load load(port, tlsPort);
  ASSERT_TRUE(load.waitRounds(1)) << errorsOf(load);

  // A kept-alive connection opened before the route exists.
  Client kept(port);
  ASSERT_TRUE(kept.send(get("extra.example.com", "/")));
  auto before = kept.read();
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 404);

  for (int i = 0; i < 5; ++i) {
    // A fresh translation each time: new route objects, new runtime.
    for (const auto& b : serve(config(true, false))) ASSERT_TRUE(b.ok) << b.error;
    ASSERT_TRUE(kept.send(get("extra.example.com", "/first")));
    auto onKept = kept.read();
    ASSERT_TRUE(onKept);
    EXPECT_EQ(onKept->status, 200) << "round " << i;
    for (int j = 0; j < 4; ++j) {  // both workers
      Client fresh(port);
      ASSERT_TRUE(fresh.send(get("extra.example.com", "/first")));
      auto r = fresh.read();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200) << "round " << i;
    }
    for (const auto& b : serve(without)) ASSERT_TRUE(b.ok) << b.error;
    ASSERT_TRUE(kept.send(get("extra.example.com", "/gone")));
    auto gone = kept.read();
    ASSERT_TRUE(gone);
    EXPECT_EQ(gone->status, 404) << "a removed route is gone when apply() returns";
  }
  ASSERT_TRUE(load.waitRounds(1));
  load.finish();
  EXPECT_EQ(load.failures.load(), 0u) << errorsOf(load);
}

TEST_F(ReloadProxy, RemovingAPortClosesItsAcceptor) {
  for (const auto& b : serve(config(false, true))) ASSERT_TRUE(b.ok) << b.error;
  Client idle(extraPort);
  ASSERT_TRUE(idle.send(get("any.example.com", "/")));
  ASSERT_EQ(idle.read()->status, 404) << "listener up, no route for that host";
  Client kept(port);
  ASSERT_TRUE(kept.send(get("stable.example.com", "/")));
  ASSERT_EQ(kept.read()->status, 200);

  for (const auto& b : serve(config(false, false))) ASSERT_TRUE(b.ok) << b.error;
  EXPECT_TRUE(connectRefused(extraPort)) << "acceptor of a removed port still open";
  // A connection of the removed port is not served by the old config.
  if (idle.send(get("stable.example.com", "/"))) {
    auto r = idle.read();
    if (r) {
      EXPECT_NE(r->status, 200);
    }
  }
  // The other ports keep serving, on kept and new connections.
  ASSERT_TRUE(kept.send(get("stable.example.com", "/")));
  auto r = kept.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto fresh = echotest::roundTrip(port, get("stable.example.com", "/"));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->status, 200);

  // Adding it back opens it again.
  for (const auto& b : serve(config(false, true))) ASSERT_TRUE(b.ok) << b.error;
  auto back = echotest::roundTrip(extraPort, get("stable.example.com", "/"));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, 200);
}

}  // namespace
}  // namespace portico::testing
