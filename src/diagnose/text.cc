#include "diagnose/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace portico::diagnose::detail {
namespace {

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// A request path a rule matches, for symptom lines.
std::string samplePath(const api::HTTPRouteMatch& m) {
  const api::HTTPPathMatch p = m.path.value_or(api::HTTPPathMatch{});
  std::string out = p.type == "RegularExpression" ? " paths matching " + p.value : p.value;
  if (m.method) out = *m.method + " " + out;
  return out;
}

}  // namespace

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string hostList(const std::vector<std::string>& hosts) {
  if (hosts.empty()) return "any hostname";
  return fmt::format("{}", fmt::join(hosts, ", "));
}

std::string requestsFor(const RouteView& r, std::optional<size_t> rule) {
  std::string host = "any host";
  if (r.hostnames && !r.hostnames->empty()) {
    host = (*r.hostnames)[0];
    if (r.hostnames->size() > 1) host += fmt::format(" (and {} more hostnames)", r.hostnames->size() - 1);
  }
  if (r.http) {
    const size_t ri = rule.value_or(0);
    std::string path = "/";
    if (ri < r.http->rules.size() && !r.http->rules[ri].matches.empty()) {
      path = samplePath(r.http->rules[ri].matches[0]);
    }
    if (path.starts_with(" ")) return fmt::format("requests for {}{}", host, path);
    if (path.find(' ') != std::string::npos) {
      auto sp = path.find(' ');
      return fmt::format("{} requests for {}{}", path.substr(0, sp), host, path.substr(sp + 1));
    }
    return fmt::format("requests for {}{}", host, path);
  }
  if (r.grpc) {
    const size_t ri = rule.value_or(0);
    std::string method = "any method";
    if (ri < r.grpc->rules.size() && !r.grpc->rules[ri].matches.empty() &&
        r.grpc->rules[ri].matches[0].method) {
      const auto& m = *r.grpc->rules[ri].matches[0].method;
      method = fmt::format("/{}/{}", m.service.value_or("*"), m.method.value_or("*"));
    }
    return fmt::format("gRPC calls to {} {}", host, method);
  }
  if (r.kind == api::Kind::TLSRoute) return fmt::format("TLS connections for {}", host);
  return fmt::format("{} connections", r.kind == api::Kind::UDPRoute ? "UDP" : "TCP");
}

std::string describeMatch(const ir::Match& m) {
  static const char* kinds[] = {"Exact", "PathPrefix", "RegularExpression"};
  std::string out = fmt::format("{} {}", kinds[static_cast<int>(m.path.kind)], m.path.value);
  if (m.method) out += " method " + *m.method;
  for (const auto& h : m.headers)
    out += fmt::format(" header {}{}{}", h.name, h.kind == ir::StringMatchKind::Exact ? "=" : "~", h.value);
  for (const auto& q : m.queryParams)
    out += fmt::format(" query {}{}{}", q.name, q.kind == ir::StringMatchKind::Exact ? "=" : "~", q.value);
  return out;
}

std::string conditionText(const api::Condition& c) {
  std::string out = fmt::format("{}={} {}", c.type, c.status, c.reason);
  if (!c.message.empty()) out += ": " + c.message;
  return out;
}

Evidence conditionEvidence(std::string_view where, const api::Condition& c) {
  return {"condition", fmt::format("{}: {}", where, conditionText(c))};
}

std::string closest(std::string_view want, const std::vector<std::string>& candidates) {
  std::string best;
  size_t bestDist = std::string::npos;
  for (const auto& c : candidates) {
    size_t d = editDistance(want, c);
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  if (best.empty() || bestDist > std::max<size_t>(2, want.size() / 3)) return {};
  return best;
}

std::string jsonString(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }
std::string jsonInt(long long v) { return std::to_string(v); }

PatchOp patchOp(std::string op, std::string path, std::string valueJson) {
  return PatchOp{std::move(op), std::move(path), std::move(valueJson)};
}

std::string kubectlResource(std::string_view kind) { return lower(kind); }

const status::RouteParentStatus* parentStatus(const RouteView& r, const api::ParentReference& ref) {
  if (!r.status) return nullptr;
  api::ParentReference want = ref;
  want.namespace_ = ref.namespace_.value_or(r.meta->namespace_);
  for (const auto& p : r.status->parents) {
    if (p.parentRef == want) return &p;
  }
  return nullptr;
}

std::string parentDisplay(const RouteView& r, const api::ParentReference& ref) {
  std::string out = fmt::format("{} {}/{}", ref.kind, ref.namespace_.value_or(r.meta->namespace_), ref.name);
  if (ref.sectionName) out += fmt::format(" sectionName {}", *ref.sectionName);
  if (ref.port) out += fmt::format(" port {}", *ref.port);
  return out;
}

}  // namespace portico::diagnose::detail
