#include "echo/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <memory>
#include <string_view>

namespace portico::echo {
namespace {

std::string opensslError(const std::string& what) {
  std::string out = what;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += ": ";
    out += buf;
  }
  return out;
}

int selectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void* arg) {
  const auto* ours = static_cast<const std::string_view*>(arg);  // wire format
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, reinterpret_cast<const unsigned char*>(ours->data()),
                            static_cast<unsigned int>(ours->size()), in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;  // nothing in common: the handshake goes on without ALPN
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

std::string pem(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

std::string configureServerContext(SSL_CTX* ctx, const std::string& certFile, const std::string& keyFile,
                                   const std::string& clientCaFile, Alpn alpn) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, certFile.c_str()) != 1)
    return opensslError("cannot load certificate " + certFile);
  if (SSL_CTX_use_PrivateKey_file(ctx, keyFile.c_str(), SSL_FILETYPE_PEM) != 1)
    return opensslError("cannot load private key " + keyFile);
  if (SSL_CTX_check_private_key(ctx) != 1) return opensslError("key does not match certificate");
  static constexpr std::string_view kHttp{"\x02h2\x08http/1.1", 12};
  static constexpr std::string_view kGrpc{"\x02h2", 3};
  if (alpn != Alpn::kNone) {
    SSL_CTX_set_alpn_select_cb(ctx, selectAlpn,
                               const_cast<std::string_view*>(alpn == Alpn::kGrpc ? &kGrpc : &kHttp));
  }
  if (!clientCaFile.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, clientCaFile.c_str(), nullptr) != 1)
      return opensslError("cannot load client CA " + clientCaFile);
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(clientCaFile.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx, names);
    // Go's VerifyClientCertIfGiven: ask, verify what comes, allow none.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  return {};
}

TlsInfo describeTls(SSL* ssl) {
  TlsInfo info;
  info.version = SSL_get_version(ssl);
  if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) info.serverName = sni;
  const unsigned char* alpn = nullptr;
  unsigned int alpnLen = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpnLen);
  if (alpn != nullptr) info.negotiatedProtocol.assign(reinterpret_cast<const char*>(alpn), alpnLen);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
    if (const char* name = SSL_CIPHER_standard_name(cipher)) info.cipherSuite = name;
  }
  // Server side: the chain does not include the leaf, which comes first.
  if (X509* leaf = SSL_get1_peer_certificate(ssl)) {
    info.peerCertificates.push_back(pem(leaf));
    X509_free(leaf);
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
      for (int i = 0; i < sk_X509_num(chain); ++i)
        info.peerCertificates.push_back(pem(sk_X509_value(chain, i)));
    }
  }
  return info;
}

}  // namespace portico::echo
