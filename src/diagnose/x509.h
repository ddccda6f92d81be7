// Certificate inspection for diagnostics (OpenSSL): validity dates, names
// and issuers of every certificate in a PEM chain. Parsing only; whether a
// key pair is usable stays the translator's verdict (translate/certs.h).
#pragma once

#include <ctime>
#include <string>
#include <vector>

namespace portico::diagnose::detail {

struct CertInfo {
  std::string subject;  // one-line RFC 2253
  std::string issuer;
  std::time_t notBefore = 0;
  std::time_t notAfter = 0;
  std::vector<std::string> dnsNames;  // SAN DNS names, or the CN when there are none
  bool selfIssued = false;            // subject == issuer
};

// Every certificate of a PEM chain, leaf first; empty when none parses.
std::vector<CertInfo> parseChain(const std::string& pem);

// "2025-01-31T12:00:00Z".
std::string rfc3339(std::time_t t);

}  // namespace portico::diagnose::detail
