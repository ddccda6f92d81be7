#include "admin/client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace portico::admin {
namespace {

using Clock = std::chrono::steady_clock;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct Endpoint {
  std::string host, port;
};

bool parseBase(std::string base, Endpoint& ep, std::string& error) {
  if (base.starts_with("https://")) {
    error = "the admin server speaks plain HTTP: use http://";
    return false;
  }
  if (base.starts_with("http://")) base.erase(0, 7);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.empty() || base.find('/') != std::string::npos) {
    error = "expected http://HOST:PORT";
    return false;
  }
  if (base.front() == '[') {
    const auto close = base.find(']');
    if (close == std::string::npos) {
      error = "unterminated IPv6 literal";
      return false;
    }
    ep.host = base.substr(1, close - 1);
    ep.port = close + 1 < base.size() && base[close + 1] == ':' ? base.substr(close + 2) : "9901";
  } else {
    const auto colon = base.rfind(':');
    ep.host = base.substr(0, colon);
    ep.port = colon == std::string::npos ? "9901" : base.substr(colon + 1);
  }
  return !ep.host.empty() && !ep.port.empty();
}

int remainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

bool waitFor(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  int n;
  while ((n = ::poll(&p, 1, remainingMs(deadline))) < 0 && errno == EINTR) {
  }
  return n > 0;
}

bool connectTo(const Endpoint& ep, Fd& sock, Clock::time_point deadline, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &res); rc != 0) {
    error = std::string("cannot resolve ") + ep.host + ": " + ::gai_strerror(rc);
    return false;
  }
  error = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    Fd s{::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol)};
    if (s.fd < 0) continue;
    int rc = ::connect(s.fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      if (!waitFor(s.fd, POLLOUT, deadline)) {
        error = "connect timed out";
        continue;
      }
      int soErr = 0;
      socklen_t len = sizeof soErr;
      ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &soErr, &len);
      rc = soErr == 0 ? 0 : -1;
      errno = soErr;
    }
    if (rc != 0) {
      error = std::strerror(errno);
      continue;
    }
    std::swap(sock.fd, s.fd);
    break;
  }
  ::freeaddrinfo(res);
  return sock.fd >= 0;
}

bool parseResponse(const std::string& raw, FetchResult& r) {
  const auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos || !raw.starts_with("HTTP/1.") || raw.size() < 12) return false;
  r.status = std::atoi(raw.c_str() + 9);
  size_t pos = raw.find("\r\n") + 2;
  while (pos < end) {
    const auto eol = raw.find("\r\n", pos);
    const std::string line = raw.substr(pos, eol - pos);
    pos = eol + 2;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    r.headers[name] = value;
  }
  r.body = raw.substr(end + 4);
  const std::string cl = r.header("content-length");
  return cl.empty() || r.body.size() == std::stoull(cl);
}

}  // namespace

FetchResult fetch(const std::string& base, const std::string& target, std::chrono::milliseconds timeout) {
  FetchResult r;
  Endpoint ep;
  if (!parseBase(base, ep, r.error)) {
    r.error = "--admin " + base + ": " + r.error;
    return r;
  }
  const auto deadline = Clock::now() + timeout;
  Fd sock;
  if (!connectTo(ep, sock, deadline, r.error)) {
    r.error = "cannot reach the admin server at " + base + ": " + r.error;
    return r;
  }
  const std::string hostField = ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host;
  const std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: " + hostField + ":" + ep.port + "\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    if (!waitFor(sock.fd, POLLOUT, deadline)) break;
    const ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0 && errno != EAGAIN && errno != EINTR) break;
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string raw;
  // The server closes after answering (Connection: close): read to EOF.
  while (sent == request.size()) {
    if (!waitFor(sock.fd, POLLIN, deadline)) {
      r.error = "the admin server did not answer in time";
      return r;
    }
    char buf[16384];
    const ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      r.error = std::string("reading the answer: ") + std::strerror(errno);
      return r;
    }
    raw.append(buf, static_cast<size_t>(n));
  }
  if (sent != request.size()) {
    r.error = "cannot send the request to the admin server";
    return r;
  }
  if (!parseResponse(raw, r)) {
    r.error = "the admin server sent an incomplete or malformed response";
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace portico::admin
