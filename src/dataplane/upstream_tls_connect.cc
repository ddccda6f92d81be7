// The upstream TLS handshake (UpstreamStream::handshake) and connection
// opening with the worker's accounting (upstream_tls_connect.h).
#include "dataplane/upstream_tls_connect.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {
namespace {

// ALPN wire format (RFC 7301 §3.1).
constexpr unsigned char kAlpnH2[] = {2, 'h', '2'};
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

void countFailure(Worker& w, const ir::Cluster& cluster, const ConnectFailure& why, std::string& failure) {
  if (!why.tls.empty()) {
    countTlsError(w, cluster.name, why.tls);
    failure = "tls:" + why.tls;
  } else {
    w.countConnectError(cluster.name);
  }
}

}  // namespace

awaitable<std::string> UpstreamStream::handshake(const UpstreamTarget& target,
                                                 std::chrono::milliseconds timeout) {
  SSL* ssl = SSL_new(target.tls->ctx.get());
  if (!ssl) {
    ERR_clear_error();
    co_return "handshake";
  }
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(sock_, ssl);  // owns `ssl` from here
  // GEP-1897: the policy's hostname is the SNI (RFC 6066 §3).
  SSL_set_tlsext_host_name(ssl, target.tls->settings.sni.c_str());
  if (target.h2) {
    SSL_set_alpn_protos(ssl, kAlpnH2, sizeof kAlpnH2);
  } else {
    SSL_set_alpn_protos(ssl, kAlpnHttp11, sizeof kAlpnHttp11);
  }
  // The Gateway's backend client certificate: OpenSSL sends it only when
  // the backend asks (CertificateRequest).
  if (target.cert) {
    SSL_use_certificate(ssl, target.cert->leaf.get());
    SSL_use_PrivateKey(ssl, target.cert->key.get());
    for (const auto& x : target.cert->chain) SSL_add1_chain_cert(ssl, x.get());
  }
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(sock_.get_executor(), timeout);
  auto r =
      co_await (tls_->async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable)) ||
                timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  std::string reason;
  if (r.index() == 1) {
    reason = "timeout";
  } else if (std::get<0>(std::get<0>(r))) {
    const long verify = SSL_get_verify_result(ssl);
    reason = verify != X509_V_OK ? verifyFailureReason(verify) : "handshake";
  } else if (target.h2) {
    // An HTTP/2 backend over TLS must have selected h2 (RFC 9113 §3.2);
    // anything else would read the connection preface as garbage.
    const unsigned char* alpn = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &len);
    if (len != 2 || std::memcmp(alpn, "h2", 2) != 0) reason = "alpn";
  }
  ERR_clear_error();
  if (!reason.empty()) {
    boost::system::error_code ignore;
    sock_.close(ignore);
  }
  co_return reason;
}

UpstreamTarget upstreamTargetFor(Worker& w, const Runtime* rt, const ir::Cluster& cluster,
                                 const ir::Listener* listener, bool h2) {
  const Runtime* in = rt ? rt : w.runtime.get();
  return upstreamTarget(in ? in->upstreamTls : nullptr, cluster, listener, h2);
}

void countTlsError(Worker& w, const std::string& cluster, const std::string& reason) {
  ++w.labelled.tlsErrors[{cluster, reason}];
}

awaitable<std::unique_ptr<UpstreamConnection>> openUpstream(Worker& w, const ir::Cluster& cluster,
                                                            const ir::Endpoint& ep,
                                                            const UpstreamTarget& target,
                                                            std::string& failure) {
  ConnectFailure why;
  auto up = co_await w.pool.connect(ep.address, ep.port, target, w.options().upstreamConnectTimeout, why);
  if (!up) {
    countFailure(w, cluster, why, failure);
    co_return nullptr;
  }
  failure.clear();
  if (why.handshaken) ++w.labelled.tlsHandshakes[cluster.name];
  co_return up;
}

awaitable<std::shared_ptr<H2ClientConnection>> acquireUpstreamH2(Worker& w, const ir::Cluster& cluster,
                                                                 const ir::Endpoint& ep,
                                                                 const UpstreamTarget& target,
                                                                 std::string& failure) {
  ConnectFailure why;
  auto conn = co_await w.h2pool.acquire(ep.address, ep.port, target, w.options().upstreamConnectTimeout, why);
  if (!conn) {
    countFailure(w, cluster, why, failure);
    co_return nullptr;
  }
  failure.clear();
  if (why.handshaken) ++w.labelled.tlsHandshakes[cluster.name];
  co_return conn;
}

}  // namespace portico::dataplane
