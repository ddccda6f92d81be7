// The echo logic without sockets: what a request looks like to the
// handler, and the plan the server carries out (wait, then answer, reset
// or upgrade). Mirrors the Gateway API conformance echo-basic server.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "echo/options.h"

namespace portico::echo {

struct TlsInfo {
  std::string version;                        // "TLSv1.3"
  std::string serverName;                     // SNI, "" when none
  std::string negotiatedProtocol;             // ALPN, "" when none
  std::string cipherSuite;                    // IANA name, as Go's tls.CipherSuiteName
  std::vector<std::string> peerCertificates;  // PEM, leaf first
};

struct RequestInfo {
  std::string method;
  std::string target;    // request-target as received (RequestURI)
  std::string host;      // Host header, or the authority of an absolute-form target
  int versionMajor = 1;  // 2 for requests received as HTTP/2 frames
  int versionMinor = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // names as received, in order
  uint16_t localPort = 0;
  bool websocketUpgrade = false;
  std::optional<TlsInfo> tls;
};

struct Plan {
  std::chrono::nanoseconds delay{0};  // wait this long first
  bool log = false;                   // print the "Echoing back ..." line after the wait
  bool reset = false;                 // then close the connection with RST instead of answering
  bool websocket = false;             // then accept the upgrade and echo frames
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // response headers, in order
  std::string body;
};

// Process-wide counters (--fail-first, /retry/ attempts per uuid).
class State {
 public:
  bool takeFailure(int failFirst) { return served_.fetch_add(1) < failFirst; }
  int nextAttempt(const std::string& uuid);

 private:
  std::atomic<long> served_{0};
  std::mutex mu_;
  std::map<std::string, int> attempts_;
};

// net/http's CanonicalMIMEHeaderKey: "x-foo-bar" -> "X-Foo-Bar"; names with
// bytes outside the token set are returned unchanged.
std::string canonicalHeaderKey(std::string_view name);

// Go's time.ParseDuration ("1s", "1.5s", "250ms", "1m30s", "-2us", "0").
std::optional<std::chrono::nanoseconds> parseGoDuration(std::string_view text);

// Value of query parameter `name` (first occurrence, percent-decoded).
std::optional<std::string> queryParam(std::string_view target, std::string_view name);

// The JSON body describing `req`, as echo-basic writes it.
std::string echoJson(const RequestInfo& req, const Options& opts);

Plan planResponse(const RequestInfo& req, const Options& opts, State& state);

}  // namespace portico::echo
