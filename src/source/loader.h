// Reads manifests (YAML or JSON, multi-document) from files, directories or
// stdin, decodes and validates every object and builds a snapshot. Invalid
// objects never enter the snapshot; each problem becomes a Diagnostic.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/diagnostic.h"
#include "source/yaml/tree.h"
#include "store/snapshot.h"

namespace portico::source {

struct LoadResult {
  store::Snapshot snapshot;
  api::Diagnostics diagnostics;  // errors (object rejected) and warnings
  int documents = 0;
  std::map<std::string, int> objectsByKind;
  // Files that were read, in order (directories expanded, sorted by name).
  std::vector<std::string> files;
};

// `paths`: files, directories (every *.yaml, *.yml, *.json below them,
// sorted) or "-" for stdin. Unreadable paths are errors.
LoadResult loadPaths(const std::vector<std::string>& paths);

// The whole file at `path` (binary), false when it cannot be read.
bool readWhole(const std::string& path, std::string& out);

// Loads from one in-memory buffer as if it were a file called `filename`.
LoadResult loadString(std::string_view content, std::string_view filename = "<input>");

// One decoded object of a kind Portico reads, shared between snapshots
// (Kubernetes mode keeps one per watched object and assembles every
// snapshot from them, so an unchanged object is never decoded again).
using AnyObject =
    std::variant<store::Ptr<api::GatewayClass>, store::Ptr<api::Gateway>, store::Ptr<api::ListenerSet>,
                 store::Ptr<api::HTTPRoute>, store::Ptr<api::GRPCRoute>, store::Ptr<api::TLSRoute>,
                 store::Ptr<api::TCPRoute>, store::Ptr<api::UDPRoute>, store::Ptr<api::ReferenceGrant>,
                 store::Ptr<api::BackendTLSPolicy>, store::Ptr<api::XBackendTrafficPolicy>,
                 store::Ptr<api::Service>, store::Ptr<api::EndpointSlice>, store::Ptr<api::Secret>,
                 store::Ptr<api::ConfigMap>, store::Ptr<api::Namespace>,
                 store::Ptr<api::CustomResourceDefinition>>;

struct DecodedObject {
  std::optional<AnyObject> object;  // empty: rejected (errors in diagnostics) or a kind Portico skips
  api::Diagnostics diagnostics;     // named after `origin`, document 0
};

// Decodes and validates one parsed object with the same decoders, defaults
// and validation as a document of a manifest file called `origin`; the
// object gets meta.order `order` and meta.source {origin, 0, 0}.
DecodedObject decodeObject(const yaml::Node& object, const std::string& origin, int64_t order);

// Adds `object` to its kind's table; false (nothing added) when that key is taken.
bool insertObject(store::Snapshot& snapshot, const AnyObject& object);

}  // namespace portico::source
