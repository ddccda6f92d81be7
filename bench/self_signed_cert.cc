#include "self_signed_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace portico::bench {
namespace {

struct OpenSslDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, OpenSslDeleter>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

KeyPairPem makeSelfSignedCert(const std::vector<std::string>& dnsNames) {
  check(!dnsNames.empty(), "certificate without names");
  Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");

  Owned<X509> cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(dnsNames.front().c_str()), -1, -1,
                                   0) == 1,
        "subject CN");
  check(X509_set_issuer_name(cert.get(), subject) == 1, "issuer");
  check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

  std::string san;
  for (const auto& n : dnsNames) san += (san.empty() ? "DNS:" : ",DNS:") + n;
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str()));
  check(ext != nullptr, "subjectAltName");
  check(X509_add_ext(cert.get(), ext.get(), -1) == 1, "X509_add_ext");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  KeyPairPem out;
  Owned<BIO> certBio(BIO_new(BIO_s_mem()));
  check(certBio && PEM_write_bio_X509(certBio.get(), cert.get()) == 1, "PEM_write_bio_X509");
  out.certPem = drain(certBio.get());
  Owned<BIO> keyBio(BIO_new(BIO_s_mem()));
  check(
      keyBio && PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
      "PEM_write_bio_PrivateKey");
  out.keyPem = drain(keyBio.get());
  return out;
}

std::string base64(const std::string& bytes) {
  // EVP_EncodeBlock writes 4 characters per 3 input bytes plus a NUL.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace portico::bench
