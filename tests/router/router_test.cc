// Request matching through the real translator (spec §12.1, §12.5, §12.6).
#include <gtest/gtest.h>

#include "router/router_scenario.h"

namespace portico::testing {
namespace {

const std::string kHttp80 = gatewayYaml("  - {name: http, port: 80, protocol: HTTP}\n");

std::string rule(const std::string& match) { return "  - matches: [" + match + "]\n"; }

TEST(RouterMatch, PathMatchTypes) {
  RouterScenario s(kHttp80 + httpRoute("exact", rule("{path: {type: Exact, value: /abc}}")) +
                   httpRoute("prefix", rule("{path: {type: PathPrefix, value: /abc/}}")) +
                   httpRoute("regex", rule("{path: {type: RegularExpression, value: \"/re/[0-9]+\"}}")) +
                   httpRoute("root", "  - {}\n"));
  const auto& r = s.port(80);
  auto at = [&](std::string path) { return who(r, Req{.path = std::move(path)}); };
  EXPECT_EQ(at("/abc"), "exact/0");
  EXPECT_EQ(at("/abc/"), "prefix/0") << "Exact: /abc != /abc/";
  EXPECT_EQ(at("/abc/x/y"), "prefix/0");
  EXPECT_EQ(at("/abcd"), "root/0") << "PathPrefix is segment-wise";
  EXPECT_EQ(at("/ABC"), "root/0") << "paths are case-sensitive";
  // The translator ranks RegularExpression between Exact and PathPrefix
  // (regex precedence is implementation-specific, §12.5), so a catch-all
  // "/" never hides a regex.
  EXPECT_EQ(at("/re/123"), "regex/0");
  EXPECT_EQ(at("/"), "root/0");
  EXPECT_EQ(at("*"), "root/0") << "\"/\" matches every path";
}

TEST(RouterMatch, RegexIsAFullMatchOnThePath) {
  RouterScenario s(kHttp80 +
                   httpRoute("regex", rule("{path: {type: RegularExpression, value: \"/re/[0-9]+\"}}")) +
                   httpRoute("prefix", rule("{path: {value: /re/1}}")));
  const auto& r = s.port(80);
  auto at = [&](std::string path, std::string query = "") {
    return who(r, Req{.path = std::move(path), .query = std::move(query)});
  };
  EXPECT_EQ(at("/re/123", "x=1"), "regex/0");
  EXPECT_EQ(at("/re/1"), "regex/0") << "regex outranks prefix";
  EXPECT_EQ(at("/re/1/x"), "prefix/0") << "the prefix still takes what the regex does not match";
  EXPECT_EQ(at("/re/123/x"), "404") << "full match, not a search";
  EXPECT_EQ(at("/re/abc"), "404");
}

TEST(RouterMatch, MethodHeadersAndQueryParams) {
  RouterScenario s(
      kHttp80 + httpRoute("m", rule("{path: {value: /m}, method: POST}") +
                                   rule("{path: {value: /m}, headers: [{name: X-Env, value: canary}]}") +
                                   rule("{path: {value: /m}, headers: [{name: x-ver, type: "
                                        "RegularExpression, value: \"v[0-9]+\"}]}") +
                                   rule("{path: {value: /m}, queryParams: [{name: animal, value: whale}]}") +
                                   rule("{path: {value: /m}}")));
  const auto& r = s.port(80);
  auto at = [&](std::string method, std::vector<std::pair<std::string, std::string>> headers,
                std::string query = "") {
    return who(r, Req{.path = "/m/x",
                      .query = std::move(query),
                      .method = std::move(method),
                      .headers = std::move(headers)});
  };
  EXPECT_EQ(at("POST", {{"x-env", "canary"}}), "m/0") << "method outranks headers (§12.5)";
  EXPECT_EQ(at("GET", {{"X-ENV", "canary"}}), "m/1") << "header names are case-insensitive";
  EXPECT_EQ(at("GET", {{"x-env", "Canary"}}), "m/4") << "header values are not";
  EXPECT_EQ(at("GET", {{"x-env", "prod"}, {"x-env", "canary"}}), "m/4")
      << "first occurrence of a header counts";
  EXPECT_EQ(at("GET", {{"x-ver", "v12"}}), "m/2");
  EXPECT_EQ(at("GET", {{"x-ver", "v12a"}}), "m/4") << "header regex is a full match";
  EXPECT_EQ(at("GET", {}, "animal=whale"), "m/3");
  EXPECT_EQ(at("GET", {}, "color=blue&animal=whale"), "m/3");
  EXPECT_EQ(at("GET", {}, "animal=dolphin&animal=whale"), "m/4") << "first value of a repeated param wins";
  EXPECT_EQ(at("GET", {}, "ANIMAL=whale"), "m/4") << "query names are case-sensitive";
  EXPECT_EQ(at("GET", {}, "animal=wh%61le"), "m/4") << "values are compared as sent";
  EXPECT_EQ(at("get", {}), "m/4") << "methods compare exactly";
}

TEST(RouterMatch, PrecedenceTieBreaks) {
  RouterScenario s(
      kHttp80 + httpRoute("prefix-a", rule("{path: {value: /a}}")) +
      httpRoute("exact-a", rule("{path: {type: Exact, value: /a}}")) +
      httpRoute("prefix-ab", rule("{path: {value: /a/b}}")) +
      httpRoute("one-header", rule("{path: {value: /h}, headers: [{name: a, value: \"1\"}]}")) +
      httpRoute("two-headers",
                rule("{path: {value: /h}, headers: [{name: a, value: \"1\"}, {name: b, value: \"1\"}]}")) +
      httpRoute("query", rule("{path: {value: /q}, queryParams: [{name: a, value: \"1\"}]}")) +
      httpRoute("header", rule("{path: {value: /q}, headers: [{name: a, value: \"1\"}]}")) +
      httpRoute("newer", rule("{path: {value: /t}}"), "", "", "2024-06-01T00:00:00Z") +
      httpRoute("older", rule("{path: {value: /t}}"), "", "", "2024-01-01T00:00:00Z") +
      httpRoute("same-b", rule("{path: {value: /n}}"), "", "", "2024-01-01T00:00:00Z") +
      httpRoute("same-a", rule("{path: {value: /n}}"), "", "", "2024-01-01T00:00:00Z") +
      httpRoute("rules", rule("{path: {value: /r}}") + rule("{path: {value: /r}}")));
  const auto& r = s.port(80);
  auto at = [&](std::string path, std::vector<std::pair<std::string, std::string>> h = {},
                std::string q = "") {
    return who(r, Req{.path = std::move(path), .query = std::move(q), .headers = std::move(h)});
  };
  EXPECT_EQ(at("/a"), "exact-a/0");
  EXPECT_EQ(at("/a/"), "prefix-a/0");
  EXPECT_EQ(at("/a/b/c"), "prefix-ab/0") << "longest prefix";
  EXPECT_EQ(at("/a/bc"), "prefix-a/0");
  EXPECT_EQ(at("/h", {{"a", "1"}, {"b", "1"}}), "two-headers/0");
  EXPECT_EQ(at("/h", {{"a", "1"}}), "one-header/0");
  EXPECT_EQ(at("/q", {{"a", "1"}}, "a=1"), "header/0") << "headers before query params";
  EXPECT_EQ(at("/q", {}, "a=1"), "query/0");
  EXPECT_EQ(at("/t"), "older/0") << "oldest creationTimestamp";
  EXPECT_EQ(at("/n"), "same-a/0") << "then namespace/name";
  EXPECT_EQ(at("/r"), "rules/0") << "then the first rule";
}

TEST(RouterHost, ExactThenWildcardsThenAnyWithFallThrough) {
  RouterScenario s(
      kHttp80 + httpRoute("exact", rule("{path: {value: /x}}"), "[foo.example.com]") +
      httpRoute("wild", rule("{path: {value: /w}}") + rule("{path: {value: /x}}"), "[\"*.example.com\"]") +
      httpRoute("deeper", rule("{path: {value: /x}}"), "[\"*.b.example.com\"]") +
      httpRoute("any", rule("{path: {value: /}}")) +
      httpRoute("any-only", rule("{path: {value: /only-any}}")));
  const auto& r = s.port(80);
  auto at = [&](std::string host, std::string path = "/x") {
    return who(r, Req{.host = std::move(host), .path = std::move(path)});
  };
  EXPECT_EQ(at("foo.example.com"), "exact/0");
  EXPECT_EQ(at("FOO.Example.COM:8080"), "exact/0") << "case and port ignored";
  EXPECT_EQ(at("foo.example.com."), "exact/0") << "trailing dot ignored";
  EXPECT_EQ(at("foo.example.com", "/w"), "wild/0") << "no route in the exact host: fall through";
  EXPECT_EQ(at("foo.example.com", "/only-any"), "any-only/0") << "... down to \"*\"";
  EXPECT_EQ(at("foo.example.com", "/zzz"), "any/0");
  EXPECT_EQ(at("bar.example.com"), "wild/1");
  EXPECT_EQ(at("x.y.example.com"), "wild/1") << "a wildcard covers several labels";
  EXPECT_EQ(at("a.b.example.com", "/w"), "wild/0") << "falls through to the shorter wildcard";
  EXPECT_EQ(at("a.b.example.com"), "deeper/0") << "more labels first";
  EXPECT_EQ(at("example.com"), "any/0") << "never the apex";
  EXPECT_EQ(at("other.org"), "any/0");
  EXPECT_EQ(at(""), "any/0");
  EXPECT_EQ(at("[::1]:80"), "any/0");
}

TEST(RouterHost, ListenerIsolationNeverFallsBack) {
  RouterScenario s(gatewayYaml("  - {name: foo, port: 80, protocol: HTTP, hostname: foo.example.com}\n"
                               "  - {name: wild, port: 80, protocol: HTTP, hostname: \"*.example.com\"}\n"
                               "  - {name: any, port: 80, protocol: HTTP}\n") +
                   httpRoute("f", rule("{path: {value: /f}}"), "", "foo") +
                   httpRoute("w", rule("{path: {value: /a}}"), "", "wild") +
                   httpRoute("c", rule("{path: {value: /}}"), "", "any"));
  const auto& r = s.port(80);
  auto at = [&](std::string host, std::string path) {
    return who(r, Req{.host = std::move(host), .path = std::move(path)});
  };
  EXPECT_EQ(at("foo.example.com", "/f"), "f/0");
  EXPECT_EQ(at("foo.example.com", "/a"), "404") << "the wildcard listener's routes do not apply";
  EXPECT_EQ(at("bar.example.com", "/a"), "w/0");
  EXPECT_EQ(at("bar.example.com", "/z"), "404") << "no fallback to the catch-all listener";
  EXPECT_EQ(at("other.org", "/z"), "c/0");
  EXPECT_EQ(r.listenerForHost("FOO.example.com")->name, "foo");
  EXPECT_EQ(r.listenerForHost("a.b.example.com")->name, "wild");
  EXPECT_EQ(r.listenerForHost("example.com")->name, "any");
  auto m = r.route(Req{.host = "foo.example.com", .path = "/a"}.view());
  ASSERT_NE(m.listener, nullptr);
  EXPECT_EQ(m.listener->name, "foo");
}

TEST(RouterHost, NoListenerForHostIs404) {
  RouterScenario s(gatewayYaml("  - {name: foo, port: 80, protocol: HTTP, hostname: foo.example.com}\n") +
                   httpRoute("f", "  - {}\n"));
  EXPECT_EQ(who(s.port(80), Req{.host = "bar.example.com"}), "404");
  EXPECT_EQ(s.port(80).listenerForHost("bar.example.com"), nullptr);
}

// Mirrors conformance HTTPRouteHTTPSListenerDetectMisdirectedRequests.
TEST(RouterHost, MisdirectedRequests) {
  KeyPair kp =
      selfSigned({"example.org", "second-example.org", "*.wildcard.org", "fourth-example.wildcard.org"});
  auto https = [](std::string name, std::string host) {
    return "  - name: " + name + "\n    port: 443\n    protocol: HTTPS\n" +
           (host.empty() ? "" : "    hostname: \"" + host + "\"\n") +
           "    tls: {certificateRefs: [{name: cert}]}\n";
  };
  RouterScenario s(
      tlsSecretYaml("infra", "cert", kp) + "---\n" +
      gatewayYaml(https("https", "") + https("https-with-hostname", "second-example.org") +
                  https("https-with-wildcard-hostname", "*.wildcard.org") +
                  https("https-with-hostname-matching-wildcard", "fourth-example.wildcard.org")) +
      httpRoute("t1", rule("{path: {value: /d}}"), "[example.org]", "https") +
      httpRoute("t2", rule("{path: {value: /d}}"), "", "https-with-hostname") +
      httpRoute("t3", rule("{path: {value: /d}}"), "", "https-with-wildcard-hostname") +
      httpRoute("t4", rule("{path: {value: /d}}"), "", "https-with-hostname-matching-wildcard"));
  const auto& r = s.port(443);
  ASSERT_EQ(r.bind().listeners.size(), 4u);
  auto at = [&](std::string host, std::string_view sni) {
    const ir::Listener* l = r.listenerForSni(sni);
    EXPECT_NE(l, nullptr) << sni;
    return who(r, Req{.host = std::move(host), .path = "/d"}, l);
  };
  EXPECT_EQ(at("example.org", "example.org"), "t1/0");
  EXPECT_EQ(at("second-example.org", "example.org"), "421");
  EXPECT_EQ(at("unknown-example.org", "example.org"), "404") << "both on the catch-all listener, no route";
  EXPECT_EQ(at("second-example.org", "second-example.org"), "t2/0");
  EXPECT_EQ(at("example.org", "second-example.org"), "421");
  EXPECT_EQ(at("unknown-example.org", "second-example.org"), "421");
  EXPECT_EQ(at("third-example.wildcard.org", "third-example.wildcard.org"), "t3/0");
  EXPECT_EQ(at("fith-example.wildcard.org", "third-example.wildcard.org"), "t3/0");
  EXPECT_EQ(at("fourth-example.wildcard.org", "third-example.wildcard.org"), "421");
  EXPECT_EQ(at("second-example.org", "third-example.wildcard.org"), "421");
  EXPECT_EQ(at("fourth-example.wildcard.org", "fourth-example.wildcard.org"), "t4/0");
  EXPECT_EQ(at("third-example.wildcard.org", "fourth-example.wildcard.org"), "421");
  EXPECT_EQ(at("example.org", "unknown.org"), "t1/0") << "unknown SNI on the catch-all routes normally";
  EXPECT_EQ(r.listenerForSni("unknown.org")->name, "https");
  EXPECT_EQ(r.listenerForSni("a.wildcard.org")->name, "https-with-wildcard-hostname");
}

TEST(RouterGrpc, GrpcRequestsSeeOnlyGrpcRules) {
  RouterScenario s(
      kHttp80 + httpRoute("web", rule("{path: {value: /}}"), "[api.example.com]") +
      httpRoute("web-other", rule("{path: {value: /}}"), "[other.example.com]") +
      "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\n"
      "metadata: {name: g, namespace: infra}\nspec:\n  parentRefs: [{name: gw}]\n"
      "  hostnames: [api.example.com]\n  rules:\n"
      "  - matches: [{method: {service: foo.Bar, method: Get}}]\n"
      "  - matches: [{method: {service: foo.Bar}}]\n"
      "  - matches: [{method: {service: foo.Baz, method: Get}, headers: [{name: x-v, value: \"2\"}]}]\n");
  const auto& r = s.port(80);
  auto at = [&](std::string host, std::string path, bool grpc,
                std::vector<std::pair<std::string, std::string>> h = {}) {
    return who(r, Req{.host = std::move(host),
                      .path = std::move(path),
                      .method = "POST",
                      .headers = std::move(h),
                      .grpc = grpc});
  };
  EXPECT_EQ(at("api.example.com", "/foo.Bar/Get", true), "g/0");
  EXPECT_EQ(at("api.example.com", "/foo.Bar/Put", true), "g/1");
  EXPECT_EQ(at("api.example.com", "/foo.Baz/Get", true, {{"x-v", "2"}}), "g/2");
  EXPECT_EQ(at("api.example.com", "/foo.Baz/Get", true), "404")
      << "never merged with HTTPRoute rules (§12.6)";
  EXPECT_EQ(at("api.example.com", "/foo.Bar/Get", false), "web/0") << "plain HTTP never sees GRPCRoute rules";
  EXPECT_EQ(at("other.example.com", "/foo.Bar/Get", true), "web-other/0")
      << "gRPC over an HTTPRoute-only host";
}

TEST(RouterMatch, EmptyBindAndNoRoutes) {
  const ir::Bind bind;  // the router keeps a pointer: the IR must outlive it
  auto r = router::BindRouter::build(bind);
  Req req;
  EXPECT_EQ(who(*r, req), "404");
  EXPECT_EQ(r->listenerForHost("example.com"), nullptr);
  EXPECT_EQ(r->listenerForSni("example.com"), nullptr);
  EXPECT_EQ(router::stripPort("a.com:80"), "a.com");
  EXPECT_EQ(router::stripPort("[::1]:443"), "[::1]");
  EXPECT_EQ(router::stripPort("a.com"), "a.com");
}

}  // namespace
}  // namespace portico::testing
