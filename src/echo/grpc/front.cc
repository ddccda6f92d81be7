#include "echo/grpc/front.h"

#include <fcntl.h>
#include <grpcpp/server_posix.h>
#include <sys/socket.h>

#include <array>
#include <iostream>

#include "echo/asio.h"
#include "echo/listen.h"
#include "echo/tls.h"

namespace portico::echo::grpcecho {
namespace {

using namespace asio::experimental::awaitable_operators;
using Local = asio::local::stream_protocol::socket;

constexpr std::string_view kProgram = "portico-grpc-echo";

struct Front {
  grpc::Server& server;
  TlsRegistry& tls;
  asio::ssl::context* tlsContext = nullptr;
};

void handOver(grpc::Server& server, int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  grpc::AddInsecureChannelFromFd(&server, fd);  // gRPC owns and closes it
}

// Copies one direction until it ends, then ends the whole relay.
template <class From, class To, class Finish>
asio::awaitable<void> pump(From& from, To& to, Finish& finish) {
  std::array<char, 16384> buf;
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), kTuple);
    if (ec) break;
    auto [wec, written] = co_await asio::async_write(to, asio::buffer(buf.data(), n), kTuple);
    if (wec) break;
  }
  finish();
}

asio::awaitable<void> tlsSession(tcp::socket socket, Front& front) {
  TlsStream stream(std::move(socket), *front.tlsContext);
  asio::steady_timer timer(stream.get_executor(), std::chrono::seconds(10));
  auto done =
      co_await (stream.async_handshake(asio::ssl::stream_base::server, kTuple) || timer.async_wait(kTuple));
  if (done.index() != 0 || std::get<0>(std::get<0>(done))) co_return;  // timed out or failed
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) co_return;
  Local local(stream.get_executor(), asio::local::stream_protocol(), fds[0]);
  const std::string peer = fdPeerName(fds[1]);
  const long token = front.tls.remember(peer, describeTls(stream.native_handle()));
  handOver(front.server, fds[1]);
  bool finished = false;
  // Forgets the name before closing our end: gRPC frees the fd number only
  // after it sees the close.
  auto finish = [&] {
    if (std::exchange(finished, true)) return;
    front.tls.forget(peer, token);
    boost::system::error_code ignored;
    local.close(ignored);
    stream.next_layer().close(ignored);
  };
  co_await (pump(stream, local, finish) && pump(local, stream, finish));
}

asio::awaitable<void> acceptLoop(tcp::acceptor& acceptor, Front& front, bool tls) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(acceptor.get_executor()), kTuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      std::cerr << kProgram << ": accept: " << ec.message() << std::endl;
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    if (!tls) {
      const int fd = socket.release();
      front.tls.clear(fdPeerName(fd));
      handOver(front.server, fd);
      continue;
    }
    const auto executor = socket.get_executor();
    asio::co_spawn(executor, tlsSession(std::move(socket), front), asio::detached);
  }
}

}  // namespace

int runFront(const Options& opts, grpc::Server& server, TlsRegistry& tls) {
  asio::ssl::context tlsContext(asio::ssl::context::tls_server);
  Front front{server, tls, nullptr};
  if (!opts.tlsListen.empty()) {
    const std::string err = configureServerContext(tlsContext.native_handle(), opts.tlsCert, opts.tlsKey,
                                                   opts.tlsClientCa, Alpn::kGrpc);
    if (!err.empty()) {
      std::cerr << kProgram << ": " << err << std::endl;
      return 1;
    }
    front.tlsContext = &tlsContext;
  }
  asio::io_context ioc(1);
  std::vector<tcp::acceptor> plain, secure;
  plain.reserve(opts.listen.size());
  secure.reserve(opts.tlsListen.size());
  if (!bindAll(ioc, opts.listen, plain, kProgram) || !bindAll(ioc, opts.tlsListen, secure, kProgram))
    return 1;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) ioc.stop();
  });
  for (tcp::acceptor& a : plain) {
    announce(a);
    asio::co_spawn(ioc, acceptLoop(a, front, false), asio::detached);
  }
  for (tcp::acceptor& a : secure) {
    announce(a);
    asio::co_spawn(ioc, acceptLoop(a, front, true), asio::detached);
  }
  ioc.run();
  return 0;
}

}  // namespace portico::echo::grpcecho
