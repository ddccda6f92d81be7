// What RouteMemo (translator.h) keeps between translations: each HTTPRoute
// and GRPCRoute compiled (rules -> IR routes, status problems, Services
// named) with the clusters its backends created, keyed by the route
// object. `portico run` reloads keep unchanged routes as the same objects
// (source/file_set.h), so a reload compiles only the routes that changed.
//
// A compiled route depends on the route and on the Services, their
// EndpointSlices and the ReferenceGrants (backends.cc). The memo holds
// those objects; when any of them differs from the previous translation's
// it starts empty. It also keeps each virtual host's sorted route list
// (List). Results are identical with and without it (golden
// tests run both ways).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "translate/routes.h"
#include "translate/translator.h"

namespace portico::translate {

struct RouteMemo::Impl {
  // What attaching a route did (attach.cc): its status.parents, and the
  // listeners that accepted it with the hostnames it serves there. It
  // depends on the route, its compiled form and the parents' side
  // (Gateways, ListenerSets, their classes, Namespaces, certificates,
  // options), so it is replayed only while all of those are the same.
  struct Attachment {
    std::vector<status::RouteParentStatus> parents;
    struct Use {
      uint32_t listener = 0;  // ListenerInfo::ordinal
      std::vector<std::string> hosts;
    };
    std::vector<Use> accepted;
  };
  struct Entry {
    std::shared_ptr<const void> route;  // kept alive: its address is the key
    CompiledRoute compiled;
    std::vector<ClusterUse> clusters;
    std::optional<Attachment> attachment;
    uint64_t usedIn = 0;
  };

  // Starts a translation: forgets everything when a Service, EndpointSlice
  // or ReferenceGrant changed, and every attachment when anything on the
  // parents' side did.
  void begin(const store::Snapshot& snap, const Options& options);
  // Drops the routes this translation did not see.
  void end();
  Entry* find(const void* route);
  Entry& store(std::shared_ptr<const void> route, CompiledRoute compiled, std::vector<ClusterUse> clusters);

  // One virtual host's sorted route list (assemble.cc), keyed by listener
  // and hostname: kept while the same compiled routes reach it in the same
  // order, so an unchanged virtual host keeps its very list (ir::RouteList)
  // and the data plane its compiled table.
  struct List {
    std::vector<SharedPendingRoute> inputs;  // as fed, before sorting
    ir::RouteList list;
    std::set<std::string> clusters;  // every cluster its routes use
    uint64_t usedIn = 0;
  };
  // The list for `key` if it was built from exactly `inputs`, else null.
  List* findList(const std::string& key, const std::vector<SharedPendingRoute>& inputs);
  List& storeList(const std::string& key, std::vector<SharedPendingRoute> inputs, ir::RouteList list,
                  std::set<std::string> clusters);

  std::vector<std::shared_ptr<const void>> inputs;
  std::vector<std::shared_ptr<const void>> parentInputs;
  std::string optionsKey;
  std::unordered_map<const void*, Entry> entries;
  std::unordered_map<std::string, List> lists;
  uint64_t generation = 0;
  size_t hits = 0, misses = 0;  // of the last translation
};

}  // namespace portico::translate
