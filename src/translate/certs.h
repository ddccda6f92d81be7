// Parsing of TLS material from Secrets and ConfigMaps (OpenSSL). Pure: no
// I/O, only the bytes the snapshot holds.
#pragma once

#include <openssl/types.h>

#include <string>
#include <vector>

namespace portico::translate {

// A certificate's names as TLS clients match them: the SAN DNS names, or the
// subject CN on legacy certificates without any.
std::vector<std::string> dnsNamesOf(X509* cert);

struct ParsedCertificate {
  bool ok = false;
  std::string error;                  // what is wrong, when !ok
  std::vector<std::string> dnsNames;  // SAN DNS names (or CN when none)
  std::string notAfter;               // RFC 3339, for diagnostics
};

// tls.crt (PEM chain) and tls.key (PEM key): both must parse and the key
// must match the leaf certificate.
ParsedCertificate parseKeyPair(const std::string& certPem, const std::string& keyPem);

struct Context;
// parseKeyPair, memoised per translation by content.
ParsedCertificate parseKeyPairCached(Context& ctx, const std::string& certPem, const std::string& keyPem);

// A CA bundle (ca.crt): at least one PEM certificate, all parseable.
bool parseCABundle(const std::string& pem, std::string& error);

}  // namespace portico::translate
