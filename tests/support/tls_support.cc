#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <random>

#include "support/test_support.h"

namespace portico::testing {
namespace {

void addExtension(X509* x, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
}

template <class Writer>
std::string toPem(Writer writer) {
  BIO* bio = BIO_new(BIO_s_mem());
  writer(bio);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

X509* readCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return x;
}

EVP_PKEY* readKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return k;
}

}  // namespace

KeyPair makeCert(const CertSpec& spec, const KeyPair* issuer) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(std::random_device{}() & 0x7fffffff) + 1);
  X509_gmtime_adj(X509_getm_notBefore(x), spec.notBeforeSeconds);
  X509_gmtime_adj(X509_getm_notAfter(x), spec.notAfterSeconds);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  const std::string cn = !spec.commonName.empty() ? spec.commonName
                         : spec.dnsNames.empty()  ? "portico-test"
                                                  : spec.dnsNames[0];
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                             -1, 0);

  X509* issuerCert = issuer ? readCert(issuer->certPem) : nullptr;
  EVP_PKEY* issuerKey = issuer ? readKey(issuer->keyPem) : nullptr;
  X509_set_issuer_name(x, issuerCert ? X509_get_subject_name(issuerCert) : name);
  X509* signerCert = issuerCert ? issuerCert : x;
  if (spec.isCa) {
    addExtension(x, signerCert, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(x, signerCert, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  }
  addExtension(x, signerCert, NID_subject_key_identifier, "hash");
  if (issuerCert) addExtension(x, signerCert, NID_authority_key_identifier, "keyid:always");
  std::string san;
  for (const auto& d : spec.dnsNames) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& u : spec.uris) san += (san.empty() ? "URI:" : ",URI:") + u;
  for (const auto& ip : spec.ips) san += (san.empty() ? "IP:" : ",IP:") + ip;
  if (!san.empty()) addExtension(x, signerCert, NID_subject_alt_name, san);
  X509_sign(x, issuerKey ? issuerKey : key, EVP_sha256());

  KeyPair kp;
  kp.certPem = toPem([&](BIO* b) { PEM_write_bio_X509(b, x); });
  kp.keyPem = toPem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  if (issuerCert) X509_free(issuerCert);
  if (issuerKey) EVP_PKEY_free(issuerKey);
  return kp;
}

KeyPair selfSigned(const std::vector<std::string>& dnsNames, int validDays) {
  CertSpec spec;
  spec.dnsNames = dnsNames;
  spec.notAfterSeconds = static_cast<long>(validDays) * 86400;
  return makeCert(spec);
}

KeyPair makeCa(const std::string& commonName, int validDays) {
  CertSpec spec;
  spec.commonName = commonName;
  spec.isCa = true;
  spec.notAfterSeconds = static_cast<long>(validDays) * 86400;
  return makeCert(spec);
}

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string tlsSecretYaml(const std::string& ns, const std::string& name, const KeyPair& kp) {
  return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + ", namespace: " + ns +
         "}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: " + base64(kp.certPem) +
         "\n  tls.key: " + base64(kp.keyPem) + "\n";
}

std::string caConfigMapYaml(const std::string& ns, const std::string& name, const std::string& caPem) {
  std::string indented;
  for (size_t i = 0; i < caPem.size();) {
    size_t nl = caPem.find('\n', i);
    if (nl == std::string::npos) nl = caPem.size();
    indented += "    " + caPem.substr(i, nl - i) + "\n";
    i = nl + 1;
  }
  return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: " + ns +
         "}\ndata:\n  ca.crt: |\n" + indented;
}

}  // namespace portico::testing
