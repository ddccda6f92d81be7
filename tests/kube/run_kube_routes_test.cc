// issue 9 acceptance, "add/update/delete of every watched kind flowing to
// traffic", for the kinds run_kube_test.cc's WatchedKindsFlowToTraffic
// leaves out: TCPRoute, UDPRoute, TLSRoute, GRPCRoute, Secret (certificate
// rotation on an HTTPS listener), ConfigMap and BackendTLSPolicy (TLS to a
// backend) and GatewayClass. `portico run --kube` runs in-process against
// the test API server; the backends are real portico-echo processes in
// their TCP, UDP, TLS, h2c and HTTPS modes. Every step is observed as what
// a client gets, never as internal state.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "conformance/stream_conn.h"
#include "conformance/tcp_request.h"
#include "conformance/udp_request.h"
#include "echo/echo_harness.h"
#include "echo/h2_client.h"
#include "kube/fake_apiserver.h"
#include "kube/run_kube_support.h"
#include "support/test_support.h"

namespace portico {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kGw = "gateway.networking.k8s.io/v1";

json meta(const std::string& name) { return {{"name", name}, {"namespace", "default"}}; }

json parentRef(const std::string& section) {
  return json::array({{{"name", "gw"}, {"sectionName", section}}});
}

json backendRefs(const std::string& service, int port) {
  return json::array({{{"name", service}, {"port", port}}});
}

// One rule sending everything to `service`:`port`.
json rulesTo(const std::string& service, int port) {
  return json::array({{{"backendRefs", backendRefs(service, port)}}});
}

// A Service with one port and its EndpointSlice: 127.0.0.1:`target`.
void applyService(testing::FakeApiServer& server, const std::string& name, int port, int target,
                  const std::string& protocol = "TCP") {
  server.apply(
      {{"apiVersion", "v1"},
       {"kind", "Service"},
       {"metadata", meta(name)},
       {"spec", {{"ports", json::array({{{"name", "p"}, {"port", port}, {"protocol", protocol}}})}}}});
  json slice{{"apiVersion", "discovery.k8s.io/v1"},
             {"kind", "EndpointSlice"},
             {"metadata", meta(name + "-x1")},
             {"addressType", "IPv4"},
             {"ports", json::array({{{"name", "p"}, {"port", target}, {"protocol", protocol}}})},
             {"endpoints",
              json::array({{{"addresses", json::array({"127.0.0.1"})}, {"conditions", {{"ready", true}}}}})}};
  slice["metadata"]["labels"] = {{"kubernetes.io/service-name", name}};
  server.apply(slice);
}

json tlsSecret(const std::string& name, const testing::KeyPair& kp) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", meta(name)},
          {"type", "kubernetes.io/tls"},
          {"data", {{"tls.crt", testing::base64(kp.certPem)}, {"tls.key", testing::base64(kp.keyPem)}}}};
}

json caConfigMap(const std::string& name, const std::string& caPem) {
  return {
      {"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", meta(name)}, {"data", {{"ca.crt", caPem}}}};
}

// Writes `kp` as DIR/NAME.crt and DIR/NAME.key for a portico-echo.
std::pair<std::string, std::string> writePair(const fs::path& dir, const std::string& name,
                                              const testing::KeyPair& kp) {
  const std::string crt = (dir / (name + ".crt")).string(), key = (dir / (name + ".key")).string();
  std::ofstream(crt) << kp.certPem;
  std::ofstream(key) << kp.keyPem;
  return {crt, key};
}

int onePort(echotest::EchoProcess& p) {
  const auto ports = p.ports(1);
  return ports.size() == 1 ? ports[0] : 0;
}

class KubeRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server = testing::FakeApiServer::start();
    dir = fs::temp_directory_path() / ("portico-kube-routes-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    kubeconfig = kubetest::writeKubeconfig(*server, dir);
    server->apply(kubetest::gatewayClass());
  }
  void TearDown() override {
    if (controller) controller->stop();
    if (HasFailure()) ADD_FAILURE() << "controller log:\n" << log.str();
    fs::remove_all(dir);
  }

  void applyGateway(const json& listeners) {
    server->apply({{"apiVersion", kGw},
                   {"kind", "Gateway"},
                   {"metadata", meta("gw")},
                   {"spec", {{"gatewayClassName", "portico"}, {"listeners", listeners}}}});
  }

  void startPortico() {
    controller = std::make_unique<run::Controller>(kubetest::kubeRunOptions(kubeconfig), log);
    std::string error;
    ASSERT_TRUE(controller->start(error)) << error;
  }

  std::unique_ptr<testing::FakeApiServer> server;
  fs::path dir;
  std::string kubeconfig;
  std::ostringstream log;
  std::unique_ptr<run::Controller> controller;
};

// TCPRoute, UDPRoute and TLSRoute (passthrough): each added, changed and
// deleted through the API server.
TEST_F(KubeRoutesTest, StreamAndDatagramRoutesFlowToTraffic) {
  const auto ca = testing::makeCa("passthrough CA");
  const auto [tlsCrt, tlsKey] = writePair(dir, "tls-echo", testing::makeCert({{"tls.example.com"}}, &ca));
  echotest::EchoProcess tcpA({"--tcp-listen", "127.0.0.1:0", "--pod", "tcp-a"});
  echotest::EchoProcess tcpB({"--tcp-listen", "127.0.0.1:0", "--pod", "tcp-b"});
  echotest::EchoProcess udp({"--udp-listen", "127.0.0.1:0", "--pod", "udp-echo"});
  echotest::EchoProcess tls(
      {"--tcp-tls-listen", "127.0.0.1:0", "--tls-cert", tlsCrt, "--tls-key", tlsKey, "--pod", "tls-echo"});
  const int tcpAPort = onePort(tcpA), tcpBPort = onePort(tcpB), udpPort = onePort(udp),
            tlsPort = onePort(tls);
  ASSERT_TRUE(tcpAPort && tcpBPort && udpPort && tlsPort);
  applyService(*server, "tcp-a", 9000, tcpAPort);
  applyService(*server, "tcp-b", 9000, tcpBPort);
  applyService(*server, "udp-echo", 5300, udpPort, "UDP");
  applyService(*server, "tls-echo", 8443, tlsPort);

  const int tcpPort = testing::freePort(), udpListener = testing::freePort(), passPort = testing::freePort();
  applyGateway(json::array({{{"name", "tcp"}, {"port", tcpPort}, {"protocol", "TCP"}},
                            {{"name", "udp"}, {"port", udpListener}, {"protocol", "UDP"}},
                            {{"name", "tls"},
                             {"port", passPort},
                             {"protocol", "TLS"},
                             {"hostname", "tls.example.com"},
                             {"tls", {{"mode", "Passthrough"}}}}}));
  startPortico();

  auto tcpPod = [&] { return conformance::tcpEchoSendOnce("127.0.0.1", tcpPort, 1s).second; };
  auto udpPod = [&] {
    return conformance::udpEchoPod(conformance::udpExchange("127.0.0.1", udpListener, "ping", 200ms)).second;
  };
  const conformance::StreamTls passTls{"tls.example.com", ca.certPem};
  auto tlsPod = [&] {
    const auto r = conformance::tcpEchoExchange("127.0.0.1", passPort, &passTls, 1s);
    return r.transportError.empty() ? r.test.value("pod", std::string()) : std::string();
  };

  auto tcpRoute = [&](const std::string& service) {
    return json{{"apiVersion", kGw},
                {"kind", "TCPRoute"},
                {"metadata", meta("tcp")},
                {"spec", {{"parentRefs", parentRef("tcp")}, {"rules", rulesTo(service, 9000)}}}};
  };
  server->apply(tcpRoute("tcp-a"));
  EXPECT_TRUE(kubetest::eventually([&] { return tcpPod() == "tcp-a"; })) << "TCPRoute added";
  server->apply(tcpRoute("tcp-b"));
  EXPECT_TRUE(kubetest::eventually([&] { return tcpPod() == "tcp-b"; })) << "TCPRoute's backend changed";

  server->apply({{"apiVersion", kGw},
                 {"kind", "UDPRoute"},
                 {"metadata", meta("udp")},
                 {"spec", {{"parentRefs", parentRef("udp")}, {"rules", rulesTo("udp-echo", 5300)}}}});
  EXPECT_TRUE(kubetest::eventually([&] { return udpPod() == "udp-echo"; })) << "UDPRoute added";

  json tlsRoute{{"apiVersion", kGw},
                {"kind", "TLSRoute"},
                {"metadata", meta("tls")},
                {"spec",
                 {{"parentRefs", parentRef("tls")},
                  {"hostnames", json::array({"other.example.com"})},
                  {"rules", rulesTo("tls-echo", 8443)}}}};
  server->apply(tlsRoute);
  // Attached but for another hostname: the ClientHello's SNI matches no
  // route. Then the hostname is changed to the one asked for.
  EXPECT_TRUE(kubetest::eventually([&] {
    const json r = server->get(kGw, "TLSRoute", "default", "tls");
    return r.contains("status") && !r["status"].value("parents", json::array()).empty();
  })) << "the TLSRoute was reconciled";
  EXPECT_EQ(tlsPod(), "");
  tlsRoute["spec"]["hostnames"] = json::array({"tls.example.com"});
  server->apply(tlsRoute);
  EXPECT_TRUE(kubetest::eventually([&] { return tlsPod() == "tls-echo"; }))
      << "TLSRoute's hostname changed: the echo's own certificate, verified against its CA";

  server->remove(kGw, "TCPRoute", "default", "tcp");
  EXPECT_TRUE(kubetest::eventually([&] { return tcpPod().empty(); })) << "TCPRoute deleted";
  server->remove(kGw, "UDPRoute", "default", "udp");
  EXPECT_TRUE(kubetest::eventually([&] { return udpPod().empty(); })) << "UDPRoute deleted";
  server->remove(kGw, "TLSRoute", "default", "tls");
  EXPECT_TRUE(kubetest::eventually([&] { return tlsPod().empty(); })) << "TLSRoute deleted";
}

// GRPCRoute over h2c to a portico-echo h2c backend: a method match added,
// changed so the call no longer matches, then the route deleted.
TEST_F(KubeRoutesTest, GrpcRouteFlowsToTraffic) {
  echotest::EchoProcess h2c({"--h2c-listen", "127.0.0.1:0", "--pod", "grpc-echo"});
  const int h2cPort = onePort(h2c);
  ASSERT_GT(h2cPort, 0);
  applyService(*server, "grpc-echo", 50051, h2cPort);
  const int port = testing::freePort();
  applyGateway(json::array({{{"name", "http"}, {"port", port}, {"protocol", "HTTP"}}}));
  startPortico();

  // A unary call's request (an empty message) on a fresh h2c connection:
  // the answer's pod, "" when the echo did not answer it.
  auto callPod = [&]() -> std::string {
    echotest::Connection conn(port);
    if (!conn.ok()) return "";
    echotest::H2Client client(conn);
    echotest::H2Request req;
    req.method = "POST";
    req.authority = "grpc.example.com";
    req.path = "/portico.test.Echo/Ping";
    req.headers = {{"content-type", "application/grpc"}, {"te", "trailers"}};
    req.body = std::string(5, '\0');
    const auto resp = client.get(req);
    if (!resp || resp->status != 200) return "";
    const json body = json::parse(resp->body, nullptr, false);
    return body.is_object() ? body.value("pod", std::string()) : std::string();
  };
  auto route = [&](const std::string& method) {
    return json{
        {"apiVersion", kGw},
        {"kind", "GRPCRoute"},
        {"metadata", meta("grpc")},
        {"spec",
         {{"parentRefs", json::array({{{"name", "gw"}}})},
          {"hostnames", json::array({"grpc.example.com"})},
          {"rules",
           json::array(
               {{{"matches",
                  json::array({{{"method", {{"service", "portico.test.Echo"}, {"method", method}}}}})},
                 {"backendRefs", backendRefs("grpc-echo", 50051)}}})}}}};
  };
  EXPECT_EQ(callPod(), "") << "no GRPCRoute yet";
  server->apply(route("Ping"));
  EXPECT_TRUE(kubetest::eventually([&] { return callPod() == "grpc-echo"; })) << "GRPCRoute added";
  server->apply(route("Other"));
  EXPECT_TRUE(kubetest::eventually([&] { return callPod().empty(); }))
      << "the method match no longer matches";
  server->apply(route("Ping"));
  EXPECT_TRUE(kubetest::eventually([&] { return callPod() == "grpc-echo"; }));
  server->remove(kGw, "GRPCRoute", "default", "grpc");
  EXPECT_TRUE(kubetest::eventually([&] { return callPod().empty(); })) << "GRPCRoute deleted";
}

// The HTTPS listener's certificate is a Secret: rotated through the API
// server, the new certificate is served without a restart; deleted, none
// is. TLS to a backend follows a BackendTLSPolicy and its ConfigMap CA,
// each added, changed and deleted. Deleting the GatewayClass, or changing
// its controllerName, takes the listeners down.
TEST_F(KubeRoutesTest, SecretConfigMapBackendTlsPolicyAndGatewayClassFlowToTraffic) {
  const auto frontA = testing::makeCa("front CA one"), frontB = testing::makeCa("front CA two");
  const auto backendCa = testing::makeCa("backend CA");
  const auto [echoCrt, echoKey] =
      writePair(dir, "secure-echo", testing::makeCert({{"echo.internal"}}, &backendCa));
  echotest::EchoProcess https(
      {"--tls-listen", "127.0.0.1:0", "--tls-cert", echoCrt, "--tls-key", echoKey, "--pod", "secure-echo"});
  const int echoPort = onePort(https);
  ASSERT_GT(echoPort, 0);
  applyService(*server, "secure-echo", 443, echoPort);

  const int httpPort = testing::freePort(), httpsPort = testing::freePort();
  server->apply(tlsSecret("front-cert", testing::makeCert({{"secure.example.com"}}, &frontA)));
  applyGateway(json::array(
      {{{"name", "http"}, {"port", httpPort}, {"protocol", "HTTP"}},
       {{"name", "https"},
        {"port", httpsPort},
        {"protocol", "HTTPS"},
        {"hostname", "secure.example.com"},
        {"tls", {{"certificateRefs", json::array({{{"kind", "Secret"}, {"name", "front-cert"}}})}}}}}));
  server->apply({{"apiVersion", kGw},
                 {"kind", "HTTPRoute"},
                 {"metadata", meta("backend")},
                 {"spec",
                  {{"parentRefs", json::array({{{"name", "gw"}, {"sectionName", "http"}}})},
                   {"hostnames", json::array({"backend.example.com"})},
                   {"rules", rulesTo("secure-echo", 443)}}}});
  startPortico();

  // The HTTPS listener's handshake, verified against `ca`.
  auto servesCertOf = [&](const testing::KeyPair& ca) {
    const conformance::StreamTls t{"secure.example.com", ca.certPem};
    return conformance::StreamConn("127.0.0.1", httpsPort, &t, 1s).ok();
  };
  // Through the HTTP listener to the HTTPS echo: the status Portico answers.
  int lastStatus = -1;
  auto backendStatus = [&] {
    const auto r = echotest::roundTrip(
        httpPort, "GET / HTTP/1.1\r\nHost: backend.example.com\r\nConnection: close\r\n\r\n");
    return lastStatus = r ? r->status : 0;
  };

  EXPECT_TRUE(kubetest::eventually([&] { return servesCertOf(frontA); }));
  server->apply(tlsSecret("front-cert", testing::makeCert({{"secure.example.com"}}, &frontB)));
  EXPECT_TRUE(kubetest::eventually([&] { return servesCertOf(frontB); })) << "Secret rotated";
  EXPECT_FALSE(servesCertOf(frontA));
  server->remove("v1", "Secret", "default", "front-cert");
  EXPECT_TRUE(kubetest::eventually([&] { return !servesCertOf(frontB); }))
      << "Secret deleted: the listener has no certificate to serve";
  server->apply(tlsSecret("front-cert", testing::makeCert({{"secure.example.com"}}, &frontB)));
  EXPECT_TRUE(kubetest::eventually([&] { return servesCertOf(frontB); })) << "Secret back";

  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 502; }))
      << "no BackendTLSPolicy: plaintext to a TLS port fails"
      << "; last answer " << lastStatus;
  server->apply(caConfigMap("backend-ca", backendCa.certPem));
  const json policy{
      {"apiVersion", kGw},
      {"kind", "BackendTLSPolicy"},
      {"metadata", meta("secure-echo")},
      {"spec",
       {{"targetRefs", json::array({{{"group", ""}, {"kind", "Service"}, {"name", "secure-echo"}}})},
        {"validation",
         {{"caCertificateRefs",
           json::array({{{"group", ""}, {"kind", "ConfigMap"}, {"name", "backend-ca"}}})},
          {"hostname", "echo.internal"}}}}}};
  server->apply(policy);
  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 200; }))
      << "BackendTLSPolicy added: TLS to the echo, verified against the ConfigMap's CA"
      << "; last answer " << lastStatus;
  server->apply(caConfigMap("backend-ca", frontA.certPem));
  // A handshake that fails verification is a connect failure: 503, as Envoy answers.
  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 503; }))
      << "the ConfigMap's CA changed to one that did not sign the echo's certificate"
      << "; last answer " << lastStatus;
  server->apply(caConfigMap("backend-ca", backendCa.certPem));
  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 200; })) << "last answer " << lastStatus;
  server->remove("v1", "ConfigMap", "default", "backend-ca");
  EXPECT_TRUE(kubetest::eventually([&] {
    return lastStatus = backendStatus(), lastStatus != 200 && lastStatus != 0;
  })) << "ConfigMap deleted: the policy cannot verify, and nothing goes out in clear; last answer "
      << lastStatus;
  EXPECT_NE(lastStatus, 502) << "not sent in plaintext";
  server->apply(caConfigMap("backend-ca", backendCa.certPem));
  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 200; })) << "last answer " << lastStatus;
  json otherHost = policy;
  otherHost["spec"]["validation"]["hostname"] = "other.internal";
  server->apply(otherHost);
  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 503; }))
      << "BackendTLSPolicy updated to a hostname the echo's certificate does not name; last answer "
      << lastStatus;
  server->apply(policy);
  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 200; })) << "last answer " << lastStatus;
  server->remove(kGw, "BackendTLSPolicy", "default", "secure-echo");
  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 502; }))
      << "BackendTLSPolicy deleted; last answer " << lastStatus;

  server->remove(kGw, "GatewayClass", "", "portico");
  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 0; }))
      << "GatewayClass deleted: the Gateway is not ours any more, its listeners close"
      << "; last answer " << lastStatus;
  server->apply(kubetest::gatewayClass());
  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 502; }))
      << "GatewayClass back; last answer " << lastStatus;
  json otherController = kubetest::gatewayClass();
  otherController["spec"]["controllerName"] = "example.com/another-controller";
  server->apply(otherController);
  EXPECT_TRUE(kubetest::eventually([&] { return backendStatus() == 0; }))
      << "GatewayClass updated to another controller; last answer " << lastStatus;
}

}  // namespace
}  // namespace portico
