// Access-log lines: the JSON and text formats (--access-log json|text),
// field escaping, and the line a served request produces.
#include "dataplane/access_log.h"

#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;
using dataplane::AccessLogFormat;

dataplane::RequestRecord record() {
  dataplane::RequestRecord r;
  r.method = "GET";
  r.host = "app.example.com";
  r.path = "/api/items";
  r.route = "default/web";
  r.upstream = "127.0.0.1:8080";
  r.requestId = "abc123";
  r.status = 200;
  r.bytesOut = 345;
  return r;
}

// 2024-05-06T07:08:09.123Z
const auto kNow = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714979289123));

TEST(AccessLogFormat, Text) {
  EXPECT_EQ(dataplane::formatAccessLog(AccessLogFormat::Text, record(), "10.1.2.3", 12.3456, kNow),
            "10.1.2.3 [2024-05-06T07:08:09.123Z] \"GET /api/items\" 200 345 12.346ms host=app.example.com "
            "route=default/web upstream=127.0.0.1:8080 request_id=abc123");
}

TEST(AccessLogFormat, TextMarksEmptyFieldsAndEscapesClientValues) {
  auto r = record();
  r.route.clear();
  r.upstream.clear();
  r.requestId = "a b\"c\n\\";  // X-Request-Id is the client's
  EXPECT_EQ(dataplane::formatAccessLog(AccessLogFormat::Text, r, "10.1.2.3", 1, kNow),
            "10.1.2.3 [2024-05-06T07:08:09.123Z] \"GET /api/items\" 200 345 1.000ms host=app.example.com "
            "route=- upstream=- request_id=a\\x20b\\x22c\\x0A\\x5C");
}

TEST(AccessLogFormat, JsonEscapesStrings) {
  auto r = record();
  r.requestId = "x\"}{\n";
  auto line = dataplane::formatAccessLog(AccessLogFormat::Json, r, "10.1.2.3", 2.5, kNow);
  auto j = nlohmann::json::parse(line);  // throws on a broken line
  EXPECT_EQ(j["request_id"], "x\"}{\n");
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["host"], "app.example.com");
  EXPECT_EQ(j["path"], "/api/items");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["bytes"], 345);
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 2.5);
  EXPECT_EQ(j["route"], "default/web");
  EXPECT_EQ(j["upstream"], "127.0.0.1:8080");
  EXPECT_EQ(j["client"], "10.1.2.3");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

class AccessLogProxy : public ProxyTest {
 protected:
  std::vector<std::string> lines() {
    std::lock_guard l(mu);
    return logged;
  }
  dataplane::ServerOptions options(AccessLogFormat f) {
    dataplane::ServerOptions o;
    o.accessLogFormat = f;
    o.accessLog = [this](const std::string& line) {
      std::lock_guard l(mu);
      logged.push_back(line);
    };
    return o;
  }
  std::mutex mu;
  std::vector<std::string> logged;
};

TEST_F(AccessLogProxy, TextLinePerRequest) {
  Backend echo("echo-log");
  ASSERT_GT(echo.port, 0);
  const int port = freePort();
  auto binds =
      serve(gatewayYaml(port) + serviceYaml("echo-log", echo.port) +
                routeYaml("web", "[log.example.com]", "  - backendRefs: [{name: echo-log, port: 80}]\n"),
            options(AccessLogFormat::Text));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  auto ok = echotest::roundTrip(port, get("log.example.com", "/api/x?q=1", "X-Request-Id: rid-1\r\n"));
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200);
  auto missing = echotest::roundTrip(port, get("nowhere.example.com", "/y"));
  ASSERT_TRUE(missing);
  ASSERT_EQ(missing->status, 404);
  // Logged after the response is written: wait (bounded) for both lines.
  ASSERT_TRUE(eventually([&] { return lines().size() >= 2; }));
  auto l = lines();
  const std::regex served(
      R"(^127\.0\.0\.1 \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] "GET /api/x" 200 (\d+) \d+\.\d{3}ms )"
      R"(host=log\.example\.com route=default/web upstream=127\.0\.0\.1:(\d+) request_id=rid-1$)");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(l[0], m, served)) << l[0];
  EXPECT_GT(std::stoul(m[1]), ok->body.size()) << "bytes count the head too";
  EXPECT_EQ(std::stoi(m[2]), echo.port);
  const std::regex local(
      R"(^127\.0\.0\.1 \[[^\]]+\] "GET /y" 404 \d+ \d+\.\d{3}ms host=nowhere\.example\.com )"
      R"(route=- upstream=- request_id=-$)");
  EXPECT_TRUE(std::regex_match(l[1], local)) << l[1];
}

TEST_F(AccessLogProxy, JsonStaysTheDefault) {
  EXPECT_EQ(dataplane::ServerOptions{}.accessLogFormat, AccessLogFormat::Json);
  const int port = freePort();
  auto binds = serve(gatewayYaml(port), options(AccessLogFormat::Json));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  ASSERT_EQ(echotest::roundTrip(port, get("a.example.com", "/z"))->status, 404);
  ASSERT_TRUE(eventually([&] { return !lines().empty(); }));
  auto j = nlohmann::json::parse(lines()[0]);
  EXPECT_EQ(j["status"], 404);
  EXPECT_EQ(j["path"], "/z");
}

}  // namespace
}  // namespace portico::testing
