#include "admin/admin_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

#include "http1/parser.h"

namespace portico::admin {
namespace {

// A blocking loopback client with a receive timeout, so a server bug fails
// the test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send(std::string_view data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL), ssize_t(data.size()));
  }

  struct Reply {
    int status = 0;
    std::string head, body;
  };
  // Reads one response (Content-Length framed, as the admin server sends);
  // status 0 when the connection ended or timed out first.
  Reply read(std::string_view method = "GET") {
    Reply r;
    for (;;) {
      http1::ResponseHead head;
      size_t consumed = 0;
      http1::Error err;
      if (http1::parseResponseHead(buf_, method, head, consumed, err) == http1::Result::Done) {
        const size_t len = head.framing == http1::BodyFraming::ContentLength ? head.contentLength : 0;
        if (buf_.size() >= consumed + len) {
          r.status = head.status;
          r.head = buf_.substr(0, consumed);
          r.body = buf_.substr(consumed, len);
          buf_.erase(0, consumed + len);
          return r;
        }
      }
      if (!fill()) return r;
    }
  }
  // True when the server closed the connection (EOF) within the timeout.
  bool closedByPeer() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  bool fill() {
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, size_t(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = AdminServer::start("127.0.0.1", 0, error);
    ASSERT_TRUE(server_) << error;
    ASSERT_NE(server_->port(), 0);
    server_->handle("/hello", [this](std::string_view path, std::string_view query) {
      calls_.fetch_add(1);
      return Response{200, "text/plain", std::string(path) + "?" + std::string(query)};
    });
  }
  std::unique_ptr<AdminServer> server_;
  std::atomic<int> calls_{0};
};

TEST_F(AdminServerTest, ServesRegisteredHandler) {
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  c.send("GET /hello?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "/hello?x=1");
  EXPECT_NE(r.head.find("Content-Type: text/plain\r\n"), std::string::npos);
}

TEST_F(AdminServerTest, HeadHasNoBodyButItsLength) {
  Client c(server_->port());
  c.send("HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = c.read("HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("Content-Length: 7\r\n"), std::string::npos);
  EXPECT_EQ(c.read().body, "/hello?");  // the next response starts right after the head
}

TEST_F(AdminServerTest, UnknownPathIs404) {
  Client c(server_->port());
  c.send("GET /nope HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(c.read().status, 404);
}

TEST_F(AdminServerTest, PostIs405AndCloses) {
  Client c(server_->port());
  c.send("POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
  auto r = c.read();
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.head.find("Allow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_TRUE(c.closedByPeer());  // the unread body rules out keep-alive
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(AdminServerTest, KeepAliveServesRequestsInTurn) {
  Client c(server_->port());
  c.send("GET /hello?n=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(c.read().body, "/hello?n=1");
  c.send("GET /hello?n=2 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(c.read().body, "/hello?n=2");
  c.send("GET /hello?n=3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  auto last = c.read();
  EXPECT_EQ(last.body, "/hello?n=3");
  EXPECT_NE(last.head.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(AdminServerTest, MalformedRequestIs400AndCloses) {
  Client c(server_->port());
  c.send("GET /hello HTTP/1.1\nHost: a\n\n");  // bare LF
  EXPECT_EQ(c.read().status, 400);
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(AdminServerTest, HandlersCanBeReplacedAndThrowingOnesGive500) {
  server_->handle("/boom",
                  [](std::string_view, std::string_view) -> Response { throw std::runtime_error("x"); });
  server_->handle("/hello", [](std::string_view, std::string_view) {
    return Response{201, "text/plain", "new"};
  });
  Client c(server_->port());
  c.send("GET /boom HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(c.read().status, 500);
  auto r = c.read();
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "new");
}

TEST_F(AdminServerTest, StopIsPromptAndClosesIdleConnections) {
  Client idle(server_->port());
  Client partial(server_->port());
  ASSERT_TRUE(idle.connected());
  partial.send("GET /hello HTTP/1.1\r\n");  // a head that never completes
  // Make sure both connections were accepted before stopping.
  Client probe(server_->port());
  probe.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(probe.read().status, 200);

  const auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  EXPECT_TRUE(idle.closedByPeer());
  EXPECT_TRUE(partial.closedByPeer());
  server_->stop();  // idempotent
  Client after(server_->port());
  EXPECT_FALSE(after.connected());
}

TEST(AdminServerStart, ReportsBindErrors) {
  std::string error;
  auto first = AdminServer::start("127.0.0.1", 0, error);
  ASSERT_TRUE(first) << error;
  auto second = AdminServer::start("127.0.0.1", first->port(), error);
  EXPECT_FALSE(second);
  EXPECT_NE(error.find("Address already in use"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(AdminServer::start("not-an-ip", 0, error));
  EXPECT_NE(error.find("not-an-ip"), std::string::npos) << error;
}

}  // namespace
}  // namespace portico::admin
