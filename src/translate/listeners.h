// Listener validation shared by Gateways and ListenerSets.
#pragma once

#include "translate/context.h"

namespace portico::translate {

// Protocol, TLS certificates and allowedRoutes.kinds of one listener.
void validateListener(Context& ctx, ListenerInfo& l);

// Frontend client-certificate validation (Gateway.spec.tls.frontend).
// Returns true when some validation uses AllowInsecureFallback.
bool applyFrontendValidation(Context& ctx, GatewayInfo& gw);

// Port/protocol/hostname conflicts (spec §12.2) and overlapping TLS
// hostnames among the Gateway's effective listeners.
void detectConflicts(GatewayInfo& gw);

// Route kinds a listener protocol can carry.
std::vector<api::RouteGroupKind> kindsForProtocol(ir::Protocol p, bool passthrough);

}  // namespace portico::translate
