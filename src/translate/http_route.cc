// HTTPRoute rules -> IR routes (spec §5, §12.5, §12.8, §12.11-§12.13).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "translate/duration.h"
#include "translate/ordering.h"
#include "translate/routes.h"

namespace portico::translate {
namespace {

// PathPrefix is segment-wise and ignores a trailing '/': "/abc/" matches
// like "/abc" (spec §12.5). Store it without the trailing slash.
std::string normalisePrefix(const std::string& v) {
  if (v.size() > 1 && v.back() == '/') return v.substr(0, v.size() - 1);
  return v;
}

// Longest literal prefix of a regex, for the session cookie Path (§12.13).
std::string literalPrefix(const std::string& re) {
  std::string out;
  size_t i = (!re.empty() && re[0] == '^') ? 1 : 0;
  for (; i < re.size(); ++i) {
    char c = re[i];
    if (std::string_view(".[]()*+?{}|\\^$").find(c) != std::string_view::npos) break;
    out.push_back(c);
  }
  auto slash = out.rfind('/');
  return slash == std::string::npos ? "/" : out.substr(0, slash + 1);
}

ir::Match compileMatch(Context& ctx, const api::HTTPRouteMatch& m, const std::string& field, RuleProblems& problems) {
  ir::Match out;
  api::HTTPPathMatch path = m.path.value_or(api::HTTPPathMatch{});
  std::string err;
  if (path.type == "Exact") {
    out.path = {ir::PathMatchKind::Exact, path.value};
  } else if (path.type == "PathPrefix") {
    out.path = {ir::PathMatchKind::Prefix, normalisePrefix(path.value)};
  } else if (path.type == "RegularExpression") {
    if (!validRegex(ctx, path.value, err)) {
      problems.setInvalid(fmt::format("{}.path.value: invalid RE2 regular expression: {}", field, err));
    }
    out.path = {ir::PathMatchKind::Regex, path.value};
  } else {
    problems.setInvalid(fmt::format("{}.path.type: unsupported value \"{}\"", field, path.type));
  }
  out.method = m.method;
  // For duplicate header or query names only the first entry counts
  // (HTTPHeaderMatch docs).
  auto addMatches = [&](const std::vector<api::HTTPHeaderMatch>& in, std::vector<ir::StringMatch>& dst,
                        bool caseInsensitiveName, const char* what) {
    for (size_t i = 0; i < in.size(); ++i) {
      const auto& h = in[i];
      std::string name = caseInsensitiveName ? lower(h.name) : h.name;
      bool dup = std::any_of(dst.begin(), dst.end(), [&](const ir::StringMatch& s) { return s.name == name; });
      if (dup) continue;
      ir::StringMatch sm;
      sm.name = std::move(name);
      sm.value = h.value;
      if (h.type == "RegularExpression") {
        sm.kind = ir::StringMatchKind::Regex;
        if (!validRegex(ctx, h.value, err)) {
          problems.setInvalid(fmt::format("{}.{}[{}].value: invalid RE2 regular expression: {}", field, what, i, err));
        }
      } else if (h.type != "Exact") {
        problems.setInvalid(fmt::format("{}.{}[{}].type: unsupported value \"{}\"", field, what, i, h.type));
      }
      dst.push_back(std::move(sm));
    }
  };
  addMatches(m.headers, out.headers, true, "headers");
  addMatches(m.queryParams, out.queryParams, false, "queryParams");
  return out;
}

std::string cookiePathFor(const ir::Match& m) {
  switch (m.path.kind) {
    case ir::PathMatchKind::Exact:
    case ir::PathMatchKind::Prefix:
      return m.path.value.empty() ? "/" : m.path.value;
    case ir::PathMatchKind::Regex:
      return literalPrefix(m.path.value);
  }
  return "/";
}

}  // namespace

CompiledRoute compileHTTPRoute(Context& ctx, const api::HTTPRoute& route) {
  CompiledRoute out;
  const auto& meta = route.meta;
  for (uint32_t ri = 0; ri < route.rules.size(); ++ri) {
    const auto& rule = route.rules[ri];
    const std::string rf = fmt::format("spec.rules[{}]", ri);
    RuleProblems problems;

    std::vector<api::HTTPRouteMatch> matches = rule.matches;
    if (matches.empty()) matches.push_back(api::HTTPRouteMatch{});  // default: PathPrefix "/"
    std::vector<ir::Match> compiled;
    for (size_t mi = 0; mi < matches.size(); ++mi) {
      compiled.push_back(compileMatch(ctx, matches[mi], fmt::format("{}.matches[{}]", rf, mi), problems));
    }
    // ReplacePrefixMatch needs the one PathPrefix the rule matched (CEL).
    std::string matchedPrefix;
    if (compiled.size() == 1 && compiled[0].path.kind == ir::PathMatchKind::Prefix) {
      matchedPrefix = compiled[0].path.value;
    }

    ir::Route base;
    base.routeKind = "HTTPRoute";
    base.routeNamespace = meta.namespace_;
    base.routeName = meta.name;
    base.ruleIndex = ri;
    base.ruleName = rule.name.value_or("");
    compileFilters(ctx, {"HTTPRoute", meta.namespace_, rf + ".filters", matchedPrefix, false}, rule.filters,
                   base.filters, problems);
    base.backends = compileBackends(ctx, "HTTPRoute", meta, rule.backendRefs, rf + ".backendRefs", matchedPrefix,
                                    false, problems, out.services);
    base.directResponseStatus = problems.directStatus;
    // v1.6 backend-level RequestRedirect after a rule-level URLRewrite:
    // whether the Location is built from the rewritten or the original URL
    // is unspecified, so the combination is refused rather than guessed.
    if (base.filters.rewrite) {
      for (size_t bi = 0; bi < base.backends.size(); ++bi) {
        if (base.backends[bi].filters && base.backends[bi].filters->redirect) {
          problems.setInvalid(fmt::format("{}.backendRefs[{}].filters: RequestRedirect cannot follow the rule's "
                                          "URLRewrite",
                                          rf, bi),
                              "IncompatibleFilters");
        }
      }
    }
    if (rule.timeouts) {
      if (rule.timeouts->request) base.requestTimeoutMs = parseDurationMs(*rule.timeouts->request).value_or(0);
      if (rule.timeouts->backendRequest) {
        base.backendRequestTimeoutMs = parseDurationMs(*rule.timeouts->backendRequest).value_or(0);
      }
    }
    if (rule.retry) {
      ir::Retry r;
      r.codes = rule.retry->codes;
      r.attempts = rule.retry->attempts.value_or(1);
      if (rule.retry->backoff) r.backoffMs = parseDurationMs(*rule.retry->backoff).value_or(0);
      base.retry = std::move(r);
    }
    recordRule(out, problems);
    if (!problems.invalid.empty()) continue;  // dropped: PartiallyInvalid / UnsupportedValue

    const std::string defaultCookie = fmt::format("portico-session-{}-{}-{}", meta.namespace_, meta.name, ri);
    for (uint32_t mi = 0; mi < compiled.size(); ++mi) {
      PendingRoute pr;
      pr.route = base;
      pr.route.matchIndex = mi;
      pr.route.match = compiled[mi];
      pr.route.sessionPersistence =
          compileSessionPersistence(rule.sessionPersistence, defaultCookie, cookiePathFor(compiled[mi]));
      pr.key = httpSortKey(meta, pr.route.match, ri, mi);
      out.routes.push_back(std::make_shared<PendingRoute>(std::move(pr)));
    }
  }
  return out;
}

}  // namespace portico::translate
