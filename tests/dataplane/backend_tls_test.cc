// TLS from Portico to backends end to end (BackendTLSPolicy, GEP-1897;
// the Gateway's backend client certificate): a portico-echo serving TLS
// with a certificate from a test CA, a real dataplane::Server in front.
// Verification (CA, hostname, validity, subjectAltNames), the answers and
// the counters of failures, HTTP/2 by ALPN, the client certificate, and
// pooled TLS connections.
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;
using json = nlohmann::json;

constexpr const char* kSpiffe = "spiffe://cluster.local/ns/default/sa/secure";

class BackendTls : public ProxyTest {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/portico-backend-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    ca = makeCa("Backend CA");
    CertSpec spec;
    spec.dnsNames = {"secure.example.com"};
    spec.uris = {kSpiffe};
    good = makeCert(spec, &ca);
    port = freePort();
  }
  void TearDown() override {
    ProxyTest::TearDown();
    std::filesystem::remove_all(dir);
  }

  std::string write(const std::string& name, const std::string& content) {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  // A portico-echo serving TLS only, with `cert` (and asking for a client
  // certificate from `clientCa` when given).
  void startEcho(const KeyPair& cert, const std::string& clientCa = "") {
    std::vector<std::string> args = {"--tls-listen", "127.0.0.1:0",
                                     "--tls-cert",   write("cert.pem", cert.certPem),
                                     "--tls-key",    write("key.pem", cert.keyPem),
                                     "--pod",        "secure-pod",
                                     "--namespace",  "default"};
    if (!clientCa.empty()) {
      args.push_back("--tls-client-ca");
      args.push_back(write("client-ca.pem", clientCa));
    }
    echo = std::make_unique<echotest::EchoProcess>(args);
    auto ports = echo->ports(1);
    ASSERT_EQ(ports.size(), 1u);
    echoPort = ports[0];
  }

  // Gateway (HTTP listener), Service "secure" (port 443 → the echo), a
  // route to it, the BackendTLSPolicy with `validation` (YAML lines under
  // `validation:`), and the CA ConfigMap `backend-ca` holding `caPem`.
  void serveWith(const std::string& validation, const std::string& caPem, const std::string& appProtocol = "",
                 const std::string& gatewayTls = "", const std::string& extra = "") {
    const std::string p = std::to_string(port), e = std::to_string(echoPort);
    const std::string app = appProtocol.empty() ? "" : ", appProtocol: " + appProtocol;
    std::string yaml =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\n"
        "spec: {controllerName: portico.dev/gateway-controller}\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n"
        "  gatewayClassName: portico\n  listeners:\n  - {name: http, port: " +
        p + ", protocol: HTTP}\n" + gatewayTls +
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: secure}\nspec:\n  ports: [{name: https, port: "
        "443, "
        "targetPort: " +
        e + app +
        "}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: secure-1\n"
        "  labels: {kubernetes.io/service-name: secure}\naddressType: IPv4\nports: [{name: https, port: " +
        e + app + "}]\nendpoints:\n- addresses: [127.0.0.1]\n" +
        routeYaml("web", "", "  - backendRefs: [{name: secure, port: 443}]\n") +
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {name: "
        "secure-tls}\n"
        "spec:\n  targetRefs: [{group: \"\", kind: Service, name: secure}]\n  validation:\n" +
        validation + "---\n" + caConfigMapYaml("default", "backend-ca", caPem) + extra;
    lastYaml = yaml;
    dataplane::ServerOptions opts;
    opts.accessLogFormat = dataplane::AccessLogFormat::Text;
    opts.accessLog = [this](const std::string& line) {
      std::lock_guard lock(logMu);
      logLines.push_back(line);
      logCv.notify_all();
    };
    auto binds = serve(yaml, opts);
    ASSERT_EQ(binds.size(), 1u);
    ASSERT_TRUE(binds[0].ok) << binds[0].error;
  }

  static std::string caRefs() {
    return "    caCertificateRefs: [{group: \"\", kind: ConfigMap, name: backend-ca}]\n"
           "    hostname: secure.example.com\n";
  }

  std::optional<HttpResponse> fetch(Client& c, const std::string& path = "/") {
    if (!c.ok() || !c.send(get("app.example.com", path))) return std::nullopt;
    return c.read();
  }
  std::optional<HttpResponse> fetch(const std::string& path = "/") {
    Client c(port);
    return fetch(c, path);
  }

  uint64_t tlsErrors(const std::string& reason) {
    uint64_t n = 0;
    for (const auto& [key, v] : server->labelledStats().tlsErrors) {
      if (key.second == reason) n += v;
    }
    return n;
  }
  uint64_t handshakes() {
    uint64_t n = 0;
    for (const auto& [backend, v] : server->labelledStats().tlsHandshakes) n += v;
    return n;
  }

  // The access-log line of a request for `path`, once written (bounded).
  std::string logLine(const std::string& path) {
    std::unique_lock lock(logMu);
    std::string found;
    logCv.wait_for(lock, 5s, [&] {
      for (const auto& l : logLines) {
        if (l.find("\"GET " + path + "\"") != std::string::npos) found = l;
      }
      return !found.empty();
    });
    return found;
  }

  // A request that must fail verification: 503, the reason counted and
  // in the access log.
  void expectRefused(const std::string& reason) {
    auto r = fetch("/refused");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503) << r->body;
    EXPECT_GE(tlsErrors(reason), 1u) << reason;
    EXPECT_EQ(handshakes(), 0u);
    EXPECT_NE(logLine("/refused").find("upstream_error=tls:" + reason), std::string::npos)
        << logLine("/refused");
  }

  std::string dir;
  KeyPair ca, good;
  int port = 0;
  int echoPort = 0;
  std::unique_ptr<echotest::EchoProcess> echo;
  std::string lastYaml;
  std::mutex logMu;
  std::condition_variable logCv;
  std::vector<std::string> logLines;
};

TEST_F(BackendTls, VerifiedBackendAnswersOverTls) {
  startEcho(good);
  serveWith(caRefs(), ca.certPem);
  auto r = fetch("/hello");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  ASSERT_TRUE(j.contains("tls")) << r->body;  // the echo saw TLS
  EXPECT_EQ(j["tls"]["serverName"], "secure.example.com");
  EXPECT_EQ(j["tls"]["negotiatedProtocol"], "http/1.1");
  EXPECT_FALSE(j["tls"].contains("peerCertificates"));  // nothing asked, nothing configured
  EXPECT_EQ(j["proto"], "HTTP/1.1");
  EXPECT_EQ(handshakes(), 1u);
  EXPECT_EQ(tlsErrors("unknown_ca") + tlsErrors("name_mismatch") + tlsErrors("expired"), 0u);
}

TEST_F(BackendTls, UnknownCaIsRefused) {
  startEcho(good);
  serveWith(caRefs(), makeCa("Someone else").certPem);
  expectRefused("unknown_ca");
}

TEST_F(BackendTls, WrongHostnameIsRefused) {
  startEcho(good);
  serveWith(
      "    caCertificateRefs: [{group: \"\", kind: ConfigMap, name: backend-ca}]\n"
      "    hostname: other.example.com\n",
      ca.certPem);
  expectRefused("name_mismatch");
}

TEST_F(BackendTls, ExpiredCertificateIsRefused) {
  CertSpec spec;
  spec.dnsNames = {"secure.example.com"};
  spec.notBeforeSeconds = -7200;
  spec.notAfterSeconds = -60;
  startEcho(makeCert(spec, &ca));
  serveWith(caRefs(), ca.certPem);
  expectRefused("expired");
}

// GEP-1897: connections using an invalid CACertificateRef MUST fail with a
// 5xx; Portico answers 503 without connecting (issue 6, docs/spec-decisions.md).
TEST_F(BackendTls, MissingCaConfigMapFailsClosed) {
  startEcho(good);
  serveWith(
      "    caCertificateRefs: [{group: \"\", kind: ConfigMap, name: missing-ca}]\n"
      "    hostname: secure.example.com\n",
      ca.certPem);
  const auto result = translate::translate(loadOk(lastYaml).snapshot);
  const auto* st = result.status.find(api::Kind::BackendTLSPolicy, "default", "secure-tls");
  ASSERT_NE(st, nullptr);
  const auto& policy = std::get<status::PolicyStatus>(st->status);
  ASSERT_EQ(policy.ancestors.size(), 1u);
  const auto* accepted = status::findCondition(policy.ancestors[0].conditions, "Accepted");
  const auto* resolved = status::findCondition(policy.ancestors[0].conditions, "ResolvedRefs");
  ASSERT_NE(accepted, nullptr);
  ASSERT_NE(resolved, nullptr);
  EXPECT_EQ(accepted->status, "False");
  EXPECT_EQ(accepted->reason, "NoValidCACertificate");
  EXPECT_EQ(resolved->status, "False");
  EXPECT_EQ(resolved->reason, "InvalidCACertificateRef");

  auto r = fetch("/invalid");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(tlsErrors("invalid_policy"), 1u);
  EXPECT_EQ(handshakes(), 0u);
  EXPECT_EQ(server->labelledStats().connectErrors.size(), 0u);
  EXPECT_NE(logLine("/invalid").find("upstream_error=tls:invalid_policy"), std::string::npos);
}

// subjectAltNames replace the hostname for authentication: the policy's
// hostname (the SNI) is not in the certificate, the URI SAN is.
TEST_F(BackendTls, SubjectAltNameUriMatches) {
  startEcho(good);
  serveWith(std::string("    caCertificateRefs: [{group: \"\", kind: ConfigMap, name: backend-ca}]\n"
                        "    hostname: not-in-the-cert.example.com\n"
                        "    subjectAltNames: [{type: URI, uri: \"") +
                kSpiffe + "\"}]\n",
            ca.certPem);
  auto r = fetch("/san");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["tls"]["serverName"], "not-in-the-cert.example.com");
}

TEST_F(BackendTls, SubjectAltNameUriMismatchIsRefused) {
  startEcho(good);
  // The certificate's DNS name is the policy's hostname, but with
  // subjectAltNames given only they authenticate.
  serveWith(
      "    caCertificateRefs: [{group: \"\", kind: ConfigMap, name: backend-ca}]\n"
      "    hostname: secure.example.com\n"
      "    subjectAltNames: [{type: URI, uri: \"spiffe://cluster.local/ns/default/sa/other\"}]\n",
      ca.certPem);
  expectRefused("name_mismatch");
}

TEST_F(BackendTls, SubjectAltNameDnsWildcard) {
  CertSpec spec;
  spec.dnsNames = {"*.svc.example.com"};
  startEcho(makeCert(spec, &ca));
  serveWith(
      "    caCertificateRefs: [{group: \"\", kind: ConfigMap, name: backend-ca}]\n"
      "    hostname: secure.example.com\n"
      "    subjectAltNames: [{type: Hostname, hostname: api.svc.example.com}]\n",
      ca.certPem);
  auto r = fetch("/wild");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

// An HTTP/2 Service port (appProtocol kubernetes.io/h2c, the one an
// HTTPRoute accepts) with a BackendTLSPolicy: the policy wins over
// cleartext, HTTP/2 over TLS with ALPN h2 (docs/spec-decisions.md).
TEST_F(BackendTls, Http2BackendByAlpn) {
  startEcho(good);
  serveWith(caRefs(), ca.certPem, "kubernetes.io/h2c");
  for (int i = 0; i < 2; ++i) {
    auto r = fetch("/h2");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const json j = json::parse(r->body);
    EXPECT_EQ(j["proto"], "HTTP/2.0");
    EXPECT_EQ(j["tls"]["negotiatedProtocol"], "h2");
    EXPECT_EQ(j["tls"]["serverName"], "secure.example.com");
  }
  // One multiplexed connection per worker at most.
  EXPECT_GE(handshakes(), 1u);
  EXPECT_LE(handshakes(), 2u);
}

TEST_F(BackendTls, Http2BackendVerifiesToo) {
  startEcho(good);
  serveWith(caRefs(), makeCa("Someone else").certPem, "kubernetes.io/h2c");
  expectRefused("unknown_ca");
}

// Gateway spec.tls.backend.clientCertificateRef: presented to a backend
// that asks for a client certificate.
TEST_F(BackendTls, ClientCertificateIsPresented) {
  const KeyPair clientCa = makeCa("Gateway clients");
  CertSpec spec;
  spec.dnsNames = {"gateway.example.com"};
  const KeyPair client = makeCert(spec, &clientCa);
  startEcho(good, clientCa.certPem);
  serveWith(caRefs(), ca.certPem, "", "  tls: {backend: {clientCertificateRef: {name: gateway-client}}}\n",
            "---\n" + tlsSecretYaml("default", "gateway-client", client));
  auto r = fetch("/mtls");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  ASSERT_TRUE(j["tls"].contains("peerCertificates")) << r->body;
  EXPECT_EQ(j["tls"]["peerCertificates"][0], client.certPem);
}

// A pooled TLS connection serves the next request without a handshake.
TEST_F(BackendTls, PooledConnectionIsReused) {
  startEcho(good);
  serveWith(caRefs(), ca.certPem);
  Client c(port);  // one client connection: one worker, one pool
  for (int i = 0; i < 3; ++i) {
    auto r = fetch(c, "/again");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  EXPECT_EQ(handshakes(), 1u);
}

}  // namespace
}  // namespace portico::testing
