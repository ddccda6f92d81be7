#include "router/filters.h"

#include <algorithm>

#include "http1/header.h"
#include "router/route_table.h"

namespace portico::router {

std::string rewritePath(const ir::PathRewrite& rw, std::string_view path) {
  switch (rw.kind) {
    case ir::PathRewriteKind::None:
      return std::string(path);
    case ir::PathRewriteKind::Full:
      return rw.value;
    case ir::PathRewriteKind::Prefix:
      break;
  }
  std::string_view prefix = rw.matchedPrefix;
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);  // "/" -> "" (remove nothing)
  if (!prefixMatches(prefix, path)) return std::string(path);
  // The rest starts with '/' or is empty (segment boundary, §12.5).
  std::string_view rest = path.substr(prefix.size());
  std::string_view repl = rw.value;
  while (!repl.empty() && repl.back() == '/') repl.remove_suffix(1);
  std::string out;
  out.reserve(repl.size() + rest.size() + 1);
  if (repl.empty() ? rest.empty() || rest.front() != '/' : repl.front() != '/') out.push_back('/');
  out.append(repl).append(rest);
  return out;
}

std::string redirectLocation(const ir::Redirect& r, std::string_view requestScheme,
                             std::string_view requestHostNoPort, int listenerPort, std::string_view path,
                             std::string_view query) {
  const std::string_view scheme = r.scheme ? std::string_view(*r.scheme) : requestScheme;
  const std::string_view host = r.hostname ? std::string_view(*r.hostname) : requestHostNoPort;
  int port = listenerPort;
  if (r.port) {
    port = *r.port;
  } else if (r.scheme) {
    // §12.8: a filter that changes the scheme without a port means that
    // scheme's well-known port, not the listener's.
    port = *r.scheme == "https" ? 443 : 80;
  }
  std::string out;
  out.reserve(scheme.size() + host.size() + path.size() + query.size() + 16);
  out.append(scheme).append("://").append(host);
  const bool defaultPort = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  if (!defaultPort && port > 0) out.append(":").append(std::to_string(port));
  out.append(r.path.kind == ir::PathRewriteKind::None ? std::string(path) : rewritePath(r.path, path));
  if (!query.empty()) out.append("?").append(query);
  return out;
}

void applyHeaderOps(const ir::HeaderOps& ops, HeaderList& headers) {
  auto same = [](std::string_view name) {
    return [name](const std::pair<std::string, std::string>& h) { return http1::iequals(h.first, name); };
  };
  for (const auto& [name, value] : ops.set) {
    auto first = std::find_if(headers.begin(), headers.end(), same(name));
    if (first == headers.end()) {
      headers.emplace_back(name, value);
      continue;
    }
    first->first = name;
    first->second = value;
    headers.erase(std::remove_if(std::next(first), headers.end(), same(name)), headers.end());
  }
  for (const auto& [name, value] : ops.add) headers.emplace_back(name, value);
  for (const auto& name : ops.remove) {
    headers.erase(std::remove_if(headers.begin(), headers.end(), same(name)), headers.end());
  }
}

int pickWeighted(const std::vector<ir::Backend>& backends, uint64_t random) {
  uint64_t total = 0;
  for (const auto& b : backends) total += b.weight;
  if (total == 0) return -1;
  // total < 2^36 (≤16 backends of 32-bit weights, §5): the modulo bias is
  // below 2^-28, far under any measurable share.
  uint64_t r = random % total;
  for (size_t i = 0; i < backends.size(); ++i) {
    if (r < backends[i].weight) return static_cast<int>(i);
    r -= backends[i].weight;
  }
  return -1;  // unreachable
}

}  // namespace portico::router
