// HTTP/1.1 (and WebSocket on /ws) with Beast's parser and serializer; on
// an h2c listener, the HTTP/1.1 side of h2c (the Upgrade, or 400).
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <type_traits>

#include "echo/h2_session.h"
#include "echo/log.h"
#include "echo/serve.h"

namespace portico::echo {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace asio::experimental::awaitable_operators;

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(TlsStream& s) { return s.next_layer(); }

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

RequestInfo toInfo(const http::request<http::string_body>& req, const Peer& peer) {
  RequestInfo info;
  info.method = std::string(req.method_string());
  info.target = std::string(req.target());
  info.versionMinor = req.version() % 10;
  info.localPort = peer.localPort;
  info.tls = peer.tls;
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

// Whether a comma-separated field (all its lines) lists `token`.
bool hasToken(const http::request<http::string_body>& req, http::field name, std::string_view token) {
  const auto [first, last] = req.equal_range(name);
  for (auto field = first; field != last; ++field) {
    std::string_view rest = field->value();
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (beast::iequals(item, token)) return true;
    }
  }
  return false;
}

// What the h2c listener does with an HTTP/1.1 request (as x/net/http2/h2c
// and echo-basic's handler decide).
enum class H2cVerdict { kUpgrade, kServe, kReject };

H2cVerdict judgeH2c(const http::request<http::string_body>& req) {
  if (hasToken(req, http::field::upgrade, "h2c") && hasToken(req, http::field::connection, "HTTP2-Settings"))
    return H2cVerdict::kUpgrade;
  // echo-basic serves what it could not upgrade when Upgrade is exactly "h2c".
  return req[http::field::upgrade] == "h2c" ? H2cVerdict::kServe : H2cVerdict::kReject;
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
asio::awaitable<void> writeSimple(Stream& stream, unsigned version, bool keepAlive, http::status status,
                                  std::string body) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::move(body);
  res.keep_alive(keepAlive);
  res.prepare_payload();
  co_await http::async_write(stream, res, asio::use_awaitable);
}

template <class Stream>
asio::awaitable<void> serve(Stream& stream, Shared& shared, const Peer& peer, std::string buffered,
                            bool h2c) {
  auto executor = co_await asio::this_coro::executor;
  beast::flat_buffer buffer;
  buffer.commit(asio::buffer_copy(buffer.prepare(buffered.size()), asio::buffer(buffered)));
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
        co_await writeSimple(stream, 11, false, http::status::bad_request, "400 Bad Request");
      }
      co_return;
    }
    http::request<http::string_body> req = parser.release();
    RequestInfo info = toInfo(req, peer);
    if (h2c) {
      const H2cVerdict verdict = judgeH2c(req);
      if (verdict == H2cVerdict::kReject) {
        co_await writeSimple(stream, req.version(), req.keep_alive(), http::status::bad_request,
                             "Expected h2c request");
        if (req.keep_alive()) continue;
        co_await closeStream(stream);
        co_return;
      }
      if constexpr (std::is_same_v<Stream, tcp::socket>) {
        if (verdict == H2cVerdict::kUpgrade) {
          H2Upgrade upgrade;
          upgrade.request = std::move(info);
          // One field, base64url of whole 6-byte settings (checked before the 101).
          if (req.count("HTTP2-Settings") != 1 || !decodeBase64Url(req["HTTP2-Settings"], upgrade.settings) ||
              upgrade.settings.size() % 6 != 0) {
            co_await writeSimple(stream, req.version(), false, http::status::bad_request,
                                 "Bad HTTP2-Settings header");
            co_await closeStream(stream);
            co_return;
          }
          static constexpr std::string_view kSwitching =
              "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
          co_await asio::async_write(stream, asio::buffer(kSwitching), asio::use_awaitable);
          std::string rest(static_cast<const char*>(buffer.data().data()), buffer.size());
          co_await serveH2(stream, shared, peer, std::move(rest), std::move(upgrade));
          co_return;
        }
      }
    }
    const Plan plan = planResponse(info, shared.opts, shared.state);
    if (plan.delay.count() > 0) {
      asio::steady_timer timer(executor, plan.delay);
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (plan.log) logLine("Echoing back request made to " + info.target + " to client (" + peer.remote + ")");
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

}  // namespace

asio::awaitable<void> serveHttp1(tcp::socket& socket, Shared& shared, const Peer& peer, std::string buffered,
                                 bool h2c) {
  co_await serve(socket, shared, peer, std::move(buffered), h2c);
}

asio::awaitable<void> serveHttp1(TlsStream& stream, Shared& shared, const Peer& peer) {
  co_await serve(stream, shared, peer, std::string(), false);
}

}  // namespace portico::echo
