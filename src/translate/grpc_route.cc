// GRPCRoute rules -> IR routes matched on the path /<service>/<method>
// (spec §6, §12.6).
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "translate/ordering.h"
#include "translate/routes.h"

namespace portico::translate {
namespace {

struct GrpcMatch {
  ir::Match match;
  size_t serviceLen = 0;
  size_t methodLen = 0;
};

GrpcMatch compileMatch(Context& ctx, const api::GRPCRouteMatch& m, const std::string& field, RuleProblems& problems) {
  GrpcMatch out;
  out.match.grpc = true;
  out.match.method = std::string("POST");
  if (m.method) {
    const auto& mm = *m.method;
    const std::string svc = mm.service.value_or("");
    const std::string meth = mm.method.value_or("");
    out.serviceLen = svc.size();
    out.methodLen = meth.size();
    if (mm.type == "Exact") {
      if (!svc.empty() && !meth.empty()) {
        out.match.path = {ir::PathMatchKind::Exact, "/" + svc + "/" + meth};
      } else if (!svc.empty()) {
        out.match.path = {ir::PathMatchKind::Prefix, "/" + svc};
      } else {
        out.match.path = {ir::PathMatchKind::Regex, "/[^/]+/" + RE2::QuoteMeta(meth)};
      }
    } else if (mm.type == "RegularExpression") {
      std::string err;
      for (const auto* part : {&svc, &meth}) {
        if (!part->empty() && !validRegex(ctx, *part, err)) {
          problems.setInvalid(fmt::format("{}.method: invalid RE2 regular expression: {}", field, err));
        }
      }
      out.match.path = {ir::PathMatchKind::Regex,
                        "/" + (svc.empty() ? std::string("[^/]+") : "(?:" + svc + ")") + "/" +
                            (meth.empty() ? std::string("[^/]+") : "(?:" + meth + ")")};
    } else {
      problems.setInvalid(fmt::format("{}.method.type: unsupported value \"{}\"", field, mm.type));
    }
  }
  for (size_t i = 0; i < m.headers.size(); ++i) {
    const auto& h = m.headers[i];
    ir::StringMatch sm;
    sm.name = lower(h.name);
    sm.value = h.value;
    if (std::any_of(out.match.headers.begin(), out.match.headers.end(),
                    [&](const ir::StringMatch& s) { return s.name == sm.name; })) {
      continue;
    }
    if (h.type == "RegularExpression") {
      sm.kind = ir::StringMatchKind::Regex;
      std::string err;
      if (!validRegex(ctx, h.value, err)) {
        problems.setInvalid(fmt::format("{}.headers[{}].value: invalid RE2 regular expression: {}", field, i, err));
      }
    }
    out.match.headers.push_back(std::move(sm));
  }
  return out;
}

}  // namespace

CompiledRoute compileGRPCRoute(Context& ctx, const api::GRPCRoute& route) {
  CompiledRoute out;
  out.grpc = true;
  const auto& meta = route.meta;
  for (uint32_t ri = 0; ri < route.rules.size(); ++ri) {
    const auto& rule = route.rules[ri];
    const std::string rf = fmt::format("spec.rules[{}]", ri);
    RuleProblems problems;
    std::vector<GrpcMatch> matches;
    if (rule.matches.empty()) {
      matches.push_back(GrpcMatch{});  // no matches: every gRPC request
      matches.back().match.grpc = true;
    }
    for (size_t mi = 0; mi < rule.matches.size(); ++mi) {
      matches.push_back(compileMatch(ctx, rule.matches[mi], fmt::format("{}.matches[{}]", rf, mi), problems));
    }
    ir::Route base;
    base.routeKind = "GRPCRoute";
    base.routeNamespace = meta.namespace_;
    base.routeName = meta.name;
    base.ruleIndex = ri;
    base.ruleName = rule.name.value_or("");
    compileFilters(ctx, {"GRPCRoute", meta.namespace_, rf + ".filters", "", true}, rule.filters, base.filters,
                   problems);
    base.backends = compileBackends(ctx, "GRPCRoute", meta, rule.backendRefs, rf + ".backendRefs", "", true,
                                    problems, out.services);
    base.directResponseStatus = problems.directStatus;
    recordRule(out, problems);
    if (!problems.invalid.empty()) continue;
    const std::string defaultCookie = fmt::format("portico-session-{}-{}-{}", meta.namespace_, meta.name, ri);
    for (uint32_t mi = 0; mi < matches.size(); ++mi) {
      PendingRoute pr;
      pr.route = base;
      pr.route.matchIndex = mi;
      pr.route.match = matches[mi].match;
      pr.route.sessionPersistence = compileSessionPersistence(rule.sessionPersistence, defaultCookie, "/");
      pr.key = grpcSortKey(meta, matches[mi].serviceLen, matches[mi].methodLen, pr.route.match.headers.size(), ri, mi);
      out.routes.push_back(std::make_shared<PendingRoute>(std::move(pr)));
    }
  }
  return out;
}

}  // namespace portico::translate
