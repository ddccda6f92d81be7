// The access-log ring behind /access-log (and the bundle's access-log.txt):
// bounded, newest lines kept, safe under concurrent writers; a request
// through a live controller reads back from the admin endpoint.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "admin/client.h"
#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"
#include "run/access_log_ring.h"
#include "run/controller.h"

namespace portico::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::vector<std::string> lines(const std::vector<run::AccessLogRing::Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.line);
  return out;
}

TEST(AccessLogRing, KeepsTheNewestLinesOldestFirst) {
  run::AccessLogRing ring(3);
  EXPECT_TRUE(ring.last(10).empty());
  ring.push("a");
  ring.push("b");
  EXPECT_EQ(lines(ring.last(10)), (std::vector<std::string>{"a", "b"}));
  ring.push("c");
  ring.push("d");
  ring.push("e");
  EXPECT_EQ(lines(ring.last(10)), (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_EQ(lines(ring.last(2)), (std::vector<std::string>{"d", "e"}));
  EXPECT_TRUE(ring.last(0).empty());
  EXPECT_EQ(ring.pushed(), 5u);
}

TEST(AccessLogRing, TextStampsEachLineWithItsUtcTime) {
  run::AccessLogRing ring(2);
  // 2026-01-31T10:42:07.123Z
  ring.push(R"({"status":200})", std::chrono::system_clock::time_point(1769856127123ms));
  EXPECT_EQ(ring.text(5), "2026-01-31T10:42:07.123Z {\"status\":200}\n");
}

TEST(AccessLogRing, CutsOverlongLines) {
  run::AccessLogRing ring(1);
  ring.push(std::string(run::kAccessLogRingMaxLine * 4, 'x'));
  const auto got = ring.last(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].line.size(), run::kAccessLogRingMaxLine + std::string(" [truncated]").size());
  EXPECT_TRUE(got[0].line.ends_with(" [truncated]"));
}

TEST(AccessLogRing, ConcurrentWritersLoseNoLineAndTearNone) {
  constexpr int kThreads = 4, kEach = 2000;
  run::AccessLogRing ring(kThreads * kEach);
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&ring, t] {
      for (int i = 0; i < kEach; ++i) ring.push("worker-" + std::to_string(t) + "-" + std::to_string(i));
    });
  }
  // A reader at the same time (the admin server) sees whole lines only.
  for (int i = 0; i < 50; ++i) {
    for (const auto& e : ring.last(100)) ASSERT_TRUE(e.line.starts_with("worker-")) << e.line;
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ring.pushed(), static_cast<uint64_t>(kThreads * kEach));
  const auto all = lines(ring.last(kThreads * kEach));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), static_cast<size_t>(kThreads * kEach));
}

TEST(AccessLogRing, TeeKeepsTheLineAndPassesItOn) {
  auto ring = std::make_shared<run::AccessLogRing>(4);
  std::vector<std::string> passed;
  auto sink = run::teeToRing(ring, [&passed](const std::string& l) { passed.push_back(l); });
  sink("one");
  EXPECT_EQ(passed, std::vector<std::string>{"one"});
  EXPECT_EQ(lines(ring->last(4)), std::vector<std::string>{"one"});
  run::teeToRing(ring, nullptr)("two");  // --access-log to the ring only
  EXPECT_EQ(lines(ring->last(4)), (std::vector<std::string>{"one", "two"}));
}

// A live controller whose access log feeds a ring, as runForeground wires it.
class AccessLogEndpoint : public ::testing::Test {
 protected:
  void start(bool withRing) {
    backend = std::make_unique<Backend>("echo");
    ASSERT_GT(backend->port, 0);
    dir = fs::temp_directory_path() / ("portico-accesslog-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    port = freePort();
    std::ofstream(dir / "gw.yaml") << gatewayYaml(port) + serviceYaml("echo", backend->port) + "---\n" +
                                          "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                                          "metadata: {name: web}\nspec:\n  parentRefs: [{name: gw}]\n"
                                          "  rules:\n  - backendRefs: [{name: echo, port: 80}]\n";
    run::RunOptions o;
    o.paths = {dir.string()};
    o.server.workers = 2;
    o.server.listenAddress = "127.0.0.1";
    o.adminPort = 0;
    o.watch = false;
    o.drainTimeout = 1000ms;
    if (withRing) {
      o.accessLogRing = std::make_shared<run::AccessLogRing>(run::kAccessLogRingLines);
      o.server.accessLog = run::teeToRing(o.accessLogRing, nullptr);
    }
    controller = std::make_unique<run::Controller>(o, log);
    std::string error;
    ASSERT_TRUE(controller->start(error)) << error;
    admin = "http://127.0.0.1:" + std::to_string(controller->adminPort());
  }
  void TearDown() override {
    controller.reset();
    fs::remove_all(dir);
  }

  int get(const std::string& path) {
    auto r = echotest::roundTrip(port, "GET " + path + " HTTP/1.1\r\nHost: a.example.com\r\n\r\n");
    return r ? r->status : -1;
  }

  std::unique_ptr<Backend> backend;
  fs::path dir;
  int port = 0;
  std::ostringstream log;
  std::unique_ptr<run::Controller> controller;
  std::string admin;
};

// The line is written when the response is complete, which may be just
// after the client read it: poll, bounded.
bool eventually(const std::function<bool()>& ok, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return ok();
}

TEST_F(AccessLogEndpoint, ARequestReadsBackFromAccessLog) {
  start(true);
  ASSERT_EQ(get("/first"), 200);
  ASSERT_EQ(get("/second-probe"), 200);
  std::string text;
  ASSERT_TRUE(eventually([&] {
    const auto r = admin::fetch(admin, "/access-log", 1s);
    text = r.body;
    return r.status == 200 && text.find("/second-probe") != std::string::npos;
  })) << text;
  const size_t first = text.find("\"path\":\"/first\"");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_LT(first, text.find("/second-probe")) << "oldest first";
  EXPECT_NE(text.find("\"status\":200"), std::string::npos) << text;
  EXPECT_NE(text.find("\"upstream\":\"127.0.0.1:" + std::to_string(backend->port) + "\""), std::string::npos)
      << text;
  // Each line: "<UTC time> <the line as written to stdout>".
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    ASSERT_GT(line.size(), 25u) << line;
    EXPECT_EQ(line[4], '-') << line;
    EXPECT_EQ(line.substr(23, 3), "Z {") << line;
  }

  const auto one = admin::fetch(admin, "/access-log?limit=1", 1s);
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(std::count(one.body.begin(), one.body.end(), '\n'), 1) << one.body;
  EXPECT_NE(one.body.find("/second-probe"), std::string::npos) << one.body;
  EXPECT_EQ(admin::fetch(admin, "/access-log?limit=x", 1s).status, 400);
}

TEST_F(AccessLogEndpoint, NoRingWhenTheAccessLogIsOff) {
  start(false);
  ASSERT_EQ(get("/x"), 200);
  const auto r = admin::fetch(admin, "/access-log", 1s);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("--access-log off"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace portico::testing
