// HTTPRouteFilter / GRPCRouteFilter validation (httproute_types.go,
// grpcroute_types.go): the filter union, each filter's schema, and the
// filter-list CEL rules.
#include <fmt/format.h>

#include "api/validate/patterns.h"
#include "api/validate/route_common.h"

namespace portico::api::validate {
namespace {

void headerList(Checker& c, const FieldPath& p, const std::vector<HTTPHeader>& hs) {
  c.items(p, hs.size(), 0, 16);
  for (size_t i = 0; i < hs.size(); ++i) {
    FieldPath hp = p.at(i);
    c.headerName(hp.field("name"), hs[i].name);
    FieldPath vp = hp.field("value");
    if (c.length(vp, hs[i].value, 1, 4096) && !isHeaderValue(hs[i].value)) {
      c.error(vp, fmt::format("invalid header value {}: must be visible ASCII characters separated by single "
                              "spaces or tabs, without leading or trailing whitespace",
                              quote(hs[i].value)));
    }
    // x-kubernetes-list-map-keys: name.
    for (size_t j = 0; j < i; ++j) {
      if (hs[j].name == hs[i].name) {
        c.error(hp.field("name"), fmt::format("duplicate header name {} (also {})", quote(hs[i].name), p.at(j).str()));
        break;
      }
    }
  }
}

void headerFilter(Checker& c, const FieldPath& p, const HTTPHeaderFilter& f) {
  headerList(c, p.field("set"), f.set);
  headerList(c, p.field("add"), f.add);
  FieldPath rp = p.field("remove");
  c.items(rp, f.remove.size(), 0, 16);
  uniqueStrings(c, rp, f.remove);
}

void pathModifier(Checker& c, const FieldPath& p, const HTTPPathModifier& m) {
  c.oneOf(p.field("type"), m.type, {"ReplaceFullPath", "ReplacePrefixMatch"});
  if (m.replaceFullPath) c.length(p.field("replaceFullPath"), *m.replaceFullPath, 0, 1024);
  if (m.replacePrefixMatch) c.length(p.field("replacePrefixMatch"), *m.replacePrefixMatch, 0, 1024);
  // HTTPPathModifier CEL: the value field must match the type.
  if (m.type == "ReplaceFullPath" && !m.replaceFullPath) {
    c.error(p.field("replaceFullPath"), "required when type is ReplaceFullPath");
  }
  if (m.replaceFullPath && m.type != "ReplaceFullPath") {
    c.error(p.field("replaceFullPath"), fmt::format("may only be set when type is ReplaceFullPath (type is {})", quote(m.type)));
  }
  if (m.type == "ReplacePrefixMatch" && !m.replacePrefixMatch) {
    c.error(p.field("replacePrefixMatch"), "required when type is ReplacePrefixMatch");
  }
  if (m.replacePrefixMatch && m.type != "ReplacePrefixMatch") {
    c.error(p.field("replacePrefixMatch"),
            fmt::format("may only be set when type is ReplacePrefixMatch (type is {})", quote(m.type)));
  }
}

void mirror(Checker& c, const FieldPath& p, const HTTPRequestMirrorFilter& m) {
  c.backendObjectRef(p.field("backendRef"), m.backendRef);
  if (m.percent) c.range(p.field("percent"), *m.percent, 0, 100);
  if (m.fraction) {
    FieldPath fp = p.field("fraction");
    c.minimum(fp.field("numerator"), m.fraction->numerator, 0);
    c.minimum(fp.field("denominator"), m.fraction->denominator, 1);
    if (m.fraction->numerator > m.fraction->denominator) {
      c.error(fp.field("numerator"), fmt::format("{} is greater than denominator {}: numerator must be less than or "
                                                 "equal to denominator",
                                                 m.fraction->numerator, m.fraction->denominator));
    }
  }
  if (m.percent && m.fraction) c.error(p, "only one of percent or fraction may be set");
}

void redirect(Checker& c, const FieldPath& p, const HTTPRequestRedirectFilter& r) {
  if (r.scheme) c.oneOf(p.field("scheme"), *r.scheme, {"http", "https"});
  if (r.hostname) c.preciseHostname(p.field("hostname"), *r.hostname);
  if (r.path) pathModifier(c, p.field("path"), *r.path);
  if (r.port) c.port(p.field("port"), *r.port);
  const int32_t s = r.statusCode;
  if (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) {
    c.error(p.field("statusCode"), fmt::format("unsupported value {}: must be one of 301, 302, 303, 307, 308", s));
  }
}

void cors(Checker& c, const FieldPath& p, const HTTPCORSFilter& f) {
  // Each list is a set, and "*" may only appear alone (CEL).
  auto starAlone = [&](const FieldPath& lp, const std::vector<std::string>& v) {
    if (v.size() > 1) {
      for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == "*") {
          c.error(lp.at(i), "\"*\" must be the only entry when present");
          return;
        }
      }
    }
  };
  FieldPath op = p.field("allowOrigins");
  c.items(op, f.allowOrigins.size(), 0, 64);
  uniqueStrings(c, op, f.allowOrigins);
  for (size_t i = 0; i < f.allowOrigins.size(); ++i) {
    if (c.length(op.at(i), f.allowOrigins[i], 1, 253) && !isCorsOrigin(f.allowOrigins[i])) {
      c.error(op.at(i), fmt::format("invalid origin {}: must be \"*\" or scheme://host[:port] with scheme http "
                                    "or https and a host that may start with \"*.\"",
                                    quote(f.allowOrigins[i])));
    }
  }
  starAlone(op, f.allowOrigins);
  FieldPath mp = p.field("allowMethods");
  c.items(mp, f.allowMethods.size(), 0, 9);
  uniqueStrings(c, mp, f.allowMethods);
  for (size_t i = 0; i < f.allowMethods.size(); ++i) {
    c.oneOf(mp.at(i), f.allowMethods[i], {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "*"});
  }
  starAlone(mp, f.allowMethods);
  for (auto [name, list] : {std::pair{"allowHeaders", &f.allowHeaders}, std::pair{"exposeHeaders", &f.exposeHeaders}}) {
    FieldPath hp = p.field(name);
    c.items(hp, list->size(), 0, 64);
    uniqueStrings(c, hp, *list);
    for (size_t i = 0; i < list->size(); ++i) c.headerName(hp.at(i), (*list)[i]);
  }
  starAlone(p.field("allowHeaders"), f.allowHeaders);
  c.minimum(p.field("maxAge"), f.maxAge, 1);
}

void externalAuth(Checker& c, const FieldPath& p, const HTTPExternalAuthFilter& a) {
  c.oneOf(p.field("protocol"), a.protocol, {"HTTP", "GRPC"});
  c.backendObjectRef(p.field("backendRef"), a.backendRef);
  FieldPath grpcPath = p.field("grpc");
  FieldPath gp = grpcPath.field("allowedHeaders");
  c.items(gp, a.grpcAllowedHeaders.size(), 0, 64);
  uniqueStrings(c, gp, a.grpcAllowedHeaders);
  FieldPath hp = p.field("http");
  if (a.httpPath) {
    FieldPath pp = hp.field("path");
    if (c.length(pp, *a.httpPath, 0, 1024) && !a.httpPath->empty() && !isHttpPathChars(*a.httpPath)) {
      c.error(pp, fmt::format("invalid path {}: only URL path characters and %-escapes are allowed", quote(*a.httpPath)));
    }
  }
  c.items(hp.field("allowedHeaders"), a.httpAllowedHeaders.size(), 0, 64);
  uniqueStrings(c, hp.field("allowedHeaders"), a.httpAllowedHeaders);
  c.items(hp.field("allowedResponseHeaders"), a.httpAllowedResponseHeaders.size(), 0, 64);
  uniqueStrings(c, hp.field("allowedResponseHeaders"), a.httpAllowedResponseHeaders);
  // HTTPExternalAuthFilter CEL: grpc <-> protocol GRPC, http <-> protocol HTTP.
  if (a.protocol == "GRPC" && !a.grpcSet) c.error(p.field("grpc"), "required when protocol is GRPC");
  if (a.grpcSet && a.protocol != "GRPC") c.error(p.field("grpc"), "may only be set when protocol is GRPC");
  if (a.protocol == "HTTP" && !a.httpSet) c.error(p.field("http"), "required when protocol is HTTP");
  if (a.httpSet && a.protocol != "HTTP") c.error(p.field("http"), "may only be set when protocol is HTTP");
}

// The filter union: the member named by `type` is required, every other
// member forbidden (HTTPRouteFilter CEL).
template <class T>
void member(Checker& c, const FieldPath& p, const HTTPRouteFilter& f, std::string_view type, std::string_view field,
            const std::optional<T>& value) {
  if (f.type == type && !value) {
    c.error(p.field(field), fmt::format("required when type is {}", type));
  } else if (f.type != type && value) {
    c.error(p.field(field), fmt::format("must not be set when type is {} (only with type {})", quote(f.type), type));
  }
}

void filter(Checker& c, const FieldPath& p, const HTTPRouteFilter& f, bool grpc) {
  if (grpc) {
    c.oneOf(p.field("type"), f.type, {"ResponseHeaderModifier", "RequestHeaderModifier", "RequestMirror", "ExtensionRef"});
  } else {
    c.oneOf(p.field("type"), f.type,
            {"RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect", "URLRewrite",
             "ExtensionRef", "CORS", "ExternalAuth"});
  }
  member(c, p, f, "RequestHeaderModifier", "requestHeaderModifier", f.requestHeaderModifier);
  member(c, p, f, "ResponseHeaderModifier", "responseHeaderModifier", f.responseHeaderModifier);
  member(c, p, f, "RequestMirror", "requestMirror", f.requestMirror);
  member(c, p, f, "ExtensionRef", "extensionRef", f.extensionRef);
  if (!grpc) {
    member(c, p, f, "RequestRedirect", "requestRedirect", f.requestRedirect);
    member(c, p, f, "URLRewrite", "urlRewrite", f.urlRewrite);
    member(c, p, f, "CORS", "cors", f.cors);
    member(c, p, f, "ExternalAuth", "externalAuth", f.externalAuth);
  }
  if (f.requestHeaderModifier) headerFilter(c, p.field("requestHeaderModifier"), *f.requestHeaderModifier);
  if (f.responseHeaderModifier) headerFilter(c, p.field("responseHeaderModifier"), *f.responseHeaderModifier);
  if (f.requestMirror) mirror(c, p.field("requestMirror"), *f.requestMirror);
  if (f.extensionRef) c.localRef(p.field("extensionRef"), *f.extensionRef);
  if (f.requestRedirect) redirect(c, p.field("requestRedirect"), *f.requestRedirect);
  if (f.urlRewrite) {
    FieldPath up = p.field("urlRewrite");
    if (f.urlRewrite->hostname) c.preciseHostname(up.field("hostname"), *f.urlRewrite->hostname);
    if (f.urlRewrite->path) pathModifier(c, up.field("path"), *f.urlRewrite->path);
  }
  if (f.cors) cors(c, p.field("cors"), *f.cors);
  if (f.externalAuth) externalAuth(c, p.field("externalAuth"), *f.externalAuth);
}

}  // namespace

void uniqueStrings(Checker& c, const FieldPath& p, const std::vector<std::string>& v) {
  for (size_t i = 1; i < v.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (v[j] == v[i]) {
        c.error(p.at(i), fmt::format("duplicate value {} (also {}): entries must be unique", quote(v[i]), p.at(j).str()));
        break;
      }
    }
  }
}

void hostnames(Checker& c, const FieldPath& p, const std::vector<std::string>& hs, size_t min, size_t max) {
  c.items(p, hs.size(), min, max);
  for (size_t i = 0; i < hs.size(); ++i) c.hostname(p.at(i), hs[i]);
}

void routeFilters(Checker& c, const FieldPath& p, const std::vector<HTTPRouteFilter>& fs, bool grpc) {
  c.items(p, fs.size(), 0, 16);
  for (size_t i = 0; i < fs.size(); ++i) filter(c, p.at(i), fs[i], grpc);
  // Filter-list CEL: RequestRedirect and URLRewrite exclude each other, and
  // these types may appear at most once (RequestMirror and ExtensionRef may
  // repeat).
  bool redirectSeen = false, rewriteSeen = false;
  for (const auto& f : fs) {
    redirectSeen = redirectSeen || f.type == "RequestRedirect";
    rewriteSeen = rewriteSeen || f.type == "URLRewrite";
  }
  if (redirectSeen && rewriteSeen) c.error(p, "RequestRedirect and URLRewrite filters cannot be used together");
  static constexpr std::string_view kOnce[] = {"CORS", "RequestHeaderModifier", "ResponseHeaderModifier",
                                               "RequestRedirect", "URLRewrite"};
  for (auto type : kOnce) {
    if (grpc && type != "RequestHeaderModifier" && type != "ResponseHeaderModifier") continue;
    size_t first = fs.size();
    for (size_t i = 0; i < fs.size(); ++i) {
      if (fs[i].type != type) continue;
      if (first == fs.size()) {
        first = i;
      } else {
        c.error(p.at(i).field("type"),
                fmt::format("{} filter cannot be repeated (already at {})", type, p.at(first).str()));
        break;
      }
    }
  }
}

}  // namespace portico::api::validate
