// The access log in `portico bundle`: the real `portico run` keeps its last
// access-log lines (still writing them to stdout), serves them at
// /access-log, and the bundle holds them as access-log.txt. With the access
// log off the bundle says so and still succeeds.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "admin/client.h"
#include "diagnose/live_fixture.h"
#include "support/child_process.h"

namespace portico::testing::live {
namespace {

std::string shellOut(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `portico run` as a child, stdout and stderr to `logFile`; SIGTERM (then
// SIGKILL after a bounded wait) when it goes out of scope.
using RunProcess = portico::testing::ChildProcess;

TEST(AccessLogBundle, TheRealRunKeepsAccessLogLinesForTheBundle) {
  const fs::path dir = fs::temp_directory_path() / ("portico-accesslog-bundle-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const int httpPort = freePort();
  writeFile(dir / "00-gateway.yaml", gatewayYaml(httpPort) + deadServiceYaml(freePort()));
  writeFile(dir / "10-route.yaml", routeYaml("a.example.com", "dead"));
  RunProcess run({PORTICO_BIN, "run", "-c", dir.string(), "--no-watch", "--workers", "1", "--listen-address",
                  "127.0.0.1", "--admin-address", "127.0.0.1:0", "--access-log", "json"},
                 (dir / "run.log").string());
  ASSERT_GT(run.pid, 0);
  std::string admin;
  ASSERT_TRUE(eventually([&] {
    const std::string log = slurp(dir / "run.log");
    const auto at = log.find("admin server on 127.0.0.1:");
    if (at == std::string::npos) return false;
    const auto start = at + std::string("admin server on ").size();
    admin = "http://" + log.substr(start, log.find_first_of(" \n", start) - start);
    return true;
  })) << "no admin address in the log";
  ASSERT_TRUE(eventually([&] { return admin::fetch(admin, "/ready", 1s).status == 200; }))
      << "portico run did not become ready";

  // The backend refuses connections: a 503, which is what a bundle is for.
  const int status = httpStatus(httpPort, "a.example.com", "/bundle-probe-7");
  ASSERT_EQ(status / 100, 5) << status;
  ASSERT_TRUE(eventually([&] {
    return admin::fetch(admin, "/access-log", 1s).body.find("/bundle-probe-7") != std::string::npos;
  })) << admin::fetch(admin, "/access-log", 1s).body;

  const std::string file = (dir / "bundle.tar.gz").string();
  const CliOut r = cli({"bundle", "--admin", admin, "-o", file});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string accessLog = shellOut("tar xzOf '" + file + "' --wildcards '*/access-log.txt'");
  const size_t at = accessLog.find("\"path\":\"/bundle-probe-7\"");
  ASSERT_NE(at, std::string::npos) << accessLog;
  const std::string line = accessLog.substr(accessLog.rfind('\n', at) + 1);
  EXPECT_NE(line.find("\"host\":\"a.example.com\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"status\":" + std::to_string(status)), std::string::npos) << line;
  const std::string readme = shellOut("tar xzOf '" + file + "' --wildcards '*/README.txt'");
  EXPECT_NE(readme.find("access-log.txt"), std::string::npos) << readme;
  EXPECT_EQ(readme.find("Not available"), std::string::npos) << readme;

  EXPECT_EQ(run.stop(), 0);
  // stdout still has every line: the ring is a copy, not a diversion.
  EXPECT_NE(slurp(dir / "run.log").find("\"path\":\"/bundle-probe-7\""), std::string::npos);
  fs::remove_all(dir);
}

// The in-process controller of LiveTest has no access-log sink, like
// `portico run --access-log off`.
TEST_F(LiveTest, BundleSaysTheAccessLogIsOffAndSucceeds) {
  const std::string file = (dir / "bundle.tar.gz").string();
  const CliOut r = cli({"bundle", "--admin", admin, "-o", file});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(shellOut("tar tzf '" + file + "'").find("access-log.txt"), std::string::npos);
  const std::string readme = shellOut("tar xzOf '" + file + "' --wildcards '*/README.txt'");
  EXPECT_NE(readme.find("Not available from this server:\n  access-log.txt: the access log is off"),
            std::string::npos)
      << readme;
  EXPECT_EQ(readme.find("Not collected"), std::string::npos) << readme;
}

}  // namespace
}  // namespace portico::testing::live
