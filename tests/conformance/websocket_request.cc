#include "conformance/websocket_request.h"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <exception>

#include "conformance/json_fields.h"

namespace portico::conformance {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using nlohmann::json;
using tcp = asio::ip::tcp;

std::string fromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string toHex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

struct Exchange {
  tcp::endpoint endpoint;
  std::string host, target, origin;
  json frames;
  websocket::stream<tcp::socket>* ws = nullptr;
  websocket::response_type handshake;
  std::string failure;  // a payload that did not come back as sent

  asio::awaitable<void> run() {
    co_await ws->next_layer().async_connect(endpoint, asio::use_awaitable);
    const std::string o = origin;
    ws->set_option(websocket::stream_base::decorator(
        [o](websocket::request_type& req) { req.set(beast::http::field::origin, o); }));
    co_await ws->async_handshake(handshake, host, target, asio::use_awaitable);
    for (const auto& f : frames) {
      const bool text = str(f, "type") != "binary";
      const std::string payload = has(f, "dataHex") ? fromHex(str(f, "dataHex")) : str(f, "data");
      ws->text(text);
      co_await ws->async_write(asio::buffer(payload), asio::use_awaitable);
      beast::flat_buffer buffer;
      co_await ws->async_read(buffer, asio::use_awaitable);
      // x/net/websocket's Message.Receive compares the payload only: the
      // frame type is not checked (echo-basic echoes through io.Copy,
      // which writes text frames).
      const std::string got = beast::buffers_to_string(buffer.data());
      if (got != payload) {
        failure = text ? fmt::format("sent text \"{}\", echoed \"{}\"", payload, got)
                       : fmt::format("sent binary {}, echoed {}", toHex(payload), toHex(got));
        co_return;
      }
    }
    // Like the Go test's deferred Close: the close handshake's outcome is
    // not part of the check.
    boost::system::error_code ignored;
    co_await ws->async_close(websocket::close_code::normal,
                             asio::redirect_error(asio::use_awaitable, ignored));
  }
};

}  // namespace

std::string websocketEcho(const json& rc, const std::string& address, const std::string& origin,
                          std::chrono::milliseconds timeout) {
  const json& rq = field(rc, "request");
  const int port = rc.value("port", 80);
  Exchange x;
  x.endpoint = tcp::endpoint(asio::ip::make_address(address), static_cast<uint16_t>(port));
  // x/net/websocket sends the URL's host, and the suite's URL carries the
  // gateway address with its port.
  x.host = str(rq, "host").empty() ? fmt::format("{}:{}", address, port) : str(rq, "host");
  x.target = str(rq, "path").empty() ? "/ws" : str(rq, "path");
  x.origin = origin;
  x.frames = field(field(rc, "expected"), "websocketEcho");
  asio::io_context io;
  websocket::stream<tcp::socket> ws(io);
  x.ws = &ws;
  bool done = false;
  std::string error;
  asio::co_spawn(io, x.run(), [&](std::exception_ptr e) {
    done = true;
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      error = ex.what();
    }
  });
  io.run_for(timeout);
  if (!done) {
    // Cancel the pending operation and let its handler run.
    boost::system::error_code ignored;
    ws.next_layer().close(ignored);
    io.restart();
    io.run_for(std::chrono::seconds(2));
    return fmt::format("no WebSocket echo within {} ms", timeout.count());
  }
  if (!error.empty()) {
    if (x.handshake.result_int() != 0 && x.handshake.result_int() != 101)
      return fmt::format("handshake answered {}, want 101: {}", x.handshake.result_int(), error);
    return "WebSocket: " + error;
  }
  return x.failure;
}

}  // namespace portico::conformance
