#include "conformance/round_tripper.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

bool startTls(Conn& c, const ClientTls& tls, std::string& error) {
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
  static const unsigned char kAlpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(c.ctx, kAlpn, sizeof kAlpn - 1);
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
  if (req.https && !startTls(c, req.tls, out.error)) return out;

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
