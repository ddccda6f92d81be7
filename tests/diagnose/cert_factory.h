// Certificates made at test time for the TLS scenarios (no key material is
// committed): self-signed or CA-issued, with chosen names and validity
// window, optionally paired with a key of another certificate.
#pragma once

#include <string>
#include <vector>

namespace portico::testing {

struct CertSecretSpec {
  std::string namespace_;
  std::string name;  // Secret name
  std::vector<std::string> names;
  int notBeforeDays = -1;  // relative to now
  int notAfterDays = 30;
  bool caIssued = false;  // issued by a throwaway CA that is left out of tls.crt
  bool wrongKey = false;  // tls.key of another certificate
  bool garbage = false;   // tls.crt is not PEM
  std::string type = "kubernetes.io/tls";
};

// A Secret manifest for `spec`.
std::string certSecretYaml(const CertSecretSpec& spec);

}  // namespace portico::testing
