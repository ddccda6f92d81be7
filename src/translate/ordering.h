// Creation order of objects, as the spec breaks ties (oldest
// creationTimestamp first, then namespace/name). Objects without a
// timestamp come after those with one, in load order.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace portico::translate {

template <class T>
bool olderThan(const T* a, const T* b) {
  bool ta = !a->meta.creationTimestamp.empty(), tb = !b->meta.creationTimestamp.empty();
  if (ta != tb) return ta;
  if (ta && a->meta.creationTimestamp != b->meta.creationTimestamp) {
    return a->meta.creationTimestamp < b->meta.creationTimestamp;
  }
  if (!ta && a->meta.order != b->meta.order) return a->meta.order < b->meta.order;
  return std::tie(a->meta.namespace_, a->meta.name) < std::tie(b->meta.namespace_, b->meta.name);
}

// The objects of a snapshot table (keyed by namespace/name), oldest first.
template <class Table>
auto inCreationOrder(const Table& table) {
  using T = std::remove_const_t<typename std::remove_reference_t<decltype(*table.begin()->second)>>;
  std::vector<const T*> out;
  out.reserve(table.size());
  for (const auto& [key, obj] : table) out.push_back(obj.get());
  std::stable_sort(out.begin(), out.end(), [](const T* a, const T* b) { return olderThan(a, b); });
  return out;
}

// ASCII lower case (header names compare case-insensitively).
inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace portico::translate
