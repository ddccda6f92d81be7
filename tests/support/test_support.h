// Helpers shared by the tests: load YAML into a snapshot, run the
// translator, find the source tree and the shared directory.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "source/loader.h"

namespace portico::testing {

// Loads `yaml`, failing the current test on any error diagnostic.
source::LoadResult loadOk(std::string_view yaml);

// The repository root (compile-time).
std::string sourceDir();

// $PORTICO_SHARED_DIR or ../shared relative to the repository root; empty
// when it does not exist (tests that need it then skip).
std::string sharedDir();

std::string readFile(const std::string& path);

// A 127.0.0.1 port, free for TCP and UDP a moment ago, chosen at random
// below the kernel's ephemeral range so that outgoing connections made by
// tests running in parallel cannot take it before it is bound.
int freePort();

}  // namespace portico::testing

namespace portico::testing {

struct KeyPair {
  std::string certPem;
  std::string keyPem;
};

// A self-signed certificate (EC P-256) for the given DNS names, made at
// test run time so no key material is committed.
KeyPair selfSigned(const std::vector<std::string>& dnsNames, int validDays = 30);

// What a generated certificate says. Validity is relative to now, in
// seconds (an expired certificate: notAfterSeconds < 0).
struct CertSpec {
  std::vector<std::string> dnsNames;
  std::vector<std::string> uris;  // URI SANs (SPIFFE IDs and the like)
  std::vector<std::string> ips;   // IP address SANs ("127.0.0.1")
  std::string commonName;         // default: the first DNS name
  long notBeforeSeconds = -3600;
  long notAfterSeconds = 30L * 86400;
  bool isCa = false;
};

// An EC P-256 certificate: self-signed without `issuer`, else signed by it
// (a CA from makeCa).
KeyPair makeCert(const CertSpec& spec, const KeyPair* issuer = nullptr);
KeyPair makeCa(const std::string& commonName, int validDays = 30);

std::string base64(std::string_view data);

// A ConfigMap manifest with `ca.crt` (BackendTLSPolicy caCertificateRefs,
// frontend client-certificate validation).
std::string caConfigMapYaml(const std::string& ns, const std::string& name, const std::string& caPem);

// A kubernetes.io/tls Secret manifest holding `kp`.
std::string tlsSecretYaml(const std::string& ns, const std::string& name, const KeyPair& kp);

}  // namespace portico::testing
