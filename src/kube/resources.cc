#include "kube/resources.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace portico::kube {

namespace {

using api::Kind;

constexpr std::string_view kGw = "gateway.networking.k8s.io";
constexpr std::string_view kGwX = "gateway.networking.x-k8s.io";

// Listed in dependency order: what routes refer to comes after them, so the
// first snapshot after the initial sync is complete either way.
const std::array<Resource, 16> kWatched{{
    {kGw, "v1", "gatewayclasses", "GatewayClass", false, Kind::GatewayClass},
    {kGw, "v1", "gateways", "Gateway", true, Kind::Gateway},
    {kGw, "v1", "listenersets", "ListenerSet", true, Kind::ListenerSet},
    {kGw, "v1", "httproutes", "HTTPRoute", true, Kind::HTTPRoute},
    {kGw, "v1", "grpcroutes", "GRPCRoute", true, Kind::GRPCRoute},
    {kGw, "v1", "tlsroutes", "TLSRoute", true, Kind::TLSRoute},
    {kGw, "v1", "tcproutes", "TCPRoute", true, Kind::TCPRoute},
    {kGw, "v1", "udproutes", "UDPRoute", true, Kind::UDPRoute},
    {kGw, "v1", "referencegrants", "ReferenceGrant", true, Kind::ReferenceGrant},
    {kGw, "v1", "backendtlspolicies", "BackendTLSPolicy", true, Kind::BackendTLSPolicy},
    {kGwX, "v1alpha1", "xbackendtrafficpolicies", "XBackendTrafficPolicy", true, Kind::XBackendTrafficPolicy},
    {"", "v1", "services", "Service", true, Kind::Service},
    {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, Kind::EndpointSlice},
    {"", "v1", "secrets", "Secret", true, Kind::Secret},
    {"", "v1", "configmaps", "ConfigMap", true, Kind::ConfigMap},
    {"", "v1", "namespaces", "Namespace", false, Kind::Namespace},
}};

const Resource kLease{"coordination.k8s.io", "v1", "leases", "Lease", true, std::nullopt};
const Resource kEvent{"", "v1", "events", "Event", true, std::nullopt};

// Kinds whose status Portico writes (GEP-1364 conditions; policy ancestors).
bool statusWritten(const Resource& r) {
  if (!r.apiKind) return false;
  switch (*r.apiKind) {
    case Kind::GatewayClass:
    case Kind::Gateway:
    case Kind::ListenerSet:
    case Kind::HTTPRoute:
    case Kind::GRPCRoute:
    case Kind::TLSRoute:
    case Kind::TCPRoute:
    case Kind::UDPRoute:
    case Kind::BackendTLSPolicy:
    case Kind::XBackendTrafficPolicy:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::span<const Resource> watchedResources() { return kWatched; }

std::string resourcePath(const Resource& r, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  std::string p = r.group.empty() ? std::string("/api/") : "/apis/" + std::string(r.group) + "/";
  p += r.version;
  if (r.namespaced && !ns.empty()) {
    p += "/namespaces/";
    p += ns;
  }
  p += "/";
  p += r.resource;
  if (!name.empty()) {
    p += "/";
    p += name;
    if (!subresource.empty()) {
      p += "/";
      p += subresource;
    }
  }
  return p;
}

const Resource* resourceForKind(api::Kind k) {
  for (const auto& r : kWatched)
    if (r.apiKind == k) return &r;
  return nullptr;
}

const Resource& leaseResource() { return kLease; }
const Resource& eventResource() { return kEvent; }

std::vector<Access> requiredAccess() {
  std::map<std::pair<std::string, std::string>, std::set<std::string>> rules;
  auto grant = [&](std::string_view group, std::string resource, std::initializer_list<const char*> verbs) {
    auto& v = rules[{std::string(group), std::move(resource)}];
    v.insert(verbs.begin(), verbs.end());
  };
  for (const auto& r : kWatched) {
    grant(r.group, std::string(r.resource), {"list", "watch"});
    if (statusWritten(r)) grant(r.group, std::string(r.resource) + "/status", {"get", "update"});
  }
  grant(kLease.group, std::string(kLease.resource), {"get", "create", "update"});
  grant(kEvent.group, std::string(kEvent.resource), {"create", "patch"});
  std::vector<Access> out;
  for (auto& [key, verbs] : rules) out.push_back({key.first, key.second, {verbs.begin(), verbs.end()}});
  return out;
}

}  // namespace portico::kube
