#include "ir/fingerprint.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <vector>

namespace portico::ir {
namespace {

constexpr size_t kShownBytes = 8;  // 16 hex digits: enough to tell certificates apart

std::string hexPrefix(const unsigned char* digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (size_t i = 0; i < kShownBytes; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

// DER of the first certificate in `pem`; empty when there is none.
std::vector<unsigned char> firstCertDer(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  if (!bio) return {};
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                   &X509_free);
  if (!cert) return {};
  const int len = i2d_X509(cert.get(), nullptr);
  if (len <= 0) return {};
  std::vector<unsigned char> der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509(cert.get(), &p) != len) return {};
  return der;
}

}  // namespace

std::string pemFingerprint(std::string_view pem) {
  if (pem.empty()) return {};
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  std::vector<unsigned char> der = firstCertDer(pem);
  // A failed parse leaves entries on this thread's OpenSSL error queue;
  // drop them so later, unrelated TLS calls do not report them.
  ERR_clear_error();
  if (!der.empty()) {
    SHA256(der.data(), der.size(), digest.data());
  } else {
    SHA256(reinterpret_cast<const unsigned char*>(pem.data()), pem.size(), digest.data());
  }
  return hexPrefix(digest.data());
}

}  // namespace portico::ir
