#include "conformance/stream_conn.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace portico::conformance {
namespace {

std::string opensslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out;
}

bool addTrust(SSL_CTX* ctx, const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                BIO_free);
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), cert);
    X509_free(cert);
    ++added;
  }
  ERR_clear_error();
  return added > 0;
}

}  // namespace

StreamConn::StreamConn(const std::string& address, int port, const StreamTls* tls,
                       std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect() too
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1) {
    error_ = "bad address " + address;
    return;
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    error_ = fmt::format("dial {}:{}: {}", address, port, std::strerror(errno));
    return;
  }
  if (!tls) return;
  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  if (!tls->trustPem.empty()) {
    if (!addTrust(ctx_, tls->trustPem)) {
      error_ = "trust root is not a PEM certificate";
      return;
    }
    // Go accepts a trusted certificate anywhere in the chain, the leaf too.
    X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx_), X509_V_FLAG_PARTIAL_CHAIN);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  if (!tls->sni.empty()) {
    SSL_set_tlsext_host_name(ssl_, tls->sni.c_str());
    if (!tls->trustPem.empty()) SSL_set1_host(ssl_, tls->sni.c_str());  // crypto/x509 VerifyHostname
  }
  errno = 0;
  const int rc = SSL_connect(ssl_);
  if (rc == 1) return;
  const int err = SSL_get_error(ssl_, rc);
  const int sysErrno = errno;
  const unsigned long first = ERR_peek_error();
  // io.EOF / io.ErrUnexpectedEOF / ECONNRESET in Go: the peer closed or
  // reset before the handshake finished. OpenSSL 3 reports an EOF as an
  // SSL error "unexpected eof while reading".
  rejected_ = (err == SSL_ERROR_SYSCALL && (sysErrno == 0 || sysErrno == ECONNRESET || sysErrno == EPIPE)) ||
              (err == SSL_ERROR_SSL && ERR_GET_REASON(first) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
  const std::string detail = opensslErrors();
  error_ = fmt::format("TLS handshake failed ({}): {}", rejected_ ? "connection closed by peer" : "error",
                       detail.empty() ? std::strerror(sysErrno) : detail);
  if (!rejected_ && err == SSL_ERROR_SYSCALL && sysErrno == EAGAIN) error_ = "TLS handshake timed out";
}

StreamConn::~StreamConn() {
  if (ssl_) SSL_free(ssl_);
  if (ctx_) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

bool StreamConn::send(std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    const long n = ssl_ ? SSL_write(ssl_, data.data() + done, static_cast<int>(data.size() - done))
                        : ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) {
      ERR_clear_error();
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

std::optional<std::string> StreamConn::readLine() {
  for (;;) {
    if (const size_t nl = buffered_.find('\n'); nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl + 1);
      buffered_.erase(0, nl + 1);
      return line;
    }
    char buf[4096];
    const long n = ssl_ ? SSL_read(ssl_, buf, sizeof buf) : ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      ERR_clear_error();
      return std::nullopt;
    }
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace portico::conformance
