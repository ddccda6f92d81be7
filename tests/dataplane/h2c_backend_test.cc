// HTTP/1.1 clients to an HTTP/2 backend: a Service port with appProtocol
// kubernetes.io/h2c (GEP-1911) is reached over h2c whatever the client
// speaks. The backend is portico-echo on an --h2c-listen port, which
// answers HTTP/1.1 with 400, so a 200 means Portico spoke HTTP/2.
#include <nlohmann/json.hpp>

#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using echotest::roundTrip;

class H2cBackend : public ProxyTest {
 protected:
  void SetUp() override {
    echo = std::make_unique<echotest::EchoProcess>(std::vector<std::string>{
        "--h2c-listen", "127.0.0.1:0", "--pod", "h2c-pod", "--namespace", "default"});
    auto ports = echo->ports(1);
    ASSERT_EQ(ports.size(), 1u);
    port = freePort();
    const std::string p = std::to_string(ports[0]);
    auto binds =
        serve(gatewayYaml(port) +
              "---\napiVersion: v1\nkind: Service\nmetadata: {name: h2c}\nspec:\n  ports: [{name: h2c, "
              "port: 8081, targetPort: " +
              p +
              ", appProtocol: kubernetes.io/h2c}]\n---\napiVersion: discovery.k8s.io/v1\nkind: "
              "EndpointSlice\nmetadata:\n  name: h2c-1\n  labels: {kubernetes.io/service-name: "
              "h2c}\naddressType: IPv4\nports: [{name: h2c, port: " +
              p +
              "}]\nendpoints:\n- addresses: [127.0.0.1]\n---\napiVersion: gateway.networking.k8s.io/v1\n"
              "kind: HTTPRoute\nmetadata: {name: h2c}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n"
              "  - filters:\n    - type: ResponseHeaderModifier\n      responseHeaderModifier: {set: "
              "[{name: X-Route, value: h2c}]}\n    backendRefs: [{name: h2c, port: 8081}]\n");
    ASSERT_EQ(binds.size(), 1u);
    ASSERT_TRUE(binds[0].ok) << binds[0].error;
  }

  static std::string request(const std::string& method, const std::string& path,
                             const std::string& extra = "", const std::string& body = "") {
    return method + " " + path + " HTTP/1.1\r\nHost: h2c.example\r\n" + extra + "\r\n" + body;
  }

  std::unique_ptr<echotest::EchoProcess> echo;
  int port = 0;
};

TEST_F(H2cBackend, GetTravelsAsHttp2AndComesBackAsHttp11) {
  auto r = roundTrip(port, request("GET", "/hello?x=1"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->header("x-route"), "h2c");  // response filters apply
  EXPECT_FALSE(r->header("content-length").empty()) << "the backend's length is kept for the client";
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["proto"], "HTTP/2.0");
  EXPECT_EQ(j["path"], "/hello?x=1");
  EXPECT_EQ(j["host"], "h2c.example");
  EXPECT_EQ(j["pod"], "h2c-pod");
  EXPECT_TRUE(j["headers"].contains("X-Forwarded-For"));
}

TEST_F(H2cBackend, BodiesWithLengthOrChunksReachTheBackend) {
  auto withLength = roundTrip(port, request("POST", "/upload", "Content-Length: 5\r\n", "hello"));
  ASSERT_TRUE(withLength);
  ASSERT_EQ(withLength->status, 200) << withLength->body;
  auto j = nlohmann::json::parse(withLength->body);
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["headers"]["Content-Length"][0], "5");

  auto chunked = roundTrip(port, request("POST", "/upload", "Transfer-Encoding: chunked\r\n",
                                         "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));
  ASSERT_TRUE(chunked);
  ASSERT_EQ(chunked->status, 200) << chunked->body;
  auto k = nlohmann::json::parse(chunked->body);
  EXPECT_FALSE(k["headers"].contains("Transfer-Encoding")) << "HTTP/2 has no chunked framing";
}

TEST_F(H2cBackend, KeepAliveConnectionServesSeveralRequests) {
  echotest::Connection c(port);
  ASSERT_TRUE(c.ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.send(request("GET", "/n/" + std::to_string(i))));
    auto r = c.read();
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(nlohmann::json::parse(r->body)["path"], "/n/" + std::to_string(i));
  }
}

}  // namespace
}  // namespace portico::testing
