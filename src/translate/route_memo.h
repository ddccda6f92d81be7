// What RouteMemo (translator.h) keeps between translations: each HTTPRoute
// and GRPCRoute compiled (rules -> IR routes, status problems, Services
// named) with the clusters its backends created, keyed by the route
// object. `portico run` reloads keep unchanged routes as the same objects
// (source/file_set.h), so a reload compiles only the routes that changed.
//
// A compiled route depends on the route and on the Services, their
// EndpointSlices and the ReferenceGrants (backends.cc). The memo holds
// those objects; when any of them differs from the previous translation's
// it starts empty. Results are identical with and without it (golden
// tests run both ways).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "translate/routes.h"
#include "translate/translator.h"

namespace portico::translate {

struct RouteMemo::Impl {
  struct Entry {
    std::shared_ptr<const void> route;  // kept alive: its address is the key
    CompiledRoute compiled;
    std::vector<ClusterUse> clusters;
    uint64_t usedIn = 0;
  };

  // Starts a translation: forgets everything when a Service, EndpointSlice
  // or ReferenceGrant changed.
  void begin(const store::Snapshot& snap);
  // Drops the routes this translation did not see.
  void end();
  Entry* find(const void* route);
  Entry& store(std::shared_ptr<const void> route, CompiledRoute compiled, std::vector<ClusterUse> clusters);

  std::vector<std::shared_ptr<const void>> inputs;
  std::unordered_map<const void*, Entry> entries;
  uint64_t generation = 0;
  size_t hits = 0, misses = 0;  // of the last translation
};

}  // namespace portico::translate
