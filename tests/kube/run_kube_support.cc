#include "kube/run_kube_support.h"

#include <fstream>
#include <thread>

#include "support/test_support.h"

namespace portico::kubetest {

using nlohmann::json;
namespace fs = std::filesystem;

json gatewayClass() {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "GatewayClass"},
          {"metadata", {{"name", "portico"}}},
          {"spec", {{"controllerName", "portico.dev/gateway-controller"}}}};
}

std::string writeKubeconfig(const testing::FakeApiServer& server, const fs::path& dir) {
  fs::create_directories(dir);
  const fs::path p = dir / "kubeconfig";
  std::ofstream(p)
      << "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: fake\n  cluster:\n"
      << "    server: " << server.url()
      << "\n    certificate-authority-data: " << testing::base64(server.caPem())
      << "\ncontexts:\n- name: test\n  context: {cluster: fake, "
      << "user: portico, namespace: portico-system}\nusers:\n- name: portico\n  user: {token: "
      << server.token() << "}\n";
  return p.string();
}

run::RunOptions kubeRunOptions(const std::string& kubeconfig) {
  run::RunOptions o;
  o.kube.enabled = true;
  o.kube.kubeconfig = kubeconfig;
  o.kube.leaderElect = false;
  o.server.workers = 1;
  o.server.listenAddress = "127.0.0.1";
  o.adminPort = 0;
  o.debounce = std::chrono::milliseconds(20);
  o.drainTimeout = std::chrono::milliseconds(500);
  o.accessLog = "off";
  return o;
}

bool eventually(const std::function<bool()>& probe, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (probe()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace portico::kubetest
