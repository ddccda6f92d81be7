// Decoding of every kind, with the CRD defaults applied.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace portico::source {
namespace {

using testing::loadOk;

TEST(Decode, GatewayClassAndClusterScope) {
  auto r = loadOk(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: portico
  namespace: ignored
spec:
  controllerName: portico.dev/gateway-controller
  description: test class
  parametersRef: {group: portico.dev, kind: Config, name: cfg, namespace: infra}
)");
  const auto* gc = r.snapshot.gatewayClasses.find("", "portico");
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(gc->meta.namespace_, "");
  EXPECT_EQ(gc->controllerName, "portico.dev/gateway-controller");
  EXPECT_EQ(gc->description, "test class");
  ASSERT_TRUE(gc->parametersRef);
  EXPECT_EQ(gc->parametersRef->namespace_, "infra");
  EXPECT_EQ(gc->apiVersion, "gateway.networking.k8s.io/v1");
  EXPECT_EQ(gc->meta.generation, 1);
}

TEST(Decode, GatewayDefaults) {
  auto r = loadOk(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  generation: 7
  creationTimestamp: "2024-01-02T03:04:05Z"
  labels: {app: web}
  annotations: {note: "x"}
  uid: abc
  resourceVersion: "12"
  managedFields: [{manager: kubectl}]
  finalizers: [x/y]
spec:
  gatewayClassName: portico
  addresses: [{value: 10.0.0.1}]
  listeners:
  - name: http
    port: 80
    protocol: HTTP
  - name: https
    port: 443
    protocol: HTTPS
    hostname: "*.example.com"
    tls:
      certificateRefs: [{name: cert}]
    allowedRoutes:
      namespaces: {from: Selector, selector: {matchLabels: {team: a}, matchExpressions: [{key: env, operator: In, values: [prod]}]}}
      kinds: [{kind: HTTPRoute}]
  allowedListeners: {namespaces: {from: All}}
  infrastructure: {labels: {a: b}, annotations: {c: d}, parametersRef: {group: x.io, kind: P, name: p}}
  tls:
    backend: {clientCertificateRef: {name: client}}
    frontend:
      default: {validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]}}
      perPort: [{port: 443, tls: {validation: {mode: AllowInsecureFallback, caCertificateRefs: [{group: "", kind: ConfigMap, name: ca2}]}}}]
)");
  const auto* gw = r.snapshot.gateways.find("default", "gw");
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(gw->meta.namespace_, "default");
  EXPECT_EQ(gw->meta.generation, 7);
  EXPECT_EQ(gw->meta.creationTimestamp, "2024-01-02T03:04:05Z");
  EXPECT_EQ(gw->meta.uid, "abc");
  EXPECT_EQ(gw->meta.resourceVersion, "12");
  EXPECT_EQ(gw->meta.labels.at("app"), "web");
  EXPECT_EQ(gw->meta.source.file, "test.yaml");
  EXPECT_EQ(gw->meta.source.document, 1);
  EXPECT_EQ(gw->meta.source.line, 2);
  ASSERT_EQ(gw->addresses.size(), 1u);
  EXPECT_EQ(gw->addresses[0].type, "IPAddress");
  ASSERT_EQ(gw->listeners.size(), 2u);
  const auto& http = gw->listeners[0];
  EXPECT_EQ(http.allowedRoutes.namespaces.from, "Same");
  EXPECT_FALSE(http.allowedRoutes.kindsSet);
  EXPECT_FALSE(http.tls);
  const auto& https = gw->listeners[1];
  EXPECT_EQ(https.hostname, "*.example.com");
  ASSERT_TRUE(https.tls);
  EXPECT_FALSE(https.tls->mode);  // Terminate by default, left unset
  ASSERT_EQ(https.tls->certificateRefs.size(), 1u);
  EXPECT_EQ(https.tls->certificateRefs[0].group, "");
  EXPECT_EQ(https.tls->certificateRefs[0].kind, "Secret");
  EXPECT_EQ(https.allowedRoutes.namespaces.from, "Selector");
  ASSERT_TRUE(https.allowedRoutes.namespaces.selector);
  EXPECT_EQ(https.allowedRoutes.namespaces.selector->matchLabels.at("team"), "a");
  ASSERT_EQ(https.allowedRoutes.namespaces.selector->matchExpressions.size(), 1u);
  EXPECT_EQ(https.allowedRoutes.namespaces.selector->matchExpressions[0].values[0], "prod");
  EXPECT_TRUE(https.allowedRoutes.kindsSet);
  ASSERT_EQ(https.allowedRoutes.kinds.size(), 1u);
  EXPECT_EQ(https.allowedRoutes.kinds[0].group, "gateway.networking.k8s.io");
  ASSERT_TRUE(gw->allowedListeners);
  EXPECT_EQ(gw->allowedListeners->namespaces.from, "All");
  ASSERT_TRUE(gw->infrastructure);
  EXPECT_EQ(gw->infrastructure->parametersRef->kind, "P");
  ASSERT_TRUE(gw->tls && gw->tls->backend && gw->tls->frontend);
  EXPECT_EQ(gw->tls->backend->clientCertificateRef->kind, "Secret");
  EXPECT_EQ(gw->tls->frontend->default_.validation->mode, "AllowValidOnly");
  EXPECT_EQ(gw->tls->frontend->perPort[0].tls.validation->mode, "AllowInsecureFallback");
}

TEST(Decode, EmptyAllowedRoutesKindsIsDistinguished) {
  auto r = loadOk(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {kinds: []}}]
)");
  const auto* gw = r.snapshot.gateways.find("infra", "gw");
  ASSERT_NE(gw, nullptr);
  EXPECT_TRUE(gw->listeners[0].allowedRoutes.kindsSet);
  EXPECT_TRUE(gw->listeners[0].allowedRoutes.kinds.empty());
}

TEST(Decode, ListenerSet) {
  auto r = loadOk(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ls}
spec:
  parentRef: {name: gw}
  listeners: [{name: extra, port: 8080, protocol: HTTP}]
)");
  const auto* ls = r.snapshot.listenerSets.find("default", "ls");
  ASSERT_NE(ls, nullptr);
  EXPECT_EQ(ls->parentRef.group, "gateway.networking.k8s.io");
  EXPECT_EQ(ls->parentRef.kind, "Gateway");
  EXPECT_FALSE(ls->parentRef.namespace_);
  EXPECT_EQ(ls->listeners[0].allowedRoutes.namespaces.from, "Same");
}

TEST(Decode, HTTPRouteWithoutRulesGetsDefaultRule) {
  auto r = loadOk(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
)");
  const auto* rt = r.snapshot.httpRoutes.find("default", "r");
  ASSERT_NE(rt, nullptr);
  ASSERT_EQ(rt->common.parentRefs.size(), 1u);
  EXPECT_EQ(rt->common.parentRefs[0].group, "gateway.networking.k8s.io");
  EXPECT_EQ(rt->common.parentRefs[0].kind, "Gateway");
  ASSERT_EQ(rt->rules.size(), 1u);
  ASSERT_EQ(rt->rules[0].matches.size(), 1u);
  ASSERT_TRUE(rt->rules[0].matches[0].path);
  EXPECT_EQ(rt->rules[0].matches[0].path->type, "PathPrefix");
  EXPECT_EQ(rt->rules[0].matches[0].path->value, "/");
}

TEST(Decode, HTTPRouteFullRule) {
  auto r = loadOk(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: http, port: 80}]
  hostnames: [example.com]
  useDefaultGateways: All
  rules:
  - name: main
    backendRefs:
    - name: svc
      port: 8080
      filters:
      - type: ResponseHeaderModifier
        responseHeaderModifier: {add: [{name: X-A, value: b}], remove: [X-B]}
    - {name: other, port: 80, weight: 3, namespace: ns2}
    timeouts: {request: 10s, backendRequest: 2s}
    retry: {codes: [500, 503], attempts: 2, backoff: 100ms}
    sessionPersistence: {sessionName: s, absoluteTimeout: 1h, cookieConfig: {lifetimeType: Permanent}}
  - matches:
    - headers: [{name: X-Env, value: prod}]
      queryParams: [{type: RegularExpression, name: q, value: "a.*"}]
      method: GET
    - path: {type: Exact, value: /exact}
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, port: 443}
  - filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: m, port: 80}, fraction: {numerator: 5}}
    - type: URLRewrite
      urlRewrite: {hostname: new.example.com, path: {type: ReplaceFullPath, replaceFullPath: /new}}
    - type: CORS
      cors: {allowOrigins: ["https://a.example.com"], allowCredentials: true}
    - type: ExtensionRef
      extensionRef: {group: portico.dev, kind: Thing, name: t}
    - type: ExternalAuth
      externalAuth: {protocol: HTTP, backendRef: {name: auth, port: 9000}, http: {path: /check, allowedHeaders: [x-a]}, forwardBody: {maxSize: 1024}}
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: X-Set, value: "1"}]}
)");
  const auto* rt = r.snapshot.httpRoutes.find("apps", "r");
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->common.useDefaultGateways, "All");
  EXPECT_EQ(rt->common.parentRefs[0].port, 80);
  ASSERT_EQ(rt->rules.size(), 3u);
  const auto& r0 = rt->rules[0];
  EXPECT_EQ(r0.name, "main");
  EXPECT_TRUE(r0.matches.empty());  // the translator applies the PathPrefix "/" default
  ASSERT_EQ(r0.backendRefs.size(), 2u);
  EXPECT_EQ(r0.backendRefs[0].weight, 1);
  EXPECT_EQ(r0.backendRefs[0].ref.group, "");
  EXPECT_EQ(r0.backendRefs[0].ref.kind, "Service");
  EXPECT_EQ(r0.backendRefs[0].ref.port, 8080);
  EXPECT_EQ(r0.backendRefs[0].filters[0].responseHeaderModifier->remove[0], "X-B");
  EXPECT_EQ(r0.backendRefs[1].weight, 3);
  EXPECT_EQ(r0.backendRefs[1].ref.namespace_, "ns2");
  EXPECT_EQ(r0.timeouts->backendRequest, "2s");
  EXPECT_EQ(r0.retry->codes, (std::vector<int32_t>{500, 503}));
  EXPECT_EQ(r0.sessionPersistence->type, "Cookie");
  EXPECT_EQ(r0.sessionPersistence->cookieConfig->lifetimeType, "Permanent");
  const auto& r1 = rt->rules[1];
  ASSERT_EQ(r1.matches.size(), 2u);
  ASSERT_TRUE(r1.matches[0].path);  // a match without path gets PathPrefix "/"
  EXPECT_EQ(r1.matches[0].path->type, "PathPrefix");
  EXPECT_EQ(r1.matches[0].path->value, "/");
  EXPECT_EQ(r1.matches[0].headers[0].type, "Exact");
  EXPECT_EQ(r1.matches[0].queryParams[0].type, "RegularExpression");
  EXPECT_EQ(r1.matches[0].method, "GET");
  EXPECT_EQ(r1.matches[1].path->type, "Exact");
  EXPECT_EQ(r1.filters[0].requestRedirect->statusCode, 302);
  EXPECT_EQ(r1.filters[0].requestRedirect->scheme, "https");
  const auto& f2 = rt->rules[2].filters;
  ASSERT_EQ(f2.size(), 6u);
  EXPECT_EQ(f2[0].requestMirror->fraction->denominator, 100);
  EXPECT_EQ(f2[0].requestMirror->fraction->numerator, 5);
  EXPECT_EQ(f2[0].requestMirror->backendRef.kind, "Service");
  EXPECT_EQ(f2[1].urlRewrite->path->replaceFullPath, "/new");
  EXPECT_EQ(f2[2].cors->maxAge, 5);
  EXPECT_EQ(f2[2].cors->allowCredentials, true);
  EXPECT_EQ(f2[3].extensionRef->kind, "Thing");
  EXPECT_TRUE(f2[4].externalAuth->httpSet);
  EXPECT_FALSE(f2[4].externalAuth->grpcSet);
  EXPECT_EQ(f2[4].externalAuth->httpPath, "/check");
  EXPECT_EQ(f2[4].externalAuth->forwardBody->maxSize, 1024);
  EXPECT_EQ(f2[5].requestHeaderModifier->set[0].value, "1");
}

TEST(Decode, GRPCRoute) {
  auto r = loadOk(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc.example.com]
  rules:
  - matches:
    - method: {service: helloworld.Greeter, method: SayHello}
      headers: [{name: x, value: y}]
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: a, value: b}]}}]
    backendRefs: [{name: svc, port: 50051}]
)");
  const auto* g = r.snapshot.grpcRoutes.find("default", "g");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->rules.size(), 1u);
  EXPECT_EQ(g->rules[0].matches[0].method->type, "Exact");
  EXPECT_EQ(g->rules[0].matches[0].method->service, "helloworld.Greeter");
  EXPECT_EQ(g->rules[0].backendRefs[0].weight, 1);
}

TEST(Decode, GRPCRouteWithoutRulesStaysEmpty) {
  auto r = loadOk(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g}
spec: {parentRefs: [{name: gw}]}
)");
  const auto* g = r.snapshot.grpcRoutes.find("default", "g");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->rules.empty());
}

TEST(Decode, L4Routes) {
  auto r = loadOk(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: {name: t}
spec:
  parentRefs: [{name: gw, sectionName: tls}]
  hostnames: [tls.example.com]
  rules: [{backendRefs: [{name: s, port: 443}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: t}
spec:
  rules: [{name: only, backendRefs: [{name: s, port: 5432, weight: 0}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: UDPRoute
metadata: {name: u}
spec:
  rules: [{backendRefs: [{name: dns, port: 53}]}]
)");
  ASSERT_NE(r.snapshot.tlsRoutes.find("default", "t"), nullptr);
  EXPECT_EQ(r.snapshot.tlsRoutes.find("default", "t")->hostnames[0], "tls.example.com");
  const auto* tcp = r.snapshot.tcpRoutes.find("default", "t");
  ASSERT_NE(tcp, nullptr);
  EXPECT_EQ(tcp->rules[0].name, "only");
  EXPECT_EQ(tcp->rules[0].backendRefs[0].weight, 0);
  ASSERT_NE(r.snapshot.udpRoutes.find("default", "u"), nullptr);
  EXPECT_EQ(r.snapshot.udpRoutes.find("default", "u")->rules[0].backendRefs[0].ref.kind, "Service");
}

TEST(Decode, Policies) {
  auto r = loadOk(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: ReferenceGrant
metadata: {name: rg, namespace: backend}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}]
  to: [{group: "", kind: Service}, {group: "", kind: Secret, name: s}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: btls}
spec:
  targetRefs: [{group: "", kind: Service, name: svc, sectionName: https}]
  validation:
    caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
    hostname: backend.example.com
    subjectAltNames: [{type: Hostname, hostname: backend.example.com}, {type: URI, uri: "spiffe://td/ns/x"}]
  options: {a.example.com/x: y}
---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XBackendTrafficPolicy
metadata: {name: bt}
spec:
  targetRefs: [{group: "", kind: Service, name: svc}]
  retryConstraint: {budget: {percent: 30}}
  sessionPersistence: {type: Header, sessionName: sess}
)");
  const auto* rg = r.snapshot.referenceGrants.find("backend", "rg");
  ASSERT_NE(rg, nullptr);
  EXPECT_EQ(rg->from[0].namespace_, "apps");
  EXPECT_FALSE(rg->to[0].name);
  EXPECT_EQ(rg->to[1].name, "s");
  const auto* b = r.snapshot.backendTLSPolicies.find("default", "btls");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->targetRefs[0].sectionName, "https");
  EXPECT_EQ(b->validation.subjectAltNames[1].uri, "spiffe://td/ns/x");
  EXPECT_EQ(b->options.at("a.example.com/x"), "y");
  const auto* x = r.snapshot.backendTrafficPolicies.find("default", "bt");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->retryConstraint->budget->percent, 30);
  EXPECT_EQ(x->retryConstraint->budget->interval, "10s");
  ASSERT_TRUE(x->retryConstraint->minRetryRate);  // CRD default
  EXPECT_EQ(x->retryConstraint->minRetryRate->count, 10);
  EXPECT_EQ(x->retryConstraint->minRetryRate->interval, "1s");
  EXPECT_EQ(x->sessionPersistence->type, "Header");
}

TEST(Decode, CoreKinds) {
  auto r = loadOk(R"(
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: apps}
spec:
  type: ClusterIP
  clusterIP: 10.96.0.10
  sessionAffinity: None
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080, appProtocol: kubernetes.io/h2c}
  - {name: named, port: 81, targetPort: web, protocol: UDP}
  - {name: plain, port: 82}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc-abc
  namespace: apps
  labels: {kubernetes.io/service-name: svc}
addressType: IPv4
endpoints:
- addresses: [10.0.0.5]
  conditions: {ready: true, serving: true, terminating: false}
  nodeName: n1
  zone: z1
  targetRef: {kind: Pod, name: web-0, namespace: apps, uid: u}
- addresses: [10.0.0.6]
ports: [{name: http, port: 8080, protocol: TCP}]
---
apiVersion: v1
kind: Secret
metadata: {name: tls, namespace: apps}
type: kubernetes.io/tls
data:
  tls.crt: aGVsbG8=
  tls.key: d29ybGQ=
stringData:
  tls.key: plain
  extra: more
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca, namespace: apps}
data: {ca.crt: "PEM"}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {team: a}}
spec: {finalizers: [kubernetes]}
status: {phase: Active}
)");
  const auto* svc = r.snapshot.services.find("apps", "svc");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(svc->clusterIP, "10.96.0.10");
  EXPECT_EQ(svc->selector.at("app"), "web");
  ASSERT_EQ(svc->ports.size(), 3u);
  EXPECT_EQ(svc->ports[0].targetPort, "8080");
  EXPECT_EQ(svc->ports[0].appProtocol, "kubernetes.io/h2c");
  EXPECT_EQ(svc->ports[1].targetPort, "web");
  EXPECT_EQ(svc->ports[1].protocol, "UDP");
  EXPECT_EQ(svc->ports[2].targetPort, "82");
  const auto* es = r.snapshot.endpointSlices.find("apps", "svc-abc");
  ASSERT_NE(es, nullptr);
  EXPECT_EQ(es->serviceName(), "svc");
  ASSERT_EQ(es->endpoints.size(), 2u);
  EXPECT_EQ(es->endpoints[0].targetRefName, "web-0");
  EXPECT_EQ(es->endpoints[0].conditions.ready, true);
  EXPECT_EQ(es->endpoints[0].conditions.terminating, false);
  EXPECT_FALSE(es->endpoints[1].conditions.ready);
  EXPECT_EQ(es->ports[0].port, 8080);
  const auto* sec = r.snapshot.secrets.find("apps", "tls");
  ASSERT_NE(sec, nullptr);
  EXPECT_EQ(sec->type, "kubernetes.io/tls");
  EXPECT_EQ(sec->data.at("tls.crt"), "hello");
  EXPECT_EQ(sec->data.at("tls.key"), "plain");  // stringData wins
  EXPECT_EQ(sec->data.at("extra"), "more");
  ASSERT_NE(r.snapshot.configMaps.find("apps", "ca"), nullptr);
  EXPECT_EQ(r.snapshot.configMaps.find("apps", "ca")->data.at("ca.crt"), "PEM");
  const auto* ns = r.snapshot.namespaces.find("", "apps");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->meta.labels.at("team"), "a");
  EXPECT_EQ(r.objectsByKind.at("Service"), 1);
  EXPECT_EQ(r.snapshot.objectCount(), 5u);
}

TEST(Decode, LoadOrderIsGlobal) {
  auto r = loadOk(R"(
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
)");
  EXPECT_EQ(r.snapshot.namespaces.find("", "a")->meta.order, 1);
  EXPECT_EQ(r.snapshot.namespaces.find("", "b")->meta.order, 2);
  EXPECT_EQ(r.snapshot.namespaces.find("", "b")->meta.source.document, 2);
  EXPECT_EQ(r.snapshot.namespaces.find("", "b")->meta.source.line, 6);
}

}  // namespace
}  // namespace portico::source
