// A blocking TCP connection for the suite's non-HTTP clients, optionally
// TLS as Go's tls.Dialer makes it (ServerName = SNI, MinVersion TLS 1.2,
// RootCAs from a PEM bundle, hostname checked against the SANs, no ALPN).
// It also tells a connection the peer ended during the handshake (EOF or
// RST: what tls.MakeTLSConnectionAndExpectEventuallyConnectionRejection
// waits for) from other failures. Every wait is bounded by `timeout`.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace portico::conformance {

struct StreamTls {
  std::string sni;       // ServerName; "" sends none
  std::string trustPem;  // RootCAs; "" = do not verify (the rejection probe)
};

class StreamConn {
 public:
  // Connects to address:port and, with `tls`, completes the handshake.
  StreamConn(const std::string& address, int port, const StreamTls* tls, std::chrono::milliseconds timeout);
  ~StreamConn();
  StreamConn(const StreamConn&) = delete;
  StreamConn& operator=(const StreamConn&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // The TLS handshake failed because the peer closed (EOF) or reset the
  // connection, not with an alert or a certificate error.
  bool rejectedDuringHandshake() const { return rejected_; }

  bool send(std::string_view data);
  // Up to and including the next '\n' (bufio.Reader.ReadString); nullopt
  // on EOF, error or timeout before one arrives.
  std::optional<std::string> readLine();

 private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string error_;
  bool rejected_ = false;
  std::string buffered_;
};

}  // namespace portico::conformance
