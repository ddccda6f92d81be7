// A TLS handshake against a listener, to see the certificate a client is
// really served (not the one the IR says should be): the "which
// certificate is wrong" question, answered from the wire. Blocking, with
// a deadline; for the admin server and tests, never the request path.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace portico::diagnose {

struct TlsProbeResult {
  bool ok = false;
  std::string error;     // why the handshake failed ("connection refused", OpenSSL's reason, "timed out")
  std::string chainPem;  // the peer's chain as sent, leaf first
  std::string version;   // "TLSv1.3"
  std::string alpn;      // protocol selected, if any
};

// Connects to host:port (a literal IPv4 or IPv6 address), sends `sni`
// when not empty, offers `alpn` and completes a handshake without
// verifying the peer (the point is to see what it sends).
TlsProbeResult probeTls(const std::string& host, int port, const std::string& sni,
                        const std::vector<std::string>& alpn, std::chrono::milliseconds timeout);

// SHA-256 of the first certificate's DER in a PEM chain, as
// "AB:CD:..."; empty when nothing parses.
std::string leafFingerprint(const std::string& chainPem);

}  // namespace portico::diagnose
