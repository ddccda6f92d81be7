// Handshake probes (diagnose/tls_probe.h) and the served-certificates
// report: a certificate read off the wire is matched to the Secret the IR
// configures for the listener, or reported as a mismatch.
#include "diagnose/served_certificates.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "diagnose/tls_probe.h"
#include "support/test_support.h"

namespace portico::testing {
namespace {

// The tiny server may write (TLS 1.3 session tickets) to a client that has
// already closed; like every server, the test process ignores SIGPIPE.
const bool kNoSigpipe = (std::signal(SIGPIPE, SIG_IGN), true);

// A one-certificate TLS server on 127.0.0.1 that completes `handshakes`
// handshakes and stops. Records the SNI of each.
class TinyTlsServer {
 public:
  TinyTlsServer(const KeyPair& kp, int handshakes) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    BIO* cb = BIO_new_mem_buf(kp.certPem.data(), static_cast<int>(kp.certPem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO* kb = BIO_new_mem_buf(kp.keyPem.data(), static_cast<int>(kp.keyPem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 8);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, handshakes] {
      for (int i = 0; i < handshakes; ++i) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        SSL* ssl = SSL_new(ctx_);
        SSL_set_fd(ssl, c);
        // Bounded: a probe that never closes must not hang the test.
        timeval tv{5, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (SSL_accept(ssl) == 1) {
          const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
          snis_.push_back(name ? name : "");
          // Let the client close first. Closing with its last bytes unread
          // (a close_notify, say) makes the kernel answer with a RST, which
          // can throw away what the client had not read yet; with TLS 1.3
          // the client may also still be reading our session tickets.
          char buf[512];
          while (SSL_read(ssl, buf, sizeof buf) > 0) {
          }
        }
        SSL_free(ssl);
        ::close(c);
      }
    });
  }
  ~TinyTlsServer() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }
  // The SNI of each handshake, once all of them are done. A probe returning
  // does not mean the server side has finished (in TLS 1.3 the client is
  // done first), so this joins the server thread before reading.
  std::vector<std::string> waitForSnis() {
    if (thread_.joinable()) thread_.join();
    return snis_;
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  int port_ = 0;
  std::vector<std::string> snis_;
  std::thread thread_;
};

ir::Config configFor(int port, const std::vector<std::pair<std::string, KeyPair>>& secrets,
                     std::optional<std::string> hostname) {
  ir::Config c;
  ir::Bind b;
  b.address = "127.0.0.1";
  b.port = port;
  b.protocol = ir::Protocol::HTTPS;
  ir::Listener l;
  l.gatewayNamespace = "infra";
  l.gatewayName = "gw";
  l.name = "https";
  l.protocol = ir::Protocol::HTTPS;
  l.hostname = hostname;
  for (const auto& [secret, kp] : secrets) l.certificates.push_back({secret, kp.certPem, "", {}});
  b.listeners.push_back(l);
  c.binds.push_back(b);
  return c;
}

diagnose::ServedCertificatesOptions options() {
  diagnose::ServedCertificatesOptions o;
  o.dialAddress = [](const ir::Bind& b) { return b.address; };
  o.timeout = std::chrono::milliseconds(5000);
  o.now = std::time(nullptr);
  return o;
}

TEST(TlsProbe, ReadsTheChainAndTheNegotiatedVersion) {
  KeyPair kp = selfSigned({"shop.example.com"});
  TinyTlsServer server(kp, 1);
  auto r = diagnose::probeTls("127.0.0.1", server.port(), "shop.example.com", {}, std::chrono::seconds(5));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(diagnose::leafFingerprint(r.chainPem), diagnose::leafFingerprint(kp.certPem));
  EXPECT_FALSE(r.version.empty());
}

TEST(TlsProbe, RefusedPortIsAnError) {
  auto r = diagnose::probeTls("127.0.0.1", freePort(), "", {}, std::chrono::seconds(5));
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.error.empty());
}

TEST(ServedCertificates, ServedLeafMatchesTheConfiguredSecret) {
  KeyPair kp = selfSigned({"shop.example.com"});
  TinyTlsServer server(kp, 1);
  auto cfg = configFor(server.port(), {{"infra/shop", kp}}, "shop.example.com");
  auto j = nlohmann::json::parse(diagnose::renderServedCertificatesJson(cfg, options()));
  ASSERT_EQ(j["probes"].size(), 1u);
  const auto& p = j["probes"][0];
  EXPECT_EQ(p["result"], "ok");
  EXPECT_EQ(p["sni"], "shop.example.com");
  EXPECT_EQ(p["servedSecret"], "infra/shop");
  EXPECT_EQ(p["chain"][0]["dnsNames"][0], "shop.example.com");
}

TEST(ServedCertificates, AnotherCertificateOnTheWireIsAMismatch) {
  KeyPair configured = selfSigned({"shop.example.com"});
  KeyPair served = selfSigned({"old.example.com"});
  TinyTlsServer server(served, 1);
  auto cfg = configFor(server.port(), {{"infra/shop", configured}}, "*.example.com");
  const std::string text = diagnose::renderServedCertificatesText(cfg, options());
  EXPECT_NE(text.find("MISMATCH"), std::string::npos) << text;
  EXPECT_NE(text.find("infra/shop"), std::string::npos) << text;
  EXPECT_NE(text.find("old.example.com"), std::string::npos) << "the served names are shown: " << text;
  EXPECT_NE(text.find("SNI portico-probe.example.com"), std::string::npos)
      << "a wildcard gets a concrete name";
}

TEST(ServedCertificates, NoHostnameProbesEachCertificateNameAndNoSni) {
  KeyPair a = selfSigned({"a.example.com"});
  TinyTlsServer server(a, 2);
  auto cfg = configFor(server.port(), {{"infra/a", a}}, std::nullopt);
  cfg.binds[0].listeners[0].certificates[0].dnsNames = {
      "a.example.com"};  // the translator reads them off the PEM
  auto j = nlohmann::json::parse(diagnose::renderServedCertificatesJson(cfg, options()));
  ASSERT_EQ(j["probes"].size(), 2u);
  EXPECT_EQ(j["probes"][0]["sni"], "");
  EXPECT_EQ(j["probes"][1]["sni"], "a.example.com");
  EXPECT_EQ(server.waitForSnis().size(), 2u);
}

TEST(ServedCertificates, NothingListeningIsReportedAsFailed) {
  KeyPair kp = selfSigned({"shop.example.com"});
  auto cfg = configFor(freePort(), {{"infra/shop", kp}}, "shop.example.com");
  const std::string text = diagnose::renderServedCertificatesText(cfg, options());
  EXPECT_NE(text.find("FAILED"), std::string::npos) << text;
}

}  // namespace
}  // namespace portico::testing
