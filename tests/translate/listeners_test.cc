// Gateway and listener status: protocols, conflicts, certificates,
// addresses (spec §3, §11, §12.2).
#include <gtest/gtest.h>

#include "translate/scenario.h"

namespace portico::testing {
namespace {

std::string gateway(const std::string& name, const std::string& listeners, const std::string& extra = "",
                    const std::string& gatewayClass = "portico") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: " + name +
         ", namespace: infra}\nspec:\n  gatewayClassName: " + gatewayClass + "\n" + extra + "  listeners:\n" +
         listeners;
}

TEST(Listeners, ValidHttpGatewayIsAcceptedAndProgrammed) {
  Scenario s(gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"));
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Accepted"), "True/Accepted");
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Programmed"), "True/Programmed");
  EXPECT_EQ(s.gatewayCond("infra", "gw", "ResolvedRefs"), "True/ResolvedRefs");
  EXPECT_EQ(s.listenerCond("infra", "gw", "http", "Accepted"), "True/Accepted");
  EXPECT_EQ(s.listenerCond("infra", "gw", "http", "Programmed"), "True/Programmed");
  EXPECT_EQ(s.listenerCond("infra", "gw", "http", "Conflicted"), "False/NoConflicts");
  auto* l = s.listener("infra", "gw", "http");
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->supportedKinds.size(), 2u);
  EXPECT_EQ(l->supportedKinds[0].kind, "HTTPRoute");
  EXPECT_EQ(l->supportedKinds[1].kind, "GRPCRoute");
  ASSERT_EQ(s.result.ir.binds.size(), 1u);
  EXPECT_EQ(s.result.ir.binds[0].port, 80);
}

TEST(Listeners, ObservedGenerationFollowsMetadataGeneration) {
  Scenario s("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra, "
             "generation: 7}\nspec:\n  gatewayClassName: portico\n  listeners:\n  - {name: http, port: 80, "
             "protocol: HTTP}\n");
  auto* g = s.gateway("infra", "gw");
  ASSERT_NE(g, nullptr);
  for (const auto& c : g->conditions) EXPECT_EQ(c.observedGeneration, 7) << c.type;
  for (const auto& c : g->listeners[0].conditions) EXPECT_EQ(c.observedGeneration, 7) << c.type;
}

TEST(Listeners, UnsupportedProtocolInvalidatesOnlyThatListener) {
  Scenario s(gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"
                           "  - {name: odd, port: 81, protocol: example.com/odd}\n"));
  EXPECT_EQ(s.listenerCond("infra", "gw", "odd", "Accepted"), "False/UnsupportedProtocol");
  EXPECT_EQ(s.listenerCond("infra", "gw", "odd", "Programmed"), "False/Invalid");
  EXPECT_TRUE(s.listener("infra", "gw", "odd")->supportedKinds.empty());
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Accepted"), "True/ListenersNotValid");
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Programmed"), "True/Programmed");
}

TEST(Listeners, NoValidListenerRejectsTheGateway) {
  Scenario s(gateway("gw", "  - {name: odd, port: 81, protocol: example.com/odd}\n"));
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Accepted"), "False/ListenersNotValid");
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Programmed"), "False/Invalid");
}

TEST(Listeners, InvalidRouteKindsAreLeftOutOfSupportedKinds) {
  Scenario s(gateway("gw",
                     "  - name: http\n    port: 80\n    protocol: HTTP\n    allowedRoutes:\n      kinds:\n"
                     "      - {kind: HTTPRoute}\n      - {kind: TCPRoute}\n"));
  auto* l = s.listener("infra", "gw", "http");
  ASSERT_NE(l, nullptr);
  ASSERT_EQ(l->supportedKinds.size(), 1u);
  EXPECT_EQ(l->supportedKinds[0].kind, "HTTPRoute");
  EXPECT_EQ(s.listenerCond("infra", "gw", "http", "ResolvedRefs"), "False/InvalidRouteKinds");
  EXPECT_EQ(s.listenerCond("infra", "gw", "http", "Accepted"), "True/Accepted");
  EXPECT_EQ(s.gatewayCond("infra", "gw", "ResolvedRefs"), "False/ListenersNotResolved");
}

TEST(Listeners, IncompatibleProtocolsOnOnePortConflict) {
  Scenario s(gateway("gw", "  - {name: web, port: 8000, protocol: HTTP}\n"
                           "  - {name: raw, port: 8000, protocol: TCP}\n"
                           "  - {name: dns, port: 8000, protocol: UDP}\n"));
  EXPECT_EQ(s.listenerCond("infra", "gw", "web", "Conflicted"), "True/ProtocolConflict");
  EXPECT_EQ(s.listenerCond("infra", "gw", "raw", "Conflicted"), "True/ProtocolConflict");
  // UDP uses another socket type: no conflict with TCP-based listeners.
  EXPECT_EQ(s.listenerCond("infra", "gw", "dns", "Conflicted"), "False/NoConflicts");
}

TEST(Listeners, PortTakenByAnOlderGatewayIsUnavailable) {
  Scenario s(
      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: first, namespace: infra, "
      "creationTimestamp: '2024-01-01T00:00:00Z'}\nspec:\n  gatewayClassName: portico\n  listeners:\n  - {name: "
      "http, port: 80, protocol: HTTP}\n---\n"
      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: second, namespace: infra, "
      "creationTimestamp: '2024-02-01T00:00:00Z'}\nspec:\n  gatewayClassName: portico\n  listeners:\n  - {name: "
      "http, port: 80, protocol: HTTP}\n");
  EXPECT_EQ(s.listenerCond("infra", "first", "http", "Accepted"), "True/Accepted");
  EXPECT_EQ(s.listenerCond("infra", "second", "http", "Accepted"), "False/PortUnavailable");
}

TEST(Listeners, StaticAddresses) {
  Scenario ok(gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n",
                      "  addresses:\n  - {type: IPAddress, value: 127.0.0.2}\n"));
  auto* g = ok.gateway("infra", "gw");
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->addresses.size(), 1u);
  EXPECT_EQ(g->addresses[0].value, "127.0.0.2");
  EXPECT_EQ(ok.result.ir.binds.at(0).address, "127.0.0.2");

  Scenario hostname(gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n",
                            "  addresses:\n  - {type: Hostname, value: gw.example.com}\n"));
  EXPECT_EQ(hostname.gatewayCond("infra", "gw", "Accepted"), "False/UnsupportedAddress");

  Scenario empty(gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n",
                         "  addresses:\n  - {type: IPAddress}\n"));
  EXPECT_EQ(empty.gatewayCond("infra", "gw", "Programmed"), "False/AddressNotAssigned");
}

TEST(Listeners, AddressPoolAssignsAndBoundsAddresses) {
  const std::string yaml =
      std::string(kClass) + "---\n" +
      gateway("a", "  - {name: http, port: 80, protocol: HTTP}\n") + "---\n" +
      gateway("b", "  - {name: http, port: 80, protocol: HTTP}\n", "  addresses:\n  - {type: IPAddress}\n") +
      "---\n" +
      gateway("c", "  - {name: http, port: 80, protocol: HTTP}\n",
              "  addresses:\n  - {type: IPAddress, value: 192.0.2.1}\n");
  auto load = loadOk(yaml);
  translate::Options opts;
  opts.addressPool = {"127.0.1.0/30"};
  auto r = translate::translate(load.snapshot, opts);
  auto gw = [&](const char* n) { return &std::get<status::GatewayStatus>(r.status.find(api::Kind::Gateway, "infra", n)->status); };
  ASSERT_EQ(gw("a")->addresses.size(), 1u);
  ASSERT_EQ(gw("b")->addresses.size(), 1u);
  EXPECT_NE(gw("a")->addresses[0].value, gw("b")->addresses[0].value) << "each Gateway gets its own address";
  EXPECT_EQ(gw("a")->addresses[0].value.rfind("127.0.1.", 0), 0u);
  EXPECT_EQ(Scenario::cond(gw("a")->listeners[0].conditions, "Accepted"), "True/Accepted")
      << "distinct addresses: port 80 is free on each";
  EXPECT_EQ(Scenario::cond(gw("b")->conditions, "Programmed"), "True/Programmed");
  EXPECT_EQ(Scenario::cond(gw("c")->conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(Scenario::cond(gw("c")->conditions, "Programmed"), "False/AddressNotUsable");
}

TEST(Listeners, InfrastructureParametersRefIsInvalidParameters) {
  Scenario s(gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n",
                     "  infrastructure:\n    parametersRef: {group: example.com, kind: Params, name: p}\n"));
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Accepted"), "False/InvalidParameters");
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Programmed"), "False/Invalid");
  EXPECT_TRUE(s.result.ir.binds.empty());
}

class TlsListeners : public ::testing::Test {
 protected:
  KeyPair foo = selfSigned({"foo.example.com"});
  KeyPair wild = selfSigned({"*.example.com"});

  std::string https(const std::string& listeners) { return gateway("gw", listeners); }
};

TEST_F(TlsListeners, ValidCertificateIsServed) {
  Scenario s(tlsSecretYaml("infra", "foo", foo) + "---\n" +
             https("  - name: https\n    port: 443\n    protocol: HTTPS\n    hostname: foo.example.com\n"
                   "    tls: {certificateRefs: [{name: foo}]}\n"));
  EXPECT_EQ(s.listenerCond("infra", "gw", "https", "ResolvedRefs"), "True/ResolvedRefs");
  EXPECT_EQ(s.listenerCond("infra", "gw", "https", "Programmed"), "True/Programmed");
  const auto& l = s.result.ir.binds.at(0).listeners.at(0);
  ASSERT_EQ(l.certificates.size(), 1u);
  EXPECT_EQ(l.certificates[0].dnsNames, std::vector<std::string>{"foo.example.com"});
}

TEST_F(TlsListeners, MissingWrongTypeAndMalformedSecretsAreInvalidCertificateRef) {
  std::string secrets = "apiVersion: v1\nkind: Secret\nmetadata: {name: opaque, namespace: infra}\ntype: Opaque\n"
                        "data: {tls.crt: " + base64(foo.certPem) + ", tls.key: " + base64(foo.keyPem) + "}\n---\n"
                        "apiVersion: v1\nkind: Secret\nmetadata: {name: broken, namespace: infra}\n"
                        "type: kubernetes.io/tls\ndata: {tls.crt: " + base64("not a cert") + ", tls.key: " +
                        base64("nope") + "}\n---\n"
                        "apiVersion: v1\nkind: Secret\nmetadata: {name: mismatch, namespace: infra}\n"
                        "type: kubernetes.io/tls\ndata: {tls.crt: " + base64(foo.certPem) + ", tls.key: " +
                        base64(wild.keyPem) + "}\n---\n";
  Scenario s(secrets + https("  - {name: missing, port: 443, protocol: HTTPS, hostname: a.com, tls: "
                             "{certificateRefs: [{name: nope}]}}\n"
                             "  - {name: opaque, port: 443, protocol: HTTPS, hostname: b.com, tls: "
                             "{certificateRefs: [{name: opaque}]}}\n"
                             "  - {name: broken, port: 443, protocol: HTTPS, hostname: c.com, tls: "
                             "{certificateRefs: [{name: broken}]}}\n"
                             "  - {name: mismatch, port: 443, protocol: HTTPS, hostname: d.com, tls: "
                             "{certificateRefs: [{name: mismatch}]}}\n"
                             "  - {name: kind, port: 443, protocol: HTTPS, hostname: e.com, tls: "
                             "{certificateRefs: [{group: example.com, kind: Vault, name: x}]}}\n"));
  for (const char* l : {"missing", "opaque", "broken", "mismatch", "kind"}) {
    EXPECT_EQ(s.listenerCond("infra", "gw", l, "ResolvedRefs"), "False/InvalidCertificateRef") << l;
    EXPECT_EQ(s.listenerCond("infra", "gw", l, "Programmed"), "False/Invalid") << l;
  }
  EXPECT_TRUE(s.result.ir.binds.empty()) << "a listener without a valid certificate must not be served";
}

TEST_F(TlsListeners, CrossNamespaceSecretNeedsAReferenceGrant) {
  const std::string listener = https("  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: "
                                     "[{name: foo, namespace: certs}]}}\n");
  Scenario denied(tlsSecretYaml("certs", "foo", foo) + "---\n" + listener);
  EXPECT_EQ(denied.listenerCond("infra", "gw", "https", "ResolvedRefs"), "False/RefNotPermitted");

  const std::string grant = "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: "
                            "{name: g, namespace: certs}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: "
                            "Gateway, namespace: infra}]\n  to: [{group: '', kind: Secret}]\n---\n";
  Scenario allowed(tlsSecretYaml("certs", "foo", foo) + "---\n" + grant + listener);
  EXPECT_EQ(allowed.listenerCond("infra", "gw", "https", "ResolvedRefs"), "True/ResolvedRefs");

  // A grant in the Gateway's own namespace grants nothing.
  std::string wrongNs = grant;
  wrongNs.replace(wrongNs.find("namespace: certs"), 16, "namespace: infra");
  Scenario misplaced(tlsSecretYaml("certs", "foo", foo) + "---\n" + wrongNs + listener);
  EXPECT_EQ(misplaced.listenerCond("infra", "gw", "https", "ResolvedRefs"), "False/RefNotPermitted");
}

TEST_F(TlsListeners, SameHostnameAcrossHttpsAndTlsOnOnePortConflictsForBoth) {
  // The CEL rule forbids identical (port, protocol, hostname); HTTPS and TLS
  // differ in protocol but SNI cannot tell them apart (spec §12.2).
  Scenario s(tlsSecretYaml("infra", "foo", foo) + "---\n" +
             https("  - {name: a, port: 443, protocol: HTTPS, hostname: foo.example.com, tls: {certificateRefs: "
                   "[{name: foo}]}}\n"
                   "  - {name: b, port: 443, protocol: TLS, hostname: foo.example.com, tls: {mode: Passthrough}}\n"
                   "  - {name: c, port: 443, protocol: TLS, hostname: bar.example.com, tls: {mode: Passthrough}}\n"));
  EXPECT_EQ(s.listenerCond("infra", "gw", "a", "Conflicted"), "True/HostnameConflict");
  EXPECT_EQ(s.listenerCond("infra", "gw", "b", "Conflicted"), "True/HostnameConflict");
  EXPECT_EQ(s.listenerCond("infra", "gw", "a", "Accepted"), "False/HostnameConflict");
  EXPECT_EQ(s.listenerCond("infra", "gw", "b", "Programmed"), "False/HostnameConflict");
  EXPECT_EQ(s.listenerCond("infra", "gw", "c", "Conflicted"), "False/NoConflicts");
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Accepted"), "True/ListenersNotValid");
}

TEST_F(TlsListeners, HttpsWithoutTlsIsRejectedByTheController) {
  Scenario s(https("  - {name: https, port: 443, protocol: HTTPS}\n"));
  EXPECT_EQ(s.listenerCond("infra", "gw", "https", "Accepted"), "False/UnsupportedValue");
}

TEST_F(TlsListeners, OverlappingHostnamesAreReported) {
  Scenario s(tlsSecretYaml("infra", "foo", foo) + "---\n" + tlsSecretYaml("infra", "wild", wild) + "---\n" +
             https("  - {name: foo, port: 443, protocol: HTTPS, hostname: foo.example.com, tls: {certificateRefs: "
                   "[{name: foo}]}}\n"
                   "  - {name: wild, port: 443, protocol: HTTPS, hostname: '*.example.com', tls: {certificateRefs: "
                   "[{name: wild}]}}\n"));
  EXPECT_EQ(s.listenerCond("infra", "gw", "foo", "OverlappingTLSConfig"), "True/OverlappingCertificates");
  EXPECT_EQ(s.listenerCond("infra", "gw", "wild", "OverlappingTLSConfig"), "True/OverlappingCertificates");
  // Both still serve; the data plane picks the most specific by SNI.
  ASSERT_EQ(s.result.ir.binds.size(), 1u);
  ASSERT_EQ(s.result.ir.binds[0].listeners.size(), 2u);
  EXPECT_EQ(s.result.ir.binds[0].listeners[0].name, "foo");
}

TEST(GatewayClass, OursIsAcceptedWithSortedFeaturesOthersStayPending) {
  Scenario s("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: other}\n"
             "spec: {controllerName: example.com/other}\n");
  auto* ours = s.object(api::Kind::GatewayClass, "", "portico");
  ASSERT_NE(ours, nullptr);
  const auto& st = std::get<status::GatewayClassStatus>(ours->status);
  EXPECT_EQ(Scenario::cond(st.conditions, "Accepted"), "True/Accepted");
  EXPECT_TRUE(std::is_sorted(st.supportedFeatures.begin(), st.supportedFeatures.end()));
  auto* other = s.object(api::Kind::GatewayClass, "", "other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(Scenario::cond(std::get<status::GatewayClassStatus>(other->status).conditions, "Accepted"),
            "Unknown/Pending");
}

TEST(GatewayClass, UnsupportedParametersAreInvalidParameters) {
  Scenario s("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: p}\n"
             "spec:\n  controllerName: portico.dev/gateway-controller\n  parametersRef: {group: example.com, kind: "
             "Params, name: x}\n---\n" + gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n", "", "p"));
  auto* gc = s.object(api::Kind::GatewayClass, "", "p");
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(Scenario::cond(std::get<status::GatewayClassStatus>(gc->status).conditions, "Accepted"),
            "False/InvalidParameters");
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Accepted"), "False/Invalid");
}

}  // namespace
}  // namespace portico::testing

namespace portico::testing {
namespace {

// Frontend client-certificate validation and the backend client
// certificate (spec §3 tls, §11 Gateway/Listener, §12.16).
class GatewayTls : public ::testing::Test {
 protected:
  KeyPair server = selfSigned({"app.example.com"});
  KeyPair client = selfSigned({});
  KeyPair ca = selfSigned({});

  std::string caMap(const std::string& name) {
    std::string pem;
    for (char c : ca.certPem) {
      pem.push_back(c);
      if (c == '\n') pem += "    ";
    }
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: infra}\ndata:\n  ca.crt: |\n    " +
           pem + "\n---\n";
  }
  std::string gw(const std::string& tls) {
    return tlsSecretYaml("infra", "server", server) + "---\n" +
           "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec:\n"
           "  gatewayClassName: portico\n" + tls +
           "  listeners:\n  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: server}]}}\n"
           "  - {name: http, port: 80, protocol: HTTP}\n";
  }
};

TEST_F(GatewayTls, InsecureFallbackIsFlaggedOnTheGateway) {
  Scenario s(caMap("clients") + gw("  tls:\n    frontend:\n      default:\n        validation:\n"
                                   "          mode: AllowInsecureFallback\n          caCertificateRefs: [{group: '', "
                                   "kind: ConfigMap, name: clients}]\n"));
  EXPECT_EQ(s.gatewayCond("infra", "gw", "InsecureFrontendValidationMode"), "True/ConfigurationChanged");
  EXPECT_EQ(s.listenerCond("infra", "gw", "https", "ResolvedRefs"), "True/ResolvedRefs");
  // The data plane gets the CA and the mode on the HTTPS listener only.
  for (const auto& b : s.result.ir.binds) {
    for (const auto& l : b.listeners) {
      if (l.name == "https") {
        ASSERT_TRUE(l.clientValidation.has_value());
        EXPECT_TRUE(l.clientValidation->insecureFallback);
        ASSERT_EQ(l.clientValidation->caPem.size(), 1u);
        EXPECT_NE(l.clientValidation->caPem[0].find("BEGIN CERTIFICATE"), std::string::npos);
      } else {
        EXPECT_FALSE(l.clientValidation.has_value()) << l.name;
      }
    }
  }
}

TEST_F(GatewayTls, BadCaReferencesMarkEveryHttpsListenerOfThePort) {
  Scenario missing(gw("  tls:\n    frontend:\n      default:\n        validation:\n          caCertificateRefs: "
                      "[{group: '', kind: ConfigMap, name: nope}]\n"));
  EXPECT_EQ(missing.listenerCond("infra", "gw", "https", "ResolvedRefs"), "False/InvalidCACertificateRef");
  EXPECT_EQ(missing.listenerCond("infra", "gw", "https", "Accepted"), "False/NoValidCACertificate");
  EXPECT_EQ(missing.listenerCond("infra", "gw", "http", "Accepted"), "True/Accepted") << "HTTP listeners unaffected";

  Scenario kind(gw("  tls:\n    frontend:\n      default:\n        validation:\n          caCertificateRefs: "
                   "[{group: example.com, kind: Bundle, name: x}]\n"));
  EXPECT_EQ(kind.listenerCond("infra", "gw", "https", "ResolvedRefs"), "False/InvalidCACertificateKind");

  // One good reference keeps the listener Accepted, with ResolvedRefs False.
  Scenario some(caMap("clients") + gw("  tls:\n    frontend:\n      default:\n        validation:\n"
                                      "          caCertificateRefs: [{group: '', kind: ConfigMap, name: clients}, "
                                      "{group: '', kind: ConfigMap, name: nope}]\n"));
  EXPECT_EQ(some.listenerCond("infra", "gw", "https", "ResolvedRefs"), "False/InvalidCACertificateRef");
  EXPECT_EQ(some.listenerCond("infra", "gw", "https", "Accepted"), "True/Accepted");
  for (const auto& b : some.result.ir.binds) {
    for (const auto& l : b.listeners) {
      if (l.name != "https") continue;
      ASSERT_TRUE(l.clientValidation.has_value()) << "the good CA is enforced";
      EXPECT_EQ(l.clientValidation->caPem.size(), 1u);
      EXPECT_FALSE(l.clientValidation->insecureFallback) << "AllowValidOnly is the default";
    }
  }
}

TEST_F(GatewayTls, PerPortValidationBeatsTheDefault) {
  Scenario s(caMap("clients") + gw("  tls:\n    frontend:\n      default:\n        validation:\n"
                                   "          caCertificateRefs: [{group: '', kind: ConfigMap, name: nope}]\n"
                                   "      perPort:\n      - port: 443\n        tls:\n          validation:\n"
                                   "            caCertificateRefs: [{group: '', kind: ConfigMap, name: clients}]\n"));
  EXPECT_EQ(s.listenerCond("infra", "gw", "https", "ResolvedRefs"), "True/ResolvedRefs");
}

TEST_F(GatewayTls, BackendClientCertificate) {
  const std::string ref = "  tls:\n    backend:\n      clientCertificateRef: {name: client";
  Scenario ok(tlsSecretYaml("infra", "client", client) + "---\n" + gw(ref + "}\n"));
  EXPECT_EQ(ok.gatewayCond("infra", "gw", "ResolvedRefs"), "True/ResolvedRefs");
  ASSERT_FALSE(ok.result.ir.binds.empty());
  EXPECT_TRUE(ok.result.ir.binds[0].listeners[0].backendClientCertificate.has_value());

  Scenario missing(gw(ref + "}\n"));
  EXPECT_EQ(missing.gatewayCond("infra", "gw", "ResolvedRefs"), "False/InvalidClientCertificateRef");
  EXPECT_EQ(missing.gatewayCond("infra", "gw", "Programmed"), "True/Programmed") << "does not affect Programmed";

  Scenario elsewhere(tlsSecretYaml("certs", "client", client) + "---\n" + gw(ref + ", namespace: certs}\n"));
  EXPECT_EQ(elsewhere.gatewayCond("infra", "gw", "ResolvedRefs"), "False/RefNotPermitted");
}

TEST(CrdVersions, StrictModeRejectsTheClass) {
  const std::string yaml = std::string(kClass) +
                           "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
                           "  name: gateways.gateway.networking.k8s.io\nspec: {group: gateway.networking.k8s.io}\n";
  auto load = loadOk(yaml);
  translate::Options strict;
  strict.strictCRDVersions = true;
  auto r = translate::translate(load.snapshot, strict);
  const auto& st = std::get<status::GatewayClassStatus>(r.status.find(api::Kind::GatewayClass, "", "portico")->status);
  EXPECT_EQ(Scenario::cond(st.conditions, "Accepted"), "False/UnsupportedVersion");
  EXPECT_EQ(Scenario::cond(st.conditions, "SupportedVersion"), "False/UnsupportedVersion");
  auto best = translate::translate(load.snapshot);
  const auto& bst = std::get<status::GatewayClassStatus>(best.status.find(api::Kind::GatewayClass, "", "portico")->status);
  EXPECT_EQ(Scenario::cond(bst.conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(Scenario::cond(bst.conditions, "SupportedVersion"), "False/UnsupportedVersion");
}

}  // namespace
}  // namespace portico::testing

namespace portico::testing {
namespace {

TEST(Listeners, PortsTheDataPlaneCannotOpenAreReportedAndTheRestServes) {
  auto load = loadOk(std::string(kClass) +
                     "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "
                     "infra}\nspec:\n  gatewayClassName: portico\n  listeners:\n  - {name: low, port: 80, protocol: "
                     "HTTP}\n  - {name: high, port: 8080, protocol: HTTP}\n");
  translate::Options opts;
  opts.unbindable = {"|80|tcp"};
  opts.unbindableReasons = {{"|80|tcp", "Permission denied"}};
  auto r = translate::translate(load.snapshot, opts);
  const auto& gw = std::get<status::GatewayStatus>(r.status.find(api::Kind::Gateway, "infra", "gw")->status);
  EXPECT_EQ(Scenario::cond(gw.conditions, "Programmed"), "False/NoResources");
  EXPECT_EQ(Scenario::cond(gw.listeners[0].conditions, "Accepted"), "False/PortUnavailable");
  EXPECT_NE(status::findCondition(gw.listeners[0].conditions, "Accepted")->message.find("Permission denied"),
            std::string::npos);
  EXPECT_EQ(Scenario::cond(gw.listeners[1].conditions, "Programmed"), "True/Programmed");
  ASSERT_EQ(r.ir.binds.size(), 1u);
  EXPECT_EQ(r.ir.binds[0].port, 8080);
}

}  // namespace
}  // namespace portico::testing

namespace portico::testing {
namespace {

TEST(GatewayClass, ClassesOutsideTheAllowListAreUnsupported) {
  auto load = loadOk(std::string(kClass) +
                     "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: team-b}\n"
                     "spec: {controllerName: portico.dev/gateway-controller}\n");
  translate::Options opts;
  opts.gatewayClassNames = {"portico"};
  auto r = translate::translate(load.snapshot, opts);
  auto cls = [&](const char* n) {
    return Scenario::cond(std::get<status::GatewayClassStatus>(r.status.find(api::Kind::GatewayClass, "", n)->status).conditions,
                          "Accepted");
  };
  EXPECT_EQ(cls("portico"), "True/Accepted");
  EXPECT_EQ(cls("team-b"), "False/Unsupported");
}

TEST(Listeners, ListenersTheDataPlaneCannotServeYetArePending) {
  auto load = loadOk(std::string(kClass) +
                     "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: db, namespace: "
                     "infra}\nspec:\n  gatewayClassName: portico\n  listeners:\n  - {name: pg, port: 5432, protocol: "
                     "TCP}\n");
  translate::Options opts;
  opts.pendingBinds = {"|5432|tcp"};
  auto r = translate::translate(load.snapshot, opts);
  const auto& gw = std::get<status::GatewayStatus>(r.status.find(api::Kind::Gateway, "infra", "db")->status);
  EXPECT_EQ(Scenario::cond(gw.conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(Scenario::cond(gw.conditions, "Programmed"), "False/Pending");
  EXPECT_EQ(Scenario::cond(gw.listeners[0].conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(Scenario::cond(gw.listeners[0].conditions, "Programmed"), "False/Pending");
  EXPECT_TRUE(r.ir.binds.empty());
}

TEST(Listeners, ValidListenersOfARejectedGatewayArePending) {
  Scenario s("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec:\n"
             "  gatewayClassName: portico\n  addresses: [{type: Hostname, value: gw.example.com}]\n  listeners:\n"
             "  - {name: http, port: 80, protocol: HTTP}\n  - {name: odd, port: 81, protocol: example.com/odd}\n");
  EXPECT_EQ(s.gatewayCond("infra", "gw", "Accepted"), "False/UnsupportedAddress");
  EXPECT_EQ(s.listenerCond("infra", "gw", "http", "Accepted"), "Unknown/Pending");
  EXPECT_EQ(s.listenerCond("infra", "gw", "http", "Programmed"), "False/Pending");
  EXPECT_EQ(s.listenerCond("infra", "gw", "odd", "Accepted"), "False/UnsupportedProtocol")
      << "a listener's own problem is still reported";
}

}  // namespace
}  // namespace portico::testing
