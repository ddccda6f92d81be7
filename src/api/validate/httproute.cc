// HTTPRoute validation (gateway.networking.k8s.io_httproutes.yaml, v1):
// matches, rule-level CEL rules, timeouts, retry and session persistence.
// Filters are in filters.cc.
#include <fmt/format.h>

#include "api/validate/patterns.h"
#include "api/validate/route_common.h"
#include "api/validate/validate.h"

namespace portico::api::validate {
namespace {

// HTTPPathMatch CEL rules for Exact and PathPrefix values.
void pathMatch(Checker& c, const FieldPath& p, const HTTPPathMatch& m) {
  c.oneOf(p.field("type"), m.type, {"Exact", "PathPrefix", "RegularExpression"});
  FieldPath vp = p.field("value");
  if (!c.length(vp, m.value, 0, 1024)) return;
  if (m.type != "Exact" && m.type != "PathPrefix") return;
  const std::string& v = m.value;
  auto bad = [&](std::string_view what) {
    c.error(vp, fmt::format("invalid path {} for type {}: {}", quote(v), m.type, what));
  };
  if (!v.starts_with('/')) return bad("must be an absolute path starting with '/'");
  for (std::string_view s : {"//", "/./", "/../", "%2f", "%2F", "#"}) {
    if (v.find(s) != std::string::npos) return bad(fmt::format("must not contain '{}'", s));
  }
  if (v.ends_with("/..")) return bad("must not end with '/..'");
  if (v.ends_with("/.")) return bad("must not end with '/.'");
  if (!isHttpPathChars(v)) {
    bad("only the characters A-Z a-z 0-9 - / . _ ~ ! $ & ' ( ) * + , ; = : @ and %-escapes (%XX) are allowed");
  }
}

template <class M>
void nameValueMatches(Checker& c, const FieldPath& p, const std::vector<M>& ms, size_t maxValue, bool valuePattern) {
  c.items(p, ms.size(), 0, 16);
  for (size_t i = 0; i < ms.size(); ++i) {
    FieldPath mp = p.at(i);
    c.oneOf(mp.field("type"), ms[i].type, {"Exact", "RegularExpression"});
    c.headerName(mp.field("name"), ms[i].name);
    FieldPath vp = mp.field("value");
    if (c.length(vp, ms[i].value, 1, maxValue) && valuePattern && !isHeaderValue(ms[i].value)) {
      c.error(vp, fmt::format("invalid header value {}: must be visible ASCII characters separated by single "
                              "spaces or tabs, without leading or trailing whitespace",
                              quote(ms[i].value)));
    }
    // x-kubernetes-list-map-keys: name.
    for (size_t j = 0; j < i; ++j) {
      if (ms[j].name == ms[i].name) {
        c.error(mp.field("name"), fmt::format("duplicate name {} (also {})", quote(ms[i].name), p.at(j).str()));
        break;
      }
    }
  }
}

void match(Checker& c, const FieldPath& p, const HTTPRouteMatch& m) {
  if (m.path) pathMatch(c, p.field("path"), *m.path);
  nameValueMatches(c, p.field("headers"), m.headers, 4096, true);
  nameValueMatches(c, p.field("queryParams"), m.queryParams, 1024, false);
  if (m.method) {
    c.oneOf(p.field("method"), *m.method, {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"});
  }
}

bool usesReplacePrefix(const HTTPRouteFilter& f) {
  auto is = [](const std::optional<HTTPPathModifier>& m) {
    return m && m->type == "ReplacePrefixMatch" && m->replacePrefixMatch.has_value();
  };
  return (f.requestRedirect && is(f.requestRedirect->path)) || (f.urlRewrite && is(f.urlRewrite->path));
}

// An absent `matches` defaults to one PathPrefix "/" match, and a match
// without `path` to a PathPrefix "/" path.
bool singlePrefixMatch(const HTTPRouteRule& r) {
  if (r.matches.empty()) return true;
  return r.matches.size() == 1 && (!r.matches[0].path || r.matches[0].path->type == "PathPrefix");
}

void timeouts(Checker& c, const FieldPath& p, const HTTPRouteTimeouts& t) {
  std::optional<int64_t> req, backend;
  if (t.request) req = c.duration(p.field("request"), *t.request);
  if (t.backendRequest) backend = c.duration(p.field("backendRequest"), *t.backendRequest);
  // CEL: backendRequest <= request, unless request is 0s (no timeout).
  if (req && backend && *req != 0 && *backend > *req) {
    c.error(p.field("backendRequest"), fmt::format("{} is longer than the request timeout {}: backendRequest must "
                                                   "not exceed request (unless request is 0s)",
                                                   quote(*t.backendRequest), quote(*t.request)));
  }
}

void retry(Checker& c, const FieldPath& p, const HTTPRouteRetry& r) {
  FieldPath cp = p.field("codes");
  for (size_t i = 0; i < r.codes.size(); ++i) {
    c.range(cp.at(i), r.codes[i], 400, 599);
    for (size_t j = 0; j < i; ++j) {
      if (r.codes[j] == r.codes[i]) {
        c.error(cp.at(i), fmt::format("duplicate value {} (also {}): codes must be unique", r.codes[i], cp.at(j).str()));
        break;
      }
    }
  }
  if (r.attempts) c.minimum(p.field("attempts"), *r.attempts, 1);
  if (r.backoff) c.duration(p.field("backoff"), *r.backoff);
}

void rule(Checker& c, const FieldPath& p, const HTTPRouteRule& r) {
  FieldPath mp = p.field("matches");
  c.items(mp, r.matches.size(), 0, 64);
  for (size_t i = 0; i < r.matches.size(); ++i) match(c, mp.at(i), r.matches[i]);
  FieldPath fp = p.field("filters");
  routeFilters(c, fp, r.filters, false);
  FieldPath bp = p.field("backendRefs");
  c.items(bp, r.backendRefs.size(), 0, 16);
  for (size_t i = 0; i < r.backendRefs.size(); ++i) {
    c.backendRef(bp.at(i), r.backendRefs[i]);
    routeFilters(c, bp.at(i).field("filters"), r.backendRefs[i].filters, false);
  }
  if (r.timeouts) timeouts(c, p.field("timeouts"), *r.timeouts);
  if (r.retry) retry(c, p.field("retry"), *r.retry);
  if (r.sessionPersistence) c.sessionPersistence(p.field("sessionPersistence"), *r.sessionPersistence);

  // Rule CEL: RequestRedirect must not be combined with backendRefs.
  if (!r.backendRefs.empty()) {
    for (size_t i = 0; i < r.filters.size(); ++i) {
      if (r.filters[i].requestRedirect) {
        c.error(fp.at(i), "a RequestRedirect filter cannot be used together with backendRefs");
        break;
      }
    }
  }
  // Rule CEL: ReplacePrefixMatch (rule or backendRef filters) needs exactly
  // one match, of path type PathPrefix.
  if (!singlePrefixMatch(r)) {
    for (size_t i = 0; i < r.filters.size(); ++i) {
      if (usesReplacePrefix(r.filters[i])) {
        c.error(fp.at(i), fmt::format("ReplacePrefixMatch requires exactly one match with path type PathPrefix "
                                      "(the rule has {} matches)",
                                      r.matches.size()));
        break;
      }
    }
    for (size_t i = 0; i < r.backendRefs.size(); ++i) {
      const auto& bf = r.backendRefs[i].filters;
      for (size_t k = 0; k < bf.size(); ++k) {
        if (usesReplacePrefix(bf[k])) {
          c.error(bp.at(i).field("filters").at(k),
                  fmt::format("ReplacePrefixMatch requires the rule to have exactly one match with path type "
                              "PathPrefix (the rule has {} matches)",
                              r.matches.size()));
          break;
        }
      }
    }
  }
}

}  // namespace

void validate(const HTTPRoute& obj, Issues& out) {
  Checker c(out);
  FieldPath spec = FieldPath::root("spec");
  c.parentRefs(spec.field("parentRefs"), obj.common.parentRefs);
  if (obj.common.useDefaultGateways) c.oneOf(spec.field("useDefaultGateways"), *obj.common.useDefaultGateways, {"All", "None"});
  hostnames(c, spec.field("hostnames"), obj.hostnames, 0, 16);
  FieldPath rp = spec.field("rules");
  c.items(rp, obj.rules.size(), 1, 16);
  size_t total = 0;
  for (size_t i = 0; i < obj.rules.size(); ++i) {
    rule(c, rp.at(i), obj.rules[i]);
    total += obj.rules[i].matches.size();
  }
  if (total > 128) {
    c.error(rp, fmt::format("too many matches: at most 128 across all rules (has {})", total));
  }
  ruleNames(c, rp, obj.rules);
}

}  // namespace portico::api::validate
