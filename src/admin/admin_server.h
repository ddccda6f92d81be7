// The admin endpoint of `portico run` (/metrics, health, config dumps): a
// small HTTP/1.1 server on its own thread and io_context, so a busy or
// stuck data plane never delays it and it never delays the data plane.
// No Asio in this header (it is included by the CLI and the tests).
//
// Deliberately minimal: GET and HEAD only (405 otherwise), exact path
// matches (404 otherwise), keep-alive, one request at a time per
// connection, request heads parsed by the strict http1 parser (its errors
// are answered with their status and the connection is closed). Request
// bodies are never read: a request announcing one is answered and the
// connection closed. Handlers run synchronously on the admin thread, so a
// slow handler delays the other admin clients, not the proxy.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::admin {

struct Response {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  // Extra header fields (e.g. X-Portico-Exit, the exit status a CLI
  // command run against this server should return).
  std::vector<std::pair<std::string, std::string>> headers;
};

// Handlers run on the admin thread; they must be thread-safe with respect to
// the rest of the process. `path` is the request path as sent (not
// percent-decoded); `query` is what follows '?', without it. A handler that
// throws is answered with 500. HEAD requests call the GET handler and drop
// the body.
using Handler = std::function<Response(std::string_view path, std::string_view query)>;

class AdminServer {
 public:
  // Binds address:port (port 0 = ephemeral); returns null and sets error on
  // failure. `address` is an IPv4/IPv6 literal or "localhost" (127.0.0.1).
  static std::unique_ptr<AdminServer> start(const std::string& address, uint16_t port, std::string& error);
  virtual ~AdminServer() = default;
  // Exact path match; register before or after start (thread-safe). A second
  // registration for the same path replaces the first.
  virtual void handle(std::string path, Handler h) = 0;
  // The bound port (the ephemeral one when started with port 0).
  virtual uint16_t port() const = 0;
  // Closes the listener and every connection, then joins the thread.
  // Idempotent; also done by the destructor. Must not be called from a
  // handler (it would join its own thread).
  virtual void stop() = 0;
};

}  // namespace portico::admin
