// AdminServer on Asio: one io_context, one thread, one coroutine per
// connection plus a watchdog timer that closes connections whose client is
// too slow (the admin port must not be pinned by idle sockets).
#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "admin/admin_server.h"
#include "http1/parser.h"
#include "http1/serialize.h"

namespace portico::admin {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Time allowed for each request head (and for writing its response), and for
// a closing client to take the rest of its data: generous for humans with
// curl, short enough that forgotten connections go away.
constexpr std::chrono::seconds kRequestTimeout{30};
constexpr std::chrono::seconds kLingerTimeout{2};
// Admin clients are a scraper and the odd operator; beyond this, new
// connections are closed at once rather than letting them use up fds.
constexpr size_t kMaxConnections = 64;

struct Conn {
  explicit Conn(tcp::socket s) : sock(std::move(s)), deadline(sock.get_executor()) {}
  void close() {
    if (!open) return;
    open = false;
    boost::system::error_code ec;
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
    deadline.cancel();
  }
  tcp::socket sock;
  asio::steady_timer deadline;
  bool open = true;
};

bool bodiless(int status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

std::string render(const Response& res, bool head, bool keepAlive, int versionMinor, bool allowHeader) {
  std::string out;
  out.reserve(160 + res.body.size());
  http1::appendStatusLine(out, res.status);
  const bool noBody = bodiless(res.status);
  if (!noBody) {
    http1::appendHeader(out, "Content-Type", res.contentType);
    http1::appendHeader(out, "Content-Length", std::to_string(res.body.size()));
  }
  // Metrics and health answers are live values: no cache may replay them.
  http1::appendHeader(out, "Cache-Control", "no-store");
  for (const auto& [name, value] : res.headers) http1::appendHeader(out, name, value);
  if (allowHeader) http1::appendHeader(out, "Allow", "GET, HEAD");
  if (!keepAlive) {
    http1::appendHeader(out, "Connection", "close");
  } else if (versionMinor == 0) {
    http1::appendHeader(out, "Connection", "keep-alive");  // HTTP/1.0 closes unless told otherwise
  }
  out += "\r\n";
  if (!head && !noBody) out += res.body;
  return out;
}

Response textResponse(int status, std::string_view text) {
  return Response{status, "text/plain; charset=utf-8", fmt::format("{}\n", text)};
}

class AdminServerImpl final : public AdminServer {
 public:
  AdminServerImpl() : acceptor_(io_) {
    limits_.maxRequestLine = 8 * 1024;
    limits_.maxHeaderBytes = 16 * 1024;
    limits_.maxHeaders = 64;
  }
  ~AdminServerImpl() override { stop(); }

  bool open(const std::string& address, uint16_t port, std::string& error) {
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(address == "localhost" ? "127.0.0.1" : address, ec);
    if (ec) {
      error = fmt::format("invalid admin address '{}': expected an IP address", address);
      return false;
    }
    const tcp::endpoint ep(ip, port);
    // Each step runs only while the previous ones succeeded (ec stays set).
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) port_ = acceptor_.local_endpoint(ec).port();
    if (ec) {
      const std::string where = ip.is_v6() ? fmt::format("[{}]:{}", ip.to_string(), port)
                                           : fmt::format("{}:{}", ip.to_string(), port);
      error = fmt::format("cannot listen on {}: {}", where, ec.message());
      return false;
    }
    asio::co_spawn(io_, acceptLoop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
    return true;
  }

  void handle(std::string path, Handler h) override {
    std::lock_guard lock(handlersMu_);
    handlers_[std::move(path)] = std::move(h);
  }

  uint16_t port() const override { return port_; }

  void stop() override {
    std::lock_guard lock(stopMu_);
    if (!thread_.joinable()) return;
    // Close every socket so clients see the connection end now, then stop
    // the loop without waiting for the coroutines to unwind: their frames
    // (holding only closed sockets) are destroyed with io_.
    asio::post(io_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      for (Conn* c : live_) c->close();
      io_.stop();
    });
    thread_.join();
  }

 private:
  asio::awaitable<void> acceptLoop() {
    asio::steady_timer backoff(io_);
    while (acceptor_.is_open()) {
      auto [ec, sock] = co_await acceptor_.async_accept(kUseTuple);
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) {
        // Typically EMFILE: retrying at once would spin on the same error.
        backoff.expires_after(std::chrono::milliseconds(100));
        co_await backoff.async_wait(kUseTuple);
        continue;
      }
      if (live_.size() >= kMaxConnections) continue;  // `sock` closes as it goes out of scope
      asio::co_spawn(io_, serve(std::make_shared<Conn>(std::move(sock))), asio::detached);
    }
  }

  // Closes the connection when its deadline passes; re-arming the deadline
  // wakes the wait early, which is why expiry is checked against the clock.
  static asio::awaitable<void> watchdog(std::shared_ptr<Conn> c) {
    while (c->open) {
      co_await c->deadline.async_wait(kUseTuple);
      if (c->open && c->deadline.expiry() <= std::chrono::steady_clock::now()) c->close();
    }
  }

  asio::awaitable<void> serve(std::shared_ptr<Conn> c) {
    live_.insert(c.get());
    // Runs on normal exit and when stop() destroys the suspended frame.
    struct Unregister {
      AdminServerImpl* self;
      Conn* c;
      ~Unregister() {
        self->live_.erase(c);
        c->close();
      }
    } unregister{this, c.get()};
    c->deadline.expires_after(kRequestTimeout);
    asio::co_spawn(io_, watchdog(c), asio::detached);

    std::string buf;
    http1::RequestHead head;
    bool keepAlive = true;
    while (keepAlive && c->open) {
      c->deadline.expires_after(kRequestTimeout);
      size_t consumed = 0;
      http1::Error err;
      http1::Result r;
      while ((r = http1::parseRequestHead(buf, limits_, head, consumed, err)) == http1::Result::NeedMore) {
        char chunk[4096];
        auto [ec, n] = co_await c->sock.async_read_some(asio::buffer(chunk), kUseTuple);
        if (ec) co_return;  // client closed, timed out or stop()
        buf.append(chunk, n);
      }
      std::string out;
      if (r == http1::Result::Error) {
        keepAlive = false;  // where the next request would start is unknown
        out = render(textResponse(err.status, err.message), false, false, 1, false);
      } else {
        // The body is never read, so its bytes cannot be told apart from a
        // next request: close after answering.
        const bool hasBody = head.framing == http1::BodyFraming::Chunked ||
                             (head.framing == http1::BodyFraming::ContentLength && head.contentLength > 0);
        keepAlive = head.keepAlive && !hasBody;
        const bool isHead = head.method == "HEAD";
        const bool allowed = isHead || head.method == "GET";
        const Response res =
            allowed ? dispatch(head.path, head.query) : textResponse(405, "method not allowed");
        out = render(res, isHead, keepAlive, head.versionMinor, !allowed);
        buf.erase(0, consumed);  // after dispatch: `head` points into `buf`
      }
      auto [ec, n] = co_await asio::async_write(c->sock, asio::buffer(out), kUseTuple);
      if (ec) co_return;
    }
    // Half-close and take what the client still sends (an unread body) so
    // the kernel does not answer it with a reset that could destroy the
    // response before the client has read it.
    boost::system::error_code ec;
    c->sock.shutdown(tcp::socket::shutdown_send, ec);
    c->deadline.expires_after(kLingerTimeout);
    while (c->open) {
      char chunk[4096];
      auto [rec, n] = co_await c->sock.async_read_some(asio::buffer(chunk), kUseTuple);
      if (rec) break;
    }
  }

  Response dispatch(std::string_view path, std::string_view query) {
    Handler h;
    {
      std::lock_guard lock(handlersMu_);
      auto it = handlers_.find(path);
      if (it != handlers_.end()) h = it->second;  // a copy: call it without the lock held
    }
    if (!h) return textResponse(404, "not found");
    try {
      return h(path, query);
    } catch (const std::exception& e) {
      return textResponse(500, fmt::format("internal error: {}", e.what()));
    } catch (...) {
      return textResponse(500, "internal error");
    }
  }

  // Declared before io_: frames destroyed with io_ unregister from it.
  std::set<Conn*> live_;  // admin thread only
  http1::Limits limits_;
  std::mutex handlersMu_;
  std::map<std::string, Handler, std::less<>> handlers_;
  std::mutex stopMu_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<AdminServer> AdminServer::start(const std::string& address, uint16_t port,
                                                std::string& error) {
  auto server = std::make_unique<AdminServerImpl>();
  if (!server->open(address, port, error)) return nullptr;
  return server;
}

}  // namespace portico::admin
