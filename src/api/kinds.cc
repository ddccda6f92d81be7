#include "api/kinds.h"

#include <array>
#include <utility>

namespace portico::api {
namespace {

struct KindInfo {
  Kind kind;
  std::string_view name;
  std::string_view group;
  bool clusterScoped;
  // Versions served by the v1.6.1 bundles; the first is the one we write.
  std::array<std::string_view, 4> served;
  // Served but deprecated (experimental bundle only).
  std::array<std::string_view, 3> deprecated;
};

constexpr std::array<KindInfo, 17> kKinds{{
    {Kind::GatewayClass, "GatewayClass", "gateway.networking.k8s.io", true, {"v1", "v1beta1"}, {}},
    {Kind::Gateway, "Gateway", "gateway.networking.k8s.io", false, {"v1", "v1beta1"}, {}},
    {Kind::ListenerSet, "ListenerSet", "gateway.networking.k8s.io", false, {"v1"}, {}},
    {Kind::HTTPRoute, "HTTPRoute", "gateway.networking.k8s.io", false, {"v1", "v1beta1"}, {}},
    {Kind::GRPCRoute, "GRPCRoute", "gateway.networking.k8s.io", false, {"v1"}, {}},
    {Kind::TLSRoute, "TLSRoute", "gateway.networking.k8s.io", false, {"v1"}, {"v1alpha2", "v1alpha3"}},
    {Kind::TCPRoute, "TCPRoute", "gateway.networking.k8s.io", false, {"v1"}, {"v1alpha2"}},
    {Kind::UDPRoute, "UDPRoute", "gateway.networking.k8s.io", false, {"v1"}, {"v1alpha2"}},
    {Kind::ReferenceGrant, "ReferenceGrant", "gateway.networking.k8s.io", false, {"v1", "v1beta1"}, {}},
    {Kind::BackendTLSPolicy, "BackendTLSPolicy", "gateway.networking.k8s.io", false, {"v1"}, {"v1alpha3"}},
    {Kind::XBackendTrafficPolicy, "XBackendTrafficPolicy", "gateway.networking.x-k8s.io", false, {"v1alpha1"}, {}},
    {Kind::Service, "Service", "", false, {"v1"}, {}},
    {Kind::EndpointSlice, "EndpointSlice", "discovery.k8s.io", false, {"v1"}, {}},
    {Kind::Secret, "Secret", "", false, {"v1"}, {}},
    {Kind::ConfigMap, "ConfigMap", "", false, {"v1"}, {}},
    {Kind::Namespace, "Namespace", "", true, {"v1"}, {}},
    {Kind::CustomResourceDefinition, "CustomResourceDefinition", "apiextensions.k8s.io", true, {"v1"}, {}},
}};

const KindInfo& info(Kind k) { return kKinds[static_cast<size_t>(k)]; }

}  // namespace

std::string_view kindName(Kind k) { return info(k).name; }

std::optional<Kind> kindFromName(std::string_view name) {
  for (const auto& i : kKinds) {
    if (i.name == name) return i.kind;
  }
  return std::nullopt;
}

bool isClusterScoped(Kind k) { return info(k).clusterScoped; }

bool isRouteKind(Kind k) {
  return k == Kind::HTTPRoute || k == Kind::GRPCRoute || k == Kind::TLSRoute ||
         k == Kind::TCPRoute || k == Kind::UDPRoute;
}

std::string_view kindGroup(Kind k) { return info(k).group; }

VersionCheck checkApiVersion(Kind k, std::string_view apiVersion) {
  const KindInfo& i = info(k);
  std::string_view group;
  std::string_view version = apiVersion;
  if (auto slash = apiVersion.find('/'); slash != std::string_view::npos) {
    group = apiVersion.substr(0, slash);
    version = apiVersion.substr(slash + 1);
  }
  VersionCheck out;
  if (group != i.group) {
    out.message = "apiVersion \"" + std::string(apiVersion) + "\": kind " + std::string(i.name) +
                  " belongs to group \"" + std::string(i.group) + "\"";
    return out;
  }
  for (auto v : i.served) {
    if (!v.empty() && v == version) {
      out.served = true;
      if (v != i.served[0]) {
        out.deprecated = true;
        out.message = std::string(i.name) + " " + std::string(version) + " is served but deprecated; use " +
                      std::string(preferredApiVersion(k));
      }
      return out;
    }
  }
  for (auto v : i.deprecated) {
    if (!v.empty() && v == version) {
      out.served = true;
      out.deprecated = true;
      out.message = std::string(i.name) + " " + std::string(version) +
                    " is served only by the experimental bundle and deprecated; use " +
                    std::string(preferredApiVersion(k));
      return out;
    }
  }
  out.message = std::string(i.name) + " " + std::string(version) + " is not served by Gateway API v1.6.1";
  return out;
}

std::string_view preferredApiVersion(Kind k) {
  static constexpr std::array<std::string_view, 17> kPreferred{
      "gateway.networking.k8s.io/v1",
      "gateway.networking.k8s.io/v1",
      "gateway.networking.k8s.io/v1",
      "gateway.networking.k8s.io/v1",
      "gateway.networking.k8s.io/v1",
      "gateway.networking.k8s.io/v1",
      "gateway.networking.k8s.io/v1",
      "gateway.networking.k8s.io/v1",
      "gateway.networking.k8s.io/v1",
      "gateway.networking.k8s.io/v1",
      "gateway.networking.x-k8s.io/v1alpha1",
      "v1",
      "discovery.k8s.io/v1",
      "v1",
      "v1",
      "v1",
      "apiextensions.k8s.io/v1",
  };
  return kPreferred[static_cast<size_t>(k)];
}

}  // namespace portico::api
