// Helpers for the portico-echo tests: run the binary as a child process,
// talk raw HTTP/1.1 to it over blocking POSIX sockets (optionally TLS).
// Every wait is bounded.
#pragma once

#include <openssl/ssl.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace portico::echotest {

using namespace std::chrono_literals;

class EchoProcess {
 public:
  // Starts PORTICO_ECHO_BIN with `args`. Its stdout is drained by a thread
  // into a buffer readLine() serves from: the echo logs a line per request,
  // and an undrained pipe would fill and stall it mid-test.
  explicit EchoProcess(const std::vector<std::string>& args);
  // The same for another binary taking --die-with-parent (portico-grpc-echo).
  EchoProcess(const std::string& binary, const std::vector<std::string>& args);
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
  void drain();  // the reader thread

  pid_t pid_ = -1;
  int out_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string buffered_;  // guarded by mu_
  bool eof_ = false;      // guarded by mu_
  std::thread reader_;
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
  // TLS with SNI `sni` (empty: none); optional client certificate/key PEM
  // files; ALPN offers `alpn` in order (empty: no ALPN).
  Connection(int port, const std::string& sni, const std::string& certFile = "",
             const std::string& keyFile = "", const std::vector<std::string>& alpn = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool ok() const { return fd_ >= 0; }
  // The protocol ALPN selected ("" without TLS or ALPN).
  std::string alpnSelected() const;
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
