// Route rules -> IR routes, one file per route family (http_route.cc,
// grpc_route.cc, l4_route.cc); attachment to listeners in attach.cc.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "translate/context.h"
#include "translate/filters.h"

namespace portico::translate {

struct CompiledRoute {
  std::vector<SharedPendingRoute> routes;  // HTTP or gRPC
  bool grpc = false;
  std::vector<ir::L4Backend> l4Backends;
  size_t rules = 0;
  size_t invalidRules = 0;
  std::string invalidMessage;  // first dropped rule, for status
  std::string invalidReason;   // its reason (UnsupportedValue, IncompatibleFilters)
  std::string refReason, refMessage;
  std::set<std::string> services;  // "ns/name" of every Service named in backendRefs
};

CompiledRoute compileHTTPRoute(Context& ctx, const api::HTTPRoute& route);
CompiledRoute compileGRPCRoute(Context& ctx, const api::GRPCRoute& route);
CompiledRoute compileL4Route(Context& ctx, std::string_view kind, const api::L4Route& route);

// Weighted backends of one rule (shared by every route family).
std::vector<ir::Backend> compileBackends(Context& ctx, std::string_view kind, const api::ObjectMeta& meta,
                                         const std::vector<api::HTTPBackendRef>& refs, const std::string& field,
                                         const std::string& matchedPrefix, bool grpc, RuleProblems& problems,
                                         std::set<std::string>& services);

// [EXP] sessionPersistence -> IR; `cookiePath` per spec §12.13.
std::optional<ir::SessionPersistence> compileSessionPersistence(const std::optional<api::SessionPersistence>& sp,
                                                                const std::string& defaultName,
                                                                const std::string& cookiePath);

// True when `pattern` compiles with RE2 (the data plane's regex engine).
bool validRegex(Context& ctx, const std::string& pattern, std::string& error);

// Merges one rule's problems into the route summary.
void recordRule(CompiledRoute& out, const RuleProblems& p);

}  // namespace portico::translate
