// Per-rule verdicts for `explain`: whether one IR route matches a request
// (decided by the router's own RouteTable), why not (phrased for people,
// using the router's matching helpers), and which precedence criterion
// makes one matching rule beat another (spec §12.5, §12.6; the
// translator's sort keys).
#pragma once

#include <string>

#include "ir/ir.h"
#include "router/router.h"
#include "store/snapshot.h"

namespace portico::diagnose::detail {

// The router's verdict for `route` alone.
bool routerMatches(const ir::Route& route, const router::RequestView& req);

// The first condition of `route` the request fails ("" when all pass).
std::string mismatchReason(const ir::Route& route, const router::RequestView& req);

// Why `winner` sorts before `loser` (both match the request).
std::string precedenceReason(const store::Snapshot& snap, const ir::Route& winner, const ir::Route& loser);

// "HTTPRoute shop/store rule 1 (name) match 0".
std::string routeLabel(const ir::Route& r);

}  // namespace portico::diagnose::detail
