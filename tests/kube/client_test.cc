// The HTTPS client (issue 9) against the test API server: bearer tokens
// (static and re-read from a rotating file), CA verification with the
// server's name or IP checked, watch streams delivered line by line as
// events happen, cancel() ending a blocked stream from another thread, and
// client-certificate authentication from a kubeconfig.
#include "kube/client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "kube/fake_apiserver.h"
#include "kube/resources.h"
#include "support/test_support.h"

namespace portico {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

kube::ClusterConfig configFor(const testing::FakeApiServer& server) {
  kube::ClusterConfig c;
  c.server = server.url();
  c.caPem = server.caPem();
  c.bearerToken = server.token();
  c.origin = "test";
  return c;
}

json configMap(const std::string& name, const std::string& value) {
  return json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"data", {{"k", value}}}};
}

const std::string kConfigMaps = "/api/v1/namespaces/default/configmaps";

TEST(KubeClient, ListsWithTheBearerTokenAndVerifiesTheServer) {
  auto server = testing::FakeApiServer::start();
  server->apply(configMap("one", "1"));
  auto client = kube::Client::create(configFor(*server));
  auto r = client->request("GET", kConfigMaps);
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  auto list = json::parse(r.body);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "one");

  // Writes carry their body and content type.
  r = client->request("POST", kConfigMaps, configMap("two", "2").dump());
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(server->get("v1", "ConfigMap", "default", "two").is_null());
}

TEST(KubeClient, AWrongTokenIsUnauthorized) {
  auto server = testing::FakeApiServer::start();
  auto cfg = configFor(*server);
  cfg.bearerToken = "not-the-token";
  auto r = kube::Client::create(cfg)->request("GET", kConfigMaps);
  EXPECT_EQ(r.status, 401) << r.error;
}

TEST(KubeClient, AnUnknownCaOrAWrongNameFailsTheHandshake) {
  auto server = testing::FakeApiServer::start();
  auto cfg = configFor(*server);
  cfg.caPem = testing::makeCa("someone else").certPem;
  auto r = kube::Client::create(cfg)->request("GET", kConfigMaps);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;

  cfg = configFor(*server);
  cfg.tlsServerName = "kubernetes.default.svc";  // not in the server certificate
  r = kube::Client::create(cfg)->request("GET", kConfigMaps);
  EXPECT_EQ(r.status, 0) << "the name is checked, not only the chain";

  cfg.tlsServerName = "localhost";  // a DNS SAN of the test server
  r = kube::Client::create(cfg)->request("GET", kConfigMaps);
  EXPECT_EQ(r.status, 200) << r.error;

  cfg = configFor(*server);
  cfg.caPem = testing::makeCa("someone else").certPem;
  cfg.insecureSkipTlsVerify = true;
  r = kube::Client::create(cfg)->request("GET", kConfigMaps);
  EXPECT_EQ(r.status, 200) << r.error;
}

TEST(KubeClient, ARotatedTokenFileIsReread) {
  auto server = testing::FakeApiServer::start();
  const fs::path file = fs::temp_directory_path() / ("portico-token-" + std::to_string(::getpid()));
  std::ofstream(file) << "stale-token\n";
  auto cfg = configFor(*server);
  cfg.bearerToken = "stale-token";
  cfg.tokenFile = file.string();
  auto client = kube::Client::create(cfg);
  EXPECT_EQ(client->request("GET", kConfigMaps).status, 401);
  std::ofstream(file) << server->token() << "\n";
  // Modification times can be coarse: make the change visible for sure.
  fs::last_write_time(file, fs::last_write_time(file) + 2s);
  EXPECT_EQ(client->request("GET", kConfigMaps).status, 200);
  fs::remove(file);
}

TEST(KubeClient, AWatchDeliversEachEventAsItHappens) {
  auto server = testing::FakeApiServer::start();
  auto list = json::parse(kube::Client::create(configFor(*server))->request("GET", kConfigMaps).body);
  const std::string rv = list["metadata"]["resourceVersion"];
  auto client = kube::Client::create(configFor(*server));
  std::promise<std::vector<json>> done;
  std::thread watcher([&] {
    std::vector<json> events;
    auto r = client->stream(
        kConfigMaps + "?watch=true&resourceVersion=" + rv,
        [&](std::string_view line) {
          events.push_back(json::parse(line));
          return events.size() < 2;
        },
        10s);
    EXPECT_EQ(r.status, 200) << r.error;
    done.set_value(events);
  });
  // The first event arrives while the stream is open: the client does not
  // wait for the response to end.
  ASSERT_TRUE(server->waitFor(
      [&] {
        for (const auto& q : server->requests())
          if (q.verb == "watch") return true;
        return false;
      },
      10s));
  server->apply(configMap("a", "1"));
  server->apply(configMap("a", "2"));
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  watcher.join();
  auto events = f.get();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_EQ(events[1]["object"]["data"]["k"], "2");
}

TEST(KubeClient, CancelEndsABlockedWatchAndLaterCallsFailFast) {
  auto server = testing::FakeApiServer::start();
  auto client = kube::Client::create(configFor(*server));
  std::promise<kube::Response> done;
  std::thread watcher([&] {
    done.set_value(client->stream(
        kConfigMaps + "?watch=true", [](std::string_view) { return true; }, 60s));
  });
  ASSERT_TRUE(server->waitFor(
      [&] {
        for (const auto& q : server->requests())
          if (q.verb == "watch") return true;
        return false;
      },
      10s));
  const auto start = std::chrono::steady_clock::now();
  client->cancel();
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  watcher.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_FALSE(f.get().error.empty());
  auto r = client->request("GET", kConfigMaps);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "cancelled");
}

// issue 9: "a kubeconfig (client certificates, ...)". The kubeconfig's
// client-certificate-data and client-key-data, no token: the server
// authenticates the TLS client certificate (its CN is the user). One its
// client CA did not sign is refused.
TEST(KubeClient, AuthenticatesWithTheKubeconfigsClientCertificate) {
  const auto clientCa = testing::makeCa("kube client CA");
  testing::FakeApiServer::Options o;
  o.clientCaPem = clientCa.certPem;
  auto server = testing::FakeApiServer::start(o);
  server->apply(configMap("one", "1"));
  const fs::path dir = fs::temp_directory_path() / ("portico-kube-client-cert-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto kubeconfigWith = [&](const testing::KeyPair& kp) {
    const fs::path p = dir / "kubeconfig";
    std::ofstream(p)
        << "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n"
        << "    server: " << server->url()
        << "\n    certificate-authority-data: " << testing::base64(server->caPem())
        << "\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nusers:\n- name: u\n  user:\n"
        << "    client-certificate-data: " << testing::base64(kp.certPem)
        << "\n    client-key-data: " << testing::base64(kp.keyPem) << "\n";
    std::string error;
    auto cfg = kube::loadKubeconfig(p.string(), "", error);
    EXPECT_TRUE(cfg) << error;
    return cfg ? *cfg : kube::ClusterConfig{};
  };
  testing::CertSpec spec;
  spec.commonName = "system:serviceaccount:portico-system:portico";
  const auto cfg = kubeconfigWith(testing::makeCert(spec, &clientCa));
  EXPECT_TRUE(cfg.bearerToken.empty());
  auto r = kube::Client::create(cfg)->request("GET", kConfigMaps);
  EXPECT_EQ(r.status, 200) << r.error << r.body;
  ASSERT_FALSE(server->requests().empty());
  EXPECT_EQ(server->requests().back().user, "system:serviceaccount:portico-system:portico");

  const auto stranger = testing::makeCa("someone else's CA");
  r = kube::Client::create(kubeconfigWith(testing::makeCert(spec, &stranger)))->request("GET", kConfigMaps);
  EXPECT_EQ(r.status, 401) << r.error << r.body;
  fs::remove_all(dir);
}

TEST(KubeClient, ATransportErrorIsAStatusZero) {
  kube::ClusterConfig cfg;
  cfg.server = "https://127.0.0.1:" + std::to_string(testing::freePort());
  auto r = kube::Client::create(cfg)->request("GET", "/api/v1/namespaces");
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
}

}  // namespace
}  // namespace portico
