// A small blocking HTTPS client for the Kubernetes API: one request at a
// time per call, safe to call from several controller threads (never from
// a data-plane worker). An interface so the status writer and the leader
// elector are unit-tested with a scripted fake. No Asio in this header.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kube/config.h"

namespace portico::kube {

struct Response {
  int status = 0;     // HTTP status; 0 = transport error (see `error`)
  std::string body;   // whole body (request()); empty for stream()
  std::string error;  // transport or TLS error, human readable
  bool ok() const { return status >= 200 && status < 300; }
};

class Client {
 public:
  virtual ~Client() = default;

  // `path` starts with "/" (e.g. "/apis/gateway.networking.k8s.io/v1/gateways?limit=500").
  virtual Response request(std::string_view method, std::string_view path, std::string_view body = {},
                           std::string_view contentType = "application/json") = 0;

  // A watch: GET `path` and call `onLine` for every newline-terminated JSON
  // event as it arrives (chunked or not), until the server ends the
  // response, `onLine` returns false, `idleTimeout` passes with no bytes, or
  // cancel() is called. The returned status is the HTTP status of the
  // response (a 410 arrives as a status, or as an ERROR event line).
  virtual Response stream(std::string_view path, const std::function<bool(std::string_view line)>& onLine,
                          std::chrono::milliseconds idleTimeout) = 0;

  // Ends every stream() in progress and makes later calls fail fast. For shutdown.
  virtual void cancel() = 0;

  static std::unique_ptr<Client> create(const ClusterConfig& config);
};

}  // namespace portico::kube
