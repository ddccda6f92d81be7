// deploy/Dockerfile against the code: the image runs `portico` as
// non-root, builds with the packages scripts/install-deps.sh installs, and
// its runtime stage has the packages of the libraries the binary links.
// Helpers in deploy_manifests.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "kube/deploy_manifests.h"
#include "support/test_support.h"

namespace portico::kube::deploy {
namespace {

namespace fs = std::filesystem;

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
    // Nor are the layers of a PORTICO_SHARED_LIBS build (the ASan build):
    // the image builds them static, into the binary.
    if (path.starts_with(PORTICO_BINARY_DIR)) continue;
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
}  // namespace portico::kube::deploy
