// Routing conflicts in the IR the data plane serves (spec §12.5, §12.6):
// a rule that never matches because a rule sorted before it on the same
// hostname takes every request it would match (shadowed), and the same
// hostname + match claimed by several routes (the spec's tie-breaks pick
// one). Virtual hosts are already sorted by precedence, so "before" is the
// translator's order, never recomputed here.
#include <fmt/format.h>
#include <re2/re2.h>

#include <map>
#include <memory>
#include <set>

#include "diagnose/analysis.h"
#include "diagnose/text.h"
#include "router/route_table.h"

namespace portico::diagnose::detail {
namespace {

class Regexes {
 public:
  const RE2& get(const std::string& pattern) {
    auto& re = cache_[pattern];
    if (!re) {
      RE2::Options o;
      o.set_log_errors(false);
      re = std::make_unique<RE2>(pattern, o);
    }
    return *re;
  }
  bool full(const std::string& pattern, const std::string& text) {
    const RE2& re = get(pattern);
    return re.ok() && RE2::FullMatch(text, re);
  }

 private:
  std::map<std::string, std::unique_ptr<RE2>> cache_;
};

// Every request matching `in` also matches `by` (conservative: false when
// unsure). A regex is trusted to cover a prefix when it matches a set of
// sample paths under it.
bool coversPath(Regexes& re, const ir::PathMatch& by, const ir::PathMatch& in) {
  using K = ir::PathMatchKind;
  switch (by.kind) {
    case K::Exact:
      return in.kind == K::Exact && in.value == by.value;
    case K::Prefix:
      if (in.kind == K::Regex) return by.value == "/";
      return router::prefixMatches(by.value, in.value);
    case K::Regex:
      if (in.kind == K::Regex) return in.value == by.value;
      if (in.kind == K::Exact) return re.full(by.value, in.value);
      {
        const std::string base = in.value == "/" ? "" : in.value;
        for (const std::string tail : {"", "/", "/a", "/a/b.html", "/v1/x-y_z~0"}) {
          const std::string path = base + tail;
          if (!path.empty() && !re.full(by.value, path)) return false;
        }
        return true;
      }
  }
  return false;
}

bool coversConditions(Regexes& re, const std::vector<ir::StringMatch>& by,
                      const std::vector<ir::StringMatch>& in) {
  for (const auto& b : by) {
    bool ok = false;
    for (const auto& i : in) {
      if (i.name != b.name) continue;
      if (i.kind == b.kind && i.value == b.value) ok = true;
      if (b.kind == ir::StringMatchKind::Regex && i.kind == ir::StringMatchKind::Exact &&
          re.full(b.value, i.value))
        ok = true;
    }
    if (!ok) return false;
  }
  return true;
}

bool covers(Regexes& re, const ir::Match& by, const ir::Match& in) {
  if (by.method && by.method != in.method) return false;
  return coversPath(re, by.path, in.path) && coversConditions(re, by.headers, in.headers) &&
         coversConditions(re, by.queryParams, in.queryParams);
}

bool identical(const ir::Match& a, const ir::Match& b) {
  auto same = [](const std::vector<ir::StringMatch>& x, const std::vector<ir::StringMatch>& y) {
    if (x.size() != y.size()) return false;
    for (const auto& m : x) {
      bool found = false;
      for (const auto& n : y) found = found || (m.name == n.name && m.kind == n.kind && m.value == n.value);
      if (!found) return false;
    }
    return true;
  };
  return a.path.kind == b.path.kind && a.path.value == b.path.value && a.method == b.method &&
         same(a.headers, b.headers) && same(a.queryParams, b.queryParams);
}

std::string routeName(const ir::Route& r) {
  return fmt::format("{} {}/{} rule {}", r.routeKind, r.routeNamespace, r.routeName, r.ruleIndex);
}

// Why `w` beats `l` when their matches rank equal (spec §12.5: oldest
// creationTimestamp, then namespace/name; Portico: load order for objects
// without a timestamp, docs/spec-decisions.md).
std::string tieBreak(const Analysis& a, const ir::Route& w, const ir::Route& l) {
  const RouteView* wv = a.route(w.routeKind, w.routeNamespace, w.routeName);
  const RouteView* lv = a.route(l.routeKind, l.routeNamespace, l.routeName);
  if (!wv || !lv) return "it sorts first";
  const auto& wm = *wv->meta;
  const auto& lm = *lv->meta;
  const std::string wn = wv->ref().display(), ln = lv->ref().display();
  if (wv == lv) return fmt::format("both rules are in {}; the earlier rule wins", wn);
  if (!wm.creationTimestamp.empty() && lm.creationTimestamp.empty()) {
    return fmt::format("{} has a creationTimestamp and {} has none (the oldest route wins)", wn, ln);
  }
  if (wm.creationTimestamp != lm.creationTimestamp) {
    return fmt::format("{} is older (creationTimestamp {} < {})", wn, wm.creationTimestamp,
                       lm.creationTimestamp);
  }
  if (wm.creationTimestamp.empty() && wm.order != lm.order) {
    return fmt::format(
        "neither has a creationTimestamp, so load order decides: {} comes first ({}:{} before {}:{})", wn,
        wm.source.file, wm.source.line, lm.source.file, lm.source.line);
  }
  return fmt::format("same creationTimestamp: {} comes first alphabetically by namespace/name", wn);
}

struct Hit {
  const ir::Route* loser;
  const ir::Route* winner;
  std::string host;
};

void scan(const std::vector<ir::Route>& routes, const std::string& host, Regexes& re,
          std::vector<Hit>& hits) {
  std::map<std::string, std::vector<size_t>> exact, prefix;
  std::vector<size_t> regex;
  for (size_t j = 0; j < routes.size(); ++j) {
    const ir::Match& m = routes[j].match;
    std::vector<size_t> cands = regex;  // a regex may cover anything
    auto take = [&](const std::map<std::string, std::vector<size_t>>& bucket, const std::string& key) {
      if (auto it = bucket.find(key); it != bucket.end())
        cands.insert(cands.end(), it->second.begin(), it->second.end());
    };
    if (m.path.kind == ir::PathMatchKind::Exact) take(exact, m.path.value);
    take(prefix, "/");
    if (m.path.kind != ir::PathMatchKind::Regex) {
      const std::string& v = m.path.value;
      for (size_t k = 1; k <= v.size(); ++k) {
        if (k == v.size() || v[k] == '/') take(prefix, v.substr(0, k));
      }
    }
    size_t best = j;
    for (size_t i : cands) {
      if (i < best && covers(re, routes[i].match, m)) best = i;
    }
    if (best != j) hits.push_back({&routes[j], &routes[best], host});
    switch (m.path.kind) {
      case ir::PathMatchKind::Exact:
        exact[m.path.value].push_back(j);
        break;
      case ir::PathMatchKind::Prefix:
        prefix[m.path.value].push_back(j);
        break;
      case ir::PathMatchKind::Regex:
        regex.push_back(j);
        break;
    }
  }
}

}  // namespace

void checkRouting(Analysis& a) {
  Regexes re;
  std::vector<Hit> hits;
  std::map<std::string, size_t> entries;  // IR entries per route rule
  auto ruleKey = [](const ir::Route& r) {
    return fmt::format("{}|{}|{}|{}", r.routeKind, r.routeNamespace, r.routeName, r.ruleIndex);
  };
  for (const auto& b : a.tr.ir.binds) {
    for (const auto& l : b.listeners) {
      for (const auto& vh : l.virtualHosts) {
        scan(vh.routes, vh.hostname, re, hits);
        scan(vh.grpcRoutes, vh.hostname, re, hits);
        for (const auto* rs : {&vh.routes, &vh.grpcRoutes}) {
          for (const auto& r : *rs) ++entries[ruleKey(r)];
        }
      }
    }
  }
  std::map<std::string, std::vector<const Hit*>> byRule;
  for (const auto& h : hits) byRule[ruleKey(*h.loser)].push_back(&h);
  for (const auto& [key, rule] : byRule) {
    const ir::Route& loser = *rule[0]->loser;
    const ir::Route& winner = *rule[0]->winner;
    bool duplicate = true;
    std::set<std::string> hosts, matches;
    for (const Hit* h : rule) {
      duplicate =
          duplicate && identical(h->loser->match, h->winner->match) &&
          (h->winner->routeName != loser.routeName || h->winner->routeNamespace != loser.routeNamespace);
      hosts.insert(h->host == "*" ? "any host" : h->host);
      matches.insert(describeMatch(h->loser->match));
    }
    const bool never = rule.size() == entries[key];
    const ObjectRef ref{loser.routeKind, loser.routeNamespace, loser.routeName};
    Finding& f = a.add(duplicate ? "PD-ROUTING-DUPLICATE-MATCH" : "PD-ROUTING-RULE-SHADOWED", ref,
                       fmt::format("spec.rules[{}]", loser.ruleIndex));
    f.related.push_back({winner.routeKind, winner.routeNamespace, winner.routeName});
    f.symptom = fmt::format("requests for {} matching {} are answered by {}, never by this rule{}",
                            fmt::join(hosts, ", "), fmt::join(matches, "; "), routeName(winner),
                            never ? "" : " (on these hostnames/matches; elsewhere it still matches)");
    if (duplicate) {
      f.cause = fmt::format(
          "{} and {} claim the same hostname and match ({}); the spec's tie-break picks one: {}.",
          routeName(winner), routeName(loser), describeMatch(loser.match), tieBreak(a, winner, loser));
    } else {
      f.cause = fmt::format(
          "{} ({}) sorts before this rule ({}) on the same hostname and matches every request this "
          "rule matches, so the data plane never reaches it (spec §12.5: first match in precedence "
          "order wins).",
          routeName(winner), describeMatch(winner.match), describeMatch(loser.match));
    }
    for (const Hit* h : rule) {
      f.evidence.push_back({"precedence", fmt::format("host {}: {} [{}] before {} [{}]", h->host,
                                                      routeName(*h->winner), describeMatch(h->winner->match),
                                                      routeName(*h->loser), describeMatch(h->loser->match))});
    }
    const RouteView* rv = a.route(loser.routeKind, loser.routeNamespace, loser.routeName);
    const size_t rules = rv && rv->http   ? rv->http->rules.size()
                         : rv && rv->grpc ? rv->grpc->rules.size()
                                          : 1;
    f.fix.summary =
        duplicate ? "Remove the duplicate, or make the matches differ (another path, a header or "
                    "query match) so each route gets the requests meant for it:"
                  : "Remove the unreachable rule, or make it more specific than the rule that takes its "
                    "requests (a longer path, a method, header or query match):";
    if (rules > 1) {
      f.fix.target = ref;
      f.fix.patch.push_back(patchOp("remove", fmt::format("/spec/rules/{}", loser.ruleIndex)));
    } else {
      f.fix.commands.push_back(fmt::format("kubectl delete {} {} -n {}", kubectlResource(loser.routeKind),
                                           loser.routeName, loser.routeNamespace));
    }
  }
}

}  // namespace portico::diagnose::detail
