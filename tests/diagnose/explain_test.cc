// `explain`: the listener, rule, filters and backend request for one
// request, and why every other candidate lost (spec §12.3, §12.5, §12.8).
#include "diagnose/explain.h"

#include <gtest/gtest.h>

#include "router/router.h"
#include "support/test_support.h"
#include "translate/translator.h"

namespace portico::diagnose {
namespace {

constexpr const char* kBase = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  listeners:
  - {name: shop, protocol: HTTP, port: 80, hostname: shop.example.com, allowedRoutes: {namespaces: {from: All}}}
  - {name: wild, protocol: HTTP, port: 80, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.1]}]
ports: [{name: http, port: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-1, namespace: shop, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.2]}]
ports: [{name: http, port: 8080}]
)";

struct Run {
  source::LoadResult load;
  translate::Result tr;
  Explanation e;
};

Run run(const std::string& routes, const std::string& url, const std::string& method = "GET",
        std::vector<std::pair<std::string, std::string>> headers = {}) {
  Run r;
  r.load = testing::loadOk(std::string(kBase) + "---\n" + routes);
  r.tr = translate::translate(r.load.snapshot);
  ExplainRequest req;
  req.url = url;
  req.method = method;
  req.headers = std::move(headers);
  r.e = explain(r.tr.ir, r.load.snapshot, req);
  return r;
}

const CandidateTrace* chosen(const Explanation& e) {
  for (const auto& c : e.candidates) {
    if (c.verdict == "chosen") return &c;
  }
  return nullptr;
}

const CandidateTrace* candidate(const Explanation& e, const std::string& name, uint32_t rule) {
  for (const auto& c : e.candidates) {
    if (c.routeName == name && c.rule == rule) return &c;
  }
  return nullptr;
}

std::string route(const std::string& name, const std::string& hosts, const std::string& rules,
                  const std::string& meta = "") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name +
         ", namespace: shop" + meta +
         "}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n  hostnames: " + hosts + "\n  rules:\n" +
         rules + "\n---\n";
}

// The trace agrees with the router: exactly one chosen rule, every rule
// consulted before it fails to match, and it is the router's own answer.
void expectConsistent(const Run& r, const std::string& host, const std::string& path) {
  const CandidateTrace* c = chosen(r.e);
  ASSERT_NE(c, nullptr);
  for (const auto& x : r.e.candidates) {
    if (&x == c) break;
    EXPECT_EQ(x.verdict, "no-match") << x.route;
  }
  const auto router = router::BindRouter::build(r.tr.ir.binds.at(0));
  router::RequestView v;
  v.host = host;
  v.path = path;
  v.method = "GET";
  const auto m = router->route(v);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->routeName, c->routeName);
  EXPECT_EQ(m.route->ruleIndex, c->rule);
}

TEST(Explain, ListenerChosenByMostSpecificHostname) {
  const std::string routes =
      route("exact", "[shop.example.com]", "  - backendRefs: [{name: web, port: 80}]") +
      route("wild", "[api.example.com]", "  - backendRefs: [{name: api, port: 80}]");
  auto a = run(routes, "http://shop.example.com/");
  ASSERT_EQ(a.e.listeners.size(), 2u);
  EXPECT_TRUE(a.e.listeners[0].chosen);
  EXPECT_NE(a.e.listeners[0].name.find("\"shop\""), std::string::npos);
  EXPECT_NE(a.e.listeners[1].reason.find("more specific listener"), std::string::npos);
  EXPECT_EQ(chosen(a.e)->routeName, "exact");
  // Listener isolation: the wildcard listener's route is not a candidate.
  EXPECT_EQ(candidate(a.e, "wild", 0), nullptr);

  auto b = run(routes, "http://api.example.com/");
  EXPECT_EQ(chosen(b.e)->routeName, "wild");
  EXPECT_NE(b.e.listeners[0].reason.find("does not match"), std::string::npos);

  auto c = run(routes, "http://other.org/");
  EXPECT_EQ(c.e.status, 404);
  EXPECT_NE(c.e.outcome.find("no listener"), std::string::npos);
}

TEST(Explain, FallsThroughToLessSpecificRouteHostname) {
  // One listener (wild); routes on api.example.com and *.example.com: the
  // exact host is consulted first, its miss falls through (spec §12.1).
  const std::string routes = route("exact", "[api.example.com]",
                                   "  - matches: [{path: {type: PathPrefix, value: /only}}]\n    "
                                   "backendRefs: [{name: web, port: 80}]") +
                             route("wide", "[\"*.example.com\"]", "  - backendRefs: [{name: api, port: 80}]");
  auto r = run(routes, "http://api.example.com/other");
  ASSERT_NE(chosen(r.e), nullptr);
  EXPECT_EQ(chosen(r.e)->routeName, "wide");
  const CandidateTrace* miss = candidate(r.e, "exact", 0);
  ASSERT_NE(miss, nullptr);
  EXPECT_EQ(miss->verdict, "no-match");
  EXPECT_NE(miss->reason.find("not under prefix /only"), std::string::npos);
  expectConsistent(r, "api.example.com", "/other");

  auto hit = run(routes, "http://api.example.com/only/x");
  EXPECT_EQ(chosen(hit.e)->routeName, "exact");
  EXPECT_EQ(candidate(hit.e, "wide", 0), nullptr) << "less specific host consulted after a match";
}

TEST(Explain, PathKindsAndLengths) {
  const std::string rules =
      "  - matches: [{path: {type: PathPrefix, value: /api}}]\n    backendRefs: [{name: web, port: 80}]\n"
      "  - matches: [{path: {type: Exact, value: /api/cart}}]\n    backendRefs: [{name: api, port: 80}]\n"
      "  - matches: [{path: {type: PathPrefix, value: /api/cart}}]\n    backendRefs: [{name: api, port: "
      "80}]\n"
      "  - matches: [{path: {type: RegularExpression, value: \"/api/c[a-z]+/.+\"}}]\n    backendRefs: "
      "[{name: web, port: 80}]";
  auto exact = run(route("r", "[shop.example.com]", rules), "http://shop.example.com/api/cart");
  EXPECT_EQ(chosen(exact.e)->rule, 1u);
  EXPECT_NE(candidate(exact.e, "r", 2)->reason.find("an Exact path beats a PathPrefix path"),
            std::string::npos);
  EXPECT_NE(candidate(exact.e, "r", 0)->reason.find("an Exact path beats"), std::string::npos);
  expectConsistent(exact, "shop.example.com", "/api/cart");

  auto regex = run(route("r", "[shop.example.com]", rules), "http://shop.example.com/api/cart/items");
  EXPECT_EQ(chosen(regex.e)->rule, 3u) << "RegularExpression ranks before PathPrefix (spec-decisions.md)";
  EXPECT_NE(candidate(regex.e, "r", 2)->reason.find("a RegularExpression path beats a PathPrefix path"),
            std::string::npos);

  auto prefix = run(route("r", "[shop.example.com]", rules), "http://shop.example.com/api/cartx");
  EXPECT_EQ(chosen(prefix.e)->rule, 0u);
  EXPECT_NE(candidate(prefix.e, "r", 2)->reason.find("prefixes match whole segments"), std::string::npos);

  auto longer = run(route("r", "[shop.example.com]", rules), "http://shop.example.com/api/cart/");
  EXPECT_EQ(chosen(longer.e)->rule, 2u);
  EXPECT_NE(candidate(longer.e, "r", 0)->reason.find("a longer path wins (/api/cart vs /api)"),
            std::string::npos);
}

TEST(Explain, MethodHeadersAndQueryParams) {
  const std::string rules =
      "  - matches: [{path: {type: PathPrefix, value: /}}]\n    backendRefs: [{name: web, port: 80}]\n"
      "  - matches: [{path: {type: PathPrefix, value: /}, method: POST}]\n    backendRefs: [{name: api, "
      "port: 80}]\n"
      "  - matches: [{path: {type: PathPrefix, value: /}, headers: [{name: X-Env, value: canary}]}]\n"
      "    backendRefs: [{name: api, port: 80}]\n"
      "  - matches: [{path: {type: PathPrefix, value: /}, queryParams: [{name: v, value: \"2\"}]}]\n"
      "    backendRefs: [{name: api, port: 80}]";
  const std::string r = route("r", "[shop.example.com]", rules);

  auto post = run(r, "http://shop.example.com/x", "POST");
  EXPECT_EQ(chosen(post.e)->rule, 1u);
  EXPECT_NE(candidate(post.e, "r", 0)->reason.find("method match wins"), std::string::npos);

  auto get = run(r, "http://shop.example.com/x");
  EXPECT_EQ(chosen(get.e)->rule, 0u);
  EXPECT_NE(candidate(get.e, "r", 1)->reason.find("method GET (rule wants POST)"), std::string::npos);
  EXPECT_NE(candidate(get.e, "r", 2)->reason.find("header x-env absent"), std::string::npos);
  EXPECT_NE(candidate(get.e, "r", 3)->reason.find("query parameter v absent"), std::string::npos);

  auto header = run(r, "http://shop.example.com/x", "GET", {{"x-env", "canary"}});
  EXPECT_EQ(chosen(header.e)->rule, 2u);
  EXPECT_NE(candidate(header.e, "r", 0)->reason.find("more header matches win (1 vs 0)"), std::string::npos);

  auto wrongHeader = run(r, "http://shop.example.com/x", "GET", {{"X-Env", "prod"}});
  EXPECT_NE(candidate(wrongHeader.e, "r", 2)->reason.find("header x-env is \"prod\""), std::string::npos);

  auto query = run(r, "http://shop.example.com/x?v=2");
  EXPECT_EQ(chosen(query.e)->rule, 3u);
  EXPECT_NE(candidate(query.e, "r", 0)->reason.find("more query parameter matches win"), std::string::npos);
  auto otherQuery = run(r, "http://shop.example.com/x?v=1");
  EXPECT_EQ(chosen(otherQuery.e)->rule, 0u);
  EXPECT_NE(candidate(otherQuery.e, "r", 3)->reason.find("query parameter v is \"1\""), std::string::npos);
}

TEST(Explain, TieBrokenByCreationTimestamp) {
  const std::string rules = "  - backendRefs: [{name: web, port: 80}]";
  const std::string routes =
      route("newer", "[shop.example.com]", rules, ", creationTimestamp: \"2025-02-01T00:00:00Z\"") +
      route("older", "[shop.example.com]", rules, ", creationTimestamp: \"2024-02-01T00:00:00Z\"");
  auto r = run(routes, "http://shop.example.com/");
  EXPECT_EQ(chosen(r.e)->routeName, "older");
  const CandidateTrace* lost = candidate(r.e, "newer", 0);
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->verdict, "lost");
  EXPECT_NE(lost->reason.find("the older route wins"), std::string::npos);
}

TEST(Explain, RedirectAnsweredByPortico) {
  const std::string rules =
      "  - matches: [{path: {type: PathPrefix, value: /old}}]\n"
      "    filters:\n"
      "    - type: RequestRedirect\n"
      "      requestRedirect: {scheme: https, statusCode: 301, path: {type: ReplacePrefixMatch, "
      "replacePrefixMatch: /new}}";
  auto r = run(route("r", "[shop.example.com]", rules), "http://shop.example.com/old/page?q=1");
  EXPECT_EQ(r.e.status, 301);
  EXPECT_NE(r.e.outcome.find("https://shop.example.com/new/page?q=1"), std::string::npos);
  EXPECT_NE(r.e.response.find("HTTP/1.1 301"), std::string::npos);
  EXPECT_NE(r.e.response.find("Location: https://shop.example.com/new/page?q=1"), std::string::npos);
  EXPECT_TRUE(r.e.backends.empty());
}

TEST(Explain, RewriteShapesTheUpstreamRequest) {
  const std::string rules =
      "  - matches: [{path: {type: PathPrefix, value: /shop}}]\n"
      "    filters:\n"
      "    - type: URLRewrite\n"
      "      urlRewrite: {hostname: internal.example.com, path: {type: ReplacePrefixMatch, "
      "replacePrefixMatch: /v2}}\n"
      "    - type: RequestHeaderModifier\n"
      "      requestHeaderModifier: {set: [{name: X-Team, value: shop}], remove: [X-Debug]}\n"
      "    backendRefs: [{name: web, port: 80, weight: 3}, {name: api, port: 80, weight: 1}]";
  auto r = run(route("r", "[shop.example.com]", rules), "http://shop.example.com/shop/items?x=1", "GET",
               {{"X-Debug", "1"}});
  EXPECT_EQ(r.e.status, 0);
  ASSERT_EQ(r.e.backends.size(), 2u);
  EXPECT_DOUBLE_EQ(r.e.backends[0].share, 75.0);
  EXPECT_DOUBLE_EQ(r.e.backends[1].share, 25.0);
  const std::string& up = r.e.backends[0].upstreamRequest;
  EXPECT_EQ(up.rfind("GET /v2/items?x=1 HTTP/1.1\r\nHost: internal.example.com\r\n", 0), 0u) << up;
  EXPECT_NE(up.find("X-Team: shop"), std::string::npos);
  EXPECT_EQ(up.find("X-Debug"), std::string::npos);
  ASSERT_GE(r.e.filters.size(), 2u);
  EXPECT_EQ(r.e.filters[0].filter, "RequestHeaderModifier (rule)");
  EXPECT_EQ(r.e.filters[1].filter, "URLRewrite (rule)");
  EXPECT_NE(r.e.filters[1].effect.find("path /shop/items -> /v2/items"), std::string::npos);
}

TEST(Explain, InvalidAndEmptyBackendsAnswerErrors) {
  const std::string rules =
      "  - backendRefs: [{name: web, port: 80, weight: 1}, {name: gone, port: 80, weight: 1}]";
  auto r = run(route("r", "[shop.example.com]", rules), "http://shop.example.com/");
  ASSERT_EQ(r.e.backends.size(), 2u);
  EXPECT_EQ(r.e.backends[1].status, 500);
  EXPECT_NE(r.e.outcome.find("50% get 500"), std::string::npos);

  auto none = run(route("r", "[shop.example.com]", "  - matches: [{path: {type: Exact, value: /x}}]"),
                  "http://shop.example.com/x");
  EXPECT_EQ(none.e.status, 500);

  auto miss = run(route("r", "[shop.example.com]", rules), "http://shop.example.com:8080/");
  EXPECT_EQ(miss.e.status, -1);
  EXPECT_NE(miss.e.outcome.find("connection refused"), std::string::npos);
}

TEST(Explain, RendersTextAndJson) {
  auto r = run(route("r", "[shop.example.com]", "  - backendRefs: [{name: web, port: 80}]"),
               "http://shop.example.com/a");
  const std::string text = renderExplainText(r.e, TextOptions{80, false});
  EXPECT_NE(text.find("CHOSEN"), std::string::npos);
  EXPECT_NE(text.find("request sent to shop/web:80"), std::string::npos);
  EXPECT_EQ(text.find("\033["), std::string::npos) << "no colour unless asked";
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = text.substr(start, end - start);
    if (line.starts_with("    ") && line.find(':') != std::string::npos &&
        line.find("HTTP/1.1") == std::string::npos)
      continue;
    EXPECT_LE(line.size(), 80u) << line;
  }
  const std::string json = renderExplainJson(r.e);
  EXPECT_NE(json.find("\"apiVersion\": \"portico.dev/explain/v1\""), std::string::npos);
  EXPECT_NE(json.find("\"verdict\": \"chosen\""), std::string::npos);
}

}  // namespace
}  // namespace portico::diagnose
