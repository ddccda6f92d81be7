// The resource table of the test API server and the discovery documents
// built from it (see fake_apiserver_resources.h).
#include "kube/fake_apiserver_resources.h"

#include <algorithm>

namespace portico::testing::fakeapi {

const std::vector<ResourceInfo>& resources() {
  static const std::vector<ResourceInfo> kResources = [] {
    const std::string gw = "gateway.networking.k8s.io";
    const std::vector<std::string> specStatus{"spec", "status"};
    auto crd = [&](std::string group, std::vector<std::string> versions, std::string resource,
                   std::string kind, bool namespaced, bool status = true) {
      ResourceInfo r{std::move(group), std::move(versions), std::move(resource), std::move(kind), namespaced};
      r.crd = true;
      r.statusSubresource = status;
      r.allowUnconditionalUpdate = false;
      r.fields = status ? specStatus : std::vector<std::string>{"spec"};
      return r;
    };
    std::vector<ResourceInfo> out{
        crd(gw, {"v1", "v1beta1"}, "gatewayclasses", "GatewayClass", false),
        crd(gw, {"v1", "v1beta1"}, "gateways", "Gateway", true),
        crd(gw, {"v1"}, "listenersets", "ListenerSet", true),
        crd(gw, {"v1", "v1beta1"}, "httproutes", "HTTPRoute", true),
        crd(gw, {"v1"}, "grpcroutes", "GRPCRoute", true),
        crd(gw, {"v1", "v1alpha2", "v1alpha3"}, "tlsroutes", "TLSRoute", true),
        crd(gw, {"v1", "v1alpha2"}, "tcproutes", "TCPRoute", true),
        crd(gw, {"v1", "v1alpha2"}, "udproutes", "UDPRoute", true),
        crd(gw, {"v1", "v1beta1"}, "referencegrants", "ReferenceGrant", true, false),
        crd(gw, {"v1", "v1alpha3"}, "backendtlspolicies", "BackendTLSPolicy", true),
        crd("gateway.networking.x-k8s.io", {"v1alpha1"}, "xbackendtrafficpolicies", "XBackendTrafficPolicy",
            true),
    };
    ResourceInfo services{"", {"v1"}, "services", "Service", true};
    services.statusSubresource = true;
    services.fields = specStatus;
    ResourceInfo secrets{"", {"v1"}, "secrets", "Secret", true};
    secrets.fields = {"data", "stringData", "type", "immutable"};
    ResourceInfo configmaps{"", {"v1"}, "configmaps", "ConfigMap", true};
    configmaps.fields = {"data", "binaryData", "immutable"};
    ResourceInfo namespaces{"", {"v1"}, "namespaces", "Namespace", false};
    namespaces.statusSubresource = true;
    namespaces.fields = specStatus;
    ResourceInfo events{"", {"v1"}, "events", "Event", true};
    events.allowCreateOnUpdate = true;
    events.fields = {"involvedObject",
                     "reason",
                     "message",
                     "type",
                     "count",
                     "firstTimestamp",
                     "lastTimestamp",
                     "source",
                     "reportingComponent",
                     "reportingInstance",
                     "eventTime",
                     "action",
                     "related",
                     "series"};
    ResourceInfo slices{"discovery.k8s.io", {"v1"}, "endpointslices", "EndpointSlice", true};
    slices.fields = {"addressType", "endpoints", "ports"};
    ResourceInfo leases{"coordination.k8s.io", {"v1"}, "leases", "Lease", true};
    leases.allowCreateOnUpdate = true;
    leases.allowUnconditionalUpdate = false;
    leases.fields = {"spec"};
    for (auto* r : {&services, &secrets, &configmaps, &namespaces, &events, &slices, &leases}) {
      out.push_back(std::move(*r));
    }
    return out;
  }();
  return kResources;
}

const ResourceInfo* findResource(std::string_view group, std::string_view resource) {
  for (const auto& r : resources()) {
    if (r.group == group && r.resource == resource) return &r;
  }
  return nullptr;
}

const ResourceInfo* findKind(std::string_view group, std::string_view kind) {
  for (const auto& r : resources()) {
    if (r.group == group && r.kind == kind) return &r;
  }
  return nullptr;
}

bool serves(const ResourceInfo& r, std::string_view version) {
  return std::find(r.versions.begin(), r.versions.end(), version) != r.versions.end();
}

std::string groupVersion(const std::string& group, const std::string& version) {
  return group.empty() ? version : group + "/" + version;
}

std::pair<std::string, std::string> splitApiVersion(const std::string& apiVersion) {
  auto slash = apiVersion.find('/');
  if (slash == std::string::npos) return {"", apiVersion};
  return {apiVersion.substr(0, slash), apiVersion.substr(slash + 1)};
}

std::string qualified(const ResourceInfo& r) {
  return r.group.empty() ? r.resource : r.resource + "." + r.group;
}

namespace {

bool findGroup(const std::string& g) {
  return std::any_of(resources().begin(), resources().end(), [&](const auto& r) { return r.group == g; });
}

}  // namespace

std::optional<json> discovery(const std::vector<std::string>& s, const std::vector<std::string>& absent) {
  if (s.size() == 1 && s[0] == "api") {
    return json{{"kind", "APIVersions"}, {"versions", {"v1"}}, {"serverAddressByClientCIDRs", json::array()}};
  }
  auto groupEntry = [](const std::string& g) {
    json versions = json::array();
    std::vector<std::string> seen;
    for (const auto& r : resources()) {
      if (r.group != g) continue;
      for (const auto& v : r.versions) {
        if (std::find(seen.begin(), seen.end(), v) != seen.end()) continue;
        seen.push_back(v);
        versions.push_back({{"groupVersion", g + "/" + v}, {"version", v}});
      }
    }
    return json{{"name", g}, {"versions", versions}, {"preferredVersion", versions[0]}};
  };
  if (s.size() == 1 && s[0] == "apis") {
    json groups = json::array();
    std::vector<std::string> seen;
    for (const auto& r : resources()) {
      if (r.group.empty() || std::find(seen.begin(), seen.end(), r.group) != seen.end()) continue;
      seen.push_back(r.group);
      groups.push_back(groupEntry(r.group));
    }
    return json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
  }
  if (s.size() == 2 && s[0] == "apis") {
    if (!findGroup(s[1])) return std::nullopt;
    json g = groupEntry(s[1]);
    g["kind"] = "APIGroup";
    g["apiVersion"] = "v1";
    return g;
  }
  std::string group, version;
  if (s.size() == 2 && s[0] == "api") {
    version = s[1];
  } else if (s.size() == 3 && s[0] == "apis") {
    group = s[1];
    version = s[2];
  } else {
    return std::nullopt;
  }
  json list = json::array();
  for (const auto& r : resources()) {
    if (r.group != group || !serves(r, version)) continue;
    if (std::find(absent.begin(), absent.end(), r.resource) != absent.end()) continue;
    list.push_back(
        {{"name", r.resource},
         {"singularName", ""},
         {"namespaced", r.namespaced},
         {"kind", r.kind},
         {"verbs", {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}}});
    if (r.statusSubresource) {
      list.push_back({{"name", r.resource + "/status"},
                      {"singularName", ""},
                      {"namespaced", r.namespaced},
                      {"kind", r.kind},
                      {"verbs", {"get", "patch", "update"}}});
    }
  }
  if (list.empty()) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", groupVersion(group, version)},
              {"resources", list}};
}

}  // namespace portico::testing::fakeapi
