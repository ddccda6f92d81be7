// deploy/ against the code: every manifest is parsed, the RBAC granted is
// exactly kube::requiredAccess() (nothing missing, nothing extra), the
// bindings name the Deployment's ServiceAccount, the Deployment's args are
// flags `portico run --help` accepts, its probes hit /ready on the admin
// port, the Service targets declared ports, the security context is
// restricted, the GatewayClass is Portico's, and deploy/Dockerfile runs
// `portico` as non-root with the runtime libraries the binary links.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "kube/leader.h"
#include "kube/resources.h"
#include "support/test_support.h"
#include "translate/translator.h"

namespace portico::kube {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- helpers

struct Doc {
  std::string file;  // relative to deploy/
  YAML::Node node;
};

std::string deployDir() { return testing::sourceDir() + "/deploy"; }

std::vector<Doc> loadManifests() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(deployDir())) {
    const auto ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
      files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());  // the order `kubectl apply -f deploy/` applies them
  std::vector<Doc> docs;
  for (const auto& f : files) {
    std::vector<YAML::Node> nodes;
    try {
      nodes = YAML::LoadAllFromFile(deployDir() + "/" + f);
    } catch (const YAML::Exception& e) {
      ADD_FAILURE() << "deploy/" << f << ": " << e.what();
      continue;
    }
    for (auto& n : nodes)
      if (n && !n.IsNull()) docs.push_back({f, n});
  }
  return docs;
}

std::string str(const YAML::Node& n) { return n && n.IsScalar() ? n.as<std::string>() : std::string(); }
std::string kindOf(const Doc& d) { return str(d.node["kind"]); }
std::string nameOf(const Doc& d) { return str(d.node["metadata"]["name"]); }
std::string nsOf(const Doc& d) { return str(d.node["metadata"]["namespace"]); }

std::vector<const Doc*> ofKind(const std::vector<Doc>& docs, std::string_view kind) {
  std::vector<const Doc*> out;
  for (const auto& d : docs)
    if (kindOf(d) == kind) out.push_back(&d);
  return out;
}

const Doc* find(const std::vector<Doc>& docs, std::string_view kind, std::string_view ns,
                std::string_view name) {
  for (const auto& d : docs)
    if (kindOf(d) == kind && nsOf(d) == ns && nameOf(d) == name) return &d;
  return nullptr;
}

std::vector<std::string> strings(const YAML::Node& seq) {
  std::vector<std::string> out;
  if (seq && seq.IsSequence())
    for (const auto& n : seq) out.push_back(str(n));
  return out;
}

std::string runCommand(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  if (status) *status = rc;
  return out;
}

bool isInteger(std::string_view s, bool allowNegative) {
  if (!s.empty() && s[0] == '-' && allowNegative) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool isBoolean(const std::string& s) {
  static const std::set<std::string> words{"true", "false", "1", "0", "yes", "no", "on", "off"};
  return words.count(s) > 0;
}

bool isTrue(const std::string& s) { return s.empty() || s == "true" || s == "1" || s == "yes" || s == "on"; }

bool isNumber(const std::string& s) {
  if (s.empty()) return false;
  size_t used = 0;
  try {
    (void)std::stod(s, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size();
}

// ------------------------------------------------- `portico run --help`

struct FlagSpec {
  std::string id;                    // the first name listed, e.g. "--config" for "-c,--config"
  std::string type;                  // "TEXT", "INT", "UINT", ...; empty for a flag without value
  std::vector<std::string> allowed;  // TEXT:{a,b,c}
  bool multi = false;                // "..." : several values may follow
  bool required = false;
  std::vector<std::string> excludes, needs;  // option names (long)
};

// Options of a CLI11 help text: "  -c,--config TEXT ... REQUIRED", "  --via   Add…".
std::map<std::string, FlagSpec> parseHelp(const std::string& help) {
  std::map<std::string, FlagSpec> flags;
  std::istringstream in(help);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("  -", 0) != 0) continue;
    std::string rest = line.substr(2);
    const auto sp = rest.find(' ');
    const std::string names = rest.substr(0, sp);
    rest = sp == std::string::npos ? std::string() : rest.substr(sp);
    // The option's spec is what follows its names up to the description,
    // which starts after two or more spaces.
    std::string spec;
    if (rest.size() >= 2 && rest[0] == ' ' && rest[1] != ' ') {
      const auto gap = rest.find("  ");
      spec = rest.substr(1, gap == std::string::npos ? std::string::npos : gap - 1);
    }
    FlagSpec f;
    std::istringstream specIn(spec);
    std::string word;
    bool first = true;
    std::vector<std::string>* relation = nullptr;  // after "Excludes:" or "Needs:"
    while (specIn >> word) {
      // "Excludes: --kube", "Needs: --kube": options that must not / must
      // be given with this one.
      if (word == "Excludes:" || word == "Needs:") {
        relation = word == "Excludes:" ? &f.excludes : &f.needs;
        continue;
      }
      if (relation) {
        relation->push_back(word);
        continue;
      }
      if (first) {
        first = false;
        // The value's type: TEXT, INT, UINT, FLOAT, BOOLEAN..., maybe with
        // ":{a,b}" (allowed values), ":POSITIVE" (a check) or "=default".
        std::string type = word.substr(0, word.find_first_of(":=("));
        if (word != "REQUIRED" && !type.empty() &&
            std::all_of(type.begin(), type.end(), [](unsigned char c) { return std::isupper(c); })) {
          f.type = type;
          const auto brace = word.find(":{");
          if (brace != std::string::npos) {
            const auto end = word.find('}', brace);
            std::stringstream members(word.substr(brace + 2, end - brace - 2));
            std::string m;
            while (std::getline(members, m, ',')) f.allowed.push_back(m);
          }
          continue;
        }
      }
      if (word == "...") f.multi = true;
      if (word == "REQUIRED") f.required = true;
    }
    std::stringstream nameIn(names);
    std::string name;
    std::vector<std::string> all;
    while (std::getline(nameIn, name, ',')) all.push_back(name);
    if (all.empty()) continue;
    f.id = all.back();  // the long name
    for (const auto& n : all) flags[n] = f;
  }
  return flags;
}

const std::map<std::string, FlagSpec>& runFlags() {
  static const std::map<std::string, FlagSpec> flags = [] {
    int status = 0;
    const std::string help = runCommand(std::string(PORTICO_BIN) + " run --help 2>&1", &status);
    EXPECT_EQ(status, 0) << help;
    return parseHelp(help);
  }();
  return flags;
}

struct RunArgs {
  // Values given per flag id ("" for a flag without value). Flags --help
  // does not list are kept under their own name, so the other checks still
  // see them.
  std::map<std::string, std::vector<std::string>> given;
  std::vector<std::string> problems;  // what `portico run` would reject
};

// Checks `args` (after "run") against `portico run --help`.
RunArgs parseRunArgs(const std::vector<std::string>& args) {
  const auto& flags = runFlags();
  RunArgs out;
  if (flags.empty()) out.problems.push_back("could not parse `portico run --help`");
  auto problem = [&](const std::string& p) { out.problems.push_back(p); };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a[0] != '-') {
      problem("argument '" + a + "' is not a flag");
      continue;
    }
    const auto eq = a.find('=');
    const std::string name = a.substr(0, eq);
    auto it = flags.find(name);
    if (it == flags.end()) {
      problem("'" + name + "' is not a flag of `portico run` (see `portico run --help`)");
      out.given[name].push_back(eq == std::string::npos ? "" : a.substr(eq + 1));
      continue;
    }
    const FlagSpec& f = it->second;
    auto& values = out.given[f.id];
    if (f.type.empty()) {
      if (eq != std::string::npos) problem(name + " takes no value");
      values.push_back("");
      continue;
    }
    std::vector<std::string> vs;
    if (eq != std::string::npos) {
      vs.push_back(a.substr(eq + 1));
    } else {
      while (i + 1 < args.size() && !args[i + 1].starts_with("-")) {
        vs.push_back(args[++i]);
        if (!f.multi) break;
      }
    }
    if (vs.empty()) problem(name + " needs a value (" + f.type + ")");
    for (const auto& v : vs) {
      if (v.empty()) problem(name + " has an empty value");
      if (f.type == "INT" && !isInteger(v, true)) problem(name + "=" + v + ": not an INT");
      if (f.type == "UINT" && !isInteger(v, false)) problem(name + "=" + v + ": not a UINT");
      if (f.type == "BOOLEAN" && !isBoolean(v)) problem(name + "=" + v + ": not a BOOLEAN");
      if (f.type == "FLOAT" && !isNumber(v)) problem(name + "=" + v + ": not a FLOAT");
      if (!f.allowed.empty() && std::find(f.allowed.begin(), f.allowed.end(), v) == f.allowed.end())
        problem(name + "=" + v + " is not one of " + ::testing::PrintToString(f.allowed));
      values.push_back(v);
    }
    if (!f.multi && values.size() > 1) problem(name + " given more than once");
  }
  std::set<std::string> required;
  for (const auto& [n, f] : flags)
    if (f.required) required.insert(f.id);
  for (const auto& id : required)
    if (!out.given.count(id)) problem("`portico run` requires " + id + " (REQUIRED in --help)");
  for (const auto& [id, values] : out.given) {
    auto it = flags.find(id);
    if (it == flags.end()) continue;
    for (const auto& other : it->second.excludes)
      if (flags.count(other) && out.given.count(flags.at(other).id)) problem(id + " excludes " + other);
    for (const auto& other : it->second.needs)
      if (flags.count(other) && !out.given.count(flags.at(other).id)) problem(id + " needs " + other);
  }
  return out;
}

// ---------------------------------------------------------- Deployment

struct Deployment {
  const Doc* doc = nullptr;
  std::string ns, serviceAccount;
  YAML::Node pod;                 // spec.template.spec
  YAML::Node container;           // the portico container
  std::vector<std::string> args;  // container args with $(VAR) expanded
  std::map<std::string, std::vector<std::string>> flags;
  std::vector<std::string> argProblems;  // reported by ArgsAreFlagsOfPorticoRun
};

// Kubernetes expands $(VAR) in args from the container's env: literal
// values and the downward API's metadata.namespace (the Deployment's).
std::string expandEnv(const std::string& arg, const YAML::Node& env, const std::string& ns) {
  std::string out;
  for (size_t i = 0; i < arg.size();) {
    if (arg.compare(i, 2, "$(") == 0) {
      const auto end = arg.find(')', i);
      if (end != std::string::npos) {
        const std::string var = arg.substr(i + 2, end - i - 2);
        std::optional<std::string> value;
        if (env && env.IsSequence())
          for (const auto& e : env) {
            if (str(e["name"]) != var) continue;
            if (e["value"]) value = str(e["value"]);
            if (str(e["valueFrom"]["fieldRef"]["fieldPath"]) == "metadata.namespace") value = ns;
          }
        EXPECT_TRUE(value) << "args: $(" << var << ") is not an env var with a value or metadata.namespace";
        out += value.value_or(arg.substr(i, end - i + 1));
        i = end + 1;
        continue;
      }
    }
    out += arg[i++];
  }
  return out;
}

Deployment loadDeployment(const std::vector<Doc>& docs) {
  Deployment d;
  const auto deps = ofKind(docs, "Deployment");
  EXPECT_EQ(deps.size(), 1u) << "deploy/ should hold exactly one Deployment";
  if (deps.empty()) return d;
  d.doc = deps.front();
  d.ns = nsOf(*d.doc);
  d.pod = d.doc->node["spec"]["template"]["spec"];
  d.serviceAccount = str(d.pod["serviceAccountName"]);
  EXPECT_FALSE(d.serviceAccount.empty()) << "the Deployment must name its ServiceAccount";
  const YAML::Node containers = d.pod["containers"];
  EXPECT_TRUE(containers && containers.IsSequence() && containers.size() == 1) << "one container, portico";
  if (!containers || containers.size() == 0) return d;
  d.container = containers[0];
  // The image's ENTRYPOINT runs portico; a `command`, if any, must too.
  const auto command = strings(d.container["command"]);
  if (!command.empty()) {
    EXPECT_EQ(fs::path(command[0]).filename(), "portico");
  }
  for (const auto& a : strings(d.container["args"])) d.args.push_back(expandEnv(a, d.container["env"], d.ns));
  EXPECT_FALSE(d.args.empty());
  if (d.args.empty()) return d;
  EXPECT_EQ(d.args[0], "run") << "the container runs `portico run`";
  auto parsed = parseRunArgs({d.args.begin() + 1, d.args.end()});
  d.flags = std::move(parsed.given);
  d.argProblems = std::move(parsed.problems);
  return d;
}

std::optional<std::string> flag(const Deployment& d, const std::string& id) {
  auto it = d.flags.find(id);
  if (it == d.flags.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

// The default of a flag as `portico run --help` prints it ("TEXT=default").
std::optional<std::string> helpDefault(const std::string& id) {
  int status = 0;
  const std::string help = runCommand(std::string(PORTICO_BIN) + " run --help 2>&1", &status);
  std::istringstream in(help);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find(id + " ");
    if (line.rfind("  -", 0) != 0 || at == std::string::npos) continue;
    const auto eq = line.find('=', at);
    if (eq == std::string::npos) return std::nullopt;
    const auto end = line.find(' ', eq);
    return line.substr(eq + 1, end == std::string::npos ? std::string::npos : end - eq - 1);
  }
  return std::nullopt;
}

// Container port number for a probe or Service target: a number or a port name.
std::optional<int> containerPort(const YAML::Node& container, const YAML::Node& ref,
                                 std::string* protocol = nullptr) {
  const std::string r = str(ref);
  for (const auto& p : container["ports"]) {
    const int number = p["containerPort"].as<int>();
    const bool match = isInteger(r, false) ? std::stoi(r) == number : str(p["name"]) == r;
    if (!match) continue;
    if (protocol) *protocol = p["protocol"] ? str(p["protocol"]) : "TCP";
    return number;
  }
  return std::nullopt;
}

long millicores(const std::string& q) {
  if (q.ends_with("m")) return std::stol(q.substr(0, q.size() - 1));
  return static_cast<long>(std::stod(q) * 1000);
}

// ---------------------------------------------------------------- RBAC

bool isWrite(const std::string& verb) {
  return verb == "create" || verb == "update" || verb == "patch" || verb == "delete" ||
         verb == "deletecollection";
}

using Grants = std::map<std::pair<std::string, std::string>, std::set<std::string>>;

// What `have` grants beyond `want` ("extra") and what it lacks ("missing"),
// one line per (group, resource, verb); empty when they are equal.
std::string difference(const Grants& have, const Grants& want) {
  std::string s;
  auto diff = [&](const Grants& a, const Grants& b, const char* what) {
    for (const auto& [key, verbs] : a) {
      const auto it = b.find(key);
      for (const auto& v : verbs)
        if (it == b.end() || !it->second.count(v))
          s += std::string("  ") + what + ": " + (key.first.empty() ? std::string("core") : key.first) + " " +
               key.second + " " + v + "\n";
    }
  };
  diff(have, want, "granted but never called (extra)");
  diff(want, have, "called but not granted (missing)");
  return s;
}

// The rules of one Role/ClusterRole, expanded to (group, resource) -> verbs.
Grants grantsOf(const Doc& role, const std::string& leaseName) {
  Grants g;
  const std::string where = "deploy/" + role.file + " " + kindOf(role) + " " + nameOf(role);
  for (const auto& rule : role.node["rules"]) {
    EXPECT_FALSE(rule["nonResourceURLs"]) << where << ": nonResourceURLs are not needed";
    const auto groups = strings(rule["apiGroups"]);
    const auto resources = strings(rule["resources"]);
    const auto verbs = strings(rule["verbs"]);
    const auto names = strings(rule["resourceNames"]);
    for (const auto* list : {&groups, &resources, &verbs})
      for (const auto& v : *list)
        EXPECT_EQ(v.find('*'), std::string::npos) << where << ": wildcard '" << v << "'";
    if (!names.empty()) {
      // Only the Lease is named; create/list/watch cannot be limited by name.
      for (const auto& r : resources) EXPECT_EQ(r, "leases") << where << ": resourceNames on " << r;
      for (const auto& v : verbs)
        EXPECT_TRUE(v == "get" || v == "update" || v == "patch")
            << where << ": verb '" << v << "' cannot be limited by resourceNames (the request has no name)";
      EXPECT_EQ(names, std::vector<std::string>{leaseName}) << where << ": resourceNames must be the Lease";
    }
    for (const auto& grp : groups)
      for (const auto& res : resources) g[{grp, res}].insert(verbs.begin(), verbs.end());
  }
  return g;
}

// ---------------------------------------------------------------- tests

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

// ------------------------------------------------------------ Dockerfile

struct Instruction {
  std::string op;    // upper case
  std::string args;  // continuation lines joined
};

std::vector<std::vector<Instruction>> dockerStages(const std::string& text) {
  std::vector<std::vector<Instruction>> stages;
  std::istringstream in(text);
  std::string line, logical;
  auto flush = [&] {
    const auto start = logical.find_first_not_of(" \t");
    if (start == std::string::npos) return;
    const std::string l = logical.substr(start);
    const auto sp = l.find_first_of(" \t");
    Instruction ins{l.substr(0, sp), sp == std::string::npos ? "" : l.substr(sp + 1)};
    std::transform(ins.op.begin(), ins.op.end(), ins.op.begin(), ::toupper);
    if (ins.op == "FROM") stages.emplace_back();
    if (!stages.empty()) stages.back().push_back(ins);
    logical.clear();
  };
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] == '#') continue;  // comments (and the syntax directive)
    if (!line.empty() && line.back() == '\\') {
      logical += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    logical += line;
    flush();
  }
  flush();
  return stages;
}

// Packages named by `apt-get install` in a stage's RUN instructions.
std::set<std::string> aptPackages(const std::vector<Instruction>& stage) {
  std::set<std::string> out;
  for (const auto& ins : stage) {
    if (ins.op != "RUN") continue;
    std::istringstream words(ins.args);
    std::string w;
    bool installing = false;
    while (words >> w) {
      if (w == "&&" || w == ";" || w == "||")
        installing = false;
      else if (w == "install")
        installing = true;
      else if (installing && w[0] != '-')
        out.insert(w);
    }
  }
  return out;
}

std::optional<std::string> lastArgs(const std::vector<Instruction>& stage, std::string_view op) {
  std::optional<std::string> out;
  for (const auto& ins : stage)
    if (ins.op == op) out = ins.args;
  return out;
}

TEST(DeployDockerfile, FinalStageRunsPorticoAsNonRoot) {
  const auto stages = dockerStages(testing::readFile(deployDir() + "/Dockerfile"));
  ASSERT_GE(stages.size(), 2u) << "multi-stage: a build stage and a runtime stage";
  const auto& build = stages.front();
  const auto& final = stages.back();
  EXPECT_TRUE(build.front().args.starts_with("debian:12 ")) << "build stage: FROM " << build.front().args;
  EXPECT_EQ(final.front().args, "debian:12-slim") << "runtime stage";
  const std::string buildName = build.front().args.substr(build.front().args.rfind(' ') + 1);

  const auto user = lastArgs(final, "USER");
  ASSERT_TRUE(user) << "the final stage must set USER";
  const std::string uid = user->substr(0, user->find(':'));
  ASSERT_TRUE(isInteger(uid, false)) << "USER " << *user << ": numeric, so runAsNonRoot can verify it";
  EXPECT_NE(std::stoi(uid), 0) << "USER " << *user;
  if (user->find(':') != std::string::npos) {
    EXPECT_NE(std::stoi(user->substr(user->find(':') + 1)), 0) << "USER " << *user;
  }

  const auto entry = lastArgs(final, "ENTRYPOINT");
  ASSERT_TRUE(entry) << "the final stage must set ENTRYPOINT";
  const auto ep = nlohmann::json::parse(*entry, nullptr, false);
  ASSERT_TRUE(ep.is_array() && !ep.empty()) << "ENTRYPOINT in exec form: " << *entry;
  const std::string binary = ep[0].get<std::string>();
  EXPECT_EQ(fs::path(binary).filename(), "portico");
  bool copied = false;
  for (const auto& ins : final)
    if (ins.op == "COPY" && ins.args.starts_with("--from=" + buildName + " ") &&
        ins.args.ends_with(" " + binary))
      copied = true;
  EXPECT_TRUE(copied) << "COPY --from=" << buildName << " ... " << binary;
  if (const auto cmd = lastArgs(final, "CMD")) {
    const auto c = nlohmann::json::parse(*cmd, nullptr, false);
    ASSERT_TRUE(c.is_array() && !c.empty()) << "CMD in exec form: " << *cmd;
    EXPECT_EQ(c[0], "run");
    std::vector<std::string> args;
    for (size_t i = 1; i < c.size(); ++i) args.push_back(c[i].get<std::string>());
    const auto parsed = parseRunArgs(args);
    for (const auto& p : parsed.problems) ADD_FAILURE() << "deploy/Dockerfile CMD: " << p;
    EXPECT_TRUE(parsed.given.count("--kube")) << "the image's default command is Kubernetes mode";
  }

  // The Deployment's uid is the image's.
  const auto docs = loadManifests();
  const Deployment dep = loadDeployment(docs);
  if (dep.doc && dep.pod["securityContext"]["runAsUser"]) {
    EXPECT_EQ(dep.pod["securityContext"]["runAsUser"].as<std::string>(), uid);
  }
}

// Every build package is one scripts/install-deps.sh installs (one list of
// build dependencies), and the runtime stage installs the package of every
// shared library the binary links.
TEST(DeployDockerfile, PackagesMatchTheBuildAndTheBinary) {
  const auto stages = dockerStages(testing::readFile(deployDir() + "/Dockerfile"));
  ASSERT_GE(stages.size(), 2u);
  const auto buildPkgs = aptPackages(stages.front());
  const auto runtimePkgs = aptPackages(stages.back());
  ASSERT_FALSE(buildPkgs.empty());
  ASSERT_FALSE(runtimePkgs.empty());

  const std::string deps = testing::readFile(testing::sourceDir() + "/scripts/install-deps.sh");
  std::set<std::string> known;
  {
    const auto begin = deps.find("PACKAGES=(");
    const auto end = deps.find("\n)", begin);
    ASSERT_NE(begin, std::string::npos);
    std::istringstream lines(deps.substr(begin + 10, end - begin - 10));
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream words(line.substr(0, line.find('#')));
      std::string w;
      while (words >> w) known.insert(w);
    }
  }
  for (const auto& p : buildPkgs)
    EXPECT_TRUE(known.count(p)) << "build stage installs " << p << ", not in install-deps.sh";

  int status = 0;
  const std::string ldd = runCommand("ldd " + std::string(PORTICO_BIN) + " 2>/dev/null", &status);
  if (status != 0 || runCommand("command -v dpkg-query").empty()) GTEST_SKIP() << "no ldd or dpkg-query here";
  // The libraries, each with the paths dpkg may have registered it under
  // (merged /usr, symlinks), asked of dpkg-query in one call.
  std::vector<std::pair<std::string, std::vector<std::string>>> libs;  // soname -> candidate paths
  std::string query = "dpkg-query -S";
  std::istringstream lines(ldd);
  std::string line;
  while (std::getline(lines, line)) {
    const auto arrow = line.find("=> /");
    if (arrow == std::string::npos) continue;
    const std::string path = line.substr(arrow + 3, line.find(' ', arrow + 3) - arrow - 3);
    const std::string soname = fs::path(path).filename().string();
    // Sanitizer runtimes (the ASan build) are not part of a release image.
    if (soname.starts_with("libasan") || soname.starts_with("libubsan") || soname.starts_with("liblsan") ||
        soname.starts_with("libtsan"))
      continue;
    std::vector<std::string> candidates{path, path.starts_with("/usr/") ? path.substr(4) : "/usr" + path};
    std::error_code ec;
    const auto real = fs::canonical(path, ec).string();
    if (!ec)
      candidates.insert(candidates.end(), {real, real.starts_with("/usr/") ? real.substr(4) : "/usr" + real});
    for (const auto& c : candidates) query += " '" + c + "'";
    libs.emplace_back(soname, std::move(candidates));
  }
  ASSERT_FALSE(libs.empty()) << ldd;
  std::map<std::string, std::string> owner;  // path -> package
  std::istringstream answers(runCommand(query + " 2>/dev/null"));
  while (std::getline(answers, line)) {
    const auto sep = line.find(": /");
    if (sep == std::string::npos || line.starts_with("diversion")) continue;
    owner[line.substr(sep + 2)] = line.substr(0, line.find_first_of(":,"));
  }
  for (const auto& [soname, candidates] : libs) {
    std::string pkg;
    for (const auto& c : candidates)
      if (pkg.empty() && owner.count(c)) pkg = owner[c];
    EXPECT_FALSE(pkg.empty()) << "no Debian package owns " << candidates.front();
    if (pkg.empty() || pkg == "libc6") continue;  // libc6 is in every Debian image
    EXPECT_TRUE(runtimePkgs.count(pkg)) << "portico links " << soname << " (" << pkg << "): add " << pkg
                                        << " to the runtime stage of deploy/Dockerfile";
  }
}

}  // namespace
}  // namespace portico::kube
