#include "translate/route_memo.h"

namespace portico::translate {
namespace {

template <class T>
void collect(const store::Table<T>& table, std::vector<std::shared_ptr<const void>>& out) {
  for (const auto& [key, obj] : table) out.push_back(obj);
}

// Every option translateGateways reads, as one string.
std::string optionsKey(const Options& o) {
  std::string k = o.controllerName;
  auto add = [&](const auto& strings) {
    k.push_back('\0');
    for (const auto& x : strings) {
      k.append(x);
      k.push_back('\1');
    }
  };
  add(o.supportedFeatures);
  add(o.addressPool);
  add(o.unbindable);
  for (const auto& [bind, why] : o.unbindableReasons) add(std::vector<std::string>{bind, why});
  add(o.pendingBinds);
  add(o.gatewayClassNames);
  k.push_back(o.strictCRDVersions ? 's' : 'b');
  return k;
}

}  // namespace

void RouteMemo::Impl::begin(const store::Snapshot& snap, const Options& options) {
  std::vector<std::shared_ptr<const void>> now;
  now.reserve(inputs.size());
  collect(snap.services, now);
  collect(snap.endpointSlices, now);
  collect(snap.referenceGrants, now);
  if (now != inputs) {  // compares the pointers: the same objects or not
    entries.clear();
    lists.clear();
    inputs = std::move(now);
  }
  // The parents' side: everything translateGateways reads.
  std::vector<std::shared_ptr<const void>> parents;
  parents.reserve(parentInputs.size());
  collect(snap.gatewayClasses, parents);
  collect(snap.gateways, parents);
  collect(snap.listenerSets, parents);
  collect(snap.namespaces, parents);
  collect(snap.secrets, parents);
  collect(snap.configMaps, parents);
  collect(snap.crds, parents);
  std::string key = translate::optionsKey(options);
  if (parents != parentInputs || key != optionsKey) {
    for (auto& [route, e] : entries) e.attachment.reset();
    parentInputs = std::move(parents);
    optionsKey = std::move(key);
  }
  ++generation;
  hits = misses = 0;
}

void RouteMemo::Impl::end() {
  std::erase_if(entries, [&](const auto& kv) { return kv.second.usedIn != generation; });
  std::erase_if(lists, [&](const auto& kv) { return kv.second.usedIn != generation; });
}

RouteMemo::Impl::List* RouteMemo::Impl::findList(const std::string& key,
                                                 const std::vector<SharedPendingRoute>& in) {
  auto it = lists.find(key);
  if (it == lists.end() || it->second.inputs != in) return nullptr;  // compares the pointers
  it->second.usedIn = generation;
  return &it->second;
}

RouteMemo::Impl::List& RouteMemo::Impl::storeList(const std::string& key, std::vector<SharedPendingRoute> in,
                                                  ir::RouteList list, std::set<std::string> clusters) {
  return lists[key] = List{std::move(in), std::move(list), std::move(clusters), generation};
}

RouteMemo::Impl::Entry* RouteMemo::Impl::find(const void* route) {
  auto it = entries.find(route);
  if (it == entries.end()) {
    ++misses;
    return nullptr;
  }
  ++hits;
  it->second.usedIn = generation;
  return &it->second;
}

RouteMemo::Impl::Entry& RouteMemo::Impl::store(std::shared_ptr<const void> route, CompiledRoute compiled,
                                               std::vector<ClusterUse> clusters) {
  const void* key = route.get();
  return entries[key] =
             Entry{std::move(route), std::move(compiled), std::move(clusters), std::nullopt, generation};
}

RouteMemo::RouteMemo() : impl_(std::make_unique<Impl>()) {}
RouteMemo::~RouteMemo() = default;
size_t RouteMemo::hits() const { return impl_->hits; }
size_t RouteMemo::misses() const { return impl_->misses; }

}  // namespace portico::translate
