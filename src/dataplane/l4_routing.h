// Route and backend choice for L4 connections (TLSRoute, TCPRoute,
// UDPRoute): pure functions over the IR, no sockets.
#pragma once

#include <random>
#include <string_view>

#include "ir/ir.h"

namespace portico::dataplane {

// The TLSRoute of `listener` for the server name `sni` (lower-case, as
// client_hello.h returns it). Route hostnames are already intersected
// with the listener's (an unset TLSRoute hostnames list became the
// listener's hostname, or "*"). Precedence follows the HTTPRoute host
// rules the TLSRoute spec refers to: an exact name beats a wildcard, a
// longer wildcard suffix beats a shorter one ("*.example.com" matches any
// name ending in ".example.com", not "example.com"), "*" is last. Between
// routes claiming the same name the first in IR order wins (the
// translator's order: namespace/name). Null when nothing matches or `sni`
// is empty.
const ir::L4Route* routeForSni(const ir::Listener& listener, std::string_view sni);

// The route of a TCP or UDP listener: its first L4 route (TCPRoute and
// UDPRoute have no matching criteria; the rules' backends were merged by
// the translator).
const ir::L4Route* firstL4Route(const ir::Listener& listener);

// A backend of `route` chosen by weight (backendRefs[].weight, spec §7: a
// zero weight is never chosen). Null when every weight is zero or there
// are none. An invalid backend (empty cluster) can be returned: its share
// of connections is refused.
const ir::L4Backend* pickL4Backend(const ir::L4Route& route, std::mt19937_64& rng);

}  // namespace portico::dataplane
