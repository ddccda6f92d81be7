// In-test L4 backends for the TLSRoute/TCPRoute/UDPRoute end-to-end tests:
// a TCP server and a UDP server on 127.0.0.1:0 that answer with their own
// name, so a test can tell which backend a connection reached. Blocking
// POSIX sockets on threads; every wait is bounded (poll with a short
// period, so destruction never hangs).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace portico::testing::l4 {

using namespace std::chrono_literals;

inline sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

inline int boundPort(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// TCP: on each connection writes "<name>\n", then echoes every byte
// until the client's end of stream, then ends its own side.
class TcpNameServer {
 public:
  explicit TcpNameServer(std::string name) : name_(std::move(name)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(0);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 128);
    port_ = boundPort(fd_);
    thread_ = std::thread([this] { acceptLoop(); });
  }
  ~TcpNameServer() {
    stop_ = true;
    thread_.join();
    std::vector<std::thread> ts;
    {
      std::lock_guard l(mu_);
      ts.swap(conns_);
    }
    for (auto& t : ts) t.join();
    ::close(fd_);
  }
  TcpNameServer(const TcpNameServer&) = delete;
  TcpNameServer& operator=(const TcpNameServer&) = delete;

  int port() const { return port_; }
  int accepts() const { return accepts_.load(); }
  const std::string& name() const { return name_; }

 private:
  void acceptLoop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      ++accepts_;
      std::lock_guard l(mu_);
      conns_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    std::string hello = name_ + "\n";
    ::send(c, hello.data(), hello.size(), MSG_NOSIGNAL);
    char buf[16384];
    while (!stop_) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      size_t done = 0;
      while (done < static_cast<size_t>(n)) {
        ssize_t w = ::send(c, buf + done, static_cast<size_t>(n) - done, MSG_NOSIGNAL);
        if (w <= 0) break;
        done += static_cast<size_t>(w);
      }
    }
    ::shutdown(c, SHUT_WR);
    ::close(c);
  }

  std::string name_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepts_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::thread> conns_;
};

// UDP: answers each datagram with "<name>:<payload>" to its sender.
class UdpNameServer {
 public:
  explicit UdpNameServer(std::string name) : name_(std::move(name)) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    port_ = boundPort(fd_);
    thread_ = std::thread([this] { loop(); });
  }
  ~UdpNameServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  UdpNameServer(const UdpNameServer&) = delete;
  UdpNameServer& operator=(const UdpNameServer&) = delete;

  int port() const { return port_; }
  int datagrams() const { return datagrams_.load(); }

 private:
  void loop() {
    char buf[65536];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) continue;
      ++datagrams_;
      std::string reply = name_ + ":" + std::string(buf, static_cast<size_t>(n));
      ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }

  std::string name_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> datagrams_{0};
  std::thread thread_;
};

// A UDP client socket connected to 127.0.0.1:port (its own source port:
// one session per client).
class UdpClient {
 public:
  explicit UdpClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(port);
    ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  ~UdpClient() { ::close(fd_); }
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;

  // Sends `payload` and waits (bounded) for one answer; empty on timeout.
  std::string ask(const std::string& payload, std::chrono::milliseconds timeout = 2s) {
    ::send(fd_, payload.data(), payload.size(), 0);
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return {};
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n <= 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
  }

 private:
  int fd_ = -1;
};

// A GatewayClass and the Gateway "gw" with `listeners` (YAML list items).
inline std::string gatewayWith(const std::string& listeners) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\n"
         "spec: {controllerName: portico.dev/gateway-controller}\n---\n"
         "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n"
         "  gatewayClassName: portico\n  listeners:\n" +
         listeners;
}

// A Service (port 80) whose one endpoint is 127.0.0.1:`port`; `port` 0
// leaves it without endpoints.
inline std::string l4Service(const std::string& name, int port, bool udp = false) {
  const std::string proto = udp ? ", protocol: UDP" : "";
  std::string y = "---\napiVersion: v1\nkind: Service\nmetadata: {name: " + name +
                  "}\nspec:\n  ports: [{name: p, port: 80" + proto + "}]\n";
  if (port == 0) return y;
  return y + "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + name +
         "-1\n  labels: {kubernetes.io/service-name: " + name +
         "}\naddressType: IPv4\nports: [{name: p, port: " + std::to_string(port) + proto +
         "}]\nendpoints:\n- addresses: [127.0.0.1]\n";
}

// A TLSRoute, TCPRoute or UDPRoute on listener `section` of "gw".
// `hostnames` and `backendRefs` are YAML flow lists ("" = no hostnames).
inline std::string l4Route(const std::string& kind, const std::string& name, const std::string& section,
                           const std::string& hostnames, const std::string& backendRefs) {
  return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: " + kind + "\nmetadata: {name: " + name +
         "}\nspec:\n  parentRefs: [{name: gw, sectionName: " + section + "}]\n" +
         (hostnames.empty() ? std::string() : "  hostnames: " + hostnames + "\n") +
         "  rules:\n  - backendRefs: " + backendRefs + "\n";
}

}  // namespace portico::testing::l4
