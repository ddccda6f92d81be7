// The test API server's TLS certificate, made with OpenSSL (see
// fake_apiserver_cert.h).
#include "kube/fake_apiserver_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <random>
#include <stdexcept>
#include <string>

namespace portico::testing::fakeapi {

KeyPair makeServerCert(const KeyPair& ca) {
  auto readCert = [](const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return x;
  };
  auto readKey = [](const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return k;
  };
  auto toPem = [](auto writer) {
    BIO* bio = BIO_new(BIO_s_mem());
    writer(bio);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
  };
  X509* caCert = readCert(ca.certPem);
  EVP_PKEY* caKey = readKey(ca.keyPem);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  if (!caCert || !caKey || !key || !x) throw std::runtime_error("fake apiserver: cannot make certificates");
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(std::random_device{}() & 0x7fffffff) + 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
  X509_set_pubkey(x, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("kube-apiserver"), -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(caCert));
  auto ext = [&](int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, caCert, x, nullptr, nullptr, 0);
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  };
  ext(NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  ext(NID_key_usage, "critical,digitalSignature,keyEncipherment");
  ext(NID_ext_key_usage, "serverAuth");
  ext(NID_subject_key_identifier, "hash");
  ext(NID_authority_key_identifier, "keyid:always");
  X509_sign(x, caKey, EVP_sha256());
  KeyPair kp;
  kp.certPem = toPem([&](BIO* b) { PEM_write_bio_X509(b, x); });
  kp.keyPem = toPem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  X509_free(caCert);
  EVP_PKEY_free(caKey);
  return kp;
}

}  // namespace portico::testing::fakeapi
