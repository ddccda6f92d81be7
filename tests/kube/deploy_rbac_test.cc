// deploy/ against the code, the manifests and their RBAC: every manifest
// is an object in the controller's namespace, the RBAC granted is exactly
// kube::requiredAccess() (nothing missing, nothing extra), and the bindings
// name the Deployment's ServiceAccount. Helpers in deploy_manifests.h.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "kube/deploy_manifests.h"
#include "kube/leader.h"
#include "kube/resources.h"

namespace portico::kube::deploy {
namespace {

TEST(DeployManifests, EveryDocumentIsAnObjectInTheControllersNamespace) {
  const auto docs = loadManifests();
  ASSERT_FALSE(docs.empty()) << "no manifests in " << deployDir();
  const auto namespaces = ofKind(docs, "Namespace");
  ASSERT_EQ(namespaces.size(), 1u);
  const std::string ns = nameOf(*namespaces[0]);
  // `kubectl apply -f deploy/` goes file by file in name order: the
  // Namespace must exist before anything is created in it.
  EXPECT_EQ(namespaces[0]->file, docs.front().file) << "the Namespace's file must sort first";
  const std::set<std::string> clusterScoped{"Namespace", "ClusterRole", "ClusterRoleBinding", "GatewayClass"};
  for (const auto& d : docs) {
    EXPECT_FALSE(str(d.node["apiVersion"]).empty()) << d.file;
    EXPECT_FALSE(kindOf(d).empty()) << d.file;
    EXPECT_FALSE(nameOf(d).empty()) << d.file << " " << kindOf(d);
    if (clusterScoped.count(kindOf(d)))
      EXPECT_TRUE(nsOf(d).empty()) << d.file << " " << kindOf(d) << " is cluster-scoped";
    else
      EXPECT_EQ(nsOf(d), ns) << d.file << " " << kindOf(d) << " " << nameOf(d);
  }
}

TEST(DeployRbac, GrantsExactlyWhatTheControllerCalls) {
  const auto docs = loadManifests();
  const Deployment dep = loadDeployment(docs);
  ASSERT_NE(dep.doc, nullptr);
  const std::string leaseName = flag(dep, "--lease-name").value_or(LeaderOptions{}.leaseName);
  const std::string leaseNs = flag(dep, "--lease-namespace").value_or(dep.ns);

  // What the code calls, split the way least privilege grants it: the
  // Lease in a Role in the lease's namespace, everything else cluster-wide
  // (watches span every namespace; Events go to the objects' namespaces).
  const std::string leaseGroup(leaseResource().group), leaseRes(leaseResource().resource);
  Grants wantCluster, wantLease;
  for (const auto& a : requiredAccess()) {
    auto& into = (a.group == leaseGroup && a.resource == leaseRes) ? wantLease : wantCluster;
    into[{a.group, a.resource}].insert(a.verbs.begin(), a.verbs.end());
    // The source of truth itself stays least privilege: writes only to
    // status subresources, Events and the Lease.
    for (const auto& v : a.verbs)
      if (isWrite(v)) {
        EXPECT_TRUE(a.resource.ends_with("/status") || a.resource == "events" || a.resource == "leases")
            << "requiredAccess(): write verb " << v << " on " << a.resource;
      }
  }
  ASSERT_FALSE(wantLease.empty());

  Grants haveCluster, haveLease;
  for (const auto* role : ofKind(docs, "ClusterRole"))
    for (auto& [k, v] : grantsOf(*role, leaseName)) haveCluster[k].insert(v.begin(), v.end());
  for (const auto* role : ofKind(docs, "Role")) {
    EXPECT_EQ(nsOf(*role), leaseNs) << "Role " << nameOf(*role)
                                    << ": only the Lease's namespace needs a Role";
    for (auto& [k, v] : grantsOf(*role, leaseName)) haveLease[k].insert(v.begin(), v.end());
  }
  const std::string cluster = difference(haveCluster, wantCluster);
  EXPECT_TRUE(cluster.empty()) << "ClusterRole rules vs requiredAccess() (src/kube/resources.cc):\n"
                               << cluster;
  const std::string lease = difference(haveLease, wantLease);
  EXPECT_TRUE(lease.empty()) << "Role rules in namespace " << leaseNs << " vs requiredAccess():\n" << lease;
}

TEST(DeployRbac, BindingsGiveTheRolesToTheDeploymentsServiceAccount) {
  const auto docs = loadManifests();
  const Deployment dep = loadDeployment(docs);
  ASSERT_NE(dep.doc, nullptr);
  EXPECT_NE(find(docs, "ServiceAccount", dep.ns, dep.serviceAccount), nullptr)
      << "ServiceAccount " << dep.ns << "/" << dep.serviceAccount << " is not in deploy/";

  std::set<std::string> boundClusterRoles, boundRoles;
  auto checkBinding = [&](const Doc& b) {
    const std::string where = "deploy/" + b.file + " " + kindOf(b) + " " + nameOf(b);
    const YAML::Node ref = b.node["roleRef"];
    EXPECT_EQ(str(ref["apiGroup"]), "rbac.authorization.k8s.io") << where;
    const std::string refKind = str(ref["kind"]), refName = str(ref["name"]);
    if (kindOf(b) == "ClusterRoleBinding") {
      EXPECT_EQ(refKind, "ClusterRole") << where;
      EXPECT_NE(find(docs, "ClusterRole", "", refName), nullptr) << where << ": no ClusterRole " << refName;
      boundClusterRoles.insert(refName);
    } else {
      EXPECT_EQ(refKind, "Role") << where;
      EXPECT_NE(find(docs, "Role", nsOf(b), refName), nullptr)
          << where << ": no Role " << refName << " in namespace " << nsOf(b);
      boundRoles.insert(nsOf(b) + "/" + refName);
    }
    const YAML::Node subjects = b.node["subjects"];
    ASSERT_TRUE(subjects && subjects.IsSequence() && subjects.size() == 1)
        << where << ": exactly one subject, the ServiceAccount";
    EXPECT_EQ(str(subjects[0]["kind"]), "ServiceAccount") << where;
    EXPECT_EQ(str(subjects[0]["name"]), dep.serviceAccount) << where;
    EXPECT_EQ(str(subjects[0]["namespace"]), dep.ns) << where;
  };
  for (const auto* b : ofKind(docs, "ClusterRoleBinding")) checkBinding(*b);
  for (const auto* b : ofKind(docs, "RoleBinding")) checkBinding(*b);
  // No role left unbound (it would be dead, or granted by hand elsewhere).
  for (const auto* r : ofKind(docs, "ClusterRole"))
    EXPECT_TRUE(boundClusterRoles.count(nameOf(*r))) << "ClusterRole " << nameOf(*r) << " is not bound";
  for (const auto* r : ofKind(docs, "Role"))
    EXPECT_TRUE(boundRoles.count(nsOf(*r) + "/" + nameOf(*r))) << "Role " << nameOf(*r) << " is not bound";
  EXPECT_FALSE(boundClusterRoles.empty());
}

}  // namespace
}  // namespace portico::kube::deploy
