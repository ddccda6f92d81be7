#include "conformance/live_case.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "conformance/case_loader.h"
#include "conformance/status_checks.h"
#include "conformance/yaml_json.h"
#include "source/loader.h"

namespace portico::conformance {
namespace {

using nlohmann::json;

std::string block() {
  const auto pid = static_cast<unsigned>(::getpid());
  return fmt::format("127.{}.{}", 1 + (pid >> 8) % 254, pid & 0xff);
}

std::string base64Decode(const std::string& in) {
  std::string out(in.size(), '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return {};
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  if (in.ends_with("=="))
    len -= 2;
  else if (in.ends_with("="))
    len -= 1;
  out.resize(len);
  return out;
}

std::string timestamp(int64_t seconds) {
  // Creation order, one second apart from a fixed origin (RFC 3339).
  const int64_t s = seconds % 60, m = (seconds / 60) % 60, h = (seconds / 3600) % 24, d = seconds / 86400;
  return fmt::format("2026-01-{:02}T{:02}:{:02}:{:02}Z", 1 + d, h, m, s);
}

std::string key(const json& d) {
  const json& m = d.value("metadata", json::object());
  return d.value("kind", "") + "/" + m.value("namespace", "") + "/" + m.value("name", "");
}

// The HTTPRouteServiceTypes case patches these selector-less Services'
// EndpointSlices with infra-backend-v1's pods (see its notes).
std::map<std::string, std::string> manualSlices(const json& theCase) {
  if (theCase.value("name", "") != "HTTPRouteServiceTypes") return {};
  return {{"gateway-conformance-infra/manual-endpointslices", "infra-backend-v1"},
          {"gateway-conformance-infra/headless-manual-endpointslices", "infra-backend-v1"}};
}

}  // namespace

std::string gatewayPool() { return block() + ".0/25"; }
std::string podAddress(int index) { return fmt::format("{}.{}", block(), 128 + index); }

bool canBindPrivilegedPorts() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(80);
  ::inet_pton(AF_INET, (block() + ".127").c_str(), &a.sin_addr);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 || errno != EACCES;
  ::close(fd);
  return ok;
}

Timeouts Timeouts::fromEnvironment() {
  Timeouts t;
  if (const char* full = std::getenv("PORTICO_CONFORMANCE_FULL"); full && std::string(full) == "1") return t;
  t.status = std::chrono::seconds(15);
  t.consistency = std::chrono::seconds(10);
  t.request = std::chrono::seconds(5);
  return t;
}

LiveCase::LiveCase() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "portico-conformance-XXXXXX").string();
  if (::mkdtemp(tmpl.data())) dir_ = tmpl;
}

LiveCase::~LiveCase() {
  if (portico_) portico_->stop(std::chrono::seconds(5));
  portico_.reset();
  fleet_.reset();
  if (!keep_ && !dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

bool LiveCase::start(const json& theCase, std::string& error) {
  if (dir_.empty()) {
    error = "cannot create a temporary directory";
    return false;
  }
  caseName_ = theCase.value("name", "");
  docs_ = yamlDocuments(caseManifests(theCase));
  // Creation timestamps in YAML order, as the suite's sequential applies
  // give them (conflict resolution reads them).
  for (auto& d : docs_) {
    if (!d["metadata"].contains("creationTimestamp")) d["metadata"]["creationTimestamp"] = timestamp(clock_);
    ++clock_;
  }
  fleet_ = std::make_unique<BackendFleet>(PORTICO_ECHO_BIN, PORTICO_GRPC_ECHO_BIN, dir_, &podAddress);
  if (!fleet_->start(docs_, error)) return false;
  slices_ = fleet_->endpointSlices(docs_, manualSlices(theCase));
  std::ofstream(dir_ + "/manifests.yaml") << toYamlStream(docs_) << toYamlStream(slices_);

  std::vector<std::string> argv = {PORTICO_BIN,
                                   "run",
                                   "-c",
                                   dir_ + "/manifests.yaml",
                                   "--admin-address",
                                   "127.0.0.1:0",
                                   "--address-pool",
                                   gatewayPool(),
                                   "--controller-name",
                                   translate::kDefaultControllerName,
                                   "--workers",
                                   "2",
                                   "--access-log",
                                   "off",
                                   "--no-watch",
                                   "--drain-timeout",
                                   "1"};
  portico_ = std::make_unique<ChildProcess>(argv, dir_ + "/portico.log");
  auto line = portico_->waitForLine("admin server on ", std::chrono::seconds(30));
  if (!line) {
    error = "portico run did not start: " + portico_->log();
    return false;
  }
  adminPort_ = std::atoi(line->substr(line->rfind(':') + 1).c_str());
  return adminPort_ > 0;
}

json LiveCase::fetchStatus() {
  ClientRequest r;
  r.address = "127.0.0.1";
  r.port = adminPort_;
  r.host = fmt::format("127.0.0.1:{}", adminPort_);
  r.path = "/status";
  auto rt = roundTrip(r, std::chrono::seconds(5));
  if (!rt.ok || rt.response.status != 200) return nullptr;
  json j = json::parse(rt.response.body, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

std::string LiveCase::waitForStatus(const json& checks, std::chrono::milliseconds timeout) {
  // namespacesReady needs the Gateways' annotations: read the files as
  // Portico does.
  std::ifstream in(dir_ + "/manifests.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  auto load = source::loadString(ss.str(), "manifests.yaml");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string failures;
  for (;;) {
    failures.clear();
    json list = fetchStatus();
    if (list.is_null()) {
      failures = "no status from the admin server";
    } else {
      const StatusView view(list);
      for (size_t i = 0; i < checks.size(); ++i) {
        const auto& c = checks[i];
        if (auto e = evaluate(c, view, load.snapshot); !e.empty()) {
          failures += fmt::format("status[{}] {} {} {}: {}\n", i, c.value("check", ""), c.value("kind", ""),
                                  c.value("name", ""), e);
        }
      }
    }
    if (failures.empty() || std::chrono::steady_clock::now() >= deadline || portico_->exited())
      return failures;
    // The suite polls status every 100 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string LiveCase::gatewayAddress(const std::string& ns, const std::string& name) {
  json list = fetchStatus();
  if (list.is_null()) return {};
  const StatusView view(list);
  const json* gw = view.find("Gateway", ns, name);
  if (!gw) return {};
  const json& st = (*gw)["status"];
  if (!st.is_object() || !st.contains("addresses") || !st["addresses"].is_array()) return {};
  for (const auto& a : st["addresses"]) {
    if (a.is_object() && a.contains("type") && a["type"].is_string() && a.contains("value"))
      return a["value"].get<std::string>();
  }
  return {};
}

std::string LiveCase::secretData(const std::string& ns, const std::string& name, const std::string& k) const {
  for (const auto& d : docs_) {
    if (d.value("kind", "") != "Secret") continue;
    const json& m = d["metadata"];
    if (m.value("namespace", "") != ns || m.value("name", "") != name) continue;
    const json& data = d.value("data", json::object());
    if (data.contains(k) && data[k].is_string()) return base64Decode(data[k].get<std::string>());
  }
  return {};
}

std::string LiveCase::configMapData(const std::string& ns, const std::string& name,
                                    const std::string& k) const {
  for (const auto& d : docs_) {
    if (d.value("kind", "") != "ConfigMap") continue;
    const json& m = d["metadata"];
    if (m.value("namespace", "") != ns || m.value("name", "") != name) continue;
    const json& data = d.value("data", json::object());
    if (data.contains(k) && data[k].is_string()) return data[k].get<std::string>();
  }
  return {};
}

bool LiveCase::writeAndReload(std::string& error) {
  // Write to a new file and rename: Portico never reads a half-written one.
  const std::string tmp = dir_ + "/manifests.yaml.tmp";
  std::ofstream(tmp) << toYamlStream(docs_) << toYamlStream(slices_);
  std::filesystem::rename(tmp, dir_ + "/manifests.yaml");
  if (portico_->exited()) {
    error = "portico exited: " + portico_->log();
    return false;
  }
  portico_->signal(SIGHUP);
  return true;
}

bool LiveCase::applyStep(const json& step, std::string& error) {
  const std::string action = step.value("action", "");
  const json& target = step.value("target", json::object());
  const std::string want =
      target.value("kind", "") + "/" + target.value("namespace", "") + "/" + target.value("name", "");
  auto find = [&]() -> json* {
    for (auto& d : docs_) {
      if (key(d) == want) return &d;
    }
    return nullptr;
  };
  if (action == "delete") {
    std::erase_if(docs_, [&](const json& d) { return key(d) == want; });
    return writeAndReload(error);
  }
  if (action == "create") {
    json obj = step.contains("object") ? step["object"] : prose_.create(step, docs_);
    if (obj.is_null()) {
      error = "create step described only in prose, not expressible yet: " +
              step.value("description", std::string("?"));
      return false;
    }
    obj["metadata"]["creationTimestamp"] = timestamp(clock_++);
    docs_.push_back(obj);
    return writeAndReload(error);
  }
  if (action == "patch") {
    json* d = find();
    if (!d) {
      error = "step target " + want + " is not in the manifests";
      return false;
    }
    const json before = (*d).value("spec", json());
    if (step.contains("mergePatch")) {
      d->merge_patch(step["mergePatch"]);
    } else if (step.contains("appendListener")) {
      (*d)["spec"]["listeners"].push_back(step["appendListener"]);
    } else if (!prose_.patch(step.value("description", std::string()), *d, docs_)) {
      error =
          "step described only in prose, not expressible yet: " + step.value("description", std::string("?"));
      return false;
    }
    // The API server bumps metadata.generation on a spec change.
    if ((*d).value("spec", json()) != before) {
      (*d)["metadata"]["generation"] = (*d)["metadata"].value("generation", 1) + 1;
    }
    return writeAndReload(error);
  }
  error = "step action " + action + " cannot be expressed";
  return false;
}

}  // namespace portico::conformance
