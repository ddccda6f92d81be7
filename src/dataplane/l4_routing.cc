#include "dataplane/l4_routing.h"

namespace portico::dataplane {
namespace {

// How well `pattern` matches `name`: 0 = not at all, larger = more
// specific. Exact names outrank every wildcard; wildcards rank by the
// length of their suffix.
size_t matchRank(std::string_view pattern, std::string_view name) {
  if (pattern == "*") return 1;
  if (pattern.starts_with("*.")) {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    if (name.size() > suffix.size() && name.ends_with(suffix)) return 2 + suffix.size();
    return 0;
  }
  if (pattern.size() != name.size()) return 0;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = pattern[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != name[i]) return 0;
  }
  return SIZE_MAX;
}

}  // namespace

const ir::L4Route* routeForSni(const ir::Listener& listener, std::string_view sni) {
  if (sni.empty()) return nullptr;
  const ir::L4Route* best = nullptr;
  size_t bestRank = 0;
  for (const auto& r : listener.l4Routes) {
    for (const auto& h : r.hostnames) {
      const size_t rank = matchRank(h, sni);
      if (rank > bestRank) {  // strictly better: the first route keeps a tie
        best = &r;
        bestRank = rank;
      }
    }
    // A route without hostnames serves every name the listener accepts.
    if (r.hostnames.empty() && bestRank < 1) {
      best = &r;
      bestRank = 1;
    }
  }
  return best;
}

const ir::L4Route* firstL4Route(const ir::Listener& listener) {
  return listener.l4Routes.empty() ? nullptr : &listener.l4Routes.front();
}

const ir::L4Backend* pickL4Backend(const ir::L4Route& route, std::mt19937_64& rng) {
  uint64_t total = 0;
  for (const auto& b : route.backends) total += b.weight;
  if (total == 0) return nullptr;
  uint64_t x = std::uniform_int_distribution<uint64_t>(0, total - 1)(rng);
  for (const auto& b : route.backends) {
    if (x < b.weight) return &b;
    x -= b.weight;
  }
  return nullptr;  // unreachable
}

}  // namespace portico::dataplane
