// End-to-end fixture: portico-echo backends as child processes, a config
// written as YAML, translated, served by a real dataplane::Server on
// 127.0.0.1 ephemeral ports.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "dataplane/server.h"
#include "dataplane/stats.h"
#include "echo/echo_harness.h"
#include "support/test_support.h"
#include "translate/translator.h"

namespace portico::testing {

// An echo backend: a child portico-echo bound to 127.0.0.1:0.
struct Backend {
  std::unique_ptr<echotest::EchoProcess> proc;
  int port = 0;
  std::string name;  // pod name, also used as the Service name in tests
  explicit Backend(const std::string& pod, std::vector<std::string> extra = {}) : name(pod) {
    std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--pod", pod, "--namespace", "default"};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<echotest::EchoProcess>(args);
    auto ports = proc->ports(1);
    port = ports.empty() ? 0 : ports[0];
  }
};

// Service + EndpointSlice YAML for a backend.
inline std::string serviceYaml(const std::string& name, int port) {
  return "---\napiVersion: v1\nkind: Service\nmetadata: {name: " + name +
         "}\nspec:\n  ports: [{name: http, port: 80, targetPort: " + std::to_string(port) +
         "}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + name +
         "-1\n  labels: {kubernetes.io/service-name: " + name +
         "}\naddressType: IPv4\nports: [{name: http, port: " + std::to_string(port) +
         "}]\nendpoints:\n- addresses: [127.0.0.1]\n  targetRef: {kind: Pod, name: " + name + "-pod}\n";
}

inline std::string gatewayYaml(int port, const std::string& extraListeners = "") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\nspec: "
         "{controllerName: portico.dev/gateway-controller}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: "
         "Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: portico\n  listeners:\n  - {name: http, port: " +
         std::to_string(port) + ", protocol: HTTP}\n" + extraListeners;
}

class ProxyTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server) server->stop(std::chrono::milliseconds(2000));
  }

  // Translates `yaml` into an IR ready for apply(); fails the test on load
  // errors.
  static ir::ConfigPtr compile(const std::string& yaml) {
    auto load = loadOk(yaml);
    auto result = translate::translate(load.snapshot);
    return std::make_shared<const ir::Config>(std::move(result.ir));
  }

  // Translates `yaml` and serves it; fails the test on load errors.
  std::vector<dataplane::BindResult> serve(const std::string& yaml, dataplane::ServerOptions opts = {}) {
    return serve(compile(yaml), std::move(opts));
  }

  // Serves an already compiled config (the server starts on first use).
  std::vector<dataplane::BindResult> serve(ir::ConfigPtr ir, dataplane::ServerOptions opts = {}) {
    if (!server) {
      opts.listenAddress = "127.0.0.1";
      if (opts.workers < 1) opts.workers = 2;
      server = dataplane::Server::create(opts);
      server->start();
    }
    return server->apply(ir);
  }

  std::unique_ptr<dataplane::Server> server;
};

}  // namespace portico::testing
