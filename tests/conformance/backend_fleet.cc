#include "conformance/backend_fleet.h"

#include <fmt/format.h>

#include <functional>

namespace portico::conformance {
namespace {

using nlohmann::json;

const json& at(const json& j, std::initializer_list<const char*> path) {
  static const json kNull;
  const json* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object() || !cur->contains(k)) return kNull;
    cur = &(*cur)[k];
  }
  return *cur;
}

std::string text(const json& j, const std::string& fallback = "") {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<int64_t>());
  return fallback;
}

// Deployment pod names look like <deployment>-<replicaset hash>-<pod hash>
// (README: backends are matched by prefix, weights by dropping the last two
// parts); the hashes use the alphabet Kubernetes uses for generated names.
std::string podName(const std::string& ns, const std::string& deployment) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  size_t h = std::hash<std::string>{}(ns + "/" + deployment);
  auto take = [&](int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      out.push_back(kAlphabet[h % kAlphabet.size()]);
      h = h / kAlphabet.size() + 0x9e3779b9u * static_cast<size_t>(i + 1);
    }
    return out;
  };
  std::string rs = take(9);
  return deployment + "-" + rs + "-" + take(5);
}

bool selects(const json& selector, const std::map<std::string, std::string>& labels) {
  if (!selector.is_object() || selector.empty()) return false;
  for (auto it = selector.begin(); it != selector.end(); ++it) {
    auto l = labels.find(it.key());
    if (l == labels.end() || l->second != text(it.value())) return false;
  }
  return true;
}

// The container port a Service port targets (targetPort: number, name, or
// absent = the Service port).
int targetPort(const json& servicePort, const Pod& pod) {
  const json& t = at(servicePort, {"targetPort"});
  if (t.is_null()) return at(servicePort, {"port"}).get<int>();
  if (t.is_number_integer()) return t.get<int>();
  auto it = pod.namedPorts.find(text(t));
  return it == pod.namedPorts.end() ? 0 : it->second;
}

json slicePorts(const json& service, const Pod& pod) {
  json ports = json::array();
  for (const auto& sp : at(service, {"spec", "ports"})) {
    json p = {{"port", targetPort(sp, pod)}, {"protocol", text(at(sp, {"protocol"}), "TCP")}};
    if (sp.contains("name")) p["name"] = sp["name"];
    if (sp.contains("appProtocol")) p["appProtocol"] = sp["appProtocol"];
    ports.push_back(p);
  }
  return ports;
}

json endpoint(const Pod& pod) {
  return {{"addresses", json::array({pod.ip})},
          {"conditions", {{"ready", true}, {"serving", true}, {"terminating", false}}},
          {"targetRef", {{"kind", "Pod"}, {"namespace", pod.namespace_}, {"name", pod.name}}}};
}

}  // namespace

BackendFleet::BackendFleet(std::string echoBinary, std::string grpcEchoBinary, std::string dir,
                           std::string (*podAddress)(int))
    : echoBinary_(std::move(echoBinary)),
      grpcEchoBinary_(std::move(grpcEchoBinary)),
      dir_(std::move(dir)),
      podAddress_(podAddress) {}

bool BackendFleet::start(const std::vector<json>& docs, std::string& error) {
  for (const auto& d : docs) {
    if (text(at(d, {"kind"})) != "Deployment") continue;
    auto pod = std::make_unique<Pod>();
    pod->namespace_ = text(at(d, {"metadata", "namespace"}), "default");
    pod->deployment = text(at(d, {"metadata", "name"}));
    pod->name = podName(pod->namespace_, pod->deployment);
    pod->ip = podAddress_(static_cast<int>(pods_.size()));
    const json& tmpl = at(d, {"spec", "template"});
    for (const auto& [k, v] : at(tmpl, {"metadata", "labels"}).items()) pod->labels[k] = text(v);
    const json& containers = at(tmpl, {"spec", "containers"});
    const json container = containers.is_array() && !containers.empty() ? containers[0] : json::object();
    for (const auto& p : at(container, {"ports"})) {
      if (p.contains("name")) pod->namedPorts[text(p["name"])] = at(p, {"containerPort"}).get<int>();
    }
    // The kubelet's part: the pod's Secret and ConfigMap volumes as files.
    PodVolumes volumes;
    const std::string root = fmt::format("{}/{}.{}", dir_, pod->namespace_, pod->name);
    if (!volumes.mount(pod->namespace_, at(tmpl, {"spec"}), container, docs, root, error)) {
      error = fmt::format("echo pod {}/{}: {}", pod->namespace_, pod->name, error);
      return false;
    }
    PodCommand cmd =
        podCommand(container, pod->ip, pod->namespace_, pod->name, volumes, {echoBinary_, grpcEchoBinary_});
    pod->mode = cmd.mode;
    pod->skipReason = cmd.skipReason;
    if (!cmd.argv.empty()) {
      pod->process = std::make_unique<ChildProcess>(
          cmd.argv, fmt::format("{}/{}.{}.log", dir_, pod->namespace_, pod->name));
      // Every listener is bound before the first line is printed.
      if (!pod->process->waitForLine("listening on", std::chrono::seconds(20))) {
        error = fmt::format("echo pod {}/{} did not start on {}: {}", pod->namespace_, pod->name,
                            cmd.describe, pod->process->log());
        return false;
      }
    }
    pods_.push_back(std::move(pod));
  }
  return true;
}

std::vector<json> BackendFleet::endpointSlices(std::vector<json>& docs,
                                               const std::map<std::string, std::string>& manualFill) const {
  std::vector<json> out;
  for (const auto& svc : docs) {
    if (text(at(svc, {"kind"})) != "Service") continue;
    const std::string ns = text(at(svc, {"metadata", "namespace"}), "default");
    const std::string name = text(at(svc, {"metadata", "name"}));
    // One slice per pod: named targetPorts resolve per pod.
    for (const auto& p : pods_) {
      if (!p->process || p->namespace_ != ns || !selects(at(svc, {"spec", "selector"}), p->labels)) continue;
      out.push_back({{"apiVersion", "discovery.k8s.io/v1"},
                     {"kind", "EndpointSlice"},
                     {"metadata",
                      {{"name", name + "-" + p->name.substr(p->name.size() - 5)},
                       {"namespace", ns},
                       {"labels", {{"kubernetes.io/service-name", name}}}}},
                     {"addressType", "IPv4"},
                     {"ports", slicePorts(svc, *p)},
                     {"endpoints", json::array({endpoint(*p)})}});
    }
  }
  // The manifests' own slices of selector-less Services, patched with the
  // pods of the named Deployment (IPv4 only: the pods have no IPv6). Their
  // port (3000) is the pods' HTTP port on their own address.
  for (auto& d : docs) {
    if (text(at(d, {"kind"})) != "EndpointSlice" || text(at(d, {"addressType"})) != "IPv4") continue;
    const std::string ns = text(at(d, {"metadata", "namespace"}), "default");
    auto it = manualFill.find(ns + "/" + text(at(d, {"metadata", "labels", "kubernetes.io/service-name"})));
    if (it == manualFill.end()) continue;
    if (const Pod* p = pod(ns, it->second); p && p->process) d["endpoints"] = json::array({endpoint(*p)});
  }
  return out;
}

const Pod* BackendFleet::pod(const std::string& ns, const std::string& deployment) const {
  for (const auto& p : pods_) {
    if (p->namespace_ == ns && p->deployment == deployment) return p.get();
  }
  return nullptr;
}

}  // namespace portico::conformance
