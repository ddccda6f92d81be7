// Every Kubernetes resource Portico touches and the verbs it uses on each:
// the single source of truth for the watch list, the status writes, leader
// election, events, and the RBAC in deploy/ (tests/kube/deploy_rbac_test.cc checks
// the ClusterRole grants exactly this).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/kinds.h"

namespace portico::kube {

struct Resource {
  std::string_view group;     // "" = core
  std::string_view version;   // the version Portico lists, watches and writes
  std::string_view resource;  // plural, as in URLs and RBAC
  std::string_view kind;      // as in objects' `kind`
  bool namespaced = true;
  std::optional<api::Kind> apiKind;  // the object-model kind it decodes to (none for Lease, Event)
};

// The kinds watched (list + watch), in the order the initial sync lists them.
std::span<const Resource> watchedResources();

// "/api/v1" or "/apis/GROUP/VERSION", then "/namespaces/NS" when namespaced
// and `ns` is not empty, then "/RESOURCE", then "/NAME" and "/SUBRESOURCE".
std::string resourcePath(const Resource& r, std::string_view ns = {}, std::string_view name = {},
                         std::string_view subresource = {});

const Resource* resourceForKind(api::Kind k);
const Resource& leaseResource();
const Resource& eventResource();

// One RBAC rule as the controller needs it.
struct Access {
  std::string group;
  std::string resource;            // "gateways/status" for a subresource
  std::vector<std::string> verbs;  // sorted
};

// Everything the controller calls, merged per (group, resource), sorted by
// group then resource: list+watch on every watched resource; get+update on
// the status subresource of every Gateway API kind whose status Portico
// writes; get+create+update on leases; create+patch on events.
std::vector<Access> requiredAccess();

}  // namespace portico::kube
