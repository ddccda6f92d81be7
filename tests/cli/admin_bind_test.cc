// `portico run --admin-address`: a non-loopback address is refused unless
// --admin-allow-remote says so (docs/dashboard.md, "Binding the admin
// address elsewhere"), since the admin server has no authentication.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <vector>

#include "cli/cli_fixture.h"
#include "cli/commands.h"

namespace portico::cli {
namespace {

struct RunResult {
  int code = 0;
  std::string err;
};

class AdminBind : public testing::ScratchDir {
 protected:
  // `portico run` on a config without Gateways (no data-plane port is
  // bound), access log off, no watcher.
  RunResult run(std::vector<const char*> extra) {
    const std::string config = write("empty.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n");
    std::vector<const char*> args = {"portico",      "run", "-c",        config.c_str(),
                                     "--access-log", "off", "--no-watch"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::ostringstream out, err;
    RunResult r;
    r.code = runCli(static_cast<int>(args.size()), args.data(), out, err);
    r.err = err.str();
    return r;
  }
};

TEST_F(AdminBind, NonLoopbackAddressIsRefusedWithoutTheFlag) {
  for (const char* address : {"0.0.0.0:9901", "[::]:9901", "192.0.2.1:9901", "gateway.example:9901"}) {
    const RunResult r = run({"--admin-address", address});
    EXPECT_EQ(r.code, 2) << address;
    EXPECT_NE(r.err.find("not a loopback address"), std::string::npos) << address << ": " << r.err;
    EXPECT_NE(r.err.find("--admin-allow-remote"), std::string::npos) << r.err;
    // Refused before anything started.
    EXPECT_EQ(r.err.find("admin server on"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("config generation"), std::string::npos) << r.err;
  }
}

TEST_F(AdminBind, TheFlagLetsTheAddressThrough) {
  // 192.0.2.1 (TEST-NET-1) is not an address of this machine: the bind
  // itself fails, after the check, so the test never listens off loopback.
  const RunResult r = run({"--admin-address", "192.0.2.1:0", "--admin-allow-remote"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err.find("not a loopback address"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("config generation 1"), std::string::npos) << "the run started: " << r.err;
}

TEST_F(AdminBind, LoopbackNeedsNoFlag) {
  // The port is taken, so the run stops at the bind, after the check.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), len), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  const std::string address = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
  const RunResult r = run({"--admin-address", address.c_str()});
  ::close(fd);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err.find("not a loopback address"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("config generation 1"), std::string::npos) << "the run started: " << r.err;
}

}  // namespace
}  // namespace portico::cli
