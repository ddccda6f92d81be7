// diagnose, explain, changes and bundle against a running Portico
// (--admin): the live-only findings, the generation diff after an edit
// picked up by the file watcher, and the bundle's contents.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "admin/client.h"
#include "diagnose/live_fixture.h"
#include "source/loader.h"
#include "support/test_support.h"

namespace portico::testing::live {
namespace {

using nlohmann::json;

const json* findingOf(const json& report, const std::string& code) {
  for (const auto& f : report["findings"]) {
    if (f["code"] == code) return &f;
  }
  return nullptr;
}

// Output of a shell command (tar), for reading the bundle back.
std::string shell(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

TEST_F(LiveTest, DiagnoseReportsBackendErrorsFromLiveCounters) {
  const int status = httpStatus(httpPort, "a.example.com", "/x");
  ASSERT_TRUE(status == 502 || status == 503) << status;
  json report;
  // Counters are summed when scraped; the request's are in once it answered.
  ASSERT_TRUE(eventually([&] {
    const CliOut r = cli({"diagnose", "--admin", admin, "-o", "json"});
    report = json::parse(r.out, nullptr, false);
    return !report.is_discarded() && findingOf(report, "PD-LIVE-BACKEND-5XX");
  })) << report.dump(2);
  const json& f = *findingOf(report, "PD-LIVE-BACKEND-5XX");
  EXPECT_EQ(f["object"]["kind"], "Service");
  EXPECT_EQ(f["object"]["namespace"], "default");
  EXPECT_EQ(f["object"]["name"], "dead");
  EXPECT_EQ(f["subject"], "default/dead:80");
  EXPECT_NE(f["symptom"].get<std::string>().find("1 of 1 requests"), std::string::npos) << f.dump(2);
  // The per-backend connect counter says why: nothing accepted the connection.
  EXPECT_NE(f["cause"].get<std::string>().find("could not connect"), std::string::npos) << f.dump(2);
  EXPECT_NE(f.dump().find("portico_backend_connect_errors_total{backend=\\\"default/dead:80\\\"} 1"),
            std::string::npos)
      << f.dump(2);
  ASSERT_NE(findingOf(report, "PD-LIVE-UPSTREAM-CONNECT-ERRORS"), nullptr) << report.dump(2);
  EXPECT_EQ(report["live"]["generation"], 1);
  EXPECT_EQ(report["live"]["trigger"], "startup");

  const CliOut text = cli({"diagnose", "--admin", admin, "--width", "80"});
  EXPECT_EQ(text.code, 0) << "warnings only" << text.err;
  EXPECT_NE(text.out.find("live: config generation 1 (startup"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("PD-LIVE-BACKEND-5XX"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find('\033'), std::string::npos) << "no colour when not a terminal";
}

// The only endpoint refuses connections: after the default 5 connect
// errors in a row it is ejected, and diagnose names the outage and why.
TEST_F(LiveTest, DiagnoseReportsABackendWithEveryEndpointEjected) {
  json report;
  ASSERT_TRUE(eventually([&] {
    httpStatus(httpPort, "a.example.com", "/x");
    report = json::parse(cli({"diagnose", "--admin", admin, "-o", "json"}).out, nullptr, false);
    return !report.is_discarded() && findingOf(report, "PD-LIVE-ENDPOINTS-ALL-OUT");
  })) << report.dump(2);
  const json& f = *findingOf(report, "PD-LIVE-ENDPOINTS-ALL-OUT");
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["object"]["kind"], "Service");
  EXPECT_EQ(f["object"]["name"], "dead");
  EXPECT_EQ(f["subject"], "default/dead:80");
  EXPECT_NE(f["symptom"].get<std::string>().find("503 at once"), std::string::npos) << f.dump(2);
  EXPECT_NE(f.dump().find("OUT (connect_error"), std::string::npos) << f.dump(2);
  EXPECT_EQ(findingOf(report, "PD-LIVE-ENDPOINTS-OUT"), nullptr) << "all, not some";
  EXPECT_EQ(cli({"diagnose", "--admin", admin}).code, 1) << "an error gates CI";
  // The same facts at /endpoints.
  const json eps = json::parse(admin::fetch(admin, "/endpoints").body);
  EXPECT_NE(eps.dump().find("connect_error"), std::string::npos) << eps.dump(2);
}

TEST_F(LiveTest, DiagnoseReportsRejectedConfigAndBindFailure) {
  PortHolder taken;
  writeFile(
      dir / "00-gateway.yaml",
      gatewayYaml(httpPort, "  - {name: busy, port: " + std::to_string(taken.port) + ", protocol: HTTP}\n") +
          deadServiceYaml(deadPort));
  ASSERT_TRUE(waitGeneration(2));
  writeFile(dir / "10-route.yaml", routeYaml("b.example.com", "dead", "no-leading-slash"));
  ASSERT_TRUE(waitGeneration(3));
  json report;
  // The two edits may be picked up as one reload or two: wait for both.
  ASSERT_TRUE(eventually([&] {
    const CliOut r = cli({"diagnose", "--admin", admin, "-o", "json"});
    report = json::parse(r.out, nullptr, false);
    return !report.is_discarded() && findingOf(report, "PD-LIVE-CONFIG-REJECTED") &&
           findingOf(report, "PD-LISTENER-PORT-IN-USE");
  })) << report.dump(2);
  const json& rejected = *findingOf(report, "PD-LIVE-CONFIG-REJECTED");
  EXPECT_EQ(rejected["object"]["kind"], "HTTPRoute");
  EXPECT_EQ(rejected["object"]["name"], "web");
  EXPECT_NE(rejected["symptom"].get<std::string>().find("still serves its previous version"),
            std::string::npos)
      << rejected.dump(2);
  EXPECT_EQ(httpStatus(httpPort, "a.example.com", "/x") / 100, 5) << "the last good route still serves";
  const json& busy = *findingOf(report, "PD-LISTENER-PORT-IN-USE");
  EXPECT_EQ(busy["object"]["name"], "gw");
  EXPECT_NE(busy.dump().find("busy"), std::string::npos) << busy.dump(2);
  EXPECT_EQ(cli({"diagnose", "--admin", admin}).code, 1) << "errors fail the run";
}

TEST_F(LiveTest, ExplainTracesThroughTheServedConfig) {
  const CliOut r = cli({"explain", "--admin", admin, "--url",
                        "http://a.example.com:" + std::to_string(httpPort) + "/x", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const json e = json::parse(r.out);
  ASSERT_FALSE(e["backends"].empty()) << r.out;
  EXPECT_EQ(e["backends"][0]["cluster"], "default/dead:80") << r.out;
  const CliOut miss = cli(
      {"explain", "--admin", admin, "--url", "http://nobody.example.com:" + std::to_string(httpPort) + "/x"});
  EXPECT_EQ(miss.code, 1) << miss.out;
  EXPECT_NE(miss.out.find("404"), std::string::npos) << miss.out;
}

TEST_F(LiveTest, ChangesShowTheDiffAndFlippedConditionsOfAnEdit) {
  writeFile(dir / "10-route.yaml", routeYaml("b.example.com", "missing"));
  ASSERT_TRUE(waitGeneration(2));
  const CliOut r = cli({"changes", "--admin", admin, "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["apiVersion"], "portico.dev/changes/v1");
  ASSERT_GE(doc["generations"].size(), 2u);
  const json& g = doc["generations"][0];  // newest first
  EXPECT_EQ(g["generation"], 2);
  EXPECT_EQ(g["trigger"], "files changed");
  ASSERT_EQ(g["changes"].size(), 1u) << g.dump(2);
  const json& c = g["changes"][0];
  EXPECT_EQ(c["op"], "modified");
  EXPECT_EQ(c["kind"], "HTTPRoute");
  EXPECT_EQ(c["name"], "web");
  const std::string diff = c["diff"].dump();
  EXPECT_NE(diff.find("- "), std::string::npos) << diff;
  EXPECT_NE(diff.find("a.example.com"), std::string::npos) << diff;
  EXPECT_NE(diff.find("+ "), std::string::npos) << diff;
  EXPECT_NE(diff.find("b.example.com"), std::string::npos) << diff;
  bool flipped = false;
  for (const auto& f : g["conditions"]) {
    if (f["object"] == "HTTPRoute default/web" && f["type"] == "ResolvedRefs") {
      EXPECT_EQ(f["before"], "True (ResolvedRefs)");
      EXPECT_EQ(f["after"], "False (BackendNotFound)");
      flipped = true;
    }
  }
  EXPECT_TRUE(flipped) << g.dump(2);
  const json& first = doc["generations"][1];
  EXPECT_EQ(first["trigger"], "startup");
  EXPECT_EQ(first["changes"].size(), 5u) << "every object added at startup";

  const CliOut text = cli({"changes", "--admin", admin, "--width", "80", "--last", "1"});
  ASSERT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("generation 2"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("generation 1"), std::string::npos) << "--last 1" << text.out;
  EXPECT_NE(text.out.find("~ HTTPRoute default/web"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("ResolvedRefs: True (ResolvedRefs) -> False (BackendNotFound)"), std::string::npos)
      << text.out;
  std::istringstream lines(text.out);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 80u) << line;
}

TEST_F(LiveTest, BundleHoldsEveryPartAndReadsBack) {
  ASSERT_EQ(httpStatus(httpPort, "a.example.com", "/x") / 100, 5);
  const std::string file = (dir / "bundle.tar.gz").string();
  const CliOut r = cli({"bundle", "--admin", admin, "-o", file});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string list = shell("tar tzf '" + file + "'");
  for (const char* part :
       {"README.txt", "objects.yaml", "status.json", "config_dump.json", "diagnostics.txt", "diagnose.txt",
        "diagnose.json", "certificates.txt", "certificates.json", "metrics.txt", "changes.json",
        "runtime.json", "log.txt", "certificates-served.txt", "certificates-served.json"}) {
    EXPECT_NE(list.find(std::string("/") + part + "\n"), std::string::npos) << part << " in\n" << list;
  }
  const std::string metrics = shell("tar xzOf '" + file + "' --wildcards '*/metrics.txt'");
  EXPECT_NE(metrics.find("portico_upstream_connect_errors_total"), std::string::npos) << metrics;
  const std::string logText = shell("tar xzOf '" + file + "' --wildcards '*/log.txt'");
  EXPECT_NE(logText.find("config generation 1 (startup)"), std::string::npos) << logText;
  const json diag = json::parse(shell("tar xzOf '" + file + "' --wildcards '*/diagnose.json'"));
  EXPECT_EQ(diag["kind"], "DiagnoseReport");
  const json runtime = json::parse(shell("tar xzOf '" + file + "' --wildcards '*/runtime.json'"));
  EXPECT_EQ(runtime["binds"][0]["port"], httpPort);
  EXPECT_EQ(runtime["binds"][0]["ok"], true);
  // The objects as served load again, as the same objects.
  const auto reloaded = source::loadString(shell("tar xzOf '" + file + "' --wildcards '*/objects.yaml'"));
  EXPECT_FALSE(api::hasErrors(reloaded.diagnostics));
  EXPECT_EQ(reloaded.snapshot.objectCount(), 5u);
  EXPECT_NE(reloaded.snapshot.httpRoutes.find("default", "web"), nullptr);
}

TEST_F(LiveTest, CertificatesAsServedPerListener) {
  const int httpsPort = freePort();
  const KeyPair kp = selfSigned({"shop.example.com"}, 10);
  writeFile(dir / "00-gateway.yaml",
            gatewayYaml(httpPort, "  - name: https\n    port: " + std::to_string(httpsPort) +
                                      "\n    protocol: HTTPS\n    hostname: shop.example.com\n"
                                      "    tls: {certificateRefs: [{name: shop-tls}]}\n") +
                deadServiceYaml(deadPort) + "---\n" + tlsSecretYaml("default", "shop-tls", kp));
  ASSERT_TRUE(waitGeneration(2));
  const admin::FetchResult r = admin::fetch(admin, "/certificates?o=json");
  ASSERT_EQ(r.status, 200) << r.error;
  const json doc = json::parse(r.body);
  ASSERT_EQ(doc["listeners"].size(), 1u) << r.body;
  const json& l = doc["listeners"][0];
  EXPECT_EQ(l["listener"], "https");
  EXPECT_EQ(l["bind"], "*:" + std::to_string(httpsPort)) << "the run's --listen-address" << r.body;
  EXPECT_EQ(l["secret"], "default/shop-tls");
  ASSERT_EQ(l["chain"].size(), 1u);
  EXPECT_EQ(l["chain"][0]["dnsNames"], json::array({"shop.example.com"}));
  EXPECT_GE(l["chain"][0]["daysLeft"].get<int>(), 9);
  EXPECT_LE(l["chain"][0]["daysLeft"].get<int>(), 10);
  // And as a client gets it: a handshake with the listener, by name.
  const admin::FetchResult served = admin::fetch(admin, "/certificates?served=1&o=json");
  ASSERT_EQ(served.status, 200) << served.error;
  const json probes = json::parse(served.body)["probes"];
  ASSERT_EQ(probes.size(), 1u) << served.body;
  EXPECT_EQ(probes[0]["sni"], "shop.example.com");
  EXPECT_EQ(probes[0]["result"], "ok") << served.body;
  EXPECT_EQ(probes[0]["servedSecret"], "default/shop-tls");
  EXPECT_EQ(probes[0]["alpn"], "h2") << "an HTTPS listener offers h2 first";
  EXPECT_EQ(probes[0]["chain"][0]["dnsNames"], json::array({"shop.example.com"}));
  // The served manifests never carry the key.
  const std::string objects = admin::fetch(admin, "/objects").body;
  EXPECT_NE(objects.find("kind: Secret"), std::string::npos);
  EXPECT_EQ(objects.find(base64(kp.keyPem)), std::string::npos);
  EXPECT_NE(objects.find("tls.key: \"<redacted: "), std::string::npos) << objects;
}

TEST(LiveCli, ArgumentsAndUnreachableServers) {
  EXPECT_EQ(cli({"diagnose"}).code, 2) << "neither -c nor --admin";
  EXPECT_EQ(cli({"diagnose", "-c", "x.yaml", "--admin", "http://127.0.0.1:1"}).code, 2);
  const int closed = freePort();
  const CliOut d = cli({"diagnose", "--admin", "http://127.0.0.1:" + std::to_string(closed)});
  EXPECT_EQ(d.code, 2);
  EXPECT_NE(d.err.find("cannot reach the admin server"), std::string::npos) << d.err;
  EXPECT_EQ(cli({"changes", "--admin", "127.0.0.1:" + std::to_string(closed)}).code, 2);
  EXPECT_EQ(cli({"changes", "--admin", "https://127.0.0.1:9901"}).code, 2);
}

TEST(OfflineBundle, CertificatesWithoutPrivateKeys) {
  const fs::path dir = fs::temp_directory_path() / ("portico-bundle-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const KeyPair kp = selfSigned({"shop.example.com"});
  writeFile(
      dir / "in.yaml",
      gatewayYaml(8080,
                  "  - name: https\n    port: 8443\n    protocol: HTTPS\n    hostname: shop.example.com\n"
                  "    tls: {certificateRefs: [{name: shop-tls}]}\n") +
          "---\n" + tlsSecretYaml("default", "shop-tls", kp));
  const std::string file = (dir / "b.tar.gz").string();
  const CliOut r = cli({"bundle", "-c", (dir / "in.yaml").string(), "-o", file});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string certs = shell("tar xzOf '" + file + "' --wildcards '*/certificates.txt'");
  EXPECT_NE(certs.find("listener \"https\""), std::string::npos) << certs;
  EXPECT_NE(certs.find("names   shop.example.com"), std::string::npos) << certs;
  EXPECT_NE(certs.find("days left"), std::string::npos) << certs;
  const std::string all = shell("tar xzOf '" + file + "'");
  EXPECT_EQ(all.find("PRIVATE KEY"), std::string::npos) << "no private key anywhere in the bundle";
  EXPECT_EQ(all.find(base64(kp.keyPem)), std::string::npos);
  EXPECT_NE(all.find("<redacted: "), std::string::npos);
  EXPECT_EQ(shell("tar tzf '" + file + "'").find("metrics.txt"), std::string::npos) << "live only";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace portico::testing::live
