// Connection deadlines while a request is served: the head's slowloris
// deadline must not cut a slow response short, and a stream with nothing
// moving is closed after the stream idle timeout.
#include <thread>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;

// Reads a head, waits for the test's release (bounded), then answers.
RawUpstream::Handler heldResponder() {
  return [](int fd, RawUpstream& self) {
    std::string rest;
    std::string head = self.readHead(fd, rest);
    if (head.empty()) return;
    self.noteRequest(head);
    if (!self.waitReleased(20s)) return;
    RawUpstream::writeAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow");
  };
}

class StreamTimeouts : public ProxyTest {
 protected:
  void SetUp() override { port = freePort(); }
  int port = 0;
};

TEST_F(StreamTimeouts, SlowResponseOutlivesTheHeaderTimeout) {
  RawUpstream up(heldResponder());
  dataplane::ServerOptions o;
  o.headerTimeout = 200ms;
  auto binds = serve(gatewayYaml(port) + multiPortServiceYaml("slow", {up.port()}) +
                         routeYaml("r", "[slow.example.com]", "  - backendRefs: [{name: slow, port: 80}]\n"),
                     o);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  Client c(port);
  ASSERT_TRUE(c.send(get("slow.example.com", "/")));
  ASSERT_TRUE(up.waitRequests(1));
  // The backend takes several header timeouts to answer: elapsed time is
  // what this test is about, not a synchronisation.
  std::this_thread::sleep_for(o.headerTimeout * 4);
  up.release();
  auto r = c.read();
  ASSERT_TRUE(r) << "the connection was closed while the backend was still working";
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slow");
}

TEST_F(StreamTimeouts, SilentStreamIsClosedAfterTheStreamIdleTimeout) {
  RawUpstream up(heldResponder());  // never released: the backend stays silent
  dataplane::ServerOptions o;
  o.streamIdleTimeout = 300ms;
  auto binds = serve(gatewayYaml(port) + multiPortServiceYaml("silent", {up.port()}) +
                         routeYaml("r", "[silent.example.com]", "  - backendRefs: [{name: silent, port: 80}]\n"),
                     o);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;
  Client c(port, 10s);
  const auto start = Clock::now();
  ASSERT_TRUE(c.send(get("silent.example.com", "/")));
  ASSERT_TRUE(up.waitRequests(1));
  auto r = c.read();
  EXPECT_FALSE(r) << "a silent stream must be closed";
  EXPECT_LT(Clock::now() - start, 5s) << "closed by the stream idle timeout, not the client's own timeout";
  up.release();
}

}  // namespace
}  // namespace portico::testing
