#include "translate/route_memo.h"

namespace portico::translate {
namespace {

template <class T>
void collect(const store::Table<T>& table, std::vector<std::shared_ptr<const void>>& out) {
  for (const auto& [key, obj] : table) out.push_back(obj);
}

}  // namespace

void RouteMemo::Impl::begin(const store::Snapshot& snap) {
  std::vector<std::shared_ptr<const void>> now;
  now.reserve(inputs.size());
  collect(snap.services, now);
  collect(snap.endpointSlices, now);
  collect(snap.referenceGrants, now);
  if (now != inputs) {  // compares the pointers: the same objects or not
    entries.clear();
    inputs = std::move(now);
  }
  ++generation;
  hits = misses = 0;
}

void RouteMemo::Impl::end() {
  std::erase_if(entries, [&](const auto& kv) { return kv.second.usedIn != generation; });
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
  Entry& e = entries[key];
  e.route = std::move(route);
  e.compiled = std::move(compiled);
  e.clusters = std::move(clusters);
  e.usedIn = generation;
  return e;
}

RouteMemo::RouteMemo() : impl_(std::make_unique<Impl>()) {}
RouteMemo::~RouteMemo() = default;
size_t RouteMemo::hits() const { return impl_->hits; }
size_t RouteMemo::misses() const { return impl_->misses; }

}  // namespace portico::translate
