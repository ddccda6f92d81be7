// Short, stable identifiers for PEM material in dumps and logs, so that two
// configs can be compared without printing certificates.
#pragma once

#include <string>
#include <string_view>

namespace portico::ir {

// "sha256:" + the first 16 hex digits of the SHA-256 of the first
// certificate's DER encoding (what `openssl x509 -fingerprint -sha256`
// hashes). Input that does not parse as a certificate is hashed as written.
// Empty input gives "".
std::string pemFingerprint(std::string_view pem);

}  // namespace portico::ir
