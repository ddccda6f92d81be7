// Schema and CEL validation, end to end through the loader: every case
// asserts the exact field path, that the invalid object is absent from the
// snapshot and that a valid sibling in the same file still loads.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace portico::source {
namespace {

constexpr std::string_view kSibling = R"(
---
apiVersion: v1
kind: Namespace
metadata: {name: sibling}
)";

std::string dump(const LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += d.format() + "\n";
  return s;
}

// `doc` must describe one object; it has to be rejected with an error at
// `field` whose message contains `text`.
void expectRejected(const std::string& doc, std::string_view field, std::string_view text) {
  auto r = loadString(doc + std::string(kSibling), "v.yaml");
  bool found = false;
  for (const auto& d : r.diagnostics) {
    if (d.severity == api::Severity::Error && d.field == field && d.message.find(text) != std::string::npos) {
      found = true;
      EXPECT_EQ(d.file, "v.yaml");
      EXPECT_EQ(d.document, 1);
      EXPECT_FALSE(d.kind.empty());
      EXPECT_EQ(d.name, "bad");
    }
  }
  EXPECT_TRUE(found) << "no error at " << field << " containing \"" << text << "\"; got:\n" << dump(r);
  EXPECT_EQ(r.snapshot.objectCount(), 1u) << dump(r);
  EXPECT_NE(r.snapshot.namespaces.find("", "sibling"), nullptr);
}

void expectAccepted(const std::string& doc) {
  auto r = loadString(doc, "v.yaml");
  EXPECT_FALSE(api::hasErrors(r.diagnostics)) << dump(r);
  EXPECT_EQ(r.snapshot.objectCount(), 1u);
}

std::string gateway(std::string_view listeners, std::string_view extra = "") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: bad}\nspec:\n"
         "  gatewayClassName: c\n  listeners:\n" +
         std::string(listeners) + std::string(extra);
}

std::string httpRoute(std::string_view spec) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: bad}\nspec:\n" +
         std::string(spec);
}

std::string ruleWith(std::string_view rule) { return httpRoute("  rules:\n  - " + std::string(rule) + "\n"); }

TEST(ValidateGateway, ListenerRules) {
  expectRejected(gateway("  - {name: a, port: 80, protocol: HTTP, tls: {certificateRefs: [{name: c}]}}\n"),
                 "spec.listeners[0].tls", "must not be set for protocol HTTP");
  expectRejected(gateway("  - {name: a, port: 443, protocol: HTTPS, tls: {mode: Passthrough}}\n"),
                 "spec.listeners[0].tls.mode", "must be Terminate for protocol HTTPS");
  expectRejected(gateway("  - {name: a, port: 443, protocol: TLS}\n"), "spec.listeners[0].tls.mode",
                 "must be set");
  expectRejected(gateway("  - {name: a, port: 443, protocol: HTTPS, tls: {}}\n"),
                 "spec.listeners[0].tls.certificateRefs", "at least one certificateRef");
  expectRejected(gateway("  - {name: a, port: 5432, protocol: TCP, hostname: db.example.com}\n"),
                 "spec.listeners[0].hostname", "must not be set for protocol TCP");
  expectRejected(gateway("  - {name: a, port: 80, protocol: HTTP}\n  - {name: a, port: 81, protocol: HTTP}\n"),
                 "spec.listeners[1].name", "duplicate listener name");
  expectRejected(gateway("  - {name: a, port: 80, protocol: HTTP}\n  - {name: b, port: 80, protocol: HTTP}\n"),
                 "spec.listeners[1]", "port, protocol and hostname");
  expectRejected(gateway("  - {name: a, port: 0, protocol: HTTP}\n"), "spec.listeners[0].port",
                 "must be between 1 and 65535");
  expectRejected(gateway("  - {name: a, port: 65536, protocol: HTTP}\n"), "spec.listeners[0].port", "out of range");
  expectRejected(gateway("  - {name: A_b, port: 80, protocol: HTTP}\n"), "spec.listeners[0].name",
                 "invalid section name");
  expectRejected(gateway("  - {name: a, port: 80, protocol: \"HT TP\"}\n"), "spec.listeners[0].protocol",
                 "invalid protocol");
  expectRejected(gateway("  - {name: a, port: 80, protocol: HTTP, hostname: \"*.*.example.com\"}\n"),
                 "spec.listeners[0].hostname", "invalid hostname");
  expectRejected(gateway("  - {name: a, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: None}}}\n"),
                 "spec.listeners[0].allowedRoutes.namespaces.from", "must be one of All, Selector, Same");
  expectRejected(gateway("  - {name: a, protocol: HTTP}\n"), "spec.listeners[0].port", "required field is missing");
  expectRejected(gateway("    []\n"), "spec.listeners", "at least 1 item");
  // Distinct hostnames on one port are fine, and so is TLS with a mode.
  expectAccepted(gateway("  - {name: a, port: 80, protocol: HTTP, hostname: a.example.com}\n"
                         "  - {name: b, port: 80, protocol: HTTP, hostname: b.example.com}\n"
                         "  - {name: c, port: 443, protocol: TLS, tls: {mode: Passthrough}}\n"
                         "  - {name: d, port: 8443, protocol: example.com/custom}\n"));
}

TEST(ValidateGateway, TooManyListeners) {
  std::string ls;
  for (int i = 0; i < 65; ++i) ls += "  - {name: l" + std::to_string(i) + ", port: " + std::to_string(1000 + i) + ", protocol: HTTP}\n";
  expectRejected(gateway(ls), "spec.listeners", "at most 64");
}

TEST(ValidateGateway, Addresses) {
  const std::string l = "  - {name: a, port: 80, protocol: HTTP}\n";
  expectRejected(gateway(l, "  addresses: [{value: 10.0.0.1}, {type: IPAddress, value: 10.0.0.1}]\n"),
                 "spec.addresses[1].value", "duplicate IPAddress value");
  expectRejected(gateway(l, "  addresses: [{type: Hostname, value: Foo.example}]\n"), "spec.addresses[0].value",
                 "not a valid hostname");
  expectRejected(gateway(l, "  addresses: [{value: not-an-ip}]\n"), "spec.addresses[0].value",
                 "not a valid IPv4 or IPv6");
  expectRejected(gateway(l, "  addresses: [{type: \"bad type\"}]\n"), "spec.addresses[0].type",
                 "invalid address type");
  expectAccepted(gateway(l, "  addresses: [{type: Hostname, value: gw.example.com}, {value: \"::1\"}, "
                            "{type: example.com/custom, value: anything}]\n"));
}

TEST(ValidateGateway, InfrastructureAndTLS) {
  const std::string l = "  - {name: a, port: 80, protocol: HTTP}\n";
  expectRejected(gateway(l, "  infrastructure: {labels: {\"bad key!\": x}}\n"),
                 "spec.infrastructure.labels.bad key!", "invalid label key");
  expectRejected(gateway(l, "  infrastructure: {labels: {a: \"-x\"}}\n"), "spec.infrastructure.labels.a",
                 "invalid label value");
  expectRejected(gateway(l, "  tls: {frontend: {default: {validation: {caCertificateRefs: []}}}}\n"),
                 "spec.tls.frontend.default.validation.caCertificateRefs", "at least 1 item");
  expectRejected(gateway(l, "  tls: {frontend: {default: {}, perPort: [{port: 443, tls: {}}, {port: 443, tls: {}}]}}\n"),
                 "spec.tls.frontend.perPort[1].port", "duplicate port 443");
  expectRejected(gateway(l, "  defaultScope: Some\n"), "spec.defaultScope", "must be one of All, None");
}

TEST(ValidateGateway, GatewayClassAndListenerSet) {
  expectRejected("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: bad}\n"
                 "spec: {controllerName: no-slash}\n",
                 "spec.controllerName", "invalid controller name");
  expectRejected("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: bad}\n"
                 "spec: {controllerName: a.io/b, description: " + std::string(65, 'x') + "}\n",
                 "spec.description", "at most 64");
  expectRejected("apiVersion: gateway.networking.k8s.io/v1\nkind: ListenerSet\nmetadata: {name: bad}\n"
                 "spec:\n  parentRef: {name: gw}\n  listeners: [{name: a, port: 80, protocol: UDP, hostname: x.io}]\n",
                 "spec.listeners[0].hostname", "must not be set for protocol UDP");
}

TEST(ValidateMeta, NamesAndNamespaces) {
  expectRejected("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad, namespace: Bad_NS}\n",
                 "metadata.namespace", "invalid namespace");
  auto r = loadString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].field, "metadata.name");
  EXPECT_EQ(r.snapshot.objectCount(), 0u);
}

TEST(ValidateHTTPRoute, Paths) {
  const char* bad[][2] = {{"foo", "starting with '/'"}, {"/a//b", "'//'"}, {"/a/./b", "'/./'"},
                          {"/a/../b", "'/../'"},        {"/a%2fb", "'%2f'"},  {"/a%2Fb", "'%2F'"},
                          {"/a#b", "'#'"},              {"/a/..", "'/..'"},  {"/a/.", "'/.'"},
                          {"/a b", "only the characters"}, {"/a%zz", "only the characters"}};
  for (auto& [value, msg] : bad) {
    for (std::string type : {"Exact", "PathPrefix"}) {
      expectRejected(ruleWith("matches: [{path: {type: " + type + ", value: \"" + value + "\"}}]"),
                     "spec.rules[0].matches[0].path.value", msg);
    }
  }
  // RegularExpression values are not checked here (the translator reports
  // UnsupportedValue for regexes it cannot compile).
  expectAccepted(ruleWith("matches: [{path: {type: RegularExpression, value: \"/a//(b\"}}]"));
  expectRejected(ruleWith("matches: [{path: {type: Glob, value: /}}]"), "spec.rules[0].matches[0].path.type",
                 "must be one of Exact, PathPrefix, RegularExpression");
  expectAccepted(ruleWith("matches: [{path: {type: Exact, value: \"/a%20b/c~d@e:f\"}}]"));
}

TEST(ValidateHTTPRoute, MatchFields) {
  expectRejected(ruleWith("matches: [{headers: [{name: \"bad:name\", value: x}]}]"),
                 "spec.rules[0].matches[0].headers[0].name", "invalid header name");
  expectRejected(ruleWith("matches: [{headers: [{name: a, value: x}, {name: a, value: y}]}]"),
                 "spec.rules[0].matches[0].headers[1].name", "duplicate name");
  expectRejected(ruleWith("matches: [{headers: [{name: a, value: \" lead\"}]}]"),
                 "spec.rules[0].matches[0].headers[0].value", "invalid header value");
  expectRejected(ruleWith("matches: [{queryParams: [{name: a, value: x, type: Fuzzy}]}]"),
                 "spec.rules[0].matches[0].queryParams[0].type", "must be one of Exact, RegularExpression");
  expectRejected(ruleWith("matches: [{method: FETCH}]"), "spec.rules[0].matches[0].method", "must be one of GET");
  std::string many = "matches: [";
  for (int i = 0; i < 65; ++i) many += "{path: {value: /p" + std::to_string(i) + "}},";
  many += "]";
  expectRejected(ruleWith(many), "spec.rules[0].matches", "at most 64");
  // 128 matches in total across rules.
  std::string rules = "  rules:\n";
  for (int r = 0; r < 3; ++r) {
    rules += "  - matches: [";
    for (int i = 0; i < 43; ++i) rules += "{path: {value: /p" + std::to_string(i) + "}},";
    rules += "]\n";
  }
  expectRejected(httpRoute(rules), "spec.rules", "at most 128 across all rules");
}

TEST(ValidateHTTPRoute, Limits) {
  std::string hosts = "  hostnames: [";
  for (int i = 0; i < 17; ++i) hosts += "h" + std::to_string(i) + ".example.com,";
  expectRejected(httpRoute(hosts + "]\n"), "spec.hostnames", "at most 16");
  expectRejected(httpRoute("  hostnames: [\"10.0.0.1:80\"]\n"), "spec.hostnames[0]", "invalid hostname");
  expectRejected(httpRoute("  rules: []\n"), "spec.rules", "at least 1 item");
  std::string rules = "  rules:\n";
  for (int i = 0; i < 17; ++i) rules += "  - {}\n";
  expectRejected(httpRoute(rules), "spec.rules", "at most 16");
  expectRejected(ruleWith("backendRefs: [{name: s, port: 80, weight: 1000001}]"),
                 "spec.rules[0].backendRefs[0].weight", "between 0 and 1000000");
  expectRejected(ruleWith("backendRefs: [{name: s, port: 80, weight: -1}]"),
                 "spec.rules[0].backendRefs[0].weight", "between 0 and 1000000");
  expectRejected(ruleWith("backendRefs: [{name: s}]"), "spec.rules[0].backendRefs[0].port",
                 "required when referring to a Service");
  expectAccepted(ruleWith("backendRefs: [{name: s, group: example.com, kind: Backend}]"));
  expectRejected(ruleWith("backendRefs: [{name: s, port: 80, kind: \"9bad\"}]"),
                 "spec.rules[0].backendRefs[0].kind", "invalid kind");
  expectRejected(ruleWith("backendRefs: [{name: s, port: 80, group: Example.COM}]"),
                 "spec.rules[0].backendRefs[0].group", "invalid group");
  expectRejected(ruleWith("backendRefs: [{name: s, port: 80, namespace: \"a.b\"}]"),
                 "spec.rules[0].backendRefs[0].namespace", "invalid namespace");
  expectRejected(ruleWith("{name: a}\n  - {name: a}"), "spec.rules[1].name", "duplicate rule name");
}

TEST(ValidateHTTPRoute, ParentRefs) {
  expectRejected(httpRoute("  parentRefs: [{name: gw}, {name: gw, sectionName: http}]\n"), "spec.parentRefs[1]",
                 "either all or none");
  expectRejected(httpRoute("  parentRefs: [{name: gw, sectionName: a}, {name: gw, sectionName: a}]\n"),
                 "spec.parentRefs[1]", "must be unique");
  expectRejected(httpRoute("  parentRefs: [{name: gw}, {name: gw, namespace: \"\"}]\n"), "spec.parentRefs[1].namespace",
                 "must not be empty");
  expectRejected(httpRoute("  parentRefs: [{name: gw, port: 80}, {name: gw, port: 80}]\n"), "spec.parentRefs[1]",
                 "must be unique");
  expectRejected(httpRoute("  parentRefs: [{sectionName: a}]\n"), "spec.parentRefs[0].name", "required field");
  expectAccepted(httpRoute("  parentRefs: [{name: gw, sectionName: a}, {name: gw, sectionName: b}, "
                           "{name: gw, namespace: other}, {name: gw2}]\n"));
}

TEST(ValidateHTTPRoute, FilterUnionAndListRules) {
  expectRejected(ruleWith("filters: [{type: RequestHeaderModifier}]"),
                 "spec.rules[0].filters[0].requestHeaderModifier", "required when type is RequestHeaderModifier");
  expectRejected(ruleWith("filters: [{type: URLRewrite, urlRewrite: {}, requestRedirect: {}}]"),
                 "spec.rules[0].filters[0].requestRedirect", "must not be set when type is \"URLRewrite\"");
  expectRejected(ruleWith("filters: [{type: Teleport}]"), "spec.rules[0].filters[0].type", "must be one of");
  expectRejected(ruleWith("filters: [{type: RequestRedirect, requestRedirect: {}}, {type: URLRewrite, urlRewrite: {}}]"),
                 "spec.rules[0].filters", "cannot be used together");
  for (std::string t : {"RequestHeaderModifier", "ResponseHeaderModifier"}) {
    std::string member = t == "RequestHeaderModifier" ? "requestHeaderModifier" : "responseHeaderModifier";
    expectRejected(ruleWith("filters: [{type: " + t + ", " + member + ": {}}, {type: " + t + ", " + member + ": {}}]"),
                   "spec.rules[0].filters[1].type", "cannot be repeated");
  }
  expectRejected(ruleWith("filters: [{type: CORS, cors: {}}, {type: CORS, cors: {}}]"),
                 "spec.rules[0].filters[1].type", "CORS filter cannot be repeated");
  expectRejected(ruleWith("filters: [{type: URLRewrite, urlRewrite: {}}, {type: URLRewrite, urlRewrite: {}}]"),
                 "spec.rules[0].filters[1].type", "URLRewrite filter cannot be repeated");
  expectRejected(ruleWith("filters: [{type: RequestRedirect, requestRedirect: {}}, {type: RequestRedirect, requestRedirect: {}}]"),
                 "spec.rules[0].filters[1].type", "RequestRedirect filter cannot be repeated");
  expectAccepted(ruleWith("filters: [{type: RequestMirror, requestMirror: {backendRef: {name: a, port: 1}}}, "
                          "{type: RequestMirror, requestMirror: {backendRef: {name: b, port: 1}}}, "
                          "{type: ExtensionRef, extensionRef: {group: x.io, kind: K, name: a}}, "
                          "{type: ExtensionRef, extensionRef: {group: x.io, kind: K, name: b}}]"));
  expectRejected(ruleWith("backendRefs: [{name: s, port: 80, filters: [{type: CORS, cors: {}}, {type: CORS, cors: {}}]}]"),
                 "spec.rules[0].backendRefs[0].filters[1].type", "cannot be repeated");
}

TEST(ValidateHTTPRoute, RedirectRewriteRules) {
  expectRejected(ruleWith("filters: [{type: RequestRedirect, requestRedirect: {}}]\n    backendRefs: [{name: s, port: 80}]"),
                 "spec.rules[0].filters[0]", "cannot be used together with backendRefs");
  const std::string prefix = "{type: ReplacePrefixMatch, replacePrefixMatch: /x}";
  expectRejected(ruleWith("matches: [{path: {value: /a}}, {path: {value: /b}}]\n    filters: [{type: URLRewrite, urlRewrite: {path: " +
                          prefix + "}}]"),
                 "spec.rules[0].filters[0]", "exactly one match with path type PathPrefix");
  expectRejected(ruleWith("matches: [{path: {type: Exact, value: /a}}]\n    filters: [{type: RequestRedirect, requestRedirect: {path: " +
                          prefix + "}}]"),
                 "spec.rules[0].filters[0]", "exactly one match");
  expectRejected(ruleWith("matches: [{path: {type: Exact, value: /a}}]\n    backendRefs: [{name: s, port: 80, filters: "
                          "[{type: URLRewrite, urlRewrite: {path: " + prefix + "}}]}]"),
                 "spec.rules[0].backendRefs[0].filters[0]", "exactly one match");
  // No matches (defaulted) or one PathPrefix match is fine.
  expectAccepted(ruleWith("filters: [{type: URLRewrite, urlRewrite: {path: " + prefix + "}}]"));
  expectAccepted(ruleWith("matches: [{headers: [{name: a, value: b}]}]\n    filters: [{type: URLRewrite, urlRewrite: {path: " +
                          prefix + "}}]"));
  expectRejected(ruleWith("filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath}}}]"),
                 "spec.rules[0].filters[0].urlRewrite.path.replaceFullPath", "required when type is ReplaceFullPath");
  expectRejected(ruleWith("filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /a, "
                          "replacePrefixMatch: /b}}}]"),
                 "spec.rules[0].filters[0].urlRewrite.path.replacePrefixMatch", "may only be set when type is ReplacePrefixMatch");
  expectRejected(ruleWith("filters: [{type: RequestRedirect, requestRedirect: {statusCode: 305}}]"),
                 "spec.rules[0].filters[0].requestRedirect.statusCode", "must be one of 301, 302, 303, 307, 308");
  expectRejected(ruleWith("filters: [{type: RequestRedirect, requestRedirect: {scheme: ftp}}]"),
                 "spec.rules[0].filters[0].requestRedirect.scheme", "must be one of http, https");
  expectRejected(ruleWith("filters: [{type: RequestRedirect, requestRedirect: {hostname: \"*.x.io\"}}]"),
                 "spec.rules[0].filters[0].requestRedirect.hostname", "without wildcards");
}

TEST(ValidateHTTPRoute, MirrorCorsHeaders) {
  const std::string mirror = "filters: [{type: RequestMirror, requestMirror: {backendRef: {name: m, port: 80}, ";
  expectRejected(ruleWith(mirror + "percent: 10, fraction: {numerator: 1}}}]"), "spec.rules[0].filters[0].requestMirror",
                 "only one of percent or fraction");
  expectRejected(ruleWith(mirror + "fraction: {numerator: 5, denominator: 4}}}]"),
                 "spec.rules[0].filters[0].requestMirror.fraction.numerator", "less than or equal to denominator");
  expectRejected(ruleWith(mirror + "percent: 101}}]"), "spec.rules[0].filters[0].requestMirror.percent", "between 0 and 100");
  expectRejected(ruleWith(mirror + "fraction: {numerator: 0, denominator: 0}}}]"),
                 "spec.rules[0].filters[0].requestMirror.fraction.denominator", "1 or greater");
  const std::string cors = "filters: [{type: CORS, cors: {";
  expectRejected(ruleWith(cors + "allowOrigins: [\"*\", \"https://a.io\"]}}]"), "spec.rules[0].filters[0].cors.allowOrigins[0]",
                 "must be the only entry");
  expectRejected(ruleWith(cors + "allowMethods: [GET, \"*\"]}}]"), "spec.rules[0].filters[0].cors.allowMethods[1]",
                 "must be the only entry");
  expectRejected(ruleWith(cors + "allowHeaders: [\"*\", x-a]}}]"), "spec.rules[0].filters[0].cors.allowHeaders[0]",
                 "must be the only entry");
  expectRejected(ruleWith(cors + "allowOrigins: [\"ftp://a.io\"]}}]"), "spec.rules[0].filters[0].cors.allowOrigins[0]",
                 "invalid origin");
  expectRejected(ruleWith(cors + "allowMethods: [GET, GET]}}]"), "spec.rules[0].filters[0].cors.allowMethods[1]",
                 "duplicate value");
  expectRejected(ruleWith(cors + "maxAge: 0}}]"), "spec.rules[0].filters[0].cors.maxAge", "1 or greater");
  expectAccepted(ruleWith(cors + "allowOrigins: [\"https://*.example.com:8443\", \"http://a.io\"], allowMethods: [\"*\"]}}]"));
  const std::string hdr = "filters: [{type: RequestHeaderModifier, requestHeaderModifier: {";
  expectRejected(ruleWith(hdr + "set: [{name: a, value: x}, {name: a, value: y}]}}]"),
                 "spec.rules[0].filters[0].requestHeaderModifier.set[1].name", "duplicate header name");
  expectRejected(ruleWith(hdr + "add: [{name: \"a b\", value: x}]}}]"),
                 "spec.rules[0].filters[0].requestHeaderModifier.add[0].name", "invalid header name");
  expectRejected(ruleWith(hdr + "add: [{name: a}]}}]"), "spec.rules[0].filters[0].requestHeaderModifier.add[0].value",
                 "required field");
  expectRejected(ruleWith(hdr + "remove: [a, a]}}]"), "spec.rules[0].filters[0].requestHeaderModifier.remove[1]",
                 "duplicate value");
  const std::string auth = "filters: [{type: ExternalAuth, externalAuth: {backendRef: {name: a, port: 1}, ";
  expectRejected(ruleWith(auth + "protocol: GRPC}}]"), "spec.rules[0].filters[0].externalAuth.grpc", "required when protocol is GRPC");
  expectRejected(ruleWith(auth + "protocol: GRPC, grpc: {}, http: {}}}]"), "spec.rules[0].filters[0].externalAuth.http",
                 "only be set when protocol is HTTP");
}

TEST(ValidateHTTPRoute, TimeoutsRetrySession) {
  expectRejected(ruleWith("timeouts: {request: 1s, backendRequest: 2s}"), "spec.rules[0].timeouts.backendRequest",
                 "must not exceed request");
  expectAccepted(ruleWith("timeouts: {request: 0s, backendRequest: 2s}"));
  expectAccepted(ruleWith("timeouts: {request: 1h, backendRequest: 59m59s999ms}"));
  expectRejected(ruleWith("timeouts: {request: \"0\"}"), "spec.rules[0].timeouts.request", "invalid duration");
  expectRejected(ruleWith("timeouts: {request: 1d}"), "spec.rules[0].timeouts.request", "invalid duration");
  expectRejected(ruleWith("timeouts: {request: 123456s}"), "spec.rules[0].timeouts.request", "invalid duration");
  expectRejected(ruleWith("timeouts: {request: 1h1m1s1ms1h}"), "spec.rules[0].timeouts.request", "invalid duration");
  expectRejected(ruleWith("retry: {codes: [500, 399]}"), "spec.rules[0].retry.codes[1]", "between 400 and 599");
  expectRejected(ruleWith("retry: {codes: [500, 500]}"), "spec.rules[0].retry.codes[1]", "duplicate value");
  expectRejected(ruleWith("retry: {attempts: 0}"), "spec.rules[0].retry.attempts", "1 or greater");
  expectRejected(ruleWith("retry: {backoff: fast}"), "spec.rules[0].retry.backoff", "invalid duration");
  expectRejected(ruleWith("sessionPersistence: {cookieConfig: {lifetimeType: Permanent}}"),
                 "spec.rules[0].sessionPersistence.absoluteTimeout", "required when cookieConfig.lifetimeType is Permanent");
  expectRejected(ruleWith("sessionPersistence: {type: Header, cookieConfig: {}}"),
                 "spec.rules[0].sessionPersistence.cookieConfig", "only be set when type is Cookie");
  expectRejected(ruleWith("sessionPersistence: {type: URL}"), "spec.rules[0].sessionPersistence.type",
                 "must be one of Cookie, Header");
  expectRejected(ruleWith("sessionPersistence: {idleTimeout: forever}"),
                 "spec.rules[0].sessionPersistence.idleTimeout", "invalid duration");
}

std::string grpcRoute(std::string_view rule) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: bad}\nspec:\n  rules:\n  - " +
         std::string(rule) + "\n";
}

TEST(ValidateGRPCRoute, MethodMatchAndFilters) {
  expectRejected(grpcRoute("matches: [{method: {type: Exact}}]"), "spec.rules[0].matches[0].method",
                 "one or both of service and method");
  expectRejected(grpcRoute("matches: [{method: {service: \"bad-service\"}}]"), "spec.rules[0].matches[0].method.service",
                 "invalid service");
  expectRejected(grpcRoute("matches: [{method: {method: \"Say.Hello\"}}]"), "spec.rules[0].matches[0].method.method",
                 "invalid method");
  expectAccepted(grpcRoute("matches: [{method: {type: RegularExpression, service: \"foo.*\", method: \"[a-z]+\"}}]"));
  expectRejected(grpcRoute("filters: [{type: RequestRedirect}]"), "spec.rules[0].filters[0].type",
                 "must be one of ResponseHeaderModifier");
  expectRejected(grpcRoute("filters: [{type: RequestHeaderModifier, requestRedirect: {}}]"),
                 "spec.rules[0].filters[0].requestRedirect", "unknown field");
  expectRejected(grpcRoute("filters: [{type: RequestHeaderModifier, requestHeaderModifier: {}}, "
                           "{type: RequestHeaderModifier, requestHeaderModifier: {}}]"),
                 "spec.rules[0].filters[1].type", "cannot be repeated");
}

std::string l4(std::string_view kind, std::string_view spec, std::string_view version = "v1") {
  return "apiVersion: gateway.networking.k8s.io/" + std::string(version) + "\nkind: " + std::string(kind) +
         "\nmetadata: {name: bad}\nspec:\n" + std::string(spec);
}

TEST(ValidateL4Routes, Rules) {
  const std::string rule = "  rules: [{backendRefs: [{name: s, port: 1}]}]\n";
  expectRejected(l4("TLSRoute", rule), "spec.hostnames", "at least 1 item");
  expectRejected(l4("TLSRoute", "  hostnames: [\"10.1.2.3\"]\n" + rule), "spec.hostnames[0]", "IP address");
  expectRejected(l4("TLSRoute", "  hostnames: [a.io]\n  rules: [{backendRefs: [{name: s, port: 1}]}, "
                                "{backendRefs: [{name: s, port: 1}]}]\n"),
                 "spec.rules", "exactly 1 rule");
  expectRejected(l4("TCPRoute", "  rules: [{backendRefs: []}]\n"), "spec.rules[0].backendRefs", "at least 1 item");
  expectRejected(l4("UDPRoute", "  rules: [{}]\n"), "spec.rules[0].backendRefs", "required field is missing");
  expectRejected(l4("TCPRoute", "  hostnames: [a.io]\n" + rule), "spec.hostnames", "unknown field");
  expectRejected(l4("UDPRoute", "  rules: []\n"), "spec.rules", "exactly 1 rule");
  // The deprecated v1alpha2 schema has optional hostnames and up to 16 rules.
  expectAccepted(l4("TLSRoute", rule, "v1alpha2"));
}

TEST(ValidatePolicies, ReferenceGrantBackendTLSPolicyXBackendTrafficPolicy) {
  const std::string rg = "apiVersion: gateway.networking.k8s.io/v1\nkind: ReferenceGrant\nmetadata: {name: bad}\n";
  expectRejected(rg, "spec", "required field is missing");
  expectRejected(rg + "spec: {from: [], to: [{group: \"\", kind: Service}]}\n", "spec.from", "at least 1 item");
  expectRejected(rg + "spec: {from: [{group: \"\", kind: HTTPRoute}], to: [{group: \"\", kind: Service}]}\n",
                 "spec.from[0].namespace", "required field is missing");
  const std::string bt = "apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {name: bad}\nspec:\n";
  const std::string target = "  targetRefs: [{group: \"\", kind: Service, name: s}]\n";
  expectRejected(bt + target + "  validation: {hostname: a.io}\n", "spec.validation.caCertificateRefs",
                 "one of caCertificateRefs or wellKnownCACertificates");
  expectRejected(bt + target + "  validation: {hostname: a.io, wellKnownCACertificates: System, "
                               "caCertificateRefs: [{group: \"\", kind: ConfigMap, name: c}]}\n",
                 "spec.validation.wellKnownCACertificates", "must not be set together");
  expectRejected(bt + target + "  validation: {wellKnownCACertificates: System}\n", "spec.validation.hostname",
                 "required field");
  expectRejected(bt + target + "  validation: {hostname: a.io, wellKnownCACertificates: System, "
                               "subjectAltNames: [{type: Hostname, uri: \"spiffe://x/y\"}]}\n",
                 "spec.validation.subjectAltNames[0].hostname", "required when type is Hostname");
  expectRejected(bt + target + "  validation: {hostname: a.io, wellKnownCACertificates: System, "
                               "subjectAltNames: [{type: Hostname, hostname: a.io, uri: \"spiffe://x/y\"}]}\n",
                 "spec.validation.subjectAltNames[0].uri", "may only be set when type is URI");
  expectRejected(bt + "  targetRefs: []\n  validation: {hostname: a.io, wellKnownCACertificates: System}\n",
                 "spec.targetRefs", "at least 1 item");
  expectRejected(bt + "  targetRefs: [{group: \"\", kind: Service, name: s}, {group: \"\", kind: Service, name: s, "
                      "sectionName: p}]\n  validation: {hostname: a.io, wellKnownCACertificates: System}\n",
                 "spec.targetRefs[1]", "sectionName must be set on every entry");
  const std::string xb = "apiVersion: gateway.networking.x-k8s.io/v1alpha1\nkind: XBackendTrafficPolicy\n"
                         "metadata: {name: bad}\nspec:\n" + target;
  expectRejected(xb + "  retryConstraint: {budget: {interval: 2h}}\n", "spec.retryConstraint.budget.interval",
                 "between 1s and 1h");
  expectRejected(xb + "  retryConstraint: {minRetryRate: {count: 0, interval: 1s}}\n",
                 "spec.retryConstraint.minRetryRate.count", "between 1 and 1000000");
  expectRejected(xb + "  sessionPersistence: {sessionName: " + std::string(129, 'a') + "}\n",
                 "spec.sessionPersistence.sessionName", "at most 128");
}

}  // namespace
}  // namespace portico::source
