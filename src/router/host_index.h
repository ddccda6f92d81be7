// Hostname -> items (listeners or virtual hosts) index with the spec's
// specificity order (§12.1, §12.3): exact name, then wildcards from the most
// labels to the fewest ("*.example.com" covers one or more labels, never
// the apex), then "any" (no hostname or "*"). Lookups hash the exact name
// and then each suffix starting at a '.', longest first: O(labels) hash
// lookups and no allocation.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace portico::router {

struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// A Host or SNI made comparable: lower-cased, one trailing '.' dropped.
// `named` is false when the name cannot be a DNS name (longer than 255
// bytes): only "any" entries then match.
struct NormalHost {
  std::string_view name;
  bool named = true;
};

// Normalises into `buf` only when the input needs it (upper case or a
// trailing dot), otherwise returns a view of the input.
NormalHost normalizeHost(std::string_view host, char (&buf)[256]);

class HostIndex {
 public:
  // `hostname`: exact ("a.example.com"), wildcard ("*.example.com") or any
  // ("" or "*"). Items with the same hostname keep their insertion order.
  void add(std::string_view hostname, uint32_t item);

  // Calls `f(item)` for every item whose hostname matches, most specific
  // first, until `f` returns true. Returns whether some call returned true.
  template <class F>
  bool visit(const NormalHost& host, F&& f) const {
    auto each = [&f](const std::vector<uint32_t>& items) {
      for (uint32_t i : items) {
        if (f(i)) return true;
      }
      return false;
    };
    if (host.named && !exact_.empty()) {
      if (auto it = exact_.find(host.name); it != exact_.end() && each(it->second)) return true;
    }
    if (host.named && !wildcard_.empty()) {
      // ".b.example.com", ".example.com", ".com": the label left of each
      // suffix must be non-empty, so a suffix never starts at 0.
      for (size_t p = host.name.find('.', 1); p != std::string_view::npos; p = host.name.find('.', p + 1)) {
        if (auto it = wildcard_.find(host.name.substr(p)); it != wildcard_.end() && each(it->second))
          return true;
      }
    }
    return each(any_);
  }

  // The most specific item, or -1.
  int64_t first(const NormalHost& host) const {
    int64_t out = -1;
    visit(host, [&](uint32_t i) {
      out = i;
      return true;
    });
    return out;
  }

 private:
  using Map = std::unordered_map<std::string, std::vector<uint32_t>, SvHash, std::equal_to<>>;
  Map exact_;     // "a.example.com"
  Map wildcard_;  // "*.example.com" stored as ".example.com"
  std::vector<uint32_t> any_;
};

}  // namespace portico::router
