// Helpers for the portico-echo tests: run the binary as a child process,
// talk raw HTTP/1.1 to it over blocking POSIX sockets (optionally TLS).
// Every wait is bounded.
#pragma once

#include <openssl/ssl.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace portico::echotest {

using namespace std::chrono_literals;

class EchoProcess {
 public:
  // Starts PORTICO_ECHO_BIN with `args`; stdout is read through a pipe.
  explicit EchoProcess(const std::vector<std::string>& args);
  ~EchoProcess();  // SIGKILL if still running
  EchoProcess(const EchoProcess&) = delete;
  EchoProcess& operator=(const EchoProcess&) = delete;

  // Next stdout line, nullopt on EOF or after `timeout`.
  std::optional<std::string> readLine(std::chrono::milliseconds timeout = 10s);
  // Reads the "listening on ADDR:PORT" lines; returns the ports in order.
  std::vector<int> ports(size_t count);
  // Sends `sig`, waits for the exit; the exit code, -1 when it did not
  // exit normally within `timeout`.
  int stop(int sig, std::chrono::milliseconds timeout = 5s);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffered_;
};

struct Response {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& lowerName) const;
};

// A blocking connection to 127.0.0.1:port, plain or TLS.
class Connection {
 public:
  explicit Connection(int port);
  // TLS with SNI `sni` (empty: none); optional client certificate/key PEM files.
  Connection(int port, const std::string& sni, const std::string& certFile = "",
             const std::string& keyFile = "");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool send(const std::string& bytes);
  // Reads one response (Content-Length bodies); nullopt on error or EOF.
  std::optional<Response> read();
  // Raw bytes, at most `max`; 0 on EOF, -1 on error (e.g. ECONNRESET).
  long readSome(char* buf, size_t max);

 private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string pending_;
};

// One request on a fresh connection ("Connection: close" is not added).
std::optional<Response> roundTrip(int port, const std::string& request);

// A self-signed EC certificate for `dnsName`, written as cert.pem/key.pem
// into `dir`.
void writeSelfSigned(const std::string& dir, const std::string& dnsName);

}  // namespace portico::echotest
