// The resources the test API server serves (fake_apiserver.cc): the
// ResourceInfo table with each kind's group, versions, scope and update
// rules, lookups in it, apiVersion helpers, and the discovery documents
// built from it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::testing::fakeapi {

using json = nlohmann::json;

struct ResourceInfo {
  std::string group;
  std::vector<std::string> versions;  // served; the first is the storage version
  std::string resource;               // plural
  std::string kind;
  bool namespaced = true;
  bool crd = false;  // a custom resource (unstructured lists, generation)
  bool statusSubresource = false;
  bool allowCreateOnUpdate = false;
  bool allowUnconditionalUpdate = true;
  std::vector<std::string> fields;  // top-level fields besides apiVersion, kind, metadata
};

// Every kind served, in the order discovery lists them.
const std::vector<ResourceInfo>& resources();

const ResourceInfo* findResource(std::string_view group, std::string_view resource);
const ResourceInfo* findKind(std::string_view group, std::string_view kind);
bool serves(const ResourceInfo& r, std::string_view version);
std::string groupVersion(const std::string& group, const std::string& version);
std::pair<std::string, std::string> splitApiVersion(const std::string& apiVersion);

// "gateways.gateway.networking.k8s.io" as the real server names a resource in messages.
std::string qualified(const ResourceInfo& r);

// Discovery documents, enough for a client checking what is served.
// `s` is the request path split into segments ("apis", group, version);
// resources named in `absent` are left out. Null when `s` is not a
// discovery path.
std::optional<json> discovery(const std::vector<std::string>& s, const std::vector<std::string>& absent);

}  // namespace portico::testing::fakeapi
