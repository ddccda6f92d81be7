// portico-echo's listeners: binding, accepting, the TLS handshake and the
// choice of protocol per connection (HTTP/1.1, h2c, h2 by ALPN). One strand
// per connection; http1_serve.cc and h2_serve.cc speak the protocols, the
// echo logic itself lives in handler.cc.
#include "echo/server.h"

#include <array>
#include <iostream>
#include <optional>
#include <thread>

#include "echo/l4_serve.h"
#include "echo/listen.h"
#include "echo/serve.h"
#include "echo/tls.h"

namespace portico::echo {
namespace {

using namespace asio::experimental::awaitable_operators;

constexpr std::string_view kProgram = "portico-echo";

enum class Kind { kHttp, kTls, kH2c };

constexpr std::string_view kClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Reads from a new h2c connection until it is known whether the client
// sends the HTTP/2 preface; returns what was read (nullopt when the
// connection ended first). Never reads past the preface.
asio::awaitable<std::optional<std::string>> readPrefacePrefix(tcp::socket& socket) {
  std::string got;
  std::array<char, kClientPreface.size()> buf;
  while (got.size() < kClientPreface.size() && kClientPreface.starts_with(got)) {
    auto [ec, n] =
        co_await socket.async_read_some(asio::buffer(buf.data(), kClientPreface.size() - got.size()), kTuple);
    if (ec) co_return std::nullopt;
    got.append(buf.data(), n);
  }
  co_return got;
}

asio::awaitable<void> session(tcp::socket socket, Shared& shared, Kind kind) {
  try {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    const auto remote = socket.remote_endpoint(ec);
    Peer peer;
    peer.remote = formatEndpoint(remote.address().to_string(), remote.port());
    peer.localPort = socket.local_endpoint(ec).port();
    if (kind == Kind::kHttp) {
      co_await serveHttp1(socket, shared, peer, std::string(), false);
      co_return;
    }
    if (kind == Kind::kH2c) {
      std::optional<std::string> first = co_await readPrefacePrefix(socket);
      if (!first) co_return;
      if (*first == kClientPreface) {
        co_await serveH2(socket, shared, peer, std::move(*first), std::nullopt);
      } else {
        co_await serveHttp1(socket, shared, peer, std::move(*first), true);
      }
      co_return;
    }
    TlsStream stream(std::move(socket), *shared.tls);
    asio::steady_timer timer(stream.get_executor(), std::chrono::seconds(10));
    auto done =
        co_await (stream.async_handshake(asio::ssl::stream_base::server, kTuple) || timer.async_wait(kTuple));
    if (done.index() != 0 || std::get<0>(std::get<0>(done))) co_return;  // timed out or failed
    peer.tls = describeTls(stream.native_handle());
    if (peer.tls->negotiatedProtocol == "h2") {
      co_await serveH2(stream, shared, peer);
    } else {
      co_await serveHttp1(stream, shared, peer);
    }
  } catch (const std::exception&) {
    // The peer went away mid-write, or similar: drop the connection.
  }
}

asio::awaitable<void> acceptLoop(tcp::acceptor& acceptor, Shared& shared, Kind kind) {
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
    asio::co_spawn(executor, session(std::move(socket), shared, kind), asio::detached);
  }
}

}  // namespace

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
  // The TCP echo's TLS listener: its own context, without ALPN (tcpserver).
  asio::ssl::context tcpTlsContext(asio::ssl::context::tls_server);
  TcpEcho tcpEcho{opts.identity, {}, {}, nullptr};
  if (!opts.tcpTlsListen.empty()) {
    const std::string err =
        configureServerContext(tcpTlsContext.native_handle(), opts.tlsCert, opts.tlsKey, "", Alpn::kNone);
    if (!err.empty()) {
      std::cerr << "portico-echo: " << err << std::endl;
      return 1;
    }
    tcpEcho.tls = &tcpTlsContext;
  }
  asio::io_context ioc(opts.threads);
  std::vector<tcp::acceptor> plain, secure, h2c;
  plain.reserve(opts.listen.size());
  secure.reserve(opts.tlsListen.size());
  h2c.reserve(opts.h2cListen.size());
  if (!bindAll(ioc, opts.listen, plain, kProgram) || !bindAll(ioc, opts.tlsListen, secure, kProgram) ||
      !bindAll(ioc, opts.h2cListen, h2c, kProgram))
    return 1;
  std::vector<tcp::acceptor> tcpPlain, tcpSecure;
  std::vector<udp::socket> udpEcho, dnsServer;
  tcpPlain.reserve(opts.tcpListen.size());
  tcpSecure.reserve(opts.tcpTlsListen.size());
  udpEcho.reserve(opts.udpListen.size());
  dnsServer.reserve(opts.dnsListen.size());
  if (!bindAll(ioc, opts.tcpListen, tcpPlain, kProgram) ||
      !bindAll(ioc, opts.tcpTlsListen, tcpSecure, kProgram) ||
      !bindUdp(ioc, opts.udpListen, udpEcho, kProgram) || !bindUdp(ioc, opts.dnsListen, dnsServer, kProgram))
    return 1;
  if (!tcpPlain.empty()) tcpEcho.tcpPort = std::to_string(tcpPlain.front().local_endpoint().port());
  if (!tcpSecure.empty()) tcpEcho.tlsPort = std::to_string(tcpSecure.front().local_endpoint().port());
  // Before the first "listening on" line: a test may signal right after it.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) ioc.stop();  // stop accepting and serving; in-flight requests are dropped
  });
  const std::pair<std::vector<tcp::acceptor>*, Kind> groups[] = {
      {&plain, Kind::kHttp}, {&secure, Kind::kTls}, {&h2c, Kind::kH2c}};
  for (const auto& [group, kind] : groups) {
    for (tcp::acceptor& a : *group) {
      announce(a);
      asio::co_spawn(ioc, acceptLoop(a, shared, kind), asio::detached);
    }
  }
  // Then the other modes, in the order of their flags.
  for (const auto& [group, overTls] : {std::pair{&tcpPlain, false}, std::pair{&tcpSecure, true}}) {
    for (tcp::acceptor& a : *group) {
      announce(a);
      asio::co_spawn(ioc, tcpEchoAccept(a, tcpEcho, overTls), asio::detached);
    }
  }
  for (udp::socket& s : udpEcho) {
    announceUdp(s);
    asio::co_spawn(ioc, udpEchoLoop(s, opts.identity), asio::detached);
  }
  for (udp::socket& s : dnsServer) {
    announceUdp(s);
    asio::co_spawn(ioc, dnsLoop(s), asio::detached);
  }
  std::vector<std::thread> workers;
  for (int i = 1; i < opts.threads; ++i) workers.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : workers) t.join();
  return 0;
}

}  // namespace portico::echo
