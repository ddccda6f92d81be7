#include "conformance/round_tripper.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <memory>

namespace portico::conformance {
namespace {

struct Conn {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Conn() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }
  bool send(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      long n = ssl ? SSL_write(ssl, data.data() + done, static_cast<int>(data.size() - done))
                   : ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  // >0 bytes, 0 EOF, <0 error.
  long recv(char* buf, size_t max) {
    if (!ssl) return ::recv(fd, buf, max, 0);
    int n = SSL_read(ssl, buf, static_cast<int>(max));
    if (n > 0) return n;
    int e = SSL_get_error(ssl, n);
    ERR_clear_error();
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0)) return 0;
    return -1;
  }
};

std::string opensslError() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

bool addPemCerts(X509_STORE* store, const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                BIO_free);
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
    ++added;
  }
  ERR_clear_error();
  return added > 0;
}

std::vector<std::string> dnsNames(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_DNS) continue;
    const auto* s = n->d.dNSName;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool startTls(Conn& c, const ClientTls& tls, bool http2, std::string& error) {
  c.ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(c.ctx, TLS1_2_VERSION);
  if (!tls.trustPem.empty()) {
    if (!addPemCerts(SSL_CTX_get_cert_store(c.ctx), tls.trustPem)) {
      error = "trust root is not a PEM certificate";
      return false;
    }
    // The suite trusts the leaf itself (GetTLSSecret): a partial chain
    // ending at a trusted leaf verifies.
    X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(c.ctx), X509_V_FLAG_PARTIAL_CHAIN);
    SSL_CTX_set_verify(c.ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(c.ctx, SSL_VERIFY_NONE, nullptr);
  }
  if (!tls.clientCertPem.empty()) {
    std::unique_ptr<BIO, decltype(&BIO_free)> cb(
        BIO_new_mem_buf(tls.clientCertPem.data(), static_cast<int>(tls.clientCertPem.size())), BIO_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> kb(
        BIO_new_mem_buf(tls.clientKeyPem.data(), static_cast<int>(tls.clientKeyPem.size())), BIO_free);
    X509* cert = PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr);
    if (cert && key) {
      SSL_CTX_use_certificate(c.ctx, cert);
      SSL_CTX_use_PrivateKey(c.ctx, key);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  static const unsigned char kAlpnH1[] = "\x08http/1.1";
  static const unsigned char kAlpnH2[] = "\x02h2";
  if (http2) {
    SSL_CTX_set_alpn_protos(c.ctx, kAlpnH2, sizeof kAlpnH2 - 1);
  } else {
    SSL_CTX_set_alpn_protos(c.ctx, kAlpnH1, sizeof kAlpnH1 - 1);
  }
  c.ssl = SSL_new(c.ctx);
  SSL_set_fd(c.ssl, c.fd);
  if (!tls.sni.empty()) SSL_set_tlsext_host_name(c.ssl, tls.sni.c_str());
  if (SSL_connect(c.ssl) != 1) {
    error = "TLS handshake failed: " + opensslError();
    return false;
  }
  if (!tls.trustPem.empty() && !tls.sni.empty()) {
    // Go checks the name against the SANs (crypto/x509 VerifyHostname);
    // OpenSSL's own check refuses wildcards like "*.org" that Go accepts.
    X509* peer = SSL_get1_peer_certificate(c.ssl);
    const bool match = peer && goHostnameMatch(dnsNames(peer), tls.sni);
    X509_free(peer);
    if (!match) {
      error = "certificate is not valid for " + tls.sni;
      return false;
    }
  }
  return true;
}

bool parseHead(const std::string& head, ClientResponse& r) {
  size_t eol = head.find("\r\n");
  const std::string line = head.substr(0, eol);
  if (line.size() < 12 || !line.starts_with("HTTP/1.")) return false;
  r.proto = line.substr(0, 8);
  r.status = std::atoi(line.c_str() + 9);
  size_t pos = eol == std::string::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    const std::string field = head.substr(pos, end - pos);
    const size_t colon = field.find(':');
    if (colon != std::string::npos) {
      size_t v = colon + 1;
      while (v < field.size() && (field[v] == ' ' || field[v] == '\t')) ++v;
      size_t ve = field.size();
      while (ve > v && (field[ve - 1] == ' ' || field[ve - 1] == '\t')) --ve;
      r.headers.emplace_back(field.substr(0, colon), field.substr(v, ve - v));
    }
    pos = end + 2;
  }
  return true;
}

bool dechunk(const std::string& in, std::string& out) {
  size_t pos = 0;
  for (;;) {
    size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    const size_t size = std::strtoul(in.substr(pos, eol - pos).c_str(), nullptr, 16);
    pos = eol + 2;
    if (size == 0) return true;
    if (pos + size > in.size()) return false;
    out.append(in, pos, size);
    pos += size + 2;
  }
}

// One request over HTTP/2 with nghttp2's client session (Go's
// http2.Transport in the suite).
struct H2Exchange {
  Conn* conn = nullptr;
  ClientResponse response;
  bool closed = false;
  uint32_t resetCode = 0;
  std::string body;
  size_t sent = 0;
};

ssize_t h2Send(nghttp2_session*, const uint8_t* data, size_t len, int, void* user) {
  auto* x = static_cast<H2Exchange*>(user);
  if (!x->conn->send(std::string(reinterpret_cast<const char*>(data), len)))
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  return static_cast<ssize_t>(len);
}

int h2Header(nghttp2_session*, const nghttp2_frame*, const uint8_t* name, size_t namelen,
             const uint8_t* value, size_t valuelen, uint8_t, void* user) {
  auto* x = static_cast<H2Exchange*>(user);
  std::string n(reinterpret_cast<const char*>(name), namelen),
      v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":status") {
    x->response.status = std::atoi(v.c_str());
  } else if (!n.empty() && n[0] != ':') {
    x->response.headers.emplace_back(n, v);
  }
  return 0;
}

int h2Data(nghttp2_session*, uint8_t, int32_t, const uint8_t* data, size_t len, void* user) {
  static_cast<H2Exchange*>(user)->response.body.append(reinterpret_cast<const char*>(data), len);
  return 0;
}

int h2Close(nghttp2_session*, int32_t, uint32_t error, void* user) {
  auto* x = static_cast<H2Exchange*>(user);
  x->closed = true;
  x->resetCode = error;
  return 0;
}

ssize_t h2Body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags, nghttp2_data_source*,
               void* user) {
  auto* x = static_cast<H2Exchange*>(user);
  const size_t n = std::min(length, x->body.size() - x->sent);
  std::memcpy(buf, x->body.data() + x->sent, n);
  x->sent += n;
  if (x->sent == x->body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

RoundTrip roundTripH2(Conn& c, const ClientRequest& req, std::chrono::milliseconds timeout) {
  RoundTrip out;
  H2Exchange x;
  x.conn = &c;
  x.body = req.body;
  x.response.proto = "HTTP/2.0";
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_send_callback(cbs, h2Send);
  nghttp2_session_callbacks_set_on_header_callback(cbs, h2Header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, h2Data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, h2Close);
  nghttp2_session* session = nullptr;
  nghttp2_session_client_new(&session, cbs, &x);
  nghttp2_session_callbacks_del(cbs);
  std::unique_ptr<nghttp2_session, decltype(&nghttp2_session_del)> guard(session, nghttp2_session_del);
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, nullptr, 0);

  // Go's http2 client lower-cases names; Host becomes :authority.
  std::vector<std::pair<std::string, std::string>> fields = {{":method", req.method},
                                                             {":scheme", req.https ? "https" : "http"},
                                                             {":authority", req.host},
                                                             {":path", req.path}};
  for (const auto& [n, v] : req.headers) fields.emplace_back(lower(n), v);
  if (!req.body.empty()) fields.emplace_back("content-length", std::to_string(req.body.size()));
  std::vector<nghttp2_nv> nva;
  for (auto& [n, v] : fields) {
    nva.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()), n.size(),
                   v.size(), NGHTTP2_NV_FLAG_NONE});
  }
  nghttp2_data_provider provider{};
  provider.read_callback = h2Body;
  if (nghttp2_submit_request(session, nullptr, nva.data(), nva.size(), req.body.empty() ? nullptr : &provider,
                             nullptr) < 0) {
    out.error = "cannot submit the HTTP/2 request";
    return out;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  while (!x.closed) {
    if (nghttp2_session_send(session) != 0) {
      out.error = "HTTP/2 send failed";
      return out;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      out.error = "HTTP/2 response timed out";
      return out;
    }
    const long n = c.recv(buf, sizeof buf);  // bounded by SO_RCVTIMEO
    if (n <= 0) {
      out.error = n == 0 ? "connection closed before the HTTP/2 response" : "HTTP/2 read failed or timed out";
      return out;
    }
    if (nghttp2_session_mem_recv(session, reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n)) <
        0) {
      out.error = "HTTP/2 protocol error from the server";
      return out;
    }
  }
  if (x.response.status == 0) {
    out.error = "HTTP/2 stream reset (error " + std::to_string(x.resetCode) + ") before a response";
    return out;
  }
  out.ok = true;
  out.response = std::move(x.response);
  return out;
}

}  // namespace

std::pair<std::string, bool> ClientResponse::header(const std::string& name) const {
  std::string joined;
  bool any = false;
  for (const auto& [n, v] : headers) {
    if (strcasecmp(n.c_str(), name.c_str()) != 0) continue;
    joined += (any ? "," : "") + v;
    any = true;
  }
  return {joined, any};
}

std::string canonicalHeaderKey(const std::string& name) {
  std::string out = name;
  bool upper = true;
  for (char& c : out) {
    if (c == ' ' || c == '_') return name;  // Go leaves invalid keys alone
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return out;
}

bool goHostnameMatch(const std::vector<std::string>& dnsNames, const std::string& host) {
  const std::string h = lower(host);
  for (const auto& raw : dnsNames) {
    const std::string p = lower(raw);
    if (p == h) return true;
    if (!p.starts_with("*.")) continue;
    // One label for the star, the rest equal.
    const size_t dot = h.find('.');
    if (dot != std::string::npos && dot > 0 && h.substr(dot) == p.substr(1)) return true;
  }
  return false;
}

RoundTrip roundTrip(const ClientRequest& req, std::chrono::milliseconds timeout) {
  RoundTrip out;
  Conn c;
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect() too
  int one = 1;
  ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(req.port));
  if (::inet_pton(AF_INET, req.address.c_str(), &a.sin_addr) != 1) {
    out.error = "bad address " + req.address;
    return out;
  }
  if (::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    out.error = fmt::format("connect {}:{}: {}", req.address, req.port, std::strerror(errno));
    return out;
  }
  if (req.https && !startTls(c, req.tls, req.http2, out.error)) return out;
  if (req.http2) {
    if (req.https) {
      const unsigned char* proto = nullptr;
      unsigned int len = 0;
      SSL_get0_alpn_selected(c.ssl, &proto, &len);
      if (std::string(reinterpret_cast<const char*>(proto), len) != "h2") {
        out.error = "the server did not negotiate h2";  // Go's http2.Transport fails the same way
        return out;
      }
    }
    return roundTripH2(c, req, timeout);
  }

  std::string wire = fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Go-http-client/1.1\r\n",
                                 req.method, req.path, req.host);
  for (const auto& [n, v] : req.headers) wire += n + ": " + v + "\r\n";
  if (!req.body.empty()) wire += fmt::format("Content-Length: {}\r\n", req.body.size());
  wire += "Connection: close\r\nAccept-Encoding: gzip\r\n\r\n" + req.body;
  if (!c.send(wire)) {
    out.error = "send failed";
    return out;
  }
  std::string data;
  char buf[16384];
  size_t headEnd;
  while ((headEnd = data.find("\r\n\r\n")) == std::string::npos) {
    long n = c.recv(buf, sizeof buf);
    if (n <= 0) {
      out.error = n == 0 ? "connection closed before a response" : "read failed or timed out";
      return out;
    }
    data.append(buf, static_cast<size_t>(n));
  }
  if (!parseHead(data.substr(0, headEnd), out.response)) {
    out.error = "malformed response head";
    return out;
  }
  std::string rest = data.substr(headEnd + 4);
  const int st = out.response.status;
  if (req.method != "HEAD" && st != 204 && st != 304 && !(st >= 100 && st < 200)) {
    // "Connection: close" was sent: the body ends at its framing or EOF.
    const auto [te, chunked] = out.response.header("transfer-encoding");
    const auto [cl, hasLength] = out.response.header("content-length");
    const size_t want = hasLength ? std::strtoul(cl.c_str(), nullptr, 10) : SIZE_MAX;
    for (;;) {
      if (hasLength && rest.size() >= want) break;
      if (chunked && rest.ends_with("0\r\n\r\n")) break;
      long n = c.recv(buf, sizeof buf);
      if (n < 0) {
        out.error = "body read failed";
        return out;
      }
      if (n == 0) break;
      rest.append(buf, static_cast<size_t>(n));
    }
    if (chunked && te.find("chunked") != std::string::npos) {
      if (!dechunk(rest, out.response.body)) {
        out.error = "malformed chunked body";
        return out;
      }
    } else {
      out.response.body = hasLength ? rest.substr(0, want) : rest;
    }
  }
  out.ok = true;
  return out;
}

}  // namespace portico::conformance
