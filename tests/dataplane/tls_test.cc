// HTTPS end to end: certificate choice by SNI among same-port listeners,
// routing and misdirected requests (spec §12.3), TLS versions, ALPN,
// listeners with an unusable Secret, session resumption.
#include <nlohmann/json.hpp>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;

bool hasName(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

std::string namesOf(const Client& c) {
  X509* cert = SSL_get1_peer_certificate(c.ssl());
  std::string out;
  for (const auto& n : certificateNames(cert)) out += n + " ";
  X509_free(cert);
  return out;
}

std::vector<std::string> peerNames(const Client& c) {
  X509* cert = SSL_get1_peer_certificate(c.ssl());
  auto names = certificateNames(cert);
  X509_free(cert);
  return names;
}

class TlsProxy : public ProxyTest {
 protected:
  void SetUp() override {
    echo = std::make_unique<Backend>("echo-tls");
    ASSERT_GT(echo->port, 0);
    port = freePort();
    strictPort = freePort();
    ASSERT_NE(port, strictPort);
    const KeyPair a = selfSigned({"a.example.com"});
    const KeyPair wild = selfSigned({"*.example.com"});
    const KeyPair any = selfSigned({"fallback.test"});
    const KeyPair good = selfSigned({"good.example.net"});
    // Well-formed PEM framing around garbage: the translator must refuse it.
    const KeyPair broken{"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
                         selfSigned({"bad.example.net"}).keyPem};
    const std::string p = std::to_string(port), s = std::to_string(strictPort);
    const std::string yaml =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\nspec: "
        "{controllerName: portico.dev/gateway-controller}\n---\napiVersion: "
        "gateway.networking.k8s.io/v1\nkind: "
        "Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: portico\n  listeners:\n"
        "  - {name: a, port: " +
        p +
        ", protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: cert-a}]}}\n"
        "  - {name: wild, port: " +
        p +
        ", protocol: HTTPS, hostname: '*.example.com', tls: {certificateRefs: [{name: cert-wild}]}}\n"
        "  - {name: any, port: " +
        p +
        ", protocol: HTTPS, tls: {certificateRefs: [{name: cert-any}]}}\n"
        "  - {name: good, port: " +
        s +
        ", protocol: HTTPS, hostname: good.example.net, tls: {certificateRefs: [{name: cert-good}]}}\n"
        "  - {name: bad, port: " +
        s +
        ", protocol: HTTPS, hostname: bad.example.net, tls: {certificateRefs: [{name: cert-bad}]}}\n"
        "---\n" +
        tlsSecretYaml("default", "cert-a", a) + "---\n" + tlsSecretYaml("default", "cert-wild", wild) +
        "---\n" + tlsSecretYaml("default", "cert-any", any) + "---\n" +
        tlsSecretYaml("default", "cert-good", good) + "---\n" + tlsSecretYaml("default", "cert-bad", broken) +
        serviceYaml("echo-tls", echo->port) +
        routeYaml("web", "", "  - backendRefs: [{name: echo-tls, port: 80}]\n");
    auto binds = serve(yaml);
    ASSERT_EQ(binds.size(), 2u);
    for (const auto& b : binds) ASSERT_TRUE(b.ok) << b.port << ": " << b.error;
  }

  // GET over a fresh TLS connection; nullopt when the handshake or the
  // exchange fails.
  std::optional<HttpResponse> fetch(int onPort, const std::string& sni, const std::string& host,
                                    const std::string& path = "/") {
    Client c(onPort, TlsOptions{sni});
    if (!c.ok() || !c.send(get(host, path))) return std::nullopt;
    return c.read();
  }

  std::unique_ptr<Backend> echo;
  int port = 0;
  int strictPort = 0;
};

TEST_F(TlsProxy, CertificateIsChosenBySni) {
  struct Case {
    std::string sni, expected, notExpected;
  };
  for (const Case& k : {Case{"a.example.com", "a.example.com", "*.example.com"},
                        Case{"b.example.com", "*.example.com", "a.example.com"},
                        Case{"A.Example.COM", "a.example.com", "*.example.com"},
                        Case{"other.org", "fallback.test", "*.example.com"}}) {
    Client c(port, TlsOptions{k.sni});
    ASSERT_TRUE(c.ok()) << k.sni;
    auto names = peerNames(c);
    EXPECT_TRUE(hasName(names, k.expected)) << k.sni << " got " << namesOf(c);
    EXPECT_TRUE(hasName(names, "CN=" + k.expected)) << k.sni << " got " << namesOf(c);
    EXPECT_FALSE(hasName(names, k.notExpected)) << k.sni << " got " << namesOf(c);
  }
  // No SNI at all: the catch-all listener.
  Client none(port, TlsOptions{});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(hasName(peerNames(none), "fallback.test")) << namesOf(none);
}

TEST_F(TlsProxy, EveryListenerRoutes) {
  for (const auto& [sni, host] :
       std::vector<std::pair<std::string, std::string>>{{"a.example.com", "a.example.com"},
                                                        {"b.example.com", "b.example.com"},
                                                        {"other.org", "other.org"},
                                                        {"", "no-sni.test"},
                                                        {"good.example.net", "good.example.net"}}) {
    auto r = fetch(sni == "good.example.net" ? strictPort : port, sni, host, "/x");
    ASSERT_TRUE(r) << sni;
    ASSERT_EQ(r->status, 200) << sni << ": " << r->body;
    auto j = nlohmann::json::parse(r->body);
    EXPECT_EQ(j["pod"], "echo-tls");
    EXPECT_EQ(j["host"], host);
    EXPECT_EQ(j["headers"]["X-Forwarded-Proto"][0], "https");
  }
}

TEST_F(TlsProxy, HostOfAnotherListenerIsMisdirected) {
  // §12.3: the Host picks a different listener than the SNI did -> 421.
  EXPECT_EQ(fetch(port, "b.example.com", "a.example.com")->status, 421) << "more specific listener for Host";
  EXPECT_EQ(fetch(port, "a.example.com", "b.example.com")->status, 421) << "SNI listener does not match Host";
  EXPECT_EQ(fetch(port, "other.org", "a.example.com")->status, 421) << "catch-all SNI, specific Host";
  EXPECT_EQ(fetch(port, "a.example.com", "elsewhere.org")->status, 421) << "Host only on the catch-all";
  // Port included in Host, case-insensitive: same listener.
  EXPECT_EQ(fetch(port, "a.example.com", "A.example.com:" + std::to_string(port))->status, 200);
  // No listener for the Host at all -> 404 (the strict port has no catch-all).
  EXPECT_EQ(fetch(strictPort, "good.example.net", "nothing.example.org")->status, 404);

  // The connection survives a 421: the next request on it routes normally.
  Client c(port, TlsOptions{"b.example.com"});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(get("a.example.com", "/") + get("b.example.com", "/")));
  auto first = c.read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 421);
  auto second = c.read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
}

TEST_F(TlsProxy, NegotiatesTls12AndTls13) {
  for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    TlsOptions o{"a.example.com"};
    o.minVersion = v;
    o.maxVersion = v;
    Client c(port, o);
    ASSERT_TRUE(c.ok()) << v;
    EXPECT_EQ(SSL_version(c.ssl()), v);
    EXPECT_TRUE(hasName(peerNames(c), "a.example.com"));
    ASSERT_TRUE(c.send(get("a.example.com", "/v")));
    auto r = c.read();
    ASSERT_TRUE(r) << v;
    EXPECT_EQ(r->status, 200);
  }
  // Below TLS 1.2 is refused.
  TlsOptions old{"a.example.com"};
  old.minVersion = TLS1_VERSION;
  old.maxVersion = TLS1_1_VERSION;
  Client c(port, old);
  EXPECT_FALSE(c.ok());
}

TEST_F(TlsProxy, AlpnPrefersH2ThenHttp11) {
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  // Both offered: the server's preference, h2 (served by h2_test.cc's cases).
  TlsOptions both{"b.example.com"};
  both.alpn = {"http/1.1", "h2"};
  Client b(port, both);
  ASSERT_TRUE(b.ok());
  SSL_get0_alpn_selected(b.ssl(), &proto, &len);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(proto), len), "h2");

  TlsOptions o{"b.example.com"};
  o.alpn = {"http/1.1"};
  Client c(port, o);
  ASSERT_TRUE(c.ok());
  SSL_get0_alpn_selected(c.ssl(), &proto, &len);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(proto), len), "http/1.1");
  ASSERT_TRUE(c.send(get("b.example.com", "/")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  // Nothing we speak offered: the handshake goes on without ALPN.
  TlsOptions other{"b.example.com"};
  other.alpn = {"spdy/3"};
  Client d(port, other);
  ASSERT_TRUE(d.ok());
  SSL_get0_alpn_selected(d.ssl(), &proto, &len);
  EXPECT_EQ(len, 0u);
}

TEST_F(TlsProxy, ListenerWithMalformedSecretIsNotServed) {
  // bad.example.net has no valid certificate and the port has no
  // catch-all: the handshake must fail rather than present good's.
  Client bad(strictPort, TlsOptions{"bad.example.net"});
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(bad.handshakeFailed());
  Client unknown(strictPort, TlsOptions{"unknown.example.net"});
  EXPECT_FALSE(unknown.ok());
  Client none(strictPort, TlsOptions{});
  EXPECT_FALSE(none.ok()) << "no SNI and no catch-all listener";
  // The valid listener beside it is unaffected.
  Client good(strictPort, TlsOptions{"good.example.net"});
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(hasName(peerNames(good), "good.example.net"));
  // A Host for the unserved listener over the good one's connection: no
  // listener serves that Host -> 404, never good's routes.
  ASSERT_TRUE(good.send(get("bad.example.net", "/")));
  auto r = good.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

// A fresh connection with `o`, one request, and the session it ended
// with (tickets of TLS 1.3 arrive after the handshake).
SessionPtr sessionAfterOneRequest(int port, const TlsOptions& o, bool& reused) {
  Client c(port, o);
  if (!c.ok()) return nullptr;
  reused = SSL_session_reused(c.ssl()) == 1;
  if (!c.send(get(o.sni.empty() ? "no-sni.test" : o.sni, "/"))) return nullptr;
  auto r = c.read();
  if (!r || r->status != 200) return nullptr;
  return SessionPtr(SSL_get1_session(c.ssl()));
}

TEST_F(TlsProxy, SessionsAreResumed) {
  for (bool noTickets : {false, true}) {
    for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
      for (const std::string sni : {"a.example.com", "b.example.com", "other.org"}) {
        SCOPED_TRACE(sni + (v == TLS1_3_VERSION ? " TLS1.3" : " TLS1.2") +
                     (noTickets ? " session IDs" : " tickets"));
        TlsOptions o{sni};
        o.minVersion = v;
        o.maxVersion = v;
        o.noTickets = noTickets;
        bool reused = true;
        SessionPtr first = sessionAfterOneRequest(port, o, reused);
        ASSERT_TRUE(first);
        EXPECT_FALSE(reused);
        ASSERT_TRUE(SSL_SESSION_is_resumable(first.get()));
        o.resume = first.get();
        SessionPtr second = sessionAfterOneRequest(port, o, reused);
        ASSERT_TRUE(second);
        EXPECT_TRUE(reused) << "second connection did not resume the session";
      }
    }
  }
}

TEST_F(TlsProxy, SessionOfOneListenerDoesNotResumeOnAnother) {
  // The client offers a.example.com's session with SNI b.example.com: the
  // server must not resume it (RFC 6066 §3), nor present a's certificate.
  for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    for (bool noTickets : {false, true}) {
      SCOPED_TRACE(std::string(v == TLS1_3_VERSION ? "TLS1.3" : "TLS1.2") +
                   (noTickets ? " session IDs" : " tickets"));
      TlsOptions o{"a.example.com"};
      o.minVersion = v;
      o.maxVersion = v;
      o.noTickets = noTickets;
      bool reused = true;
      SessionPtr session = sessionAfterOneRequest(port, o, reused);
      ASSERT_TRUE(session);
      TlsOptions other = o;
      other.sni = "b.example.com";
      other.resume = session.get();
      Client second(port, other);
      ASSERT_TRUE(second.ok());
      EXPECT_FALSE(SSL_session_reused(second.ssl()));
      EXPECT_TRUE(hasName(peerNames(second), "*.example.com")) << namesOf(second);
      ASSERT_TRUE(second.send(get("b.example.com", "/")));
      auto r = second.read();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
    }
  }
}

}  // namespace
}  // namespace portico::testing
