// The API server as a source: list + watch per resource (resources.h),
// resourceVersion kept across reconnects, bookmarks, relist on 410 Gone,
// backoff on errors. Objects are decoded as they arrive with the same
// decoders and validation as files; a snapshot is assembled on demand,
// sharing unchanged objects with the previous one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kube/client.h"
#include "source/loader.h"

namespace portico::kube {

struct SourceOptions {
  // Empty = every namespace. Otherwise namespaced kinds are listed and
  // watched in these namespaces only (`--namespace-scope`).
  std::vector<std::string> namespaces;
  std::chrono::milliseconds debounce{10};
  std::chrono::milliseconds watchTimeout{300000};  // server-side timeoutSeconds per watch
  // One line per notable event (a resource the server does not serve);
  // called from reflector threads. Empty = silent.
  std::function<void(const std::string&)> log;
};

struct SourceStats {
  uint64_t watchRestarts = 0;  // watches re-opened (timeouts, errors)
  uint64_t relists = 0;        // full lists after 410 Gone or errors
  uint64_t events = 0;         // ADDED/MODIFIED/DELETED applied
  uint64_t bookmarks = 0;      // BOOKMARK events (resourceVersion kept without a change)
  std::map<std::string, uint64_t> objectsByKind;
  // When the last change arrived (steady clock), for change-to-traffic latency.
  std::chrono::steady_clock::time_point lastChange{};
};

class KubeSource {
 public:
  virtual ~KubeSource() = default;
  // Starts the reflectors. `onChange` runs (debounced, on a source thread)
  // once every resource has been listed, then after each change.
  static std::unique_ptr<KubeSource> start(Client& client, SourceOptions options,
                                           std::function<void()> onChange);
  virtual bool synced() const = 0;
  // The current objects, decoded and validated; diagnostics name objects as
  // "kube:KIND NAMESPACE/NAME".
  virtual source::LoadResult load() const = 0;
  virtual SourceStats stats() const = 0;
  // Every object that decoded, by "Kind namespace/name" ("Kind name" when
  // cluster-scoped): its load order and its manifest (indented JSON;
  // status, resourceVersion and managedFields dropped, Secret values other
  // than *.crt redacted), for /objects and /changes.
  virtual std::map<std::string, std::pair<int64_t, std::shared_ptr<const std::string>>> manifests() const = 0;
  // The addresses in a Service's status.loadBalancer.ingress (ip, else
  // hostname): the data-plane Service's addresses for `--gateway-service`.
  virtual std::vector<std::string> serviceIngress(const std::string& ns, const std::string& name) const = 0;
  virtual void stop() = 0;
};

}  // namespace portico::kube
