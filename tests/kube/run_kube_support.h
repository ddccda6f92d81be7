// What the tests that run Portico against the test API server share: the
// GatewayClass every one starts from, a kubeconfig pointing at the server,
// the in-process `run --kube` options, and a bounded wait for traffic to
// settle on an expected answer.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "kube/fake_apiserver.h"
#include "run/controller.h"

namespace portico::kubetest {

// GatewayClass "portico" naming Portico's default controllerName.
nlohmann::json gatewayClass();

// DIR/kubeconfig: the server's URL and CA, its bearer token, context
// namespace portico-system. Returns the path.
std::string writeKubeconfig(const testing::FakeApiServer& server, const std::filesystem::path& dir);

// `portico run --kube --kubeconfig PATH` in-process: one worker on
// 127.0.0.1, an ephemeral admin port, no leader election (status is written
// after every reconcile), a 20 ms debounce, no access log.
run::RunOptions kubeRunOptions(const std::string& kubeconfig);

// Asks `probe` again (every 10 ms: a polling interval, not a
// synchronisation) until it holds or `limit` passes. Every change made
// through the API server reaches traffic after a watch event, a debounce and
// a reconcile; consecutive steps of a test expect different answers, so
// reaching the expected one proves the change arrived.
bool eventually(const std::function<bool()>& probe,
                std::chrono::milliseconds limit = std::chrono::milliseconds(20000));

}  // namespace portico::kubetest
