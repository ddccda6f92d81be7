// A blocking HTTP/1.1 GET client for the admin server, used by the CLI's
// --admin mode (diagnose, explain, changes, bundle). One request per
// connection, every wait bounded by the deadline. No Asio.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace portico::admin {

struct FetchResult {
  bool ok = false;    // a complete response was read (any status)
  std::string error;  // why not, when !ok
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
};

// `base` is the admin server: "http://HOST:PORT", "HOST:PORT" or "HOST"
// (port 9901); HOST may be a bracketed IPv6 literal. `target` is the path
// with its query ("/status", "/diagnose?o=json").
FetchResult fetch(const std::string& base, const std::string& target,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace portico::admin
