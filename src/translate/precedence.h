// Route precedence (spec §12.5 HTTPRoute, §12.6 GRPCRoute). Each IR route
// gets a sort key when compiled; virtual hosts keep routes sorted by it so
// the data plane takes the first match.
#pragma once

#include <cstdint>
#include <string>

#include "api/meta.h"
#include "ir/ir.h"

namespace portico::translate {

struct RouteSortKey {
  // HTTP: path kind rank (Exact 0, Regex 1, Prefix 2), path length (longer
  // first), method present, header count, query count.
  // gRPC: service chars, method chars, header count (kind rank unused).
  int kindRank = 0;
  size_t length1 = 0;
  size_t length2 = 0;
  size_t headers = 0;
  size_t queries = 0;
  // Tie-breaks: oldest creationTimestamp (objects without one after those
  // with one, in load order), then namespace/name, then rule and match
  // order inside the route.
  bool hasTimestamp = false;
  std::string timestamp;
  int64_t order = 0;
  std::string namespace_;
  std::string name;
  uint32_t rule = 0;
  uint32_t match = 0;
};

RouteSortKey httpSortKey(const api::ObjectMeta& meta, const ir::Match& m, uint32_t rule, uint32_t match);
RouteSortKey grpcSortKey(const api::ObjectMeta& meta, size_t serviceLen, size_t methodLen, size_t headers,
                         uint32_t rule, uint32_t match);

// True when `a` takes precedence over `b`.
bool precedes(const RouteSortKey& a, const RouteSortKey& b);

}  // namespace portico::translate
