#include "store/snapshot.h"

namespace portico::store {

size_t Snapshot::objectCount() const {
  return gatewayClasses.size() + gateways.size() + listenerSets.size() + httpRoutes.size() +
         grpcRoutes.size() + tlsRoutes.size() + tcpRoutes.size() + udpRoutes.size() +
         referenceGrants.size() + backendTLSPolicies.size() + backendTrafficPolicies.size() +
         services.size() + endpointSlices.size() + secrets.size() + configMaps.size() +
         namespaces.size() + crds.size();
}

}  // namespace portico::store
