#include "diagnose/x509.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "translate/certs.h"

namespace portico::diagnose::detail {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::string nameText(const X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::time_t timeOf(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

}  // namespace

std::vector<CertInfo> parseChain(const std::string& pem) {
  std::vector<CertInfo> out;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (true) {
    std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    CertInfo c;
    c.subject = nameText(X509_get_subject_name(cert.get()));
    c.issuer = nameText(X509_get_issuer_name(cert.get()));
    c.notBefore = timeOf(X509_get0_notBefore(cert.get()));
    c.notAfter = timeOf(X509_get0_notAfter(cert.get()));
    c.dnsNames = translate::dnsNamesOf(cert.get());
    c.selfIssued = X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0;
    out.push_back(std::move(c));
  }
  ERR_clear_error();  // the loop ends on "no start line"
  return out;
}

std::string rfc3339(std::time_t t) {
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buf, n);
}

}  // namespace portico::diagnose::detail
