#include "diagnose/explain_match.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <vector>

#include "router/route_table.h"
#include "translate/precedence.h"

namespace portico::diagnose::detail {
namespace {

bool full(const std::string& pattern, std::string_view text) {
  RE2::Options o;
  o.set_log_errors(false);
  RE2 re(pattern, o);
  return re.ok() && RE2::FullMatch(text, re);
}

std::string conditionFailure(const ir::StringMatch& m, bool found, std::string_view value,
                             std::string_view what) {
  const std::string want =
      fmt::format("{} {} {}", m.name, m.kind == ir::StringMatchKind::Exact ? "=" : "matching", m.value);
  if (!found) return fmt::format("{} {} absent (rule wants {})", what, m.name, want);
  const bool ok = m.kind == ir::StringMatchKind::Exact ? value == m.value : full(m.value, value);
  if (ok) return {};
  return fmt::format("{} {} is \"{}\" (rule wants {})", what, m.name, value, want);
}

const api::ObjectMeta* metaOf(const store::Snapshot& snap, const ir::Route& r) {
  if (r.routeKind == "HTTPRoute") {
    const auto* x = snap.httpRoutes.find(r.routeNamespace, r.routeName);
    return x ? &x->meta : nullptr;
  }
  const auto* x = snap.grpcRoutes.find(r.routeNamespace, r.routeName);
  return x ? &x->meta : nullptr;
}

// The translator's sort key for an IR route (translate/precedence.h).
translate::RouteSortKey keyOf(const store::Snapshot& snap, const ir::Route& r, const api::ObjectMeta& meta) {
  if (r.routeKind != "GRPCRoute") return translate::httpSortKey(meta, r.match, r.ruleIndex, r.matchIndex);
  size_t svc = 0, method = 0;
  if (const auto* g = snap.grpcRoutes.find(r.routeNamespace, r.routeName);
      g && r.ruleIndex < g->rules.size()) {
    const auto& rule = g->rules[r.ruleIndex];
    if (r.matchIndex < rule.matches.size() && rule.matches[r.matchIndex].method) {
      svc = rule.matches[r.matchIndex].method->service.value_or("").size();
      method = rule.matches[r.matchIndex].method->method.value_or("").size();
    }
  }
  return translate::grpcSortKey(meta, svc, method, r.match.headers.size(), r.ruleIndex, r.matchIndex);
}

}  // namespace

bool routerMatches(const ir::Route& route, const router::RequestView& req) {
  const std::vector<ir::Route> one{route};
  const router::RouteTable table(one);
  return table.find(req) >= 0;
}

std::string mismatchReason(const ir::Route& route, const router::RequestView& req) {
  const ir::Match& m = route.match;
  switch (m.path.kind) {
    case ir::PathMatchKind::Exact:
      if (req.path != m.path.value) return fmt::format("path {} is not exactly {}", req.path, m.path.value);
      break;
    case ir::PathMatchKind::Prefix:
      if (!router::prefixMatches(m.path.value, req.path)) {
        return fmt::format("path {} is not under prefix {} (prefixes match whole segments)", req.path,
                           m.path.value);
      }
      break;
    case ir::PathMatchKind::Regex:
      if (!full(m.path.value, req.path))
        return fmt::format("path {} does not match {}", req.path, m.path.value);
      break;
  }
  if (m.method && req.method != *m.method)
    return fmt::format("method {} (rule wants {})", req.method, *m.method);
  for (const auto& h : m.headers) {
    const http1::Header* got = router::firstHeader(req, h.name);
    std::string why = conditionFailure(h, got != nullptr, got ? got->value : std::string_view(), "header");
    if (!why.empty()) return why;
  }
  for (const auto& q : m.queryParams) {
    std::string_view value;
    const bool found = router::firstQueryValue(req.query, q.name, value);
    std::string why = conditionFailure(q, found, value, "query parameter");
    if (!why.empty()) return why;
  }
  return {};
}

std::string precedenceReason(const store::Snapshot& snap, const ir::Route& winner, const ir::Route& loser) {
  const api::ObjectMeta* wm = metaOf(snap, winner);
  const api::ObjectMeta* lm = metaOf(snap, loser);
  if (!wm || !lm) return "sorts after the chosen rule";
  const auto w = keyOf(snap, winner, *wm), l = keyOf(snap, loser, *lm);
  const bool grpc = winner.routeKind == "GRPCRoute";
  static const char* kinds[] = {"an Exact", "a RegularExpression", "a PathPrefix"};
  if (w.kindRank != l.kindRank) {
    return fmt::format("{} path beats {} path", kinds[w.kindRank], kinds[l.kindRank]);
  }
  if (w.length1 != l.length1) {
    return grpc ? fmt::format("the chosen rule matches a longer service name ({} vs {} characters)",
                              w.length1, l.length1)
                : fmt::format("a longer path wins ({} vs {})", winner.match.path.value,
                              loser.match.path.value);
  }
  if (w.length2 != l.length2) {
    return grpc ? fmt::format("the chosen rule matches a longer method name ({} vs {} characters)", w.length2,
                              l.length2)
                : std::string("a rule with a method match wins over one without");
  }
  if (w.headers != l.headers) return fmt::format("more header matches win ({} vs {})", w.headers, l.headers);
  if (w.queries != l.queries)
    return fmt::format("more query parameter matches win ({} vs {})", w.queries, l.queries);
  if (w.hasTimestamp != l.hasTimestamp)
    return "equal matches: a route with a creationTimestamp wins over one without";
  if (w.timestamp != l.timestamp) {
    return fmt::format("equal matches: the older route wins (creationTimestamp {} < {})", w.timestamp,
                       l.timestamp);
  }
  if (w.order != l.order) {
    return fmt::format(
        "equal matches, no creationTimestamp: the route loaded first wins ({}:{} before {}:{})",
        wm->source.file, wm->source.line, lm->source.file, lm->source.line);
  }
  if (w.namespace_ != l.namespace_ || w.name != l.name) {
    return fmt::format("equal matches and age: {}/{} comes first alphabetically", w.namespace_, w.name);
  }
  return w.rule != l.rule ? "equal matches in one route: the earlier rule wins"
                          : "an earlier match of the same rule wins";
}

std::string routeLabel(const ir::Route& r) {
  std::string out = fmt::format("{} {}/{} rule {}", r.routeKind, r.routeNamespace, r.routeName, r.ruleIndex);
  if (!r.ruleName.empty()) out += " (" + r.ruleName + ")";
  return out + fmt::format(" match {}", r.matchIndex);
}

}  // namespace portico::diagnose::detail
