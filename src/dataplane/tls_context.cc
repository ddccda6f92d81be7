#include "dataplane/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <string_view>

namespace portico::dataplane {
namespace {

std::string lastError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (!e) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

bool loadCertificate(SSL_CTX* ctx, const ir::Certificate& c, std::string& error) {
  BIO* bio = BIO_new_mem_buf(c.certPem.data(), static_cast<int>(c.certPem.size()));
  X509* leaf = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  bool ok = leaf && SSL_CTX_use_certificate(ctx, leaf) == 1;
  X509_free(leaf);
  // The rest of the PEM is the chain, sent after the leaf.
  while (ok) {
    X509* extra = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (!extra) break;
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      ok = false;
    }
  }
  BIO_free(bio);
  ERR_clear_error();  // the chain loop ends on a "no start line" error
  if (!ok) {
    error = "certificate of " + c.secret + " rejected: " + lastError();
    return false;
  }
  BIO* kbio = BIO_new_mem_buf(c.keyPem.data(), static_cast<int>(c.keyPem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kbio, nullptr, nullptr, nullptr);
  BIO_free(kbio);
  ok = key && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  if (!ok) error = "key of " + c.secret + " rejected: " + lastError();
  return ok;
}

// Gateway.spec.tls.frontend validation (GatewayFrontendClientCertificateValidation):
// ask every client for a certificate and verify it against the
// listener's CAs. AllowValidOnly refuses the handshake without a valid
// one; AllowInsecureFallback still asks (the client may present one) but
// lets any answer through (the Gateway reports the mode in its
// InsecureFrontendValidationMode condition).
int acceptAnyClientCertificate(int, X509_STORE_CTX*) { return 1; }

bool applyClientValidation(SSL_CTX* ctx, const ir::ClientValidation& v, std::string& error) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  for (const auto& pem : v.caPem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    while (X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, ca);
      sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca)));
      X509_free(ca);
    }
    BIO_free(bio);
  }
  ERR_clear_error();  // each bundle ends on a "no start line" error
  if (sk_X509_NAME_num(names) == 0) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    error = "no CA certificate for client-certificate validation could be read";
    return false;
  }
  // The CertificateRequest lists the acceptable CAs (RFC 8446 §4.2.4), so
  // clients with several certificates pick the right one.
  SSL_CTX_set_client_CA_list(ctx, names);
  if (v.insecureFallback) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, acceptAnyClientCertificate);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return true;
}

// SSL_set_SSL_CTX moves the certificate and session context to the
// chosen listener's context but not its verification settings, which the
// SSL object copied from the bind's entry context when it was created:
// take them over, or a listener's client-certificate validation would
// depend on which context the connection started with.
void adoptContext(SSL* ssl, SSL_CTX* target) {
  SSL_set_SSL_CTX(ssl, target);
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(target), SSL_CTX_get_verify_callback(target));
  if (STACK_OF(X509_NAME)* names = SSL_CTX_get_client_CA_list(target); names && sk_X509_NAME_num(names) > 0) {
    SSL_set_client_CA_list(ssl, SSL_dup_CA_list(names));
  }
}

// ALPN (RFC 7301): h2 when the client offers it, else http/1.1 (the
// server's preference, RFC 9113 §3.2); a client offering nothing we speak
// continues without ALPN.
bool offered(const unsigned char* in, unsigned int inlen, std::string_view proto, const unsigned char** at) {
  for (unsigned int i = 0; i < inlen;) {
    unsigned int len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == proto.size() && std::memcmp(in + i + 1, proto.data(), len) == 0) {
      *at = in + i + 1;
      return true;
    }
    i += 1 + len;
  }
  return false;
}

int selectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  for (std::string_view proto : {std::string_view("h2"), std::string_view("http/1.1")}) {
    if (offered(in, inlen, proto, out)) {
      *outlen = static_cast<unsigned char>(proto.size());
      return SSL_TLSEXT_ERR_OK;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// The context of the listener for the server name `name` (empty: none
// sent), the catch-all's for names no listener has, or null: then the
// handshake is refused rather than present a certificate for another
// hostname.
SSL_CTX* contextFor(const BindRuntime& bind, std::string_view name) {
  if (!name.empty()) {
    if (const ir::Listener* l = bind.router->listenerForSni(name)) {
      auto it = bind.listenerCtx.find(l);
      if (it != bind.listenerCtx.end()) return it->second.get();
    }
  }
  return bind.fallback;
}

// The host_name entry of a ClientHello's server_name extension (RFC 6066
// §3), empty when there is none. OpenSSL validates the extension later
// and fails the handshake if it is malformed.
std::string_view clientHelloServerName(SSL* ssl) {
  const unsigned char* p = nullptr;
  size_t len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) != 1 || len < 2) return {};
  const size_t listLen = (static_cast<size_t>(p[0]) << 8) | p[1];
  if (listLen + 2 != len) return {};
  p += 2;
  len -= 2;
  while (len >= 3) {
    const size_t n = (static_cast<size_t>(p[1]) << 8) | p[2];
    if (n + 3 > len) return {};
    if (p[0] == TLSEXT_NAMETYPE_host_name) return {reinterpret_cast<const char*>(p + 3), n};
    p += 3 + n;
    len -= 3 + n;
  }
  return {};
}

// Picks the listener's context at the start of the ClientHello, before
// OpenSSL looks for a session to resume: the session ID context checked
// on resumption is then the chosen listener's, so a session (or ticket)
// of one listener never resumes on another. (The servername callback runs
// only after the session lookup, against the first context's ID.)
int onClientHello(SSL* ssl, int* alert, void* arg) {
  const auto* bind = static_cast<const BindRuntime*>(arg);
  SSL_CTX* target = contextFor(*bind, clientHelloServerName(ssl));
  if (!target) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  if (target != SSL_get_SSL_CTX(ssl)) adoptContext(ssl, target);
  return SSL_CLIENT_HELLO_SUCCESS;
}

// Acknowledges the server name; the context was chosen by onClientHello
// from the same name, so this normally changes nothing.
int onServerName(SSL* ssl, int* alert, void* arg) {
  const auto* bind = static_cast<const BindRuntime*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  SSL_CTX* target = contextFor(*bind, name ? std::string_view(name) : std::string_view());
  if (!target) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  if (target != SSL_get_SSL_CTX(ssl)) adoptContext(ssl, target);
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

SslCtxPtr makeServerContext(const ir::Listener& listener, std::string& error, bool httpAlpn) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    error = lastError();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  // Session resumption: tickets (default on) and a server-side cache keyed
  // by the listener, so a session never resumes on another listener.
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_SERVER);
  const std::string sid = listener.gatewayNamespace + "/" + listener.gatewayName + "/" + listener.name;
  SSL_CTX_set_session_id_context(
      ctx.get(), reinterpret_cast<const unsigned char*>(sid.data()),
      static_cast<unsigned int>(std::min<size_t>(sid.size(), SSL_MAX_SID_CTX_LENGTH)));
  if (httpAlpn) SSL_CTX_set_alpn_select_cb(ctx.get(), selectAlpn, nullptr);
  if (listener.certificates.empty()) {
    error = "no certificate";
    return nullptr;
  }
  for (const auto& c : listener.certificates) {
    if (!loadCertificate(ctx.get(), c, error)) return nullptr;
  }
  if (listener.clientValidation && !applyClientValidation(ctx.get(), *listener.clientValidation, error)) {
    return nullptr;
  }
  return ctx;
}

void installSniSelector(SSL_CTX* ctx, const BindRuntime* bind) {
  SSL_CTX_set_client_hello_cb(ctx, onClientHello, const_cast<BindRuntime*>(bind));
  SSL_CTX_set_tlsext_servername_callback(ctx, onServerName);
  SSL_CTX_set_tlsext_servername_arg(ctx, const_cast<BindRuntime*>(bind));
}

bool alpnIsH2(SSL* ssl) {
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &proto, &len);
  return len == 2 && proto[0] == 'h' && proto[1] == '2';
}

const ir::Listener* listenerOf(SSL* ssl, const BindRuntime& bind) {
  SSL_CTX* ctx = SSL_get_SSL_CTX(ssl);
  for (const auto& [l, c] : bind.listenerCtx) {
    if (c.get() == ctx) return l;
  }
  return nullptr;
}

}  // namespace portico::dataplane
