// The TCP echo of echo-basic (conformance/echo-basic/tcpserver): what the
// suite's tcp.MakeTCPRequestAndExpectEventuallyValidResponse and
// tcp.EchoSendOnce talk to through TCPRoute and TLSRoute listeners.
#include <openssl/ssl.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "echo/l4_serve.h"
#include "echo/tls.h"

namespace portico::echo {
namespace {

using namespace asio::experimental::awaitable_operators;

constexpr std::string_view kWelcome = "Gateway API Test TCP Server\n";
// bufio.Scanner's default limit: a longer line ends the connection.
constexpr size_t kMaxLine = 64 * 1024;

// Go's tls.VersionName ("TLS 1.3") from OpenSSL's "TLSv1.3".
std::string goVersionName(const std::string& openssl) {
  if (openssl.starts_with("TLSv")) return "TLS " + openssl.substr(4);
  return openssl;
}

// Go's tls.CurveID.String() for the groups OpenSSL negotiates.
std::string goCurveName(SSL* ssl) {
  const int nid = SSL_get_negotiated_group(ssl);
  switch (nid) {
    case NID_X25519:
      return "X25519";
    case NID_X9_62_prime256v1:
      return "CurveP256";
    case NID_secp384r1:
      return "CurveP384";
    case NID_secp521r1:
      return "CurveP521";
    default:
      break;
  }
  const char* name = nid > 0 ? OBJ_nid2sn(nid) : nullptr;
  return name ? name : "";
}

template <class Stream>
asio::awaitable<void> converse(Stream& stream, const std::string& test, bool isTls) {
  auto [werr, wn] = co_await asio::async_write(stream, asio::buffer(kWelcome), kTuple);
  if (werr) co_return;
  std::string buffer;
  for (;;) {
    auto [err, n] =
        co_await asio::async_read_until(stream, asio::dynamic_buffer(buffer, kMaxLine), '\n', kTuple);
    if (err) co_return;  // EOF, reset or a line over the limit
    std::string line = buffer.substr(0, n - 1);
    buffer.erase(0, n);
    if (line.ends_with('\r')) line.pop_back();  // bufio.ScanLines drops a trailing CR
    std::string reply;
    if (line == "TEST") {
      reply = test + "\n";
    } else if (line == "IS_TLS") {
      reply = isTls ? "true\n" : "false\n";
    } else if (line == "PING") {
      reply = "PONG\n";
    } else {
      continue;
    }
    auto [e, w] = co_await asio::async_write(stream, asio::buffer(reply), kTuple);
    if (e) co_return;
  }
}

asio::awaitable<void> session(tcp::socket socket, const TcpEcho& echo, bool tls) {
  try {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    if (!tls) {
      co_await converse(socket, tcpTestJson(echo, nullptr, ""), false);
      co_return;
    }
    TlsStream stream(std::move(socket), *echo.tls);
    asio::steady_timer timer(stream.get_executor(), std::chrono::seconds(10));
    auto done =
        co_await (stream.async_handshake(asio::ssl::stream_base::server, kTuple) || timer.async_wait(kTuple));
    if (done.index() != 0 || std::get<0>(std::get<0>(done))) co_return;  // timed out or failed
    const TlsInfo info = describeTls(stream.native_handle());
    co_await converse(stream, tcpTestJson(echo, &info, goCurveName(stream.native_handle())), true);
  } catch (const std::exception&) {
    // The peer went away mid-write: drop the connection.
  }
}

}  // namespace

std::string tcpTestJson(const TcpEcho& echo, const TlsInfo* tls, const std::string& curve) {
  // Field order and omitempty as tcpserver.TCPAssertions marshals them.
  nlohmann::ordered_json j;
  j["namespace"] = echo.identity.namespace_;
  j["ingress"] = echo.identity.ingress;
  j["service"] = echo.identity.service;
  j["pod"] = echo.identity.pod;
  j["tcpport"] = echo.tcpPort;
  if (!echo.tlsPort.empty()) j["tlsport"] = echo.tlsPort;
  j["isTLS"] = tls != nullptr;
  if (tls) {
    nlohmann::ordered_json t;
    t["version"] = goVersionName(tls->version);
    t["serverName"] = tls->serverName;
    if (!tls->negotiatedProtocol.empty()) t["negotiatedProtocol"] = tls->negotiatedProtocol;
    if (!curve.empty()) t["curves"] = curve;
    t["cipherSuite"] = tls->cipherSuite;
    j["tls"] = t;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

asio::awaitable<void> tcpEchoAccept(tcp::acceptor& acceptor, const TcpEcho& echo, bool tls) {
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
    asio::co_spawn(executor, session(std::move(socket), echo, tls), asio::detached);
  }
}

}  // namespace portico::echo
