#include "dataplane/upstream_tls.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>

namespace portico::dataplane {
namespace {

std::string opensslError() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// Short hex SHA-256 of `data`: equal settings give equal pool identities
// across reloads, so a reload that changes nothing keeps pooled connections.
std::string digest(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < std::min(n, 12u); ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

std::string settingsText(const ir::BackendTLS& t) {
  std::string s = t.sni + '\n' + (t.systemCAs ? "system\n" : "");
  for (const auto& ca : t.caPem) s += ca + '\n';
  for (const auto& san : t.subjectAltNames) s += san + '\n';
  return s;
}

bool sameSettings(const ir::BackendTLS& a, const ir::BackendTLS& b) {
  return a.invalid == b.invalid && a.sni == b.sni && a.caPem == b.caPem && a.systemCAs == b.systemCAs &&
         a.subjectAltNames == b.subjectAltNames;
}

// The peer presents at least one of the policy's subjectAltNames
// (GEP-1897: "at least one Subject Alternate Name matching one of the
// specified SubjectAltNames"): DNS names with the usual wildcard rules
// (RFC 6125 §6.4.3, no partial-label wildcards, never the subject CN), URIs
// exactly.
bool presentsOneOf(X509* cert, const std::vector<std::string>& wanted) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  bool found = false;
  for (const auto& w : wanted) {
    if (w.starts_with("DNS:")) {
      const std::string host = w.substr(4);
      if (X509_check_host(cert, host.data(), host.size(),
                          X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                          nullptr) == 1) {
        found = true;
        break;
      }
    }
    // URIs exactly; a DNS SAN written in the policy as a wildcard matches
    // the same wildcard in the certificate (X509_check_host does not).
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && !found; ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
      const ASN1_IA5STRING* s = nullptr;
      if (g->type == GEN_URI && w.starts_with("URI:")) s = g->d.uniformResourceIdentifier;
      if (g->type == GEN_DNS && w.starts_with("DNS:*.")) s = g->d.dNSName;
      if (!s) continue;
      const std::string_view v(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                               static_cast<size_t>(ASN1_STRING_length(s)));
      found = w.starts_with("URI:") ? v == std::string_view(w).substr(4)
                                    : v.size() == w.size() - 4 &&
                                          std::equal(v.begin(), v.end(), w.begin() + 4, [](char a, char b) {
                                            return std::tolower(static_cast<unsigned char>(a)) ==
                                                   std::tolower(static_cast<unsigned char>(b));
                                          });
    }
    if (found) break;
  }
  GENERAL_NAMES_free(names);
  return found;
}

// OpenSSL's verification, plus the subjectAltNames rule on the leaf; a
// mismatch is reported as a hostname mismatch (SSL_get_verify_result).
int verifyPeer(int ok, X509_STORE_CTX* store) {
  if (!ok || X509_STORE_CTX_get_error_depth(store) != 0) return ok;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* tls =
      ssl ? static_cast<const ClusterTls*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))) : nullptr;
  if (!tls || tls->settings.subjectAltNames.empty()) return ok;
  if (presentsOneOf(X509_STORE_CTX_get_current_cert(store), tls->settings.subjectAltNames)) return 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
  return 0;
}

// Every certificate of every CA bundle; false when none could be read.
bool addCAs(X509_STORE* store, const std::vector<std::string>& bundles, std::string& error) {
  size_t added = 0;
  for (const auto& pem : bundles) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      if (X509_STORE_add_cert(store, x) == 1) ++added;
      X509_free(x);
    }
    BIO_free(bio);
    ERR_clear_error();  // the end of the bundle reads as an error
  }
  if (added == 0) error = "no CA certificate could be loaded";
  return added > 0;
}

std::unique_ptr<ClusterTls> makeClusterTls(const ir::Cluster& c) {
  auto t = std::make_unique<ClusterTls>();
  t->cluster = &c;
  t->settings = *c.tls;
  t->id = digest(settingsText(t->settings));
  if (t->settings.invalid) {
    t->error = "BackendTLSPolicy " + t->settings.policy + " is not accepted (CA configuration)";
    return t;
  }
  std::unique_ptr<SSL_CTX, SslCtxDelete> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    t->error = opensslError();
    return t;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // No renegotiation: the peer's certificate is verified once, in the
  // handshake, while the runtime that owns the settings is pinned.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, verifyPeer);
  SSL_CTX_set_app_data(ctx.get(), t.get());
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx.get());
  if (t->settings.systemCAs) {
    if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
      t->error = "system CA store: " + opensslError();
      return t;
    }
  } else {
    // Any certificate of the bundle is a trust anchor (an intermediate
    // too), as the policy's owner chose it.
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    if (!addCAs(SSL_CTX_get_cert_store(ctx.get()), t->settings.caPem, t->error)) return t;
  }
  // GEP-1897: the hostname authenticates the backend unless
  // subjectAltNames are given (then only they do: verifyPeer).
  if (t->settings.subjectAltNames.empty()) {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, t->settings.sni.c_str(), t->settings.sni.size());
  }
  t->ctx = std::move(ctx);
  return t;
}

std::unique_ptr<ClientCert> makeClientCert(const ir::Certificate& c, std::string& error) {
  auto out = std::make_unique<ClientCert>();
  BIO* bio = BIO_new_mem_buf(c.certPem.data(), static_cast<int>(c.certPem.size()));
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    if (!out->leaf) {
      out->leaf.reset(x);
    } else {
      out->chain.emplace_back(x);
    }
  }
  BIO_free(bio);
  ERR_clear_error();
  bio = BIO_new_mem_buf(c.keyPem.data(), static_cast<int>(c.keyPem.size()));
  out->key.reset(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (!out->leaf || !out->key || X509_check_private_key(out->leaf.get(), out->key.get()) != 1) {
    error = "backend client certificate " + c.secret + ": " + opensslError();
    ERR_clear_error();
    return nullptr;
  }
  out->id = digest(c.certPem);
  return out;
}

}  // namespace

const ClusterTls* UpstreamTls::find(const ir::Cluster& c) const {
  auto it = clusters.find(c.name);
  if (it == clusters.end()) return nullptr;
  const ClusterTls& t = *it->second;
  if (t.cluster == &c || (c.tls && sameSettings(t.settings, *c.tls))) return &t;
  return nullptr;
}

const ClientCert* UpstreamTls::clientCert(const ir::Listener* l) const {
  if (!l) return nullptr;
  auto it = clientCerts.find(l);
  return it == clientCerts.end() ? nullptr : it->second.get();
}

std::shared_ptr<const UpstreamTls> buildUpstreamTls(const ir::Config& config,
                                                    std::vector<std::string>& errors) {
  auto out = std::make_shared<UpstreamTls>();
  for (const auto& [name, c] : config.clusters) {
    if (!c.tls) continue;
    auto t = makeClusterTls(c);
    if (!t->ctx && !t->settings.invalid) errors.push_back("backend " + name + ": " + t->error);
    out->clusters.emplace(name, std::move(t));
  }
  for (const auto& bind : config.binds) {
    for (const auto& l : bind.listeners) {
      if (!l.backendClientCertificate) continue;
      std::string error;
      if (auto cert = makeClientCert(*l.backendClientCertificate, error)) {
        out->clientCerts.emplace(&l, std::move(cert));
      } else {
        errors.push_back(l.gatewayNamespace + "/" + l.gatewayName + " listener " + l.name + ": " + error);
      }
    }
  }
  return out;
}

UpstreamTarget upstreamTarget(const std::shared_ptr<const UpstreamTls>& upstreamTls,
                              const ir::Cluster& cluster, const ir::Listener* listener, bool h2) {
  UpstreamTarget t;
  t.h2 = h2;
  if (!cluster.tls) return t;
  t.owner = upstreamTls;
  t.tls = upstreamTls ? upstreamTls->find(cluster) : nullptr;
  if (!t.tls || !t.tls->ctx) {
    t.refuse = true;
    return t;
  }
  t.cert = upstreamTls->clientCert(listener);
  t.poolId = "tls:" + t.tls->id + (t.cert ? ":" + t.cert->id : "") + (h2 ? ":h2" : "");
  return t;
}

const char* verifyFailureReason(long v) {
  switch (v) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "not_yet_valid";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "name_mismatch";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      return "unknown_ca";
    default:
      return "invalid_certificate";
  }
}

}  // namespace portico::dataplane
