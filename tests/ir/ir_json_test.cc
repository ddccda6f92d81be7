#include "ir/ir_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ir/fingerprint.h"

namespace portico::ir {
namespace {

using nlohmann::json;

// Self-signed EC certificate for echo.example.com. Its SHA-256 fingerprint
// (openssl x509 -noout -fingerprint -sha256) starts B1:6E:E6:B8:29:13:93:1D.
constexpr const char* kCertPem = R"(-----BEGIN CERTIFICATE-----
MIIBqjCCAVCgAwIBAgIUb2Rt2urIS1T4OnTvIBnHFGNiEQgwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQZWNoby5leGFtcGxlLmNvbTAgFw0yNjExMjYxNzA1MDFaGA8y
MTI2MTEwMjE3MDUwMVowGzEZMBcGA1UEAwwQZWNoby5leGFtcGxlLmNvbTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABPicuEBa2EtzjbpqB949p/ccaSI5fEIEjJQ2
JGDiGJ9zvufGMfKPRog5TvPpyvJlAHtAn7E4gCcrEsmtZRIXB+GjcDBuMB0GA1Ud
DgQWBBR8SYeVY5gQvsqZnK4umlUZVRBohTAfBgNVHSMEGDAWgBR8SYeVY5gQvsqZ
nK4umlUZVRBohTAPBgNVHRMBAf8EBTADAQH/MBsGA1UdEQQUMBKCEGVjaG8uZXhh
bXBsZS5jb20wCgYIKoZIzj0EAwIDSAAwRQIhAM28xI6cT7QAxhc29ROQlbHAO+b4
B3Jt6ZQ5CB/Ye2XaAiAgoP2gUj6gycz081fAF49hr/UCWtl1LnsEEptkSjH99Q==
-----END CERTIFICATE-----
)";
constexpr const char* kFingerprint = "sha256:b16ee6b82913931d";
constexpr const char* kKeyPem =
    "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END PRIVATE KEY-----\n";

Config sampleConfig() {
  Config c;
  Bind bind;
  bind.port = 8443;
  bind.protocol = Protocol::HTTPS;

  Listener l;
  l.gatewayNamespace = "default";
  l.gatewayName = "quickstart";
  l.name = "https";
  l.hostname = "echo.example.com";
  l.protocol = Protocol::HTTPS;
  l.certificates.push_back(Certificate{"default/echo-tls", kCertPem, kKeyPem, {"echo.example.com"}});

  Route api;
  api.routeKind = "HTTPRoute";
  api.routeNamespace = "default";
  api.routeName = "echo";
  api.match.path = {PathMatchKind::Prefix, "/api"};
  api.match.headers.push_back({StringMatchKind::Regex, "x-env", "prod|stage"});
  api.filters.requestHeaders.add.push_back({"x-portico-quickstart", "1"});
  api.backends.push_back(Backend{"default/echo-v1:80", 80, 500, {}});
  api.backends.push_back(Backend{"", 20, 500, {}});

  Route old;
  old.routeKind = "HTTPRoute";
  old.routeNamespace = "default";
  old.routeName = "echo";
  old.ruleIndex = 1;
  old.match.path = {PathMatchKind::Exact, "/old"};
  Redirect r;
  r.path = {PathRewriteKind::Full, "/api", ""};
  r.statusCode = 301;
  old.filters.redirect = r;

  l.virtualHosts.push_back(VirtualHost{"echo.example.com", {api, old}});
  bind.listeners.push_back(l);
  c.binds.push_back(bind);

  Cluster v1;
  v1.name = "default/echo-v1:80";
  v1.serviceNamespace = "default";
  v1.serviceName = "echo-v1";
  v1.port = 80;
  v1.endpoints.push_back({"127.0.0.1", 9001, "", ""});
  BackendTLS tls;
  tls.sni = "echo.internal";
  tls.caPem = {kCertPem};
  tls.subjectAltNames = {"DNS:echo.internal"};
  v1.tls = tls;
  c.clusters[v1.name] = v1;
  Cluster v2 = v1;
  v2.name = "default/echo-v2:80";
  v2.serviceName = "echo-v2";
  v2.tls.reset();
  c.clusters[v2.name] = v2;
  return c;
}

TEST(IrJson, EmptyConfig) {
  EXPECT_EQ(json::parse(toJson(Config{}, false)), json::parse(R"({"binds":[],"clusters":{}})"));
}

TEST(IrJson, BindsListenersAndRoutes) {
  const json doc = json::parse(toJson(sampleConfig(), true));
  ASSERT_EQ(doc["binds"].size(), 1u);
  const json& bind = doc["binds"][0];
  EXPECT_EQ(bind["port"], 8443);
  EXPECT_EQ(bind["protocol"], "HTTPS");
  const json& l = bind["listeners"][0];
  EXPECT_EQ(l["gateway"], "default/quickstart");
  EXPECT_EQ(l["name"], "https");
  EXPECT_EQ(l["hostname"], "echo.example.com");
  const json& routes = l["virtualHosts"][0]["routes"];
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0]["match"]["path"], json::parse(R"({"type":"PathPrefix","value":"/api"})"));
  EXPECT_EQ(routes[0]["match"]["headers"][0]["type"], "RegularExpression");
  EXPECT_EQ(routes[0]["filters"]["requestHeaders"]["add"][0]["name"], "x-portico-quickstart");
  EXPECT_EQ(routes[0]["backends"][0], json::parse(R"({"cluster":"default/echo-v1:80","weight":80})"));
  EXPECT_EQ(routes[0]["backends"][1], json::parse(R"({"cluster":"","weight":20,"invalidStatus":500})"));
  EXPECT_EQ(routes[1]["match"]["path"]["type"], "Exact");
  EXPECT_EQ(routes[1]["filters"]["redirect"]["path"],
            json::parse(R"({"type":"ReplaceFullPath","value":"/api"})"));
  EXPECT_EQ(routes[1]["filters"]["redirect"]["statusCode"], 301);
  EXPECT_EQ(routes[1]["source"]["rule"], 1);
  EXPECT_FALSE(routes[1].contains("retry"));
}

TEST(IrJson, ClustersByName) {
  const json doc = json::parse(toJson(sampleConfig(), true));
  ASSERT_EQ(doc["clusters"].size(), 2u);
  const json& v1 = doc["clusters"]["default/echo-v1:80"];
  EXPECT_EQ(v1["service"], "default/echo-v1");
  EXPECT_EQ(v1["endpoints"][0], json::parse(R"({"address":"127.0.0.1","port":9001})"));
  EXPECT_EQ(v1["tls"]["caPem"][0], kFingerprint);
  EXPECT_FALSE(doc["clusters"]["default/echo-v2:80"].contains("tls"));
}

TEST(IrJson, PrivateKeyIsRedactedAndCertificateFingerprinted) {
  const std::string out = toJson(sampleConfig(), true);
  EXPECT_EQ(out.find("TOPSECRETKEYMATERIAL"), std::string::npos);
  EXPECT_EQ(out.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(out.find("BEGIN CERTIFICATE"), std::string::npos);
  const json cert = json::parse(out)["binds"][0]["listeners"][0]["certificates"][0];
  EXPECT_EQ(cert["keyPem"], "<redacted>");
  EXPECT_EQ(cert["certPem"], kFingerprint);
  EXPECT_EQ(cert["dnsNames"], json::parse(R"(["echo.example.com"])"));
  EXPECT_EQ(cert["secret"], "default/echo-tls");
}

TEST(IrJson, GrpcRoutesBackendClientCertAndTlsPolicy) {
  Config c = sampleConfig();
  Listener& l = c.binds[0].listeners[0];
  Route grpc;
  grpc.routeKind = "GRPCRoute";
  grpc.match.path = {PathMatchKind::Exact, "/echo.Echo/Say"};
  grpc.match.grpc = true;
  l.virtualHosts[0].grpcRoutes.push_back(grpc);
  l.backendClientCertificate = Certificate{"default/client", kCertPem, kKeyPem, {}};
  Cluster& v1 = c.clusters["default/echo-v1:80"];
  v1.tls->invalid = true;
  v1.tls->policy = "default/echo-tls";
  v1.portName = "http";

  const std::string out = toJson(c, true);
  EXPECT_EQ(out.find("TOPSECRETKEYMATERIAL"), std::string::npos);
  const json doc = json::parse(out);
  const json& lj = doc["binds"][0]["listeners"][0];
  EXPECT_EQ(lj["backendClientCertificate"]["keyPem"], "<redacted>");
  EXPECT_EQ(lj["backendClientCertificate"]["certPem"], kFingerprint);
  const json& g = lj["virtualHosts"][0]["grpcRoutes"];
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0]["match"]["grpc"], true);
  EXPECT_EQ(g[0]["match"]["path"]["value"], "/echo.Echo/Say");
  const json& cj = doc["clusters"]["default/echo-v1:80"];
  EXPECT_EQ(cj["portName"], "http");
  EXPECT_EQ(cj["tls"]["invalid"], true);
  EXPECT_EQ(cj["tls"]["policy"], "default/echo-tls");
}

TEST(IrJson, Deterministic) {
  EXPECT_EQ(toJson(sampleConfig(), true), toJson(sampleConfig(), true));
  const std::string compact = toJson(sampleConfig(), false);
  EXPECT_EQ(std::count(compact.begin(), compact.end(), '\n'), 1);
  EXPECT_EQ(json::parse(compact), json::parse(toJson(sampleConfig(), true)));
}

TEST(IrJson, FieldOrderFollowsTheStructs) {
  const std::string out = toJson(sampleConfig(), true);
  EXPECT_LT(out.find("\"binds\""), out.find("\"clusters\""));
  EXPECT_LT(out.find("\"address\""), out.find("\"port\""));
}

TEST(Fingerprint, HashesFirstCertificateDer) {
  EXPECT_EQ(pemFingerprint(kCertPem), kFingerprint);
  // A chain is identified by its leaf.
  EXPECT_EQ(pemFingerprint(std::string(kCertPem) + kCertPem), kFingerprint);
}

TEST(Fingerprint, NonCertificateInputIsHashedAsWritten) {
  const std::string fp = pemFingerprint("not a certificate");
  EXPECT_EQ(fp.rfind("sha256:", 0), 0u);
  EXPECT_EQ(fp.size(), 7u + 16u);
  EXPECT_NE(fp, pemFingerprint("not a certificate either"));
  EXPECT_EQ(pemFingerprint(""), "");
}

}  // namespace
}  // namespace portico::ir
