// deploy/ against the code, the workload: the Deployment's args are flags
// `portico run --help` accepts, its probes hit /ready on the admin port,
// the Service targets declared ports, the security context is restricted,
// and the GatewayClass is Portico's. Helpers in deploy_manifests.h.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "kube/deploy_manifests.h"
#include "translate/translator.h"

namespace portico::kube::deploy {
namespace {

TEST(DeployDeployment, ArgsAreFlagsOfPorticoRun) {
  const auto docs = loadManifests();
  const Deployment dep = loadDeployment(docs);  // checks every arg against `portico run --help`
  ASSERT_NE(dep.doc, nullptr);
  for (const auto& p : dep.argProblems) ADD_FAILURE() << "deploy/" << dep.doc->file << " args: " << p;
  EXPECT_TRUE(flag(dep, "--kube")) << "the Deployment runs Kubernetes mode";
  const YAML::Node replicas = dep.doc->node["spec"]["replicas"];
  if (!replicas || replicas.as<int>() > 1) {
    const auto elect = flag(dep, "--leader-elect");
    EXPECT_TRUE(isTrue(elect ? *elect : helpDefault("--leader-elect").value_or("false")))
        << "several replicas need --leader-elect (only the leader writes status)";
  }
  // The controller name, when given, is the GatewayClass's.
  const std::string controller = flag(dep, "--controller-name").value_or(translate::kDefaultControllerName);
  for (const auto* gc : ofKind(docs, "GatewayClass"))
    EXPECT_EQ(str(gc->node["spec"]["controllerName"]), controller) << "GatewayClass " << nameOf(*gc);
  // --gateway-service names the Service in deploy/.
  if (auto svc = flag(dep, "--gateway-service")) {
    const auto slash = svc->find('/');
    ASSERT_NE(slash, std::string::npos) << "--gateway-service NS/NAME";
    EXPECT_NE(find(docs, "Service", svc->substr(0, slash), svc->substr(slash + 1)), nullptr)
        << "--gateway-service " << *svc << " is not a Service in deploy/";
  }
  // The image tag is this version of portico.
  int status = 0;
  std::string version = runCommand(std::string(PORTICO_BIN) + " --version", &status);
  version = version.substr(0, version.find('\n'));
  ASSERT_TRUE(version.starts_with("portico ")) << version;
  const std::string image = str(dep.container["image"]);
  EXPECT_TRUE(image.ends_with(":" + version.substr(8))) << image << " vs " << version;
}

TEST(DeployDeployment, ProbesHitReadyOnTheAdminPort) {
  const auto docs = loadManifests();
  const Deployment dep = loadDeployment(docs);
  ASSERT_NE(dep.doc, nullptr);
  auto admin = flag(dep, "--admin-address");
  if (!admin) admin = helpDefault("--admin-address");
  ASSERT_TRUE(admin) << "no --admin-address and no default in --help";
  const auto colon = admin->rfind(':');
  ASSERT_NE(colon, std::string::npos) << *admin;
  const std::string host = admin->substr(0, colon);
  const int adminPort = std::stoi(admin->substr(colon + 1));
  // The kubelet probes the pod IP: a loopback admin server is unreachable.
  EXPECT_TRUE(host != "127.0.0.1" && host != "localhost" && host != "::1" && host != "[::1]")
      << "--admin-address " << *admin << " is loopback: the kubelet's probes cannot reach it";
  // `portico run` refuses a non-loopback admin address without its opt-in.
  if (runFlags().count("--admin-allow-remote")) {
    EXPECT_TRUE(flag(dep, "--admin-allow-remote"))
        << "--admin-address " << *admin << " needs --admin-allow-remote";
  }
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    const YAML::Node p = dep.container[probe];
    if (std::string_view(probe) == "startupProbe" && !p) continue;
    ASSERT_TRUE(p) << probe << " missing";
    const YAML::Node get = p["httpGet"];
    ASSERT_TRUE(get) << probe << ": expected httpGet";
    EXPECT_EQ(str(get["path"]), "/ready") << probe;
    EXPECT_NE(str(get["scheme"]), "HTTPS") << probe << ": the admin server speaks HTTP";
    const auto port = containerPort(dep.container, get["port"]);
    ASSERT_TRUE(port) << probe << ": port " << str(get["port"]) << " is not a declared container port";
    EXPECT_EQ(*port, adminPort) << probe << ": not the --admin-address port";
  }
}

TEST(DeployDeployment, ServiceTargetsDeclaredDataPlanePorts) {
  const auto docs = loadManifests();
  const Deployment dep = loadDeployment(docs);
  ASSERT_NE(dep.doc, nullptr);
  const auto services = ofKind(docs, "Service");
  ASSERT_FALSE(services.empty());
  const auto adminPort = containerPort(dep.container, YAML::Node("admin"));
  const YAML::Node labels = dep.doc->node["spec"]["template"]["metadata"]["labels"];
  for (const auto* s : services) {
    const std::string where = "Service " + nameOf(*s);
    const YAML::Node selector = s->node["spec"]["selector"];
    ASSERT_TRUE(selector && selector.IsMap() && selector.size() > 0) << where << ": no selector";
    for (const auto& kv : selector)
      EXPECT_EQ(str(labels[kv.first.as<std::string>()]), str(kv.second))
          << where << ": selector " << kv.first.as<std::string>() << " does not match the Pods";
    for (const auto& p : s->node["spec"]["ports"]) {
      const YAML::Node target = p["targetPort"] ? p["targetPort"] : p["port"];
      std::string protocol;
      const auto port = containerPort(dep.container, target, &protocol);
      ASSERT_TRUE(port) << where << ": targetPort " << str(target)
                        << " is not a container port of the Deployment";
      EXPECT_EQ(p["protocol"] ? str(p["protocol"]) : "TCP", protocol) << where << " port " << str(p["name"]);
      if (adminPort) {
        EXPECT_NE(*port, *adminPort) << where << ": the admin port is not for clients";
      }
    }
  }
}

TEST(DeployDeployment, RunsNonRootWithAReadOnlyRootFilesystem) {
  const auto docs = loadManifests();
  const Deployment dep = loadDeployment(docs);
  ASSERT_NE(dep.doc, nullptr);
  const YAML::Node podSc = dep.pod["securityContext"];
  const YAML::Node sc = dep.container["securityContext"];
  ASSERT_TRUE(sc) << "container securityContext missing";
  auto setting = [&](const char* key) { return sc[key] ? sc[key] : podSc[key]; };
  EXPECT_TRUE(setting("runAsNonRoot") && setting("runAsNonRoot").as<bool>()) << "runAsNonRoot";
  if (setting("runAsUser")) {
    EXPECT_NE(setting("runAsUser").as<int>(), 0) << "runAsUser";
  }
  EXPECT_TRUE(sc["readOnlyRootFilesystem"] && sc["readOnlyRootFilesystem"].as<bool>())
      << "readOnlyRootFilesystem";
  EXPECT_TRUE(sc["allowPrivilegeEscalation"] && !sc["allowPrivilegeEscalation"].as<bool>())
      << "allowPrivilegeEscalation: false";
  EXPECT_FALSE(sc["privileged"] && sc["privileged"].as<bool>()) << "privileged";
  EXPECT_EQ(strings(sc["capabilities"]["drop"]), std::vector<std::string>{"ALL"})
      << "capabilities.drop: [ALL]";
  EXPECT_FALSE(sc["capabilities"]["add"]) << "no added capabilities";
  EXPECT_EQ(str(setting("seccompProfile")["type"]), "RuntimeDefault");
  EXPECT_FALSE(dep.pod["hostNetwork"] && dep.pod["hostNetwork"].as<bool>());

  const YAML::Node res = dep.container["resources"];
  for (const char* part : {"requests", "limits"})
    for (const char* what : {"cpu", "memory"})
      EXPECT_FALSE(str(res[part][what]).empty()) << "resources." << part << "." << what;
  // Workers default to the node's cores, not the Pod's CPU limit.
  if (!str(res["limits"]["cpu"]).empty()) {
    const auto workers = flag(dep, "--workers");
    ASSERT_TRUE(workers) << "with a CPU limit, set --workers";
    EXPECT_LE(std::stol(*workers) * 1000, std::max(1000L, millicores(str(res["limits"]["cpu"]))))
        << "--workers above the CPU limit";
  }
  // The drain (SIGTERM) must finish before the kubelet's SIGKILL.
  long grace =
      dep.pod["terminationGracePeriodSeconds"] ? dep.pod["terminationGracePeriodSeconds"].as<long>() : 30;
  long needed =
      std::stol(flag(dep, "--drain-timeout").value_or(helpDefault("--drain-timeout").value_or("10")));
  const auto preStop = strings(dep.container["lifecycle"]["preStop"]["exec"]["command"]);
  if (preStop.size() == 2 && preStop[0] == "sleep") needed += std::stol(preStop[1]);
  EXPECT_GT(grace, needed) << "terminationGracePeriodSeconds vs preStop + --drain-timeout";
}

TEST(DeployGatewayClass, ControllerNameIsPorticos) {
  const auto docs = loadManifests();
  const auto classes = ofKind(docs, "GatewayClass");
  ASSERT_EQ(classes.size(), 1u);
  EXPECT_EQ(str(classes[0]->node["apiVersion"]), "gateway.networking.k8s.io/v1");
  EXPECT_EQ(str(classes[0]->node["spec"]["controllerName"]), translate::Options{}.controllerName);
}

}  // namespace
}  // namespace portico::kube::deploy
