// Loading: documents, lists, JSON, directories, malformed input, unknown
// kinds and fields, apiVersions and duplicates.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace portico::source {
namespace {

using api::Severity;

std::vector<const api::Diagnostic*> matching(const LoadResult& r, Severity sev, std::string_view field) {
  std::vector<const api::Diagnostic*> out;
  for (const auto& d : r.diagnostics) {
    if (d.severity == sev && d.field == field) out.push_back(&d);
  }
  return out;
}

size_t count(const LoadResult& r, Severity sev) {
  size_t n = 0;
  for (const auto& d : r.diagnostics) n += d.severity == sev;
  return n;
}

std::string dump(const LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += d.format() + "\n";
  return s;
}

TEST(Loader, MultiDocumentWithEmptyDocuments) {
  auto r = testing::loadOk(R"(---
# nothing here
---
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
...
)");
  EXPECT_EQ(r.documents, 2);
  ASSERT_NE(r.snapshot.namespaces.find("", "b"), nullptr);
  EXPECT_EQ(r.snapshot.namespaces.find("", "b")->meta.source.document, 2);
  EXPECT_EQ(r.snapshot.namespaces.find("", "b")->meta.source.line, 9);
}

TEST(Loader, ListIsExpanded) {
  auto r = testing::loadOk(R"(
apiVersion: v1
kind: List
metadata: {resourceVersion: ""}
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: a}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c, namespace: a}
)");
  EXPECT_NE(r.snapshot.namespaces.find("", "a"), nullptr);
  const auto* cm = r.snapshot.configMaps.find("a", "c");
  ASSERT_NE(cm, nullptr);
  EXPECT_EQ(cm->meta.source.line, 9);
  EXPECT_EQ(cm->meta.source.document, 1);
}

TEST(Loader, JsonDocuments) {
  auto r = loadString(R"({"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
   "spec": {"ports": [{"port": 80, "targetPort": "http"}]}}]}
{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"n": "80"}}
)",
                      "in.json");
  EXPECT_FALSE(api::hasErrors(r.diagnostics)) << dump(r);
  const auto* s = r.snapshot.services.find("default", "s");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->ports[0].targetPort, "http");
  const auto* c = r.snapshot.configMaps.find("default", "c");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->data.at("n"), "80");
  EXPECT_EQ(c->meta.source.document, 2);
  EXPECT_EQ(c->meta.source.line, 4);
}

TEST(Loader, JsonNumberIsNotAString) {
  auto r = loadString(R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"n": 80}})",
                      "in.json");
  ASSERT_EQ(matching(r, Severity::Error, "data.n").size(), 1u) << dump(r);
  EXPECT_EQ(r.snapshot.configMaps.size(), 0u);
}

TEST(Loader, MalformedJsonIsOneError) {
  auto r = loadString("{\"apiVersion\": \"v1\",\n \"kind\": }\n", "bad.json");
  ASSERT_EQ(count(r, Severity::Error), 1u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].file, "bad.json");
  EXPECT_EQ(r.diagnostics[0].line, 2);
  EXPECT_NE(r.diagnostics[0].message.find("malformed JSON"), std::string::npos);
}

TEST(Loader, DirectoriesAreWalkedRecursivelyAndSorted) {
  const std::string dir = testing::sourceDir() + "/tests/source/testdata/tree";
  auto r = loadPaths({dir});
  EXPECT_FALSE(api::hasErrors(r.diagnostics)) << dump(r);
  ASSERT_EQ(r.files.size(), 3u);
  EXPECT_EQ(r.files[0], dir + "/a.yml");
  EXPECT_EQ(r.files[1], dir + "/b.yaml");
  EXPECT_EQ(r.files[2], dir + "/sub/c.json");
  EXPECT_NE(r.snapshot.namespaces.find("", "from-a"), nullptr);
  EXPECT_NE(r.snapshot.namespaces.find("", "from-b"), nullptr);
  EXPECT_NE(r.snapshot.namespaces.find("", "from-c"), nullptr);
  EXPECT_EQ(r.snapshot.namespaces.find("", "from-txt"), nullptr);
  EXPECT_NE(r.snapshot.configMaps.find("default", "cm"), nullptr);
  // Load order runs across files.
  EXPECT_LT(r.snapshot.namespaces.find("", "from-a")->meta.order, r.snapshot.namespaces.find("", "from-b")->meta.order);
  EXPECT_LT(r.snapshot.namespaces.find("", "from-b")->meta.order, r.snapshot.namespaces.find("", "from-c")->meta.order);
  EXPECT_EQ(r.snapshot.namespaces.find("", "from-a")->meta.source.document, 1);
  EXPECT_EQ(r.snapshot.namespaces.find("", "from-a")->meta.source.line, 3);
}

TEST(Loader, MissingPathIsAnError) {
  auto r = loadPaths({"/nonexistent/portico/x.yaml"});
  ASSERT_EQ(count(r, Severity::Error), 1u);
  EXPECT_EQ(r.diagnostics[0].file, "/nonexistent/portico/x.yaml");
}

TEST(Loader, MalformedYamlIsOneErrorAndOtherDocumentsLoad) {
  auto r = loadString(R"(apiVersion: v1
kind: Namespace
metadata: {name: ok1}
---
apiVersion: v1
kind: Namespace
metadata: {name: [unclosed
---
apiVersion: v1
kind: Namespace
metadata: {name: ok2}
)",
                      "m.yaml");
  ASSERT_EQ(count(r, Severity::Error), 1u) << dump(r);
  const auto& d = r.diagnostics[0];
  EXPECT_EQ(d.file, "m.yaml");
  EXPECT_EQ(d.document, 2);
  EXPECT_GE(d.line, 7);
  EXPECT_NE(d.message.find("malformed YAML"), std::string::npos);
  EXPECT_NE(r.snapshot.namespaces.find("", "ok1"), nullptr);
  EXPECT_NE(r.snapshot.namespaces.find("", "ok2"), nullptr);
  EXPECT_EQ(r.snapshot.namespaces.find("", "ok2")->meta.source.document, 3);
}

TEST(Loader, GarbageNeverCrashes) {
  for (std::string_view s : {"\t\tfoo: [", ": : :", "- a\n- b\n", "\"unterminated", "{{{{", "a: &x\nb: *y\n",
                             "[1, 2, 3]", "42", "key: value"}) {
    auto r = loadString(s, "g.yaml");
    EXPECT_TRUE(api::hasErrors(r.diagnostics)) << s;
    EXPECT_EQ(r.snapshot.objectCount(), 0u);
  }
}

TEST(Loader, MissingApiVersionKindOrName) {
  auto r = loadString(R"(kind: Namespace
metadata: {name: a}
---
apiVersion: v1
metadata: {name: b}
---
apiVersion: v1
kind: Namespace
metadata: {labels: {a: b}}
---
apiVersion: v1
kind: Namespace
)");
  EXPECT_EQ(matching(r, Severity::Error, "apiVersion").size(), 1u) << dump(r);
  EXPECT_EQ(matching(r, Severity::Error, "kind").size(), 1u);
  EXPECT_EQ(matching(r, Severity::Error, "metadata.name").size(), 1u);
  EXPECT_EQ(matching(r, Severity::Error, "metadata").size(), 1u);
  EXPECT_EQ(r.snapshot.objectCount(), 0u);
}

TEST(Loader, UnknownKindsWarnOncePerApiVersionAndKind) {
  auto r = loadString(R"(apiVersion: example.com/v1
kind: Widget
metadata: {name: a}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: b}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: c}
---
apiVersion: v1
kind: Namespace
metadata: {name: ok}
)");
  EXPECT_EQ(count(r, Severity::Error), 0u) << dump(r);
  EXPECT_EQ(count(r, Severity::Warning), 2u) << dump(r);
  EXPECT_EQ(r.snapshot.gateways.size(), 0u);
  EXPECT_NE(r.snapshot.namespaces.find("", "ok"), nullptr);
}

TEST(Loader, UnservedApiVersionIsAnError) {
  auto r = loadString(R"(apiVersion: gateway.networking.k8s.io/v1alpha2
kind: HTTPRoute
metadata: {name: old}
spec: {}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata: {name: beta}
spec: {}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: tcp}
spec:
  rules: [{backendRefs: [{name: a, port: 1}]}, {backendRefs: [{name: b, port: 2}]}]
)");
  auto errs = matching(r, Severity::Error, "apiVersion");
  ASSERT_EQ(errs.size(), 1u) << dump(r);
  EXPECT_EQ(errs[0]->name, "old");
  EXPECT_EQ(errs[0]->kind, "HTTPRoute");
  EXPECT_EQ(errs[0]->document, 1);
  EXPECT_EQ(r.snapshot.httpRoutes.find("default", "old"), nullptr);
  // Served but deprecated: loaded, with a warning each.
  EXPECT_NE(r.snapshot.httpRoutes.find("default", "beta"), nullptr);
  EXPECT_EQ(matching(r, Severity::Warning, "apiVersion").size(), 2u);
  // v1alpha2 TCPRoute keeps its own schema (up to 16 rules).
  ASSERT_NE(r.snapshot.tcpRoutes.find("default", "tcp"), nullptr);
  EXPECT_EQ(r.snapshot.tcpRoutes.find("default", "tcp")->rules.size(), 2u);
}

TEST(Loader, DuplicateObjectsNameBothPlaces) {
  auto r = loadString(R"(apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data: {v: first}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: default}
data: {v: second}
)",
                      "dup.yaml");
  ASSERT_EQ(count(r, Severity::Error), 1u) << dump(r);
  const auto& d = r.diagnostics[0];
  EXPECT_EQ(d.document, 2);
  EXPECT_EQ(d.kind, "ConfigMap");
  EXPECT_NE(d.message.find("dup.yaml (document 1)"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("dup.yaml, document 2"), std::string::npos) << d.message;
  EXPECT_EQ(r.snapshot.configMaps.find("default", "c")->data.at("v"), "first");
}

TEST(Loader, UnknownFieldsAreErrorsButStatusAndMetadataExtrasAreNot) {
  auto r = loadString(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: bad
  ownerReferences: [{apiVersion: v1, kind: X, name: y, uid: z}]
spec:
  rules:
  - matches:
    - path: {type: Exact, value: /x, extra: 1}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: good
  managedFields: []
  uid: "1"
  resourceVersion: "2"
spec: {}
status:
  parents: []
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: top}
spec: {}
extra: true
)");
  ASSERT_EQ(count(r, Severity::Error), 2u) << dump(r);
  auto e1 = matching(r, Severity::Error, "spec.rules[0].matches[0].path.extra");
  ASSERT_EQ(e1.size(), 1u);
  EXPECT_EQ(e1[0]->message, "unknown field");
  EXPECT_EQ(matching(r, Severity::Error, "extra").size(), 1u);
  EXPECT_EQ(r.snapshot.httpRoutes.find("default", "bad"), nullptr);
  EXPECT_EQ(r.snapshot.httpRoutes.find("default", "top"), nullptr);
  EXPECT_NE(r.snapshot.httpRoutes.find("default", "good"), nullptr);
}

TEST(Loader, WrongYamlTypesNameTheField) {
  auto r = loadString(R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g1}
spec:
  gatewayClassName: c
  listeners: [{name: a, port: "80", protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g2}
spec:
  gatewayClassName: c
  listeners: {name: a}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r1}
spec:
  hostnames: example.com
  rules: [{backendRefs: [{name: {x: 1}, port: 80}]}]
---
apiVersion: v1
kind: Namespace
metadata: {name: n, labels: {version: 1}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ok, labels: {version: "1"}}
)");
  auto check = [&](std::string_view field, std::string_view msg) {
    auto m = matching(r, Severity::Error, field);
    ASSERT_EQ(m.size(), 1u) << field << "\n" << dump(r);
    EXPECT_EQ(m[0]->message, msg);
  };
  check("spec.listeners[0].port", "expected integer, got string");
  check("spec.listeners", "expected list, got object");
  check("spec.hostnames", "expected list, got string");
  check("spec.rules[0].backendRefs[0].name", "expected string, got object");
  check("metadata.labels.version", "expected string, got integer");
  EXPECT_EQ(r.snapshot.gateways.size(), 0u);
  EXPECT_EQ(r.snapshot.httpRoutes.size(), 0u);
  EXPECT_EQ(r.snapshot.namespaces.size(), 1u);
}

TEST(Loader, SecretBase64Errors) {
  auto r = loadString(R"(apiVersion: v1
kind: Secret
metadata: {name: s}
data: {tls.crt: "not base64!"}
)");
  ASSERT_EQ(matching(r, Severity::Error, "data.tls.crt").size(), 1u) << dump(r);
  EXPECT_EQ(r.snapshot.secrets.size(), 0u);
}

TEST(Loader, SessionPersistenceIdleTimeoutWarns) {
  auto r = loadString(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  rules:
  - sessionPersistence: {idleTimeout: 30m}
)");
  EXPECT_EQ(count(r, Severity::Error), 0u) << dump(r);
  auto w = matching(r, Severity::Warning, "spec.rules[0].sessionPersistence.idleTimeout");
  ASSERT_EQ(w.size(), 1u) << dump(r);
  const auto* rt = r.snapshot.httpRoutes.find("default", "r");
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->rules[0].sessionPersistence->idleTimeout, "30m");
}

TEST(Loader, DiagnosticsCarryObjectIdentity) {
  auto r = loadString(R"(apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: apps}
spec:
  hostnames: ["Bad_Host"]
)",
                      "x.yaml");
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  const auto& d = r.diagnostics[0];
  EXPECT_EQ(d.file, "x.yaml");
  EXPECT_EQ(d.document, 2);
  EXPECT_EQ(d.line, 5);
  EXPECT_EQ(d.kind, "HTTPRoute");
  EXPECT_EQ(d.namespace_, "apps");
  EXPECT_EQ(d.name, "r");
  EXPECT_EQ(d.field, "spec.hostnames[0]");
  EXPECT_EQ(d.format().rfind("x.yaml:5 (document 2): error: HTTPRoute apps/r: spec.hostnames[0]: ", 0), 0u)
      << d.format();
}

}  // namespace
}  // namespace portico::source
