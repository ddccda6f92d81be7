// An immutable, consistent set of objects: what the translator reads.
// Objects are held by shared_ptr<const T> so that a new snapshot that
// changes one object shares every other one with the previous snapshot.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/core.h"
#include "api/gateway.h"
#include "api/policy.h"
#include "api/routes.h"

namespace portico::store {

template <class T>
using Ptr = std::shared_ptr<const T>;

// Objects of one kind keyed by "namespace/name" ("name" for cluster-scoped
// kinds); iteration is in key order, which keeps the translator
// deterministic.
template <class T>
class Table {
 public:
  static std::string key(std::string_view ns, std::string_view name) {
    std::string k;
    k.reserve(ns.size() + name.size() + 1);
    if (!ns.empty()) {
      k.append(ns);
      k.push_back('/');
    }
    k.append(name);
    return k;
  }

  const T* find(std::string_view ns, std::string_view name) const {
    auto it = items_.find(key(ns, name));
    return it == items_.end() ? nullptr : it->second.get();
  }
  Ptr<T> findPtr(std::string_view ns, std::string_view name) const {
    auto it = items_.find(key(ns, name));
    return it == items_.end() ? nullptr : it->second;
  }
  // Returns the object already present under the same key, if any.
  Ptr<T> insert(Ptr<T> obj) {
    auto [it, inserted] = items_.try_emplace(key(obj->meta.namespace_, obj->meta.name), obj);
    if (!inserted) return it->second;
    return nullptr;
  }
  bool erase(std::string_view ns, std::string_view name) { return items_.erase(key(ns, name)) > 0; }

  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

 private:
  std::map<std::string, Ptr<T>, std::less<>> items_;
};

struct Snapshot {
  Table<api::GatewayClass> gatewayClasses;
  Table<api::Gateway> gateways;
  Table<api::ListenerSet> listenerSets;
  Table<api::HTTPRoute> httpRoutes;
  Table<api::GRPCRoute> grpcRoutes;
  Table<api::TLSRoute> tlsRoutes;
  Table<api::TCPRoute> tcpRoutes;
  Table<api::UDPRoute> udpRoutes;
  Table<api::ReferenceGrant> referenceGrants;
  Table<api::BackendTLSPolicy> backendTLSPolicies;
  Table<api::XBackendTrafficPolicy> backendTrafficPolicies;
  Table<api::Service> services;
  Table<api::EndpointSlice> endpointSlices;
  Table<api::Secret> secrets;
  Table<api::ConfigMap> configMaps;
  Table<api::Namespace> namespaces;
  Table<api::CustomResourceDefinition> crds;

  size_t objectCount() const;
};

}  // namespace portico::store
