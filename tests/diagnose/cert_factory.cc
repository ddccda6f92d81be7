#include "diagnose/cert_factory.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "support/test_support.h"

namespace portico::testing {
namespace {

std::string pem(auto writer) {
  BIO* bio = BIO_new(BIO_s_mem());
  writer(bio);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

X509* makeCert(EVP_PKEY* key, const std::string& cn, const std::vector<std::string>& names, int fromDays,
               int toDays, X509* issuer, EVP_PKEY* issuerKey) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), static_cast<long>(fromDays) * 86400);
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(toDays) * 86400);
  X509_set_pubkey(x, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
  if (!names.empty()) {
    std::string san;
    for (const auto& d : names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, issuerKey ? issuerKey : key, EVP_sha256());
  return x;
}

}  // namespace

std::string certSecretYaml(const CertSecretSpec& s) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  EVP_PKEY* caKey = s.caIssued ? EVP_EC_gen("P-256") : nullptr;
  X509* ca =
      s.caIssued ? makeCert(caKey, "Portico Test Intermediate CA", {}, -10, 3650, nullptr, nullptr) : nullptr;
  X509* leaf = makeCert(key, s.names.empty() ? "portico-test" : s.names[0], s.names, s.notBeforeDays,
                        s.notAfterDays, ca, caKey);
  std::string certPem =
      s.garbage ? std::string("not a certificate\n") : pem([&](BIO* b) { PEM_write_bio_X509(b, leaf); });
  EVP_PKEY* other = s.wrongKey ? EVP_EC_gen("P-256") : nullptr;
  std::string keyPem = pem([&](BIO* b) {
    PEM_write_bio_PrivateKey(b, other ? other : key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  X509_free(leaf);
  if (ca) X509_free(ca);
  EVP_PKEY_free(key);
  if (caKey) EVP_PKEY_free(caKey);
  if (other) EVP_PKEY_free(other);
  return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + s.name + ", namespace: " + s.namespace_ +
         "}\ntype: " + s.type + "\ndata:\n  tls.crt: " + base64(certPem) + "\n  tls.key: " + base64(keyPem) +
         "\n";
}

}  // namespace portico::testing
