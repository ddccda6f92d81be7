// Downstream HTTP/2 under abuse and load: a client that never reads (flow
// control must stop Portico reading the backend, so memory stays bounded),
// a CONTINUATION flood (CVE-2024-27316 family: the connection ends, the
// process keeps serving), and h2load multiplexing many streams over few
// connections (Debian nghttp2-client; skipped with a message without it).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <regex>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;

// RFC 9113 §4.1 frame header + payload.
std::string frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  std::string f;
  const size_t n = payload.size();
  f += static_cast<char>((n >> 16) & 0xff);
  f += static_cast<char>((n >> 8) & 0xff);
  f += static_cast<char>(n & 0xff);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  f += static_cast<char>((stream >> 24) & 0x7f);
  f += static_cast<char>((stream >> 16) & 0xff);
  f += static_cast<char>((stream >> 8) & 0xff);
  f += static_cast<char>(stream & 0xff);
  return f + payload;
}

constexpr uint8_t kData = 0, kHeaders = 1, kSettings = 4, kContinuation = 9;
constexpr uint8_t kEndStream = 0x1, kEndHeaders = 0x4;

// HPACK literal header field without indexing, new name (RFC 7541 §6.2.2);
// names and values shorter than 127 bytes.
std::string literal(const std::string& name, const std::string& value) {
  std::string b;
  b += '\x00';
  b += static_cast<char>(name.size());
  b += name;
  b += static_cast<char>(value.size());
  b += value;
  return b;
}

std::string requestBlock(const std::string& authority, const std::string& path) {
  return literal(":method", "GET") + literal(":scheme", "http") + literal(":authority", authority) +
         literal(":path", path);
}

const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Reads until the server closes the connection (true) or `timeout` passes.
bool waitClosed(Client& c, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    if (c.readSome(buf, sizeof buf) <= 0) return true;
  }
  return false;
}

class H2Limits : public ProxyTest {};

TEST_F(H2Limits, ClientThatNeverReadsHoldsTheBackendBack) {
  // The backend answers with 64 MiB; the client asks and then never reads
  // nor opens its window (65,535 bytes by default). Portico may only read
  // what it can pass on, so the backend's writes stall far short of the
  // whole body (kernel socket buffers on both sides hold a few MiB).
  constexpr size_t kTotal = 64u << 20;
  std::atomic<size_t> written{0};
  std::atomic<bool> finished{false};
  RawUpstream up([&](int fd, RawUpstream& self) {
    std::string rest;
    if (self.readHead(fd, rest).empty()) return;
    timeval tv{10, 0};  // a stalled send gives up eventually
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (!RawUpstream::writeAll(fd,
                               "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kTotal) + "\r\n\r\n"))
      return;
    const std::string chunk(64 * 1024, 'x');
    while (written < kTotal) {
      if (!RawUpstream::writeAll(fd, chunk)) return;
      written += chunk.size();
    }
    finished = true;
  });
  const int port = freePort();
  auto binds = serve(gatewayYaml(port) + serviceYaml("big", up.port()) +
                     routeYaml("big", "", "  - backendRefs: [{name: big, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;

  Client c(port);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(kPreface + frame(kSettings, 0, 0, "") +
                     frame(kHeaders, kEndHeaders | kEndStream, 1, requestBlock("big.example", "/"))));
  ASSERT_TRUE(eventually([&] { return written.load() > 0; }));
  // Bounded negative wait: the body must not get through in full.
  EXPECT_FALSE(eventually([&] { return finished.load(); }, 3s));
  EXPECT_LT(written.load(), kTotal / 2) << "Portico read " << written.load() << " bytes ahead of the client";
}

TEST_F(H2Limits, ContinuationFloodEndsTheConnectionNotTheProcess) {
  auto echo = std::make_unique<Backend>("echo-flood");
  ASSERT_GT(echo->port, 0);
  const int port = freePort();
  auto binds = serve(gatewayYaml(port) + serviceYaml("echo-flood", echo->port) +
                     routeYaml("flood", "", "  - backendRefs: [{name: echo-flood, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;

  Client c(port);
  ASSERT_TRUE(c.ok());
  // A header block that never ends: HEADERS without END_HEADERS, then
  // CONTINUATION frames, each a small valid header field.
  std::string flood = kPreface + frame(kSettings, 0, 0, "") + frame(kHeaders, 0, 1, requestBlock("a", "/"));
  for (int i = 0; i < 2000; ++i) flood += frame(kContinuation, 0, 1, literal("x-f", std::to_string(i)));
  c.send(flood);  // the server may close before taking it all
  EXPECT_TRUE(waitClosed(c, 5s));

  // The process keeps serving other clients.
  Client other(port);
  ASSERT_TRUE(other.send(get("a.example", "/ok")));
  auto r = other.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(H2Limits, DataOnAnUnknownStreamEndsTheConnection) {
  auto echo = std::make_unique<Backend>("echo-proto");
  const int port = freePort();
  auto binds = serve(gatewayYaml(port) + serviceYaml("echo-proto", echo->port) +
                     routeYaml("p", "", "  - backendRefs: [{name: echo-proto, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  Client c(port);
  ASSERT_TRUE(c.ok());
  c.send(kPreface + frame(kSettings, 0, 0, "") + frame(kData, kEndStream, 7, "oops"));
  EXPECT_TRUE(waitClosed(c, 5s));  // RFC 9113 §6.1: PROTOCOL_ERROR on an idle stream
}

// h2load's summary line "requests: N total, N started, N done, N succeeded, N failed, ...".
struct H2loadResult {
  int exitCode = -1;
  long succeeded = -1, failed = -1, errored = -1;
  std::string output;
};

H2loadResult runH2load(const std::vector<std::string>& args) {
  std::string cmd = "h2load";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  H2loadResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::smatch m;
  if (std::regex_search(
          r.output, m,
          std::regex(
              R"(requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored)"))) {
    r.succeeded = std::stol(m[1]);
    r.failed = std::stol(m[2]);
    r.errored = std::stol(m[3]);
  }
  return r;
}

bool haveH2load() { return std::system("command -v h2load >/dev/null 2>&1") == 0; }

TEST_F(H2Limits, H2loadMultiplexesManyStreamsOverFewConnections) {
  if (!haveH2load()) GTEST_SKIP() << "h2load not installed (Debian nghttp2-client; make deps installs it)";
  auto echo = std::make_unique<Backend>("echo-h2load");
  ASSERT_GT(echo->port, 0);
  const int port = freePort();
  auto binds = serve(gatewayYaml(port) + serviceYaml("echo-h2load", echo->port) +
                     routeYaml("load", "", "  - backendRefs: [{name: echo-h2load, port: 80}]\n"));
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  // 4 connections x 50 concurrent streams; h2c with prior knowledge.
  auto r = runH2load(
      {"-n", "4000", "-c", "4", "-m", "50", "-T", "20", "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.succeeded, 4000) << r.output;
  EXPECT_EQ(r.failed, 0) << r.output;
  EXPECT_EQ(r.errored, 0) << r.output;
  EXPECT_NE(r.output.find("4000 2xx"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace portico::testing
