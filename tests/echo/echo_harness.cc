#include "echo/echo_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace portico::echotest {

EchoProcess::EchoProcess(const std::vector<std::string>& args) : EchoProcess(PORTICO_ECHO_BIN, args) {}

EchoProcess::EchoProcess(const std::string& binary, const std::vector<std::string>& args) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  // --die-with-parent: a crashed test must not leave backends holding
  // ctest's output pipe open.
  std::vector<std::string> argv = {binary, "--die-with-parent"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  const int rc = posix_spawn(&pid_, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  out_ = fds[0];
  if (rc != 0) {
    pid_ = -1;
    close(out_);
    out_ = -1;
    throw std::runtime_error("cannot start " + argv[0]);
  }
  reader_ = std::thread([this] { drain(); });
}

EchoProcess::~EchoProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  // The child is gone: its end of the pipe is closed, the reader sees EOF.
  if (reader_.joinable()) reader_.join();
  if (out_ >= 0) close(out_);
}

void EchoProcess::drain() {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(mu_);
    if (n <= 0) {
      eof_ = true;
      cv_.notify_all();
      return;
    }
    buffered_.append(buf, static_cast<size_t>(n));
    cv_.notify_all();
  }
}

std::optional<std::string> EchoProcess::readLine(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const bool ready =
      cv_.wait_for(lock, timeout, [&] { return eof_ || buffered_.find('\n') != std::string::npos; });
  const size_t nl = buffered_.find('\n');
  if (!ready || nl == std::string::npos) return std::nullopt;
  std::string line = buffered_.substr(0, nl);
  buffered_.erase(0, nl + 1);
  return line;
}

std::vector<int> EchoProcess::ports(size_t count) {
  std::vector<int> out;
  while (out.size() < count) {
    const auto line = readLine();
    if (!line || !line->starts_with("listening on ")) break;
    out.push_back(std::stoi(line->substr(line->rfind(':') + 1)));
  }
  return out;
}

int EchoProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int status = 0;
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    const bool exited = poll(&p, 1, static_cast<int>(timeout.count())) == 1;
    close(pidfd);
    if (!exited) return -1;
    waitpid(pid_, &status, 0);
  } else {  // no pidfd (old kernel): poll waitpid until the deadline
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(10ms);
    }
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Response::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? std::string() : it->second;
}

Connection::Connection(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

Connection::Connection(int port, const std::string& sni, const std::string& certFile,
                       const std::string& keyFile, const std::vector<std::string>& alpn)
    : Connection(port) {
  if (fd_ < 0) return;
  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  if (!certFile.empty()) {
    SSL_CTX_use_certificate_file(ctx_, certFile.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx_, keyFile.c_str(), SSL_FILETYPE_PEM);
  }
  if (!alpn.empty()) {
    std::string wire;
    for (const std::string& p : alpn) wire.append(1, static_cast<char>(p.size())).append(p);
    SSL_CTX_set_alpn_protos(ctx_, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned int>(wire.size()));
  }
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl_, sni.c_str());
  if (SSL_connect(ssl_) != 1) {
    close(fd_);
    fd_ = -1;
  }
}

Connection::~Connection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) close(fd_);
}

std::string Connection::alpnSelected() const {
  if (ssl_ == nullptr) return {};
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_, &proto, &len);
  return proto == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(proto), len);
}

bool Connection::send(const std::string& bytes) {
  if (fd_ < 0) return false;
  size_t done = 0;
  while (done < bytes.size()) {
    const long n = ssl_ != nullptr
                       ? SSL_write(ssl_, bytes.data() + done, static_cast<int>(bytes.size() - done))
                       : ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

long Connection::readSome(char* buf, size_t max) {
  if (!pending_.empty()) {
    const size_t n = std::min(max, pending_.size());
    pending_.copy(buf, n);
    pending_.erase(0, n);
    return static_cast<long>(n);
  }
  if (fd_ < 0) return -1;
  if (ssl_ != nullptr) {
    const int n = SSL_read(ssl_, buf, static_cast<int>(max));
    if (n > 0) return n;
    return SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
  }
  return ::recv(fd_, buf, max, 0);
}

std::optional<Response> Connection::read() {
  std::string data;
  char buf[8192];
  size_t end;
  while ((end = data.find("\r\n\r\n")) == std::string::npos) {
    const long n = readSome(buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    data.append(buf, static_cast<size_t>(n));
  }
  Response r;
  const std::string head = data.substr(0, end);
  std::string rest = data.substr(end + 4);
  size_t lineEnd = head.find("\r\n");
  r.status = std::stoi(head.substr(9, 3));
  while (lineEnd != std::string::npos) {
    const size_t next = head.find("\r\n", lineEnd + 2);
    const std::string line =
        head.substr(lineEnd + 2, next == std::string::npos ? std::string::npos : next - lineEnd - 2);
    const size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace(name, line.substr(line.find_first_not_of(' ', colon + 1)));
    lineEnd = next;
  }
  const std::string cl = r.header("content-length");
  const size_t want = cl.empty() ? 0 : std::stoul(cl);
  while (rest.size() < want) {
    const long n = readSome(buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    rest.append(buf, static_cast<size_t>(n));
  }
  r.body = rest.substr(0, want);
  pending_ = rest.substr(want);
  return r;
}

std::optional<Response> roundTrip(int port, const std::string& request) {
  Connection c(port);
  if (!c.send(request)) return std::nullopt;
  return c.read();
}

void writeSelfSigned(const std::string& dir, const std::string& dnsName) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(dnsName.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  const std::string san = "DNS:" + dnsName;
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str());
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(x, key, EVP_sha256());
  FILE* f = std::fopen((dir + "/cert.pem").c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen((dir + "/key.pem").c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(key);
}

}  // namespace portico::echotest
