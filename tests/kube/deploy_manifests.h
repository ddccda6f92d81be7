// Helpers for the tests of deploy/ against the code (deploy_*_test.cc):
// loading the manifests, reading `portico run --help` and checking the
// Deployment's args against it, the Deployment's pod and container, and
// RBAC rules expanded for comparison with kube::requiredAccess().
//
// The tests: every manifest is parsed, the RBAC granted is
// exactly kube::requiredAccess() (nothing missing, nothing extra), the
// bindings name the Deployment's ServiceAccount, the Deployment's args are
// flags `portico run --help` accepts, its probes hit /ready on the admin
// port, the Service targets declared ports, the security context is
// restricted, the GatewayClass is Portico's, and deploy/Dockerfile runs
// `portico` as non-root with the runtime libraries the binary links.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::kube::deploy {

// ---------------------------------------------------------------- helpers

struct Doc {
  std::string file;  // relative to deploy/
  YAML::Node node;
};

// The repository's deploy/ directory.
std::string deployDir();
// Every document of deploy/*.yaml, files in name order; a file that does
// not parse fails the current test.
std::vector<Doc> loadManifests();

std::string str(const YAML::Node& n);
std::string kindOf(const Doc& d);
std::string nameOf(const Doc& d);
std::string nsOf(const Doc& d);

std::vector<const Doc*> ofKind(const std::vector<Doc>& docs, std::string_view kind);
const Doc* find(const std::vector<Doc>& docs, std::string_view kind, std::string_view ns,
                std::string_view name);

std::vector<std::string> strings(const YAML::Node& seq);

// Runs `cmd` with popen; its standard output, and its exit status in `status`.
std::string runCommand(const std::string& cmd, int* status = nullptr);

bool isInteger(std::string_view s, bool allowNegative);
bool isTrue(const std::string& s);

// ------------------------------------------------- `portico run --help`

struct FlagSpec {
  std::string id;                    // the first name listed, e.g. "--config" for "-c,--config"
  std::string type;                  // "TEXT", "INT", "UINT", ...; empty for a flag without value
  std::vector<std::string> allowed;  // TEXT:{a,b,c}
  bool multi = false;                // "..." : several values may follow
  bool required = false;
  std::vector<std::string> excludes, needs;  // option names (long)
};

// `portico run --help`, parsed once.
const std::map<std::string, FlagSpec>& runFlags();

struct RunArgs {
  // Values given per flag id ("" for a flag without value). Flags --help
  // does not list are kept under their own name, so the other checks still
  // see them.
  std::map<std::string, std::vector<std::string>> given;
  std::vector<std::string> problems;  // what `portico run` would reject
};

// Checks `args` (after "run") against `portico run --help`.
RunArgs parseRunArgs(const std::vector<std::string>& args);

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

// The one Deployment of deploy/, with its args checked by parseRunArgs; a
// Deployment not as expected fails the current test.
Deployment loadDeployment(const std::vector<Doc>& docs);

// The first value given to flag `id` (long name), if any.
std::optional<std::string> flag(const Deployment& d, const std::string& id);

// The default of a flag as `portico run --help` prints it ("TEXT=default").
std::optional<std::string> helpDefault(const std::string& id);

// Container port number for a probe or Service target: a number or a port name.
std::optional<int> containerPort(const YAML::Node& container, const YAML::Node& ref,
                                 std::string* protocol = nullptr);

// A CPU quantity ("500m", "2") in millicores.
long millicores(const std::string& q);

// ---------------------------------------------------------------- RBAC

bool isWrite(const std::string& verb);

using Grants = std::map<std::pair<std::string, std::string>, std::set<std::string>>;

// What `have` grants beyond `want` ("extra") and what it lacks ("missing"),
// one line per (group, resource, verb); empty when they are equal.
std::string difference(const Grants& have, const Grants& want);

// The rules of one Role/ClusterRole, expanded to (group, resource) -> verbs.
Grants grantsOf(const Doc& role, const std::string& leaseName);

}  // namespace portico::kube::deploy
