// TLSRoute end to end: Passthrough (the client sees each backend's own
// certificate), Terminate (the listener's certificate, plaintext to a TCP
// backend), and Passthrough, Terminate and HTTPS listeners on one port.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fstream>

#include "dataplane/e2e_support.h"
#include "dataplane/l4_backends.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace std::chrono_literals;
using e2e::Client;
using e2e::TlsOptions;
using namespace l4;

// portico-echo serving HTTPS with a certificate for `dnsNames`.
struct TlsEcho {
  std::unique_ptr<echotest::EchoProcess> proc;
  int port = 0;
  TlsEcho(const std::string& pod, const std::vector<std::string>& dnsNames) {
    const KeyPair kp = selfSigned(dnsNames);
    const std::string base = ::testing::TempDir() + "l4-" + pod + "-" + std::to_string(::getpid());
    std::ofstream(base + ".crt") << kp.certPem;
    std::ofstream(base + ".key") << kp.keyPem;
    proc = std::make_unique<echotest::EchoProcess>(
        std::vector<std::string>{"--tls-listen", "127.0.0.1:0", "--tls-cert", base + ".crt", "--tls-key",
                                 base + ".key", "--pod", pod, "--namespace", "default"});
    auto ports = proc->ports(1);
    port = ports.empty() ? 0 : ports[0];
  }
};

std::vector<std::string> peerNames(const Client& c) {
  X509* cert = SSL_get1_peer_certificate(c.ssl());
  auto names = e2e::certificateNames(cert);
  X509_free(cert);
  return names;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// An HTTPS request over `c`; the echo's JSON names its pod.
std::string podOf(Client& c, const std::string& host) {
  if (!c.send(e2e::get(host, "/"))) return "";
  auto r = c.read();
  if (!r || r->status != 200) return "";
  for (const char* pod : {"tls-a", "tls-b", "tls-p", "web"}) {
    if (r->body.find(std::string("\"") + pod + "\"") != std::string::npos) return pod;
  }
  return "?";
}

class TlsRouteTest : public ProxyTest {};

TEST_F(TlsRouteTest, PassthroughBySniWithTheBackendsOwnCertificate) {
  TlsEcho a("tls-a", {"a.example.com"}), b("tls-b", {"b.example.com"});
  ASSERT_TRUE(a.port && b.port);
  const int port = freePort();
  // The wildcard route sorts first: the exact name must still win.
  auto binds = serve(gatewayWith("  - {name: tls, port: " + std::to_string(port) +
                                 ", protocol: TLS, tls: {mode: Passthrough}}\n") +
                     l4Service("a", a.port) + l4Service("b", b.port) +
                     l4Route("TLSRoute", "aaa-wild", "tls", "['*.example.com']", "[{name: b, port: 80}]") +
                     l4Route("TLSRoute", "zzz-exact", "tls", "[a.example.com]", "[{name: a, port: 80}]"));
  ASSERT_EQ(binds.size(), 1u);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  {
    Client c(port, TlsOptions{.sni = "a.example.com"}, 5s);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(has(peerNames(c), "a.example.com"));
    EXPECT_EQ(podOf(c, "a.example.com"), "tls-a");
  }
  for (const char* name : {"b.example.com", "deep.sub.example.com"}) {
    Client c(port, TlsOptions{.sni = name}, 5s);
    ASSERT_TRUE(c.ok()) << name;
    EXPECT_TRUE(has(peerNames(c), "b.example.com")) << name;
    EXPECT_EQ(podOf(c, name), "tls-b");
  }
  // No server name, or one no route has: closed before any certificate.
  for (const char* name : {"", "example.com", "other.org"}) {
    Client c(port, TlsOptions{.sni = name}, 5s);
    EXPECT_FALSE(c.ok()) << name;
    EXPECT_TRUE(c.handshakeFailed()) << name;
  }
  // Garbage instead of a ClientHello: closed.
  Client raw(port, 5s);
  ASSERT_TRUE(raw.send("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n"));
  EXPECT_TRUE(raw.closedWithin(5s));
  EXPECT_GE(server->stats().l4Refused, 2u);
}

TEST_F(TlsRouteTest, HelloTimeoutClosesASilentClient) {
  TlsEcho a("tls-a", {"a.example.com"});
  const int port = freePort();
  dataplane::ServerOptions opts;
  opts.headerTimeout = 200ms;
  serve(gatewayWith("  - {name: tls, port: " + std::to_string(port) +
                    ", protocol: TLS, tls: {mode: Passthrough}}\n") +
            l4Service("a", a.port) +
            l4Route("TLSRoute", "r", "tls", "[a.example.com]", "[{name: a, port: 80}]"),
        opts);
  Client c(port, 5s);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c.closedWithin(3s));
}

TEST_F(TlsRouteTest, TerminatePassthroughAndHttpsOnOnePort) {
  TlsEcho p("tls-p", {"pass.example.com"});
  Backend web("web");
  TcpNameServer plain("plain");
  const int port = freePort();
  const std::string ps = std::to_string(port);
  const KeyPair term = selfSigned({"term.example.com"});
  const KeyPair www = selfSigned({"web.example.com"});
  auto binds = serve(
      gatewayWith(
          "  - {name: pass, port: " + ps +
          ", protocol: TLS, hostname: pass.example.com, tls: {mode: Passthrough}}\n"
          "  - {name: term, port: " +
          ps +
          ", protocol: TLS, hostname: term.example.com, tls: {mode: Terminate, certificateRefs: [{name: "
          "term-cert}]}}\n"
          "  - {name: web, port: " +
          ps +
          ", protocol: HTTPS, hostname: web.example.com, tls: {certificateRefs: [{name: web-cert}]}}\n") +
      "---\n" + tlsSecretYaml("default", "term-cert", term) + "---\n" +
      tlsSecretYaml("default", "web-cert", www) + l4Service("p", p.port) + l4Service("plain", plain.port()) +
      serviceYaml("web", web.port) +
      l4Route("TLSRoute", "rp", "pass", "[pass.example.com]", "[{name: p, port: 80}]") +
      l4Route("TLSRoute", "rt", "term", "[term.example.com]", "[{name: plain, port: 80}]") +
      e2e::routeYaml("rw", "", "  - backendRefs: [{name: web, port: 80}]\n"));
  ASSERT_EQ(binds.size(), 1u);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  {
    // Terminated with the listener's certificate; the backend gets the
    // plaintext, and no ALPN is chosen for it.
    Client c(port, TlsOptions{.sni = "term.example.com", .alpn = {"h2", "http/1.1"}}, 5s);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(has(peerNames(c), "term.example.com"));
    const unsigned char* proto = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(c.ssl(), &proto, &len);
    EXPECT_EQ(len, 0u);
    std::string line;
    char ch;
    while (c.readSome(&ch, 1) == 1 && ch != '\n') line += ch;
    EXPECT_EQ(line, "plain");
    ASSERT_TRUE(c.send("ping"));
    char buf[4];
    std::string echo;
    while (echo.size() < 4) {
      long n = c.readSome(buf, 4 - echo.size());
      if (n <= 0) break;
      echo.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(echo, "ping");
  }
  {
    Client c(port, TlsOptions{.sni = "pass.example.com"}, 5s);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(has(peerNames(c), "pass.example.com"));
    EXPECT_EQ(podOf(c, "pass.example.com"), "tls-p");
  }
  {
    // The HTTPS listener gets the connection untouched (its own handshake).
    Client c(port, TlsOptions{.sni = "web.example.com"}, 5s);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(has(peerNames(c), "web.example.com"));
    EXPECT_EQ(podOf(c, "web.example.com"), "web");
  }
  Client none(port, TlsOptions{.sni = "other.example.com"}, 5s);
  EXPECT_FALSE(none.ok());
}

}  // namespace
}  // namespace portico::testing
