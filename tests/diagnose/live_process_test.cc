// The real binary: `portico run` as a child process, an edit applied by
// SIGHUP (no file watcher), then `portico changes` and `portico diagnose
// --admin` as child processes too, so flags, exit status and signal
// handling are those users get.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "admin/client.h"
#include "diagnose/live_fixture.h"
#include "support/child_process.h"

namespace portico::testing::live {
namespace {

using Child = portico::testing::ChildProcess;

// Runs the binary to completion; its stdout and exit status.
std::pair<int, std::string> runToEnd(const std::vector<std::string>& args, const std::string& outFile) {
  Child c(args, outFile);
  int status = 0;
  const bool exited = eventually([&] { return ::waitpid(c.pid, &status, WNOHANG) == c.pid; }, 30s);
  if (exited) c.pid = -1;
  std::ifstream in(outFile);
  std::stringstream ss;
  ss << in.rdbuf();
  return {exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1, ss.str()};
}

TEST(LiveProcess, SighupReloadShowsInChangesAndDiagnose) {
  const fs::path dir = fs::temp_directory_path() / ("portico-live-proc-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const int httpPort = freePort();
  writeFile(dir / "00-gateway.yaml", gatewayYaml(httpPort) + deadServiceYaml(freePort()));
  writeFile(dir / "10-route.yaml", routeYaml("a.example.com", "dead"));
  // The admin server on an ephemeral port, read back from the log: a port
  // picked in advance can be taken by a parallel test before portico binds
  // it (seen once under ctest -j2).
  Child run({PORTICO_BIN, "run", "-c", dir.string(), "--no-watch", "--workers", "1", "--listen-address",
             "127.0.0.1", "--admin-address", "127.0.0.1:0", "--access-log", "off"},
            (dir / "run.log").string());
  ASSERT_GT(run.pid, 0);
  std::string admin;
  ASSERT_TRUE(eventually([&] {
    std::ifstream in(dir / "run.log");
    for (std::string line; std::getline(in, line);) {
      const auto at = line.find("admin server on 127.0.0.1:");
      if (at != std::string::npos)
        admin = "http://" + line.substr(at + std::string("admin server on ").size());
    }
    return !admin.empty();
  })) << "no admin address in the log";
  ASSERT_TRUE(eventually([&] { return admin::fetch(admin, "/ready", 1s).status == 200; }))
      << "portico run did not become ready";

  // An invalid edit, applied by SIGHUP: rejected, the old route keeps serving.
  writeFile(dir / "10-route.yaml", routeYaml("a.example.com", "dead", "no-leading-slash"));
  ASSERT_EQ(::kill(run.pid, SIGHUP), 0);
  nlohmann::json changes;
  ASSERT_TRUE(eventually([&] {
    const auto r = admin::fetch(admin, "/changes", 1s);
    changes = nlohmann::json::parse(r.body, nullptr, false);
    return r.status == 200 && !changes.is_discarded() && changes["generations"].size() >= 2;
  }));
  const auto& g = changes["generations"][0];
  EXPECT_EQ(g["trigger"], "SIGHUP");
  EXPECT_GE(g["rejected"].get<int>(), 1);
  EXPECT_EQ(g["carried"], 1);
  EXPECT_TRUE(g["changes"].empty()) << "the served objects did not change: " << g.dump(2);

  const auto [changesExit, changesText] =
      runToEnd({PORTICO_BIN, "changes", "--admin", admin, "--width", "80"}, (dir / "changes.out").string());
  EXPECT_EQ(changesExit, 0);
  EXPECT_NE(changesText.find("SIGHUP"), std::string::npos) << changesText;
  EXPECT_NE(changesText.find("1 kept at their last good version)"), std::string::npos) << changesText;

  const auto [diagExit, diagText] =
      runToEnd({PORTICO_BIN, "diagnose", "--admin", admin}, (dir / "diagnose.out").string());
  EXPECT_EQ(diagExit, 1) << diagText;
  EXPECT_NE(diagText.find("PD-LIVE-CONFIG-REJECTED"), std::string::npos) << diagText;
  EXPECT_NE(diagText.find("(SIGHUP,"), std::string::npos) << diagText;

  EXPECT_EQ(run.stop(), 0) << "SIGTERM drains and exits 0";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace portico::testing::live
