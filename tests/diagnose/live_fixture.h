// A running Portico for the --admin tests: run::Controller in-process (the
// same code `portico run` runs) on 127.0.0.1 ephemeral ports, manifests in
// a scratch directory watched for edits, and a backend Service whose only
// endpoint refuses connections (so live counters have something to show).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "run/controller.h"
#include "support/run_cli.h"
#include "support/test_support.h"

namespace portico::testing::live {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A listening socket holding 127.0.0.1:port (no SO_REUSEPORT, so Portico's
// bind on it fails).
struct PortHolder {
  int fd = -1;
  int port = 0;
  PortHolder() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 1);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~PortHolder() { ::close(fd); }
};

// Status code of one GET through Portico (Connection: close), -1 on failure.
inline int httpStatus(int port, const std::string& host, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return resp.size() > 12 && resp.starts_with("HTTP/1.") ? std::atoi(resp.c_str() + 9) : -1;
}

// Polls `ok` until it holds or the deadline passes.
inline bool eventually(const std::function<bool()>& ok, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return ok();
}

using CliOut = CliResult;
inline CliOut cli(std::vector<std::string> args) { return runPortico(std::move(args)); }

inline void writeFile(const fs::path& p, const std::string& text) {
  // Write then rename, as editors do: the watcher sees one complete file.
  const fs::path tmp = p.string() + ".tmp";
  std::ofstream(tmp, std::ios::binary) << text;
  fs::rename(tmp, p);
}

inline std::string gatewayYaml(int port, const std::string& extraListeners = "") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\nspec: "
         "{controllerName: portico.dev/gateway-controller}\n---\napiVersion: gateway.networking.k8s.io/v1\n"
         "kind: Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: portico\n  listeners:\n  - {name: "
         "http, port: " +
         std::to_string(port) + ", protocol: HTTP}\n" + extraListeners;
}

// Service "dead" whose only endpoint is 127.0.0.1:`port` (nothing listens).
inline std::string deadServiceYaml(int port) {
  const std::string p = std::to_string(port);
  return "---\napiVersion: v1\nkind: Service\nmetadata: {name: dead}\nspec:\n  ports: [{name: http, port: "
         "80, "
         "targetPort: " +
         p +
         "}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: dead-1\n  "
         "labels: "
         "{kubernetes.io/service-name: dead}\naddressType: IPv4\nports: [{name: http, port: " +
         p + "}]\nendpoints:\n- addresses: [127.0.0.1]\n";
}

inline std::string routeYaml(const std::string& host, const std::string& backend,
                             const std::string& path = "/") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n  "
         "parentRefs: [{name: gw}]\n  hostnames: [" +
         host + "]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: " + path +
         "}}]\n    backendRefs: [{name: " + backend + ", port: 80}]\n";
}

class LiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("portico-live-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    httpPort = freePort();
    deadPort = freePort();
    writeFile(dir / "00-gateway.yaml", gatewayYaml(httpPort) + deadServiceYaml(deadPort));
    writeFile(dir / "10-route.yaml", routeYaml("a.example.com", "dead"));
    run::RunOptions o;
    o.paths = {dir.string()};
    o.server.workers = 1;
    o.server.listenAddress = "127.0.0.1";
    o.server.upstreamConnectTimeout = 2s;
    o.adminPort = 0;
    o.watch = true;
    o.debounce = 20ms;
    o.drainTimeout = 500ms;
    controller = std::make_unique<run::Controller>(o, log);
    std::string error;
    ASSERT_TRUE(controller->start(error)) << error;
    admin = "http://127.0.0.1:" + std::to_string(controller->adminPort());
  }
  void TearDown() override {
    controller.reset();
    fs::remove_all(dir);
  }

  // Waits until the controller applied generation `n` (the watcher reloads
  // after an edit).
  bool waitGeneration(uint64_t n) {
    return eventually([&] { return controller->generation() >= n; });
  }

  fs::path dir;
  int httpPort = 0, deadPort = 0;
  std::ostringstream log;
  std::unique_ptr<run::Controller> controller;
  std::string admin;
};

}  // namespace portico::testing::live
