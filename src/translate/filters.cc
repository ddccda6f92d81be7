#include "translate/filters.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "translate/backends.h"
#include "translate/conditions.h"
#include "translate/ordering.h"

namespace portico::translate {
namespace {

ir::HeaderOps headerOps(const api::HTTPHeaderFilter& f) {
  ir::HeaderOps ops;
  for (const auto& h : f.set) ops.set.emplace_back(h.name, h.value);
  for (const auto& h : f.add) ops.add.emplace_back(h.name, h.value);
  for (const auto& r : f.remove) ops.remove.push_back(lower(r));
  return ops;
}

ir::PathRewrite pathRewrite(const std::optional<api::HTTPPathModifier>& m, const std::string& matchedPrefix,
                            const std::string& field, RuleProblems& problems) {
  ir::PathRewrite out;
  if (!m) return out;
  if (m->type == "ReplaceFullPath") {
    out.kind = ir::PathRewriteKind::Full;
    out.value = m->replaceFullPath.value_or("/");
  } else if (m->type == "ReplacePrefixMatch") {
    out.kind = ir::PathRewriteKind::Prefix;
    out.value = m->replacePrefixMatch.value_or("");
    out.matchedPrefix = matchedPrefix;
    if (matchedPrefix.empty()) {
      problems.setInvalid(field + ".path: ReplacePrefixMatch needs the rule to have exactly one PathPrefix match");
    }
  } else {
    problems.setInvalid(fmt::format("{}.path.type: unsupported value \"{}\"", field, m->type));
  }
  return out;
}

}  // namespace

void compileFilters(Context& ctx, const FilterScope& scope, const std::vector<api::HTTPRouteFilter>& filters,
                    ir::Filters& out, RuleProblems& problems) {
  for (size_t i = 0; i < filters.size(); ++i) {
    const auto& f = filters[i];
    const std::string field = fmt::format("{}[{}]", scope.field, i);
    if (f.type == "RequestHeaderModifier" && f.requestHeaderModifier) {
      out.requestHeaders = headerOps(*f.requestHeaderModifier);
    } else if (f.type == "ResponseHeaderModifier" && f.responseHeaderModifier) {
      out.responseHeaders = headerOps(*f.responseHeaderModifier);
    } else if (f.type == "RequestRedirect" && f.requestRedirect && !scope.grpc) {
      const auto& r = *f.requestRedirect;
      ir::Redirect red;
      red.scheme = r.scheme;
      red.hostname = r.hostname;
      red.port = r.port;
      red.statusCode = r.statusCode;
      red.path = pathRewrite(r.path, scope.matchedPrefix, field + ".requestRedirect", problems);
      out.redirect = std::move(red);
    } else if (f.type == "URLRewrite" && f.urlRewrite && !scope.grpc) {
      ir::Rewrite rw;
      rw.hostname = f.urlRewrite->hostname;
      rw.path = pathRewrite(f.urlRewrite->path, scope.matchedPrefix, field + ".urlRewrite", problems);
      out.rewrite = std::move(rw);
    } else if (f.type == "RequestMirror" && f.requestMirror) {
      const auto& m = *f.requestMirror;
      auto res = resolveBackend(ctx, scope.routeKind, scope.routeNamespace, m.backendRef,
                                field + ".requestMirror.backendRef");
      if (res.cluster.empty()) {
        // A bad mirror reference is reported and the mirror left out; the
        // rule keeps serving (spec §12.10).
        problems.setRef(res.reason, res.message);
        continue;
      }
      ir::Mirror mirror;
      mirror.cluster = res.cluster;
      if (m.percent) {
        mirror.numerator = *m.percent;
        mirror.denominator = 100;
      } else if (m.fraction) {
        mirror.numerator = m.fraction->numerator;
        mirror.denominator = m.fraction->denominator;
      }
      out.mirrors.push_back(std::move(mirror));
    } else if (f.type == "CORS" && f.cors && !scope.grpc) {
      const auto& c = *f.cors;
      out.cors = ir::Cors{c.allowOrigins,  c.allowCredentials.value_or(false), c.allowMethods,
                          c.allowHeaders, c.exposeHeaders,                    c.maxAge};
    } else if (f.type == "ExtensionRef" && f.extensionRef) {
      // An unresolvable extension filter must not be skipped: requests get
      // 500 (HTTPRoute filter docs). Portico has no extension kinds.
      problems.setRef(cond::kInvalidKind,
                      fmt::format("{}.extensionRef: {}/{} {} is not an extension Portico supports; matching "
                                  "requests get 500",
                                  field, f.extensionRef->group, f.extensionRef->kind, f.extensionRef->name));
      problems.directStatus = 500;
    } else if (f.type == "ExternalAuth") {
      problems.setInvalid(field + ".type: ExternalAuth is not supported yet; the rule is not served");
    } else {
      problems.setInvalid(fmt::format("{}.type: unsupported filter type \"{}\" for a {}", field, f.type,
                                      scope.routeKind));
    }
  }
}

}  // namespace portico::translate
