// The conformance suite's HTTP client (roundtripper.DefaultRoundTripper)
// in C++: one connection per request ("Connection: close", as Go's
// client with keep-alives disabled), HTTP/1.1, optional TLS with SNI, a
// trust root taken from a Secret (the leaf itself may be the root) and Go's
// hostname rules, an optional client certificate. Blocking sockets, every
// wait bounded.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace portico::conformance {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ClientTls {
  std::string sni;
  std::string trustPem;  // empty: do not verify (never used by cases)
  std::string clientCertPem, clientKeyPem;
};

struct ClientRequest {
  std::string address;  // gateway IP
  int port = 80;
  bool https = false;
  std::string host;  // Host header, sent as is
  std::string method = "GET";
  std::string path = "/";  // with the query
  HeaderList headers;
  std::string body;
  ClientTls tls;
  // HTTP/2: over TLS with ALPN h2 (the suite's H2), or cleartext with prior
  // knowledge (H2C_PRIOR_KNOWLEDGE).
  bool http2 = false;
};

struct ClientResponse {
  int status = 0;
  std::string proto;   // "HTTP/1.1"
  HeaderList headers;  // as received
  std::string body;
  // All values of `name` (case-insensitive) joined with ",", and whether any.
  std::pair<std::string, bool> header(const std::string& name) const;
};

struct RoundTrip {
  bool ok = false;
  std::string error;  // transport / TLS failure when !ok
  ClientResponse response;
};

RoundTrip roundTrip(const ClientRequest& request,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Go's http.CanonicalHeaderKey: "x-header-set" -> "X-Header-Set".
std::string canonicalHeaderKey(const std::string& name);

// Go's crypto/x509 hostname match: a DNS SAN equal to `host`, or a
// wildcard in the leftmost label matching exactly one label.
bool goHostnameMatch(const std::vector<std::string>& dnsNames, const std::string& host);

}  // namespace portico::conformance
