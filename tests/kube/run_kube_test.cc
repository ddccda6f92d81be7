// `portico run --kube` end to end (issue 9) against the test API server:
// a route applied through the API server changes traffic (a
// RequestRedirect, so no backend is needed), status goes back to the
// server, the time from apply() to traffic is measured, and the real
// binary runs from a kubeconfig. Waits follow the server's requests (the
// status write that follows every applied configuration), bounded.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "echo/echo_harness.h"
#include "kube/fake_apiserver.h"
#include "kube/resources.h"
#include "kube/run_kube_support.h"
#include "run/controller.h"
#include "support/child_process.h"
#include "support/test_support.h"

namespace portico {
namespace {

using namespace std::chrono_literals;
using kubetest::gatewayClass;
using kubetest::writeKubeconfig;
using nlohmann::json;
namespace fs = std::filesystem;

json gateway(int port) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "Gateway"},
          {"metadata", {{"name", "gw"}, {"namespace", "default"}}},
          {"spec",
           {{"gatewayClassName", "portico"},
            {"listeners", json::array({{{"name", "http"}, {"port", port}, {"protocol", "HTTP"}}})}}}};
}

json redirectRoute(const std::string& target) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "HTTPRoute"},
          {"metadata", {{"name", "redirect"}, {"namespace", "default"}}},
          {"spec",
           {{"parentRefs", json::array({{{"name", "gw"}}})},
            {"hostnames", json::array({"a.example.com"})},
            {"rules",
             json::array({{{"filters", json::array({{{"type", "RequestRedirect"},
                                                     {"requestRedirect",
                                                      {{"hostname", target}, {"statusCode", 302}}}}})}}})}}}};
}

struct HttpAnswer {
  int status = 0;
  std::string location;
};

// One HTTP/1.1 exchange on a new connection (Connection: close).
std::optional<HttpAnswer> get(int port, const std::string& host, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return std::nullopt;
  }
  std::string in;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) in.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (in.size() < 12 || !in.starts_with("HTTP/1.1 ")) return std::nullopt;
  HttpAnswer a;
  a.status = std::stoi(in.substr(9, 3));
  const auto loc =
      in.find("\r\nlocation: ") != std::string::npos ? in.find("\r\nlocation: ") : in.find("\r\nLocation: ");
  if (loc != std::string::npos) {
    const auto start = loc + 12;
    a.location = in.substr(start, in.find("\r\n", start) - start);
  }
  return a;
}

// The HTTPRoute's status as the server stores it names `generation`:
// Portico served that generation (status is written after the apply).
bool routeStatusAt(const testing::FakeApiServer& server, int64_t generation) {
  const json r = server.get("gateway.networking.k8s.io/v1", "HTTPRoute", "default", "redirect");
  if (r.is_null() || !r.contains("status")) return false;
  for (const auto& p : r["status"].value("parents", json::array())) {
    for (const auto& c : p.value("conditions", json::array())) {
      if (c.value("type", "") == "Accepted" && c.value("status", "") == "True" &&
          c.value("observedGeneration", int64_t{0}) == generation)
        return true;
    }
  }
  return false;
}

class RunKubeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server = testing::FakeApiServer::start();
    dir = fs::temp_directory_path() / ("portico-run-kube-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    kubeconfig = writeKubeconfig(*server, dir);
    port = testing::freePort();
    server->apply(gatewayClass());
    server->apply(gateway(port));
  }
  void TearDown() override { fs::remove_all(dir); }

  std::unique_ptr<testing::FakeApiServer> server;
  fs::path dir;
  std::string kubeconfig;
  int port = 0;
};

TEST_F(RunKubeTest, ARouteAppliedThroughTheApiServerChangesTraffic) {
  run::RunOptions o;
  o.kube.enabled = true;
  o.kube.kubeconfig = kubeconfig;
  o.kube.leaderElect = true;
  o.kube.leaseDuration = 3000ms;
  o.kube.renewDeadline = 2000ms;
  o.kube.retryPeriod = 200ms;
  o.kube.gatewayService = "portico-system/portico";
  server->apply(
      {{"apiVersion", "v1"},
       {"kind", "Service"},
       {"metadata", {{"name", "portico"}, {"namespace", "portico-system"}}},
       {"spec", {{"type", "LoadBalancer"}, {"ports", json::array({{{"port", 80}}})}}},
       {"status",
        {{"loadBalancer",
          {{"ingress", json::array({{{"ip", "203.0.113.7"}}, {{"hostname", "lb.example.com"}}})}}}}}});
  o.server.workers = 1;
  o.server.listenAddress = "127.0.0.1";
  o.adminPort = 0;
  o.debounce = 20ms;
  o.drainTimeout = 500ms;
  std::ostringstream log;
  {
    run::Controller controller(o, log);
    std::string error;
    ASSERT_TRUE(controller.start(error)) << error;

    const json applied = server->apply(redirectRoute("example.org"));
    const int64_t gen1 = applied["metadata"].value("generation", int64_t{1});
    ASSERT_TRUE(server->waitFor([&] { return routeStatusAt(*server, gen1); }, 20s))
        << "the leader wrote the route's status";
    EXPECT_TRUE(controller.ready());
    auto a = get(port, "a.example.com", "/x");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 302);
    EXPECT_NE(a->location.find("example.org"), std::string::npos) << a->location;

    // A change: from apply() to traffic.
    const auto t0 = std::chrono::steady_clock::now();
    const json changed = server->apply(redirectRoute("example.net"));
    const int64_t gen2 = changed["metadata"].value("generation", int64_t{2});
    ASSERT_GT(gen2, gen1);
    ASSERT_TRUE(server->waitFor([&] { return routeStatusAt(*server, gen2); }, 20s));
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    a = get(port, "a.example.com", "/x");
    ASSERT_TRUE(a);
    EXPECT_NE(a->location.find("example.net"), std::string::npos) << a->location;
    RecordProperty("apply_to_traffic_ms", std::to_string(ms));
    std::cout << "apply() to traffic (bounded by the status write that follows): " << ms << " ms"
              << std::endl;
    EXPECT_LT(ms, 5000);

    // /objects shows the objects as the API server has them; /changes the edit.
    const std::string objects = controller.objectsYaml();
    EXPECT_NE(objects.find("\"example.net\""), std::string::npos) << objects;
    EXPECT_EQ(objects.find("managedFields"), std::string::npos);
    EXPECT_NE(controller.changesJson().find("example.net"), std::string::npos) << controller.changesJson();

    // The Gateway's status too, and the controller metrics.
    const json gw = server->get("gateway.networking.k8s.io/v1", "Gateway", "default", "gw");
    ASSERT_TRUE(gw.contains("status")) << gw.dump();
    // --gateway-service: the data-plane Service's load-balancer addresses.
    EXPECT_EQ(
        gw["status"].value("addresses", json::array()),
        json::parse(
            R"([{"type":"IPAddress","value":"203.0.113.7"},{"type":"Hostname","value":"lb.example.com"}])"))
        << gw.dump();
    const std::string metrics = controller.metrics();
    for (const char* m :
         {"portico_kube_watch_restarts_total", "portico_kube_status_writes_total",
          "portico_kube_change_to_traffic_seconds_count", "leader_election_master_status",
          "portico_kube_objects{kind=\"HTTPRoute\"} 1", "controller_runtime_reconcile_total"}) {
      EXPECT_NE(metrics.find(m), std::string::npos) << m;
    }

    // Deleted through the API server: the route stops serving.
    server->remove("gateway.networking.k8s.io/v1", "HTTPRoute", "default", "redirect");
    const uint64_t generation = controller.generation();
    ASSERT_TRUE(server->waitFor(
        [&] {
          const json g = server->get("gateway.networking.k8s.io/v1", "Gateway", "default", "gw");
          for (const auto& l : g["status"].value("listeners", json::array()))
            if (l.value("attachedRoutes", -1) == 0) return true;
          return false;
        },
        20s));
    EXPECT_GT(controller.generation(), generation);
    a = get(port, "a.example.com", "/x");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->status, 404);
    controller.stop();
  }
  EXPECT_NE(log.str().find("kube: became leader"), std::string::npos) << log.str();
  // The leader released its lease on stop (client-go's ReleaseOnCancel).
  const json lease = server->get("coordination.k8s.io/v1", "Lease", "portico-system", "portico-controller");
  ASSERT_FALSE(lease.is_null());
  EXPECT_EQ(lease["spec"].value("holderIdentity", ""), "") << lease.dump();

  // Least privilege holds in practice, not only on paper: every call the
  // controller made is one requiredAccess() (and so deploy/'s RBAC, see
  // deploy_rbac_test.cc) grants. A GET on the main resource before a status
  // write, say, would be a 403 on a real cluster.
  std::set<std::string> granted;
  for (const auto& a : kube::requiredAccess())
    for (const auto& v : a.verbs) granted.insert(a.group + " " + a.resource + " " + v);
  size_t calls = 0;
  for (const auto& r : server->requests()) {
    if (!r.resourceRequest) {
      // Discovery is granted to every authenticated user (system:discovery).
      EXPECT_TRUE(r.method == "GET" && (r.path.starts_with("/api/") || r.path.starts_with("/apis/")))
          << r.method << " " << r.path;
      continue;
    }
    const std::string resource = r.subresource.empty() ? r.resource : r.resource + "/" + r.subresource;
    EXPECT_TRUE(granted.count(r.group + " " + resource + " " + r.verb))
        << r.method << " " << r.verb << " " << r.group << "/" << resource << " " << r.namespace_ << "/"
        << r.name << " is not granted by kube::requiredAccess()";
    ++calls;
  }
  EXPECT_GT(calls, 10u);
}

TEST_F(RunKubeTest, ThePorticoBinaryRunsFromAKubeconfig) {
  server->apply(redirectRoute("example.org"));
  const std::string logPath = (dir / "portico.log").string();
  std::vector<std::string> args = {PORTICO_BIN,   "run",
                                   "--kube",      "--kubeconfig",
                                   kubeconfig,    "--listen-address",
                                   "127.0.0.1",   "--admin-address",
                                   "127.0.0.1:0", "--access-log",
                                   "off",         "--workers",
                                   "1",           "--leader-elect=false"};
  testing::ChildProcess portico(args, logPath);
  // No leader election: status is written after the first reconcile.
  const bool written = server->waitFor([&] { return routeStatusAt(*server, 1); }, 30s);
  std::optional<HttpAnswer> a;
  if (written) a = get(port, "a.example.com", "/");
  const int exitCode = portico.stop();
  std::ifstream in(logPath);
  std::stringstream ss;
  ss << in.rdbuf();
  ASSERT_TRUE(written) << ss.str();
  ASSERT_TRUE(a) << ss.str();
  EXPECT_EQ(a->status, 302);
  EXPECT_EQ(exitCode, 0) << ss.str();
  EXPECT_NE(ss.str().find("kube: watching " + server->url()), std::string::npos) << ss.str();
}

// A `portico run --kube` process with leader election on short timings;
// POD_NAME prefixes its Lease identity. Its output goes to `logPath`.
std::unique_ptr<testing::ChildProcess> spawnReplica(const std::string& kubeconfig, const std::string& pod,
                                                    const std::string& logPath) {
  return std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{PORTICO_BIN,
                               "run",
                               "--kube",
                               "--kubeconfig",
                               kubeconfig,
                               "--listen-address",
                               "127.0.0.1",
                               "--admin-address",
                               "127.0.0.1:0",
                               "--access-log",
                               "off",
                               "--workers",
                               "1",
                               "--leader-elect=true",
                               "--lease-duration",
                               "1",
                               "--renew-deadline",
                               "0.6",
                               "--retry-period",
                               "0.1"},
      logPath, std::vector<std::pair<std::string, std::string>>{{"POD_NAME", pod}});
}

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// issue 9 acceptance: "leader failover between two Portico processes".
// Both replicas serve traffic from their own watch (SO_REUSEPORT on the
// same port); one holds the Lease and writes status. When the leader dies
// without releasing the Lease (SIGKILL), the other takes over once the
// lease has expired by its own clock, and status keeps following changes.
TEST_F(RunKubeTest, LeadershipFailsOverBetweenTwoPorticoProcesses) {
  server->apply(redirectRoute("example.org"));
  const std::string logA = (dir / "replica-a.log").string(), logB = (dir / "replica-b.log").string();
  // Both are stopped by their destructors if the test ends early.
  const auto a = spawnReplica(kubeconfig, "replica-a", logA);
  const auto b = spawnReplica(kubeconfig, "replica-b", logB);
  ASSERT_GT(a->pid, 0);
  ASSERT_GT(b->pid, 0);
  auto holder = [&] {
    const json lease = server->get("coordination.k8s.io/v1", "Lease", "portico-system", "portico-controller");
    return lease.is_null() ? std::string() : lease["spec"].value("holderIdentity", std::string());
  };
  auto logs = [&] { return "replica-a:\n" + readAll(logA) + "\nreplica-b:\n" + readAll(logB); };
  const bool led = server->waitFor([&] { return !holder().empty() && routeStatusAt(*server, 1); }, 30s);
  const std::string first = holder();
  ASSERT_TRUE(led) << "no leader wrote status: " << logs();
  const bool aLeads = first.starts_with("replica-a_");
  ASSERT_TRUE(aLeads || first.starts_with("replica-b_")) << first;
  testing::ChildProcess& leader = aLeads ? *a : *b;
  testing::ChildProcess& follower = aLeads ? *b : *a;
  const std::string followerPrefix = aLeads ? "replica-b_" : "replica-a_";

  // The follower serves too: with the leader gone, the port still answers.
  // (Once it has applied its own first configuration: status written by
  // the leader says nothing about the follower's watch.)
  const std::string followerLog = aLeads ? logB : logA;
  ASSERT_TRUE(kubetest::eventually(
      [&] { return readAll(followerLog).find("config generation 1 ") != std::string::npos; }, 30s))
      << "the follower never applied a configuration: " << logs();
  leader.killNow();
  auto answer = get(port, "a.example.com", "/x");
  ASSERT_TRUE(answer) << logs();
  EXPECT_EQ(answer->status, 302);

  // It takes the Lease over (no release happened: expiry by its clock)...
  const bool tookOver = server->waitFor([&] { return holder().starts_with(followerPrefix); }, 30s);
  // ...and writes the status of what changes next.
  const json changed = server->apply(redirectRoute("example.net"));
  const int64_t gen2 = changed["metadata"].value("generation", int64_t{2});
  const bool wrote = tookOver && server->waitFor([&] { return routeStatusAt(*server, gen2); }, 30s);
  answer = get(port, "a.example.com", "/x");
  const int exitCode = follower.stop();
  ASSERT_TRUE(tookOver) << "holder " << holder() << "\n" << logs();
  ASSERT_TRUE(wrote) << logs();
  ASSERT_TRUE(answer) << logs();
  EXPECT_NE(answer->location.find("example.net"), std::string::npos) << answer->location;
  const json lease = server->get("coordination.k8s.io/v1", "Lease", "portico-system", "portico-controller");
  EXPECT_GE(lease["spec"].value("leaseTransitions", 0), 1) << lease.dump();
  EXPECT_EQ(lease["spec"].value("holderIdentity", ""), "") << "released on SIGTERM: " << lease.dump();
  EXPECT_EQ(exitCode, 0) << logs();
}

// issue 9 acceptance: "add/update/delete of ... watched kind[s] flowing to
// traffic". One route, one real backend, and each kind on the way added,
// updated and deleted through the API server: the Gateway (allowedRoutes
// selector), the route's Namespace (labels), ReferenceGrant, Service,
// EndpointSlice, the HTTPRoute. Each step is observed as the answer a
// client gets (run_kube_routes_test.cc does the other kinds).
TEST_F(RunKubeTest, WatchedKindsFlowToTraffic) {
  echotest::EchoProcess echo({"--listen", "127.0.0.1:0", "--pod", "web-pod", "--namespace", "default"});
  const auto echoPorts = echo.ports(1);
  ASSERT_EQ(echoPorts.size(), 1u);
  const int echoPort = echoPorts[0];

  json gw = gateway(port);
  gw["spec"]["listeners"][0]["allowedRoutes"] = {
      {"namespaces", {{"from", "Selector"}, {"selector", {{"matchLabels", {{"env", "prod"}}}}}}}};
  server->apply(gw);
  auto ns = [](const std::string& name, const json& labels) {
    return json{
        {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}, {"labels", labels}}}};
  };
  const json service{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", {{"name", "web"}, {"namespace", "default"}}},
      {"spec", {{"ports", json::array({{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}})}}}};
  const json slice{
      {"apiVersion", "discovery.k8s.io/v1"},
      {"kind", "EndpointSlice"},
      {"metadata",
       {{"name", "web-abcde"},
        {"namespace", "default"},
        {"labels", {{"kubernetes.io/service-name", "web"}}}}},
      {"addressType", "IPv4"},
      {"ports", json::array({{{"name", "http"}, {"port", echoPort}, {"protocol", "TCP"}}})},
      {"endpoints",
       json::array({{{"addresses", json::array({"127.0.0.1"})}, {"conditions", {{"ready", true}}}}})}};
  const json grant{
      {"apiVersion", "gateway.networking.k8s.io/v1beta1"},
      {"kind", "ReferenceGrant"},
      {"metadata", {{"name", "team-to-web"}, {"namespace", "default"}}},
      {"spec",
       {{"from",
         json::array(
             {{{"group", "gateway.networking.k8s.io"}, {"kind", "HTTPRoute"}, {"namespace", "team"}}})},
        {"to", json::array({{{"group", ""}, {"kind", "Service"}}})}}}};
  const json route{
      {"apiVersion", "gateway.networking.k8s.io/v1"},
      {"kind", "HTTPRoute"},
      {"metadata", {{"name", "app"}, {"namespace", "team"}}},
      {"spec",
       {{"parentRefs", json::array({{{"name", "gw"}, {"namespace", "default"}}})},
        {"hostnames", json::array({"app.example.com"})},
        {"rules",
         json::array({{{"backendRefs",
                        json::array({{{"name", "web"}, {"namespace", "default"}, {"port", 8080}}})}}})}}}};
  server->apply(ns("default", json::object()));
  server->apply(ns("team", {{"env", "dev"}}));
  server->apply(service);
  server->apply(slice);
  server->apply(route);

  std::ostringstream log;
  run::Controller controller(kubetest::kubeRunOptions(kubeconfig), log);
  std::string error;
  ASSERT_TRUE(controller.start(error)) << error;

  // The answer for app.example.com settles on `want`.
  auto settlesOn = [&](int want) {
    int last = 0;
    if (kubetest::eventually([&] {
          auto a = get(port, "app.example.com", "/");
          last = a ? a->status : 0;
          return last == want;
        }))
      return true;
    ADD_FAILURE() << "wanted " << want << ", last answer " << last;
    return false;
  };

  EXPECT_TRUE(settlesOn(404)) << "namespace team is not env=prod: the route is not attached";
  server->apply(ns("team", {{"env", "prod"}}));
  EXPECT_TRUE(settlesOn(500)) << "attached, but the cross-namespace backendRef has no grant";
  server->apply(grant);
  EXPECT_TRUE(settlesOn(200)) << "the ReferenceGrant permits it";
  server->remove("discovery.k8s.io/v1", "EndpointSlice", "default", "web-abcde");
  EXPECT_TRUE(settlesOn(503)) << "no endpoints";
  server->apply(slice);
  EXPECT_TRUE(settlesOn(200)) << "endpoints back";
  server->remove("gateway.networking.k8s.io/v1beta1", "ReferenceGrant", "default", "team-to-web");
  EXPECT_TRUE(settlesOn(500)) << "grant removed";
  server->apply(grant);
  EXPECT_TRUE(settlesOn(200));

  // Updates, each undone before the next: the grant names another
  // namespace; the endpoint is not ready; the Service's port changes.
  json otherGrant = grant;
  otherGrant["spec"]["from"][0]["namespace"] = "elsewhere";
  server->apply(otherGrant);
  EXPECT_TRUE(settlesOn(500)) << "grant updated to another namespace";
  server->apply(grant);
  EXPECT_TRUE(settlesOn(200));
  json notReady = slice;
  notReady["endpoints"][0]["conditions"]["ready"] = false;
  server->apply(notReady);
  EXPECT_TRUE(settlesOn(503)) << "EndpointSlice updated: the endpoint is not ready";
  server->apply(slice);
  EXPECT_TRUE(settlesOn(200));
  json otherPort = service;
  otherPort["spec"]["ports"][0]["port"] = 8081;
  server->apply(otherPort);
  EXPECT_TRUE(settlesOn(500)) << "Service updated: port 8080 is gone";
  server->apply(service);
  EXPECT_TRUE(settlesOn(200));

  server->remove("v1", "Service", "default", "web");
  EXPECT_TRUE(settlesOn(500)) << "Service removed: BackendNotFound";
  server->apply(service);
  EXPECT_TRUE(settlesOn(200));
  server->remove("v1", "Namespace", "", "team");
  EXPECT_TRUE(settlesOn(404)) << "Namespace deleted: its labels no longer select it";
  server->apply(ns("team", {{"env", "prod"}}));
  EXPECT_TRUE(settlesOn(200));
  server->remove("gateway.networking.k8s.io/v1", "HTTPRoute", "team", "app");
  EXPECT_TRUE(settlesOn(404)) << "HTTPRoute deleted";
  server->apply(route);
  EXPECT_TRUE(settlesOn(200));
  gw["spec"]["listeners"][0].erase("allowedRoutes");
  server->apply(gw);
  EXPECT_TRUE(settlesOn(404)) << "allowedRoutes back to Same: a route in team no longer attaches";
  server->remove("gateway.networking.k8s.io/v1", "Gateway", "default", "gw");
  EXPECT_TRUE(settlesOn(0)) << "Gateway deleted: its listener closes";
  controller.stop();
  if (HasFailure()) ADD_FAILURE() << "controller log:\n" << log.str();
}

}  // namespace
}  // namespace portico
