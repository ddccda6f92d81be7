// TLS from Portico to backends (BackendTLSPolicy, GEP-1897; the Gateway's
// backend client certificate, spec.tls.backend.clientCertificateRef):
// the client SSL_CTX of every cluster with a policy and the parsed client
// certificate of every listener with one, built with the runtime (never on
// the request path), and what one new connection must be (UpstreamTarget).
// The handshake itself is UpstreamStream::handshake (upstream_pool.h).
// No Asio here: runtime.h includes it.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/ir.h"

namespace portico::dataplane {

struct SslCtxDelete {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct X509Delete {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDelete {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// One cluster's BackendTLSPolicy as the data plane uses it.
struct ClusterTls {
  const ir::Cluster* cluster = nullptr;        // in the runtime's config: a cheap identity check
  ir::BackendTLS settings;                     // a copy, compared when the cluster is another config's
  std::unique_ptr<SSL_CTX, SslCtxDelete> ctx;  // null: never connect (invalid policy or CA refused)
  std::string id;                              // digest of the settings, part of pool keys
  std::string error;                           // why ctx is null
};

// A listener's backend client certificate, presented when a backend asks.
struct ClientCert {
  std::unique_ptr<X509, X509Delete> leaf;
  std::vector<std::unique_ptr<X509, X509Delete>> chain;
  std::unique_ptr<EVP_PKEY, PkeyDelete> key;
  std::string id;  // digest of the certificate, part of pool keys
};

struct UpstreamTls {
  std::unordered_map<std::string, std::unique_ptr<ClusterTls>> clusters;  // by cluster name
  std::unordered_map<const ir::Listener*, std::unique_ptr<ClientCert>> clientCerts;

  // The settings for `c`: null when `c` has no policy. When `c` belongs
  // to another config (a request that started before a reload, served
  // through the worker's current runtime) the settings must be equal.
  const ClusterTls* find(const ir::Cluster& c) const;
  const ClientCert* clientCert(const ir::Listener* l) const;
};

// Contexts for every cluster with a BackendTLSPolicy and certificates for
// every listener with a backend client certificate; problems OpenSSL
// finds go to `errors` (those clusters then fail closed).
std::shared_ptr<const UpstreamTls> buildUpstreamTls(const ir::Config& config,
                                                    std::vector<std::string>& errors);

// The answer to a request for a Service whose BackendTLSPolicy cannot be
// used (its CA references are invalid): GEP-1897 asks for a 5xx without
// connecting; 503, as for a backend that fails verification, says "this
// backend is unavailable" to clients and retry logic alike (issue 6,
// docs/spec-decisions.md).
inline constexpr int kUnusableTlsPolicyStatus = 503;

// What a new connection to an endpoint of a cluster must be. Plaintext
// when `tls` is null and `refuse` is false.
struct UpstreamTarget {
  std::shared_ptr<const UpstreamTls> owner;  // keeps the contexts alive (detached mirrors)
  const ClusterTls* tls = nullptr;
  const ClientCert* cert = nullptr;
  bool h2 = false;      // ALPN h2 offered and required; otherwise http/1.1 offered
  bool refuse = false;  // the cluster has a policy but no usable context: never connect
  std::string poolId;   // "" for plaintext; the TLS identity otherwise (pool keys)
};

// `upstreamTls` may be null (a runtime without it: plaintext clusters
// only; a cluster with a policy is then refused, never sent in clear).
UpstreamTarget upstreamTarget(const std::shared_ptr<const UpstreamTls>& upstreamTls,
                              const ir::Cluster& cluster, const ir::Listener* listener, bool h2);

// The reason label of a failed verification (X509_V_ERR_*):
// expired, not_yet_valid, unknown_ca, name_mismatch, invalid_certificate.
const char* verifyFailureReason(long verifyResult);

}  // namespace portico::dataplane
