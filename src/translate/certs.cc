#include "translate/certs.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "translate/context.h"

namespace portico::translate {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr memBio(const std::string& s) { return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size()))); }

std::string timeString(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::vector<std::string> dnsNamesOf(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
      if (n->type == GEN_DNS) {
        const ASN1_STRING* s = n->d.dNSName;
        out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
      }
    }
    GENERAL_NAMES_free(names);
  }
  if (out.empty()) {
    // Legacy certificates carry the name only in the subject CN.
    X509_NAME* subject = X509_get_subject_name(cert);
    int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx >= 0) {
      const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    }
  }
  return out;
}

ParsedCertificate parseKeyPair(const std::string& certPem, const std::string& keyPem) {
  ParsedCertificate out;
  ERR_clear_error();
  if (certPem.empty()) {
    out.error = "tls.crt is empty";
    return out;
  }
  if (keyPem.empty()) {
    out.error = "tls.key is empty";
    return out;
  }
  auto cbio = memBio(certPem);
  X509Ptr leaf(PEM_read_bio_X509(cbio.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    out.error = "tls.crt is not a PEM certificate";
    ERR_clear_error();
    return out;
  }
  auto kbio = memBio(keyPem);
  PkeyPtr key(PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    out.error = "tls.key is not a PEM private key";
    ERR_clear_error();
    return out;
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    out.error = "tls.key does not match the certificate in tls.crt";
    ERR_clear_error();
    return out;
  }
  out.dnsNames = dnsNamesOf(leaf.get());
  out.notAfter = timeString(X509_get0_notAfter(leaf.get()));
  out.ok = true;
  return out;
}

bool parseCABundle(const std::string& pem, std::string& error) {
  ERR_clear_error();
  auto bio = memBio(pem);
  int count = 0;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    ++count;
  }
  ERR_clear_error();
  if (count == 0) {
    error = "ca.crt holds no PEM certificate";
    return false;
  }
  return true;
}

ParsedCertificate parseKeyPairCached(Context& ctx, const std::string& certPem, const std::string& keyPem) {
  auto key = std::make_pair(certPem, keyPem);
  auto it = ctx.certMemo.find(key);
  if (it == ctx.certMemo.end()) {
    ParsedCertificate p = parseKeyPair(certPem, keyPem);
    it = ctx.certMemo.emplace(std::move(key), ParsedCertificateMemo{p.ok, p.error, p.dnsNames}).first;
  }
  ParsedCertificate out;
  out.ok = it->second.ok;
  out.error = it->second.error;
  out.dnsNames = it->second.dnsNames;
  return out;
}

}  // namespace portico::translate
