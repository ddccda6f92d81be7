// Client and upstream helpers for the end-to-end data-plane tests that
// need more than echotest::Connection: any response framing (chunked with
// trailers, close-delimited, 1xx), TLS options (versions, ALPN, session
// resumption, peer certificate), connection-state probes, and a scripted
// raw TCP upstream that counts its connections. Blocking POSIX sockets,
// 127.0.0.1 only, every wait bounded.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace portico::testing::e2e {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::multimap<std::string, std::string> headers;   // names lower-cased
  std::string body;                                  // de-chunked
  std::multimap<std::string, std::string> trailers;  // names lower-cased
  bool chunked = false;
  bool closeDelimited = false;
  std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A blocking client connection to 127.0.0.1:port, plain or TLS.
struct TlsOptions {
  std::string sni;     // empty: no SNI
  int minVersion = 0;  // e.g. TLS1_2_VERSION; 0 = library default
  int maxVersion = 0;
  std::vector<std::string> alpn;  // offered protocols, in order
  SSL_SESSION* resume = nullptr;  // offer this session (not owned)
  bool noTickets = false;         // resume by session ID (server-side cache) only
  std::string clientCertPem;      // presented when the server asks (with clientKeyPem)
  std::string clientKeyPem;
};

struct SessionFree {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionFree>;

class Client {
 public:
  explicit Client(int port, std::chrono::milliseconds timeout = 10s) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      connectErrno_ = errno;
      ::close(fd_);
      fd_ = -1;
    }
  }
  Client(int port, const TlsOptions& tls, std::chrono::milliseconds timeout = 10s) : Client(port, timeout) {
    if (fd_ < 0) return;
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    if (tls.minVersion) SSL_CTX_set_min_proto_version(ctx_, tls.minVersion);
    if (tls.maxVersion) SSL_CTX_set_max_proto_version(ctx_, tls.maxVersion);
    // No client cache: freeing the context would flush it, marking the
    // sessions the test keeps as not resumable.
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
    if (tls.noTickets) SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET);
    if (!tls.alpn.empty()) {
      std::string wire;
      for (const auto& p : tls.alpn) wire.append(1, static_cast<char>(p.size())).append(p);
      SSL_CTX_set_alpn_protos(ctx_, reinterpret_cast<const unsigned char*>(wire.data()),
                              static_cast<unsigned int>(wire.size()));
    }
    if (!tls.clientCertPem.empty()) useClientCertificate(tls.clientCertPem, tls.clientKeyPem);
    // Called on a client when the server sends a CertificateRequest.
    SSL_CTX_set_cert_cb(
        ctx_,
        [](SSL*, void* self) {
          static_cast<Client*>(self)->certificateRequested_ = true;
          return 1;
        },
        this);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (!tls.sni.empty()) SSL_set_tlsext_host_name(ssl_, tls.sni.c_str());
    if (tls.resume) SSL_set_session(ssl_, tls.resume);
    if (SSL_connect(ssl_) != 1) {
      handshakeFailed_ = true;
      ERR_clear_error();
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Client() {
    // close_notify first: OpenSSL forgets (marks not resumable) the
    // session of a connection freed without it.
    if (ssl_ && fd_ >= 0) SSL_shutdown(ssl_);
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Whether the server sent a CertificateRequest (it asked for a client
  // certificate).
  bool certificateRequested() const { return certificateRequested_; }

  bool ok() const { return fd_ >= 0; }
  int connectErrno() const { return connectErrno_; }
  bool handshakeFailed() const { return handshakeFailed_; }
  SSL* ssl() const { return ssl_; }
  int fd() const { return fd_; }

  bool send(const std::string& bytes) {
    if (fd_ < 0) return false;
    size_t done = 0;
    while (done < bytes.size()) {
      long n = ssl_ ? SSL_write(ssl_, bytes.data() + done, static_cast<int>(bytes.size() - done))
                    : ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // >0 bytes, 0 EOF, <0 error or timeout.
  long readSome(char* buf, size_t max) {
    if (!pending_.empty()) {
      size_t n = std::min(max, pending_.size());
      pending_.copy(buf, n);
      pending_.erase(0, n);
      return static_cast<long>(n);
    }
    if (fd_ < 0) return -1;
    if (ssl_) {
      int n = SSL_read(ssl_, buf, static_cast<int>(max));
      if (n > 0) return n;
      int e = SSL_get_error(ssl_, n);
      ERR_clear_error();
      if (e == SSL_ERROR_ZERO_RETURN) return 0;
      if (e == SSL_ERROR_SYSCALL && errno == 0) return 0;  // TCP FIN without close_notify
      return -1;
    }
    return ::recv(fd_, buf, max, 0);
  }

  // One response. `head`: the request was HEAD (no body whatever the
  // headers say). Interim 1xx responses are returned as they come.
  std::optional<HttpResponse> read(bool head = false) {
    std::string data = std::move(pending_);
    pending_.clear();
    size_t end;
    while ((end = data.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(data)) return std::nullopt;
    }
    HttpResponse r;
    std::string headText = data.substr(0, end);
    std::string rest = data.substr(end + 4);
    size_t lineEnd = headText.find("\r\n");
    std::string statusLine = headText.substr(0, lineEnd);
    if (statusLine.size() < 12 || !statusLine.starts_with("HTTP/1.") || statusLine[8] != ' ' ||
        !std::isdigit(static_cast<unsigned char>(statusLine[9]))) {
      return std::nullopt;  // not a status line (e.g. stray body bytes)
    }
    r.version = statusLine.substr(0, 8);
    r.status = std::stoi(statusLine.substr(9, 3));
    parseFields(lineEnd == std::string::npos ? std::string() : headText.substr(lineEnd + 2), r.headers);
    const bool noBody = head || (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304;
    if (noBody) {
      pending_ = std::move(rest);
      return r;
    }
    if (lower(r.header("transfer-encoding")).find("chunked") != std::string::npos) {
      r.chunked = true;
      for (;;) {
        size_t eol;
        while ((eol = rest.find("\r\n")) == std::string::npos) {
          if (!fill(rest)) return std::nullopt;
        }
        size_t size = std::stoul(rest.substr(0, eol), nullptr, 16);
        rest.erase(0, eol + 2);
        if (size == 0) {
          // Trailer section up to an empty line.
          size_t tend;
          while (!rest.starts_with("\r\n") && (tend = rest.find("\r\n\r\n")) == std::string::npos) {
            if (!fill(rest)) return std::nullopt;
          }
          if (rest.starts_with("\r\n")) {
            rest.erase(0, 2);
          } else {
            tend = rest.find("\r\n\r\n");
            parseFields(rest.substr(0, tend), r.trailers);
            rest.erase(0, tend + 4);
          }
          pending_ = std::move(rest);
          return r;
        }
        while (rest.size() < size + 2) {
          if (!fill(rest)) return std::nullopt;
        }
        r.body.append(rest, 0, size);
        rest.erase(0, size + 2);
      }
    }
    std::string cl = r.header("content-length");
    if (!cl.empty()) {
      size_t want = std::stoul(cl);
      while (rest.size() < want) {
        if (!fill(rest)) return std::nullopt;
      }
      r.body = rest.substr(0, want);
      pending_ = rest.substr(want);
      return r;
    }
    // Close-delimited.
    r.closeDelimited = true;
    char buf[16384];
    for (;;) {
      long n = readSome(buf, sizeof buf);
      if (n < 0) return std::nullopt;
      if (n == 0) break;
      rest.append(buf, static_cast<size_t>(n));
    }
    r.body = std::move(rest);
    return r;
  }

  // Whether the server closed the connection within `timeout` (EOF or
  // reset; any data that arrives first counts as "not closed").
  bool closedWithin(std::chrono::milliseconds timeout) {
    if (fd_ < 0) return true;
    if (!pending_.empty()) return false;
    if (ssl_ && SSL_pending(ssl_) > 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char c;
    long n = readSome(&c, 1);
    if (n > 0) {
      pending_.assign(1, c);
      return false;
    }
    return true;
  }

 private:
  bool fill(std::string& into) {
    char buf[16384];
    long n = readSome(buf, sizeof buf);
    if (n <= 0) return false;
    into.append(buf, static_cast<size_t>(n));
    return true;
  }
  static void parseFields(const std::string& text, std::multimap<std::string, std::string>& out) {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t next = text.find("\r\n", pos);
      std::string line = text.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t v = line.find_first_not_of(" \t", colon + 1);
        out.emplace(lower(line.substr(0, colon)), v == std::string::npos ? std::string() : line.substr(v));
      }
      if (next == std::string::npos) break;
      pos = next + 2;
    }
  }

  void useClientCertificate(const std::string& certPem, const std::string& keyPem) {
    BIO* cb = BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO* kb = BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    SSL_CTX_use_certificate(ctx_, cert);
    SSL_CTX_use_PrivateKey(ctx_, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
  }

  int fd_ = -1;
  int connectErrno_ = 0;
  bool handshakeFailed_ = false;
  bool certificateRequested_ = false;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string pending_;
};

inline std::string get(const std::string& host, const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n";
}

// Whether a TCP connect to 127.0.0.1:port is refused right now.
inline bool connectRefused(int port) {
  Client c(port, 2s);
  return !c.ok() && c.connectErrno() == ECONNREFUSED;
}

// Polls `cond` until it holds or `timeout` passes (bounded wait for state
// the test cannot be notified of, e.g. a socket closing).
template <class F>
bool eventually(F&& cond, std::chrono::milliseconds timeout = 5s) {
  const auto until = Clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(2ms);
  }
}

// The DNS names of a certificate's subjectAltName, then "CN=<cn>".
inline std::vector<std::string> certificateNames(X509* cert) {
  std::vector<std::string> out;
  if (!cert) return out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_DNS) continue;
    const ASN1_IA5STRING* s = n->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(names);
  char cn[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) {
    out.push_back(std::string("CN=") + cn);
  }
  return out;
}

// A scripted upstream: a listening socket on 127.0.0.1:0 and a thread per
// accepted connection running `handler(fd)`. Counts accepted connections.
// Handlers must bound their own waits (use readHead()/waitFor()).
class RawUpstream {
 public:
  using Handler = std::function<void(int fd, RawUpstream& self)>;

  explicit RawUpstream(Handler handler) : handler_(std::move(handler)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_, 128);
    socklen_t len = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~RawUpstream() {
    stopping_ = true;
    release();
    acceptor_.join();
    std::vector<std::thread> ts;
    {
      std::lock_guard l(mu_);
      ts.swap(threads_);
    }
    for (auto& t : ts) t.join();
    ::close(listen_);
  }

  int port() const { return port_; }
  int accepts() const { return accepts_.load(); }
  bool stopping() const { return stopping_.load(); }

  // Request heads seen by handlers (they call noteRequest()).
  void noteRequest(const std::string& head) {
    std::lock_guard l(mu_);
    heads_.push_back(head);
    cv_.notify_all();
  }
  size_t requests() {
    std::lock_guard l(mu_);
    return heads_.size();
  }
  std::vector<std::string> heads() {
    std::lock_guard l(mu_);
    return heads_;
  }
  // Waits (bounded) until `n` requests were noted.
  bool waitRequests(size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, timeout, [&] { return heads_.size() >= n; });
  }
  // A gate handlers can wait on (bounded), opened by the test.
  void release() {
    std::lock_guard l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool waitReleased(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, timeout, [&] { return open_; });
  }

  // Reads one request head (and returns it, with any bytes after it in
  // `rest`); empty on EOF, error or timeout.
  // Gives up early when the upstream is being destroyed.
  std::string readHead(int fd, std::string& rest, std::chrono::milliseconds timeout = 5s) {
    const auto until = Clock::now() + timeout;
    std::string data = std::move(rest);
    rest.clear();
    size_t end;
    while ((end = data.find("\r\n\r\n")) == std::string::npos) {
      if (stopping_ || Clock::now() >= until) return {};
      pollfd p{fd, POLLIN, 0};
      int pr = ::poll(&p, 1, 50);
      if (pr < 0) return {};
      if (pr == 0) continue;
      char buf[8192];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return {};
      data.append(buf, static_cast<size_t>(n));
    }
    rest = data.substr(end + 4);
    return data.substr(0, end + 4);
  }
  static bool writeAll(int fd, const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
      ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

 private:
  void acceptLoop() {
    while (!stopping_) {
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;  // wakes to notice stopping_
      int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      timeval tv{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      accepts_++;
      std::lock_guard l(mu_);
      threads_.emplace_back([this, fd] {
        handler_(fd, *this);
        ::close(fd);
      });
    }
  }

  Handler handler_;
  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepts_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> threads_;
  std::vector<std::string> heads_;
  bool open_ = false;
};

// Service + EndpointSlice YAML for a Service whose endpoints are the given
// 127.0.0.1 ports, one EndpointSlice per port (a slice has one port list).
inline std::string multiPortServiceYaml(const std::string& name, const std::vector<int>& ports) {
  std::string y = "---\napiVersion: v1\nkind: Service\nmetadata: {name: " + name +
                  "}\nspec:\n  ports: [{name: http, port: 80}]\n";
  for (size_t i = 0; i < ports.size(); ++i) {
    y += "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + name + "-" +
         std::to_string(i) + "\n  labels: {kubernetes.io/service-name: " + name +
         "}\naddressType: IPv4\nports: [{name: http, port: " + std::to_string(ports[i]) +
         "}]\nendpoints:\n- addresses: [127.0.0.1]\n";
  }
  return y;
}

inline std::string routeYaml(const std::string& name, const std::string& hostnamesFlow,
                             const std::string& rules, const std::string& parent = "gw") {
  return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name +
         "}\nspec:\n  parentRefs: [{name: " + parent + "}]\n" +
         (hostnamesFlow.empty() ? std::string() : "  hostnames: " + hostnamesFlow + "\n") + "  rules:\n" +
         rules;
}

}  // namespace portico::testing::e2e
