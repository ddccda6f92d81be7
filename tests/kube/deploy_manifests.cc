// Helpers for the tests of deploy/ against the code (see
// deploy_manifests.h).
#include "kube/deploy_manifests.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <sstream>

#include "support/test_support.h"

namespace portico::kube::deploy {

namespace {

namespace fs = std::filesystem;

bool isBoolean(const std::string& s) {
  static const std::set<std::string> words{"true", "false", "1", "0", "yes", "no", "on", "off"};
  return words.count(s) > 0;
}

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

}  // namespace

// ---------------------------------------------------------------- helpers

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

std::string runCommand(const std::string& cmd, int* status) {
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

bool isTrue(const std::string& s) { return s.empty() || s == "true" || s == "1" || s == "yes" || s == "on"; }

// ------------------------------------------------- `portico run --help`

const std::map<std::string, FlagSpec>& runFlags() {
  static const std::map<std::string, FlagSpec> flags = [] {
    int status = 0;
    const std::string help = runCommand(std::string(PORTICO_BIN) + " run --help 2>&1", &status);
    EXPECT_EQ(status, 0) << help;
    return parseHelp(help);
  }();
  return flags;
}

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

std::optional<int> containerPort(const YAML::Node& container, const YAML::Node& ref, std::string* protocol) {
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

}  // namespace portico::kube::deploy
