// One throw-away self-signed EC certificate for the benchmark's HTTPS
// listeners. Made at startup so that no key material lives in the tree.
#pragma once

#include <string>
#include <vector>

namespace portico::bench {

struct KeyPairPem {
  std::string certPem;
  std::string keyPem;
};

// P-256 key, one-day validity, `dnsNames` as subjectAltName DNS entries
// (the first is also the subject CN). Throws std::runtime_error when
// OpenSSL fails: the benchmark cannot run without it.
KeyPairPem makeSelfSignedCert(const std::vector<std::string>& dnsNames);

// Standard base64 without line breaks, as Secret `data` values hold it.
std::string base64(const std::string& bytes);

}  // namespace portico::bench
