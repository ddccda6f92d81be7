// HTTP/1.1 (and HTTPS, WebSocket on /ws) serving with Asio coroutines and
// Beast's parser/serializer. One strand per connection; the echo logic
// itself lives in handler.cc.
#include "echo/server.h"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "echo/handler.h"
#include "echo/tls.h"

namespace portico::echo {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;
using namespace asio::experimental::awaitable_operators;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Shared {
  const Options& opts;
  State state;
  asio::ssl::context* tls = nullptr;
};

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(TlsStream& s) { return s.next_layer(); }

std::optional<TlsInfo> tlsInfo(tcp::socket&) { return std::nullopt; }
std::optional<TlsInfo> tlsInfo(TlsStream& s) { return describeTls(s.native_handle()); }

asio::awaitable<void> closeStream(tcp::socket& s) {
  boost::system::error_code ec;
  s.shutdown(tcp::socket::shutdown_send, ec);
  s.close(ec);
  co_return;
}

// Sends close_notify; waits at most a second for the peer's.
asio::awaitable<void> closeStream(TlsStream& s) {
  asio::steady_timer timer(s.get_executor(), std::chrono::seconds(1));
  co_await (s.async_shutdown(kTuple) || timer.async_wait(kTuple));
  boost::system::error_code ec;
  s.next_layer().close(ec);
}

RequestInfo toInfo(const http::request<http::string_body>& req, uint16_t localPort) {
  RequestInfo info;
  info.method = std::string(req.method_string());
  info.target = std::string(req.target());
  info.versionMinor = req.version() % 10;
  info.localPort = localPort;
  info.host = std::string(req[http::field::host]);
  const std::string_view target = req.target();
  if (const size_t scheme = target.find("://");
      !target.starts_with("/") && scheme != std::string_view::npos) {
    const std::string_view rest = target.substr(scheme + 3);
    info.host = std::string(rest.substr(0, rest.find_first_of("/?")));
  }
  for (const auto& field : req) info.headers.emplace_back(field.name_string(), field.value());
  info.websocketUpgrade = beast::websocket::is_upgrade(req);
  return info;
}

template <class Stream>
asio::awaitable<void> serveWebsocket(Stream& stream, http::request<http::string_body> req) {
  beast::websocket::stream<Stream&> ws(stream);
  co_await ws.async_accept(req, asio::use_awaitable);
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws.async_read(buffer, kTuple);
    if (ec) co_return;  // closed by the peer (Beast answers the close frame) or broken
    ws.text(ws.got_text());
    co_await ws.async_write(buffer.data(), asio::use_awaitable);
    buffer.consume(buffer.size());
  }
}

template <class Stream>
asio::awaitable<void> serveHttp(Stream& stream, Shared& shared, const std::string& remote,
                                uint16_t localPort) {
  auto executor = co_await asio::this_coro::executor;
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(boost::none);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (!ec && !parser.is_done()) {
      if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
        co_await http::async_write(stream, cont, asio::use_awaitable);
      }
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, kTuple);
    }
    if (ec) {
      if (&ec.category() == &http::make_error_code(http::error::bad_target).category() &&
          ec != http::error::end_of_stream && ec != http::error::partial_message) {
        http::response<http::string_body> bad{http::status::bad_request, 11};
        bad.set(http::field::content_type, "text/plain; charset=utf-8");
        bad.body() = "400 Bad Request";
        bad.keep_alive(false);
        bad.prepare_payload();
        co_await http::async_write(stream, bad, kTuple);
      }
      co_return;
    }
    http::request<http::string_body> req = parser.release();
    RequestInfo info = toInfo(req, localPort);
    info.tls = tlsInfo(stream);
    const Plan plan = planResponse(info, shared.opts, shared.state);
    if (plan.delay.count() > 0) {
      asio::steady_timer timer(executor, plan.delay);
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (plan.log) logLine("Echoing back request made to " + info.target + " to client (" + remote + ")");
    if (plan.reset) {  // RST, like echo-basic's /retry/ without responseCode
      boost::system::error_code ignored;
      lowest(stream).set_option(tcp::socket::linger(true, 0), ignored);
      lowest(stream).close(ignored);
      co_return;
    }
    if (plan.websocket) {
      co_await serveWebsocket(stream, std::move(req));
      co_return;
    }
    http::response<http::string_body> res{static_cast<http::status>(plan.status), req.version()};
    for (const auto& [name, value] : plan.headers) res.insert(name, value);
    res.keep_alive(req.keep_alive());
    res.body() = plan.body;
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();  // keeps Content-Length
    co_await http::async_write(stream, res, asio::use_awaitable);
    if (!res.keep_alive()) {
      co_await closeStream(stream);
      co_return;
    }
  }
}

asio::awaitable<void> session(tcp::socket socket, Shared& shared, bool tls) {
  try {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    const auto remote = socket.remote_endpoint(ec);
    const std::string remoteText = formatEndpoint(remote.address().to_string(), remote.port());
    const uint16_t localPort = socket.local_endpoint(ec).port();
    if (!tls) {
      co_await serveHttp(socket, shared, remoteText, localPort);
      co_return;
    }
    TlsStream stream(std::move(socket), *shared.tls);
    asio::steady_timer timer(stream.get_executor(), std::chrono::seconds(10));
    auto done =
        co_await (stream.async_handshake(asio::ssl::stream_base::server, kTuple) || timer.async_wait(kTuple));
    if (done.index() != 0 || std::get<0>(std::get<0>(done))) co_return;  // timed out or failed
    co_await serveHttp(stream, shared, remoteText, localPort);
  } catch (const std::exception&) {
    // The peer went away mid-write, or similar: drop the connection.
  }
}

asio::awaitable<void> acceptLoop(tcp::acceptor& acceptor, Shared& shared, bool tls) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(acceptor.get_executor()), kTuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      std::cerr << "portico-echo: accept: " << ec.message() << std::endl;
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    const auto executor = socket.get_executor();
    asio::co_spawn(executor, session(std::move(socket), shared, tls), asio::detached);
  }
}

bool bindAll(asio::io_context& ioc, const std::vector<Endpoint>& endpoints, std::vector<tcp::acceptor>& out) {
  for (const Endpoint& e : endpoints) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(e.host, ec);
    if (ec) {
      std::cerr << "portico-echo: not an IP address: " << e.host << std::endl;
      return false;
    }
    const tcp::endpoint endpoint(address, e.port);
    tcp::acceptor& acceptor = out.emplace_back(ioc);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && address.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      std::cerr << "portico-echo: cannot listen on " << formatEndpoint(e.host, e.port) << ": " << ec.message()
                << std::endl;
      return false;
    }
  }
  return true;
}

}  // namespace

void logLine(const std::string& line) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

int runServer(const Options& opts) {
  // Declared before the io_context: coroutine frames still pending when it
  // is destroyed refer to them.
  asio::ssl::context tlsContext(asio::ssl::context::tls_server);
  Shared shared{opts, {}, nullptr};
  if (!opts.tlsListen.empty()) {
    const std::string err =
        configureServerContext(tlsContext.native_handle(), opts.tlsCert, opts.tlsKey, opts.tlsClientCa);
    if (!err.empty()) {
      std::cerr << "portico-echo: " << err << std::endl;
      return 1;
    }
    shared.tls = &tlsContext;
  }
  asio::io_context ioc(opts.threads);
  std::vector<tcp::acceptor> plain, secure;
  plain.reserve(opts.listen.size());
  secure.reserve(opts.tlsListen.size());
  if (!bindAll(ioc, opts.listen, plain) || !bindAll(ioc, opts.tlsListen, secure)) return 1;
  // Before the first "listening on" line: a test may signal right after it.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) ioc.stop();  // stop accepting and serving; in-flight requests are dropped
  });
  for (auto* group : {&plain, &secure}) {
    for (tcp::acceptor& a : *group) {
      const auto ep = a.local_endpoint();
      logLine("listening on " + formatEndpoint(ep.address().to_string(), ep.port()));
      asio::co_spawn(ioc, acceptLoop(a, shared, group == &secure), asio::detached);
    }
  }
  std::vector<std::thread> workers;
  for (int i = 1; i < opts.threads; ++i) workers.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : workers) t.join();
  return 0;
}

}  // namespace portico::echo
