#include "diagnose/tls_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace portico::diagnose {
namespace {

using Clock = std::chrono::steady_clock;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

int remainingMs(Clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Non-blocking connect bounded by `until`; returns "" or the error.
std::string connectTo(int& out, const std::string& host, int port, Clock::time_point until) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
  } else {
    return "not an IP address: " + host;
  }
  out = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (out < 0) return std::strerror(errno);
  if (::connect(out, reinterpret_cast<sockaddr*>(&ss), len) == 0) return "";
  if (errno != EINPROGRESS) return std::strerror(errno);
  pollfd p{out, POLLOUT, 0};
  if (::poll(&p, 1, remainingMs(until)) <= 0) return "connect timed out";
  int err = 0;
  socklen_t elen = sizeof err;
  ::getsockopt(out, SOL_SOCKET, SO_ERROR, &err, &elen);
  return err ? std::strerror(err) : "";
}

std::string openSslError() {
  unsigned long e = ERR_get_error();
  if (!e) return "handshake failed (connection closed by the server)";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

}  // namespace

TlsProbeResult probeTls(const std::string& host, int port, const std::string& sni,
                        const std::vector<std::string>& alpn, std::chrono::milliseconds timeout) {
  TlsProbeResult r;
  const auto until = Clock::now() + timeout;
  Fd fd;
  if (std::string e = connectTo(fd.fd, host, port, until); !e.empty()) {
    r.error = e;
    return r;
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // we want to see the chain, good or bad
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd.fd);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl.get(), sni.c_str());
  if (!alpn.empty()) {
    std::string wire;
    for (const auto& p : alpn) wire += static_cast<char>(p.size()) + p;
    SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    int want = SSL_get_error(ssl.get(), rc);
    if (want != SSL_ERROR_WANT_READ && want != SSL_ERROR_WANT_WRITE) {
      r.error = openSslError();
      return r;
    }
    pollfd p{fd.fd, static_cast<short>(want == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    if (::poll(&p, 1, remainingMs(until)) <= 0) {
      r.error = "handshake timed out";
      return r;
    }
  }
  r.ok = true;
  r.version = SSL_get_version(ssl.get());
  const unsigned char* sel = nullptr;
  unsigned selLen = 0;
  SSL_get0_alpn_selected(ssl.get(), &sel, &selLen);
  if (sel) r.alpn.assign(reinterpret_cast<const char*>(sel), selLen);
  // The chain as the server sent it (client side: leaf included).
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get())) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    for (int i = 0; i < sk_X509_num(chain); ++i) PEM_write_bio_X509(bio.get(), sk_X509_value(chain, i));
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    r.chainPem.assign(data, static_cast<size_t>(n));
  }
  // No close_notify: the server may already have closed, and a write
  // there raises SIGPIPE in a process that does not ignore it (the CLI).
  return r;
}

std::string leafFingerprint(const std::string& chainPem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(chainPem.data(), static_cast<int>(chainPem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                X509_free);
  if (!x) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (!X509_digest(x.get(), EVP_sha256(), md, &n)) return "";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    if (i) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

}  // namespace portico::diagnose
