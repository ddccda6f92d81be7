// HTTP/2 connections: the Asio side of H2Session. A reader feeds the
// session and answers requests (delayed ones from their own coroutine); a
// writer sends whatever the session has queued. All of it runs on the
// connection's strand.
#include <array>
#include <memory>
#include <set>

#include "echo/h2_session.h"
#include "echo/log.h"
#include "echo/serve.h"

namespace portico::echo {
namespace {

using namespace asio::experimental::awaitable_operators;

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(TlsStream& s) { return s.next_layer(); }

struct H2Conn {
  H2Conn(const asio::any_io_executor& executor, RequestInfo base)
      : session(std::move(base)), wake(executor) {}

  // Wakes the writer (it waits on `wake` when it has nothing to send).
  void notify() { wake.cancel(); }

  H2Session session;
  asio::steady_timer wake;
  std::set<asio::steady_timer*> delays;  // requests waiting for ?delay=
  bool readerDone = false;
  bool closed = false;
};

void answer(H2Conn& c, const Peer& peer, int32_t streamId, const Plan& plan, const std::string& target) {
  if (plan.log) logLine("Echoing back request made to " + target + " to client (" + peer.remote + ")");
  if (plan.reset) {
    c.session.reset(streamId);
  } else {
    c.session.respond(streamId, plan);
  }
  c.notify();
}

asio::awaitable<void> answerLater(std::shared_ptr<H2Conn> c, Peer peer, int32_t streamId, Plan plan,
                                  std::string target) {
  asio::steady_timer timer(co_await asio::this_coro::executor, plan.delay);
  c->delays.insert(&timer);
  co_await timer.async_wait(kTuple);
  c->delays.erase(&timer);
  if (!c->closed) answer(*c, peer, streamId, plan, target);
}

void dispatch(const std::shared_ptr<H2Conn>& c, Shared& shared, const Peer& peer, H2Session::Request req) {
  Plan plan = planResponse(req.info, shared.opts, shared.state);
  if (plan.delay.count() <= 0) {
    answer(*c, peer, req.streamId, plan, req.info.target);
    return;
  }
  asio::co_spawn(c->wake.get_executor(),
                 answerLater(c, peer, req.streamId, std::move(plan), std::move(req.info.target)),
                 asio::detached);
}

template <class Stream>
asio::awaitable<void> readLoop(Stream& stream, std::shared_ptr<H2Conn> c, Shared& shared, const Peer& peer,
                               std::string buffered) {
  std::vector<H2Session::Request> requests;
  const auto feed = [&](const char* data, size_t len) {
    requests.clear();
    const bool ok = c->session.receive(reinterpret_cast<const uint8_t*>(data), len, requests);
    for (H2Session::Request& r : requests) dispatch(c, shared, peer, std::move(r));
    c->notify();
    return ok;
  };
  bool ok = buffered.empty() || feed(buffered.data(), buffered.size());
  std::array<char, 16384> buf;
  while (ok && !c->closed) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(buf), kTuple);
    if (ec) break;
    ok = feed(buf.data(), n);
  }
  c->readerDone = true;
  c->notify();
}

template <class Stream>
asio::awaitable<void> writeLoop(Stream& stream, std::shared_ptr<H2Conn> c) {
  for (;;) {
    const std::string out = c->session.takeOutput();
    if (!out.empty()) {
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), kTuple);
      if (ec) break;
      continue;
    }
    if (c->readerDone || c->session.finished()) break;
    c->wake.expires_at(asio::steady_timer::time_point::max());
    co_await c->wake.async_wait(kTuple);  // notify() cancels it
  }
  c->closed = true;
  for (asio::steady_timer* t : c->delays) t->cancel();
  boost::system::error_code ignored;
  lowest(stream).cancel(ignored);  // ends the reader's pending read
}

template <class Stream>
asio::awaitable<void> serve(Stream& stream, Shared& shared, const Peer& peer, std::string buffered,
                            std::optional<H2Upgrade> upgrade) {
  RequestInfo base;
  base.localPort = peer.localPort;
  base.tls = peer.tls;
  auto c = std::make_shared<H2Conn>(co_await asio::this_coro::executor, std::move(base));
  if (upgrade) {
    if (!c->session.upgrade(upgrade->settings, upgrade->request)) co_return;  // malformed SETTINGS payload
    H2Session::Request first;
    first.streamId = 1;
    first.info = std::move(upgrade->request);
    dispatch(c, shared, peer, std::move(first));
  }
  co_await (readLoop(stream, c, shared, peer, std::move(buffered)) && writeLoop(stream, c));
}

}  // namespace

asio::awaitable<void> serveH2(tcp::socket& socket, Shared& shared, const Peer& peer, std::string buffered,
                              std::optional<H2Upgrade> upgrade) {
  co_await serve(socket, shared, peer, std::move(buffered), std::move(upgrade));
}

asio::awaitable<void> serveH2(TlsStream& stream, Shared& shared, const Peer& peer) {
  co_await serve(stream, shared, peer, std::string(), std::nullopt);
}

}  // namespace portico::echo
