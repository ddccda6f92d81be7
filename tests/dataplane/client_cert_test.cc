// Frontend client-certificate validation (Gateway.spec.tls.frontend,
// GatewayFrontendClientCertificateValidation): AllowValidOnly refuses a
// client without a certificate from the configured CAs; AllowInsecureFallback
// still asks for one but lets every client through; perPort beats default.
#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;

class ClientCertProxy : public ProxyTest {
 protected:
  void SetUp() override {
    echo = std::make_unique<Backend>("echo-mtls");
    ASSERT_GT(echo->port, 0);
    strictPort = freePort();
    fallbackPort = freePort();
    ASSERT_NE(strictPort, fallbackPort);
    const KeyPair server = selfSigned({"app.example.com"});
    CertSpec client;
    client.commonName = "client";
    clientA = makeCert(client, &caA);
    clientB = makeCert(client, &caB);
    const std::string yaml =
        std::string(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\n"
            "spec: {controllerName: portico.dev/gateway-controller}\n---\n"
            "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n"
            "  gatewayClassName: portico\n"
            "  tls:\n    frontend:\n"
            "      default:\n        validation:\n"
            "          caCertificateRefs: [{group: '', kind: ConfigMap, name: ca-a}]\n"
            "      perPort:\n      - port: ") +
        std::to_string(fallbackPort) +
        "\n        tls:\n          validation:\n            mode: AllowInsecureFallback\n"
        "            caCertificateRefs: [{group: '', kind: ConfigMap, name: ca-a}]\n"
        "  listeners:\n"
        "  - {name: strict, port: " +
        std::to_string(strictPort) +
        ", protocol: HTTPS, tls: {certificateRefs: [{name: server}]}}\n"
        "  - {name: fallback, port: " +
        std::to_string(fallbackPort) + ", protocol: HTTPS, tls: {certificateRefs: [{name: server}]}}\n---\n" +
        tlsSecretYaml("default", "server", server) + "---\n" +
        caConfigMapYaml("default", "ca-a", caA.certPem) + serviceYaml("echo-mtls", echo->port) +
        routeYaml("web", "", "  - backendRefs: [{name: echo-mtls, port: 80}]\n");
    auto binds = serve(yaml);
    ASSERT_EQ(binds.size(), 2u);
    for (const auto& b : binds) ASSERT_TRUE(b.ok) << b.port << ": " << b.error;
  }

  // The status of a GET over a fresh connection presenting `cert` (none
  // when empty); 0 when the handshake or the exchange failed. With TLS 1.3
  // the client's handshake completes before the server judges its
  // certificate, so a refusal can surface on the first read.
  int status(int port, const KeyPair* cert, bool* requested = nullptr) {
    TlsOptions o{"app.example.com"};
    if (cert) {
      o.clientCertPem = cert->certPem;
      o.clientKeyPem = cert->keyPem;
    }
    Client c(port, o);
    if (requested) *requested = c.certificateRequested();
    if (!c.ok() || !c.send(get("app.example.com", "/"))) return 0;
    auto r = c.read();
    return r ? r->status : 0;
  }

  KeyPair caA = makeCa("client-ca-a");
  KeyPair caB = makeCa("client-ca-b");
  KeyPair clientA, clientB;
  std::unique_ptr<Backend> echo;
  int strictPort = 0;
  int fallbackPort = 0;
};

TEST_F(ClientCertProxy, AllowValidOnlyNeedsACertificateFromTheConfiguredCa) {
  bool requested = false;
  EXPECT_EQ(status(strictPort, &clientA, &requested), 200);
  EXPECT_TRUE(requested) << "the server asks for a client certificate";
  EXPECT_EQ(status(strictPort, &clientB), 0) << "a certificate from another CA is refused";
  EXPECT_EQ(status(strictPort, nullptr), 0) << "no certificate is refused";
}

TEST_F(ClientCertProxy, InsecureFallbackAsksButLetsEveryoneThrough) {
  bool requested = false;
  EXPECT_EQ(status(fallbackPort, &clientA, &requested), 200);
  EXPECT_TRUE(requested);
  EXPECT_EQ(status(fallbackPort, &clientB, &requested), 200);
  EXPECT_TRUE(requested) << "still asked: a client with a certificate presents it";
  EXPECT_EQ(status(fallbackPort, nullptr), 200);
}

}  // namespace
}  // namespace portico::testing
