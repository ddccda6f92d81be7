// backendRef resolution (spec §12.7, §12.14): Service lookup, ReferenceGrant,
// port and appProtocol checks, and the cluster of ready endpoints.
#pragma once

#include <string>

#include "translate/context.h"

namespace portico::translate {

struct BackendResolution {
  std::string cluster;  // empty when invalid
  std::string reason;   // ResolvedRefs reason when invalid
  std::string message;
};

// `routeKind` is the referring kind (HTTPRoute, GRPCRoute, ...), used for
// the ReferenceGrant `from` and for protocol checks. Creates the cluster in
// the IR on first use.
BackendResolution resolveBackend(Context& ctx, std::string_view routeKind, std::string_view routeNamespace,
                                 const api::BackendObjectReference& ref, std::string_view field);

// Creates the cluster `use` names in the IR unless it exists (first use).
void ensureCluster(Context& ctx, const ClusterUse& use);

}  // namespace portico::translate
