// Request mirroring (mirror.h). Sampling, endpoint choice and the copy:
// HTTP/1.1 mirrors get the upstream head and body on a new connection and
// their first response bytes are read and dropped; HTTP/2 mirrors get a
// stream on the worker's h2c pool, reset once the response head is in.
#include "dataplane/mirror.h"

#include "dataplane/h2_fields.h"
#include "dataplane/h2_request.h"
#include "dataplane/session_impl.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {
namespace {

// `target` is held by value: its contexts outlive a reload meanwhile.
awaitable<void> mirrorH1(UpstreamPool& pool, std::string addr, int32_t port, UpstreamTarget target,
                         std::string head, std::shared_ptr<const std::string> body,
                         std::chrono::milliseconds timeout) {
  ConnectFailure why;
  auto conn = co_await pool.connect(addr, port, target, timeout, why);
  if (!conn) co_return;
  auto [wec, wn] =
      co_await asio::async_write(conn->socket, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
  if (wec) co_return;
  if (body && !body->empty()) {
    auto [bec, bn] =
        co_await asio::async_write(conn->socket, asio::buffer(*body), asio::as_tuple(asio::use_awaitable));
    if (bec) co_return;
  }
  char sink[4096];
  auto [rec, rn] =
      co_await conn->socket.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
  (void)rec;
  (void)rn;
}

awaitable<void> mirrorH2(H2ClientPool& pool, std::string addr, int32_t port, UpstreamTarget target,
                         FieldList fields, std::shared_ptr<const std::string> body,
                         std::chrono::milliseconds timeout) {
  ConnectFailure why;
  auto conn = co_await pool.acquire(addr, port, target, timeout, why);
  if (!conn) co_return;
  const bool hasBody = body && !body->empty();
  auto st = conn->open(std::move(fields), !hasBody);
  if (!st) co_return;
  if (hasBody && !co_await conn->write(*st, *body)) co_return;
  conn->finish(*st);
  // Until the mirror answers (or a minute passes): then the stream goes.
  const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!st->headersDone && !st->closed && std::chrono::steady_clock::now() < until) {
    st->inWake.expires_at(until);
    co_await st->inWake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  conn->reset(*st, kH2Cancel);
}

}  // namespace

void sendMirrors(Worker& w, const Runtime& rt, const ir::Route& route, const std::string& head,
                 std::shared_ptr<const std::string> body, bool grpc, const ir::Listener* listener) {
  for (const auto& m : route.filters.mirrors) {
    if (m.cluster.empty() || m.denominator <= 0) continue;
    // Sample numerator/denominator of requests (percent or fraction).
    if (static_cast<int64_t>(w.rng() % static_cast<uint64_t>(m.denominator)) >= m.numerator) continue;
    const ir::Cluster* c = rt.cluster(m.cluster);
    if (!c || c->endpoints.empty()) continue;
    const ir::Endpoint& ep = c->endpoints[w.rng() % c->endpoints.size()];
    const auto timeout = w.options().upstreamConnectTimeout;
    const bool h2 = upstreamSpeaksH2(route, *c);
    UpstreamTarget target = upstreamTarget(rt.upstreamTls, *c, listener, h2);
    if (target.refuse) continue;  // an unusable BackendTLSPolicy: never plaintext
    if (h2) {
      asio::co_spawn(w.io(),
                     mirrorH2(w.h2pool, ep.address, ep.port, std::move(target), h1HeadToH2Fields(head, grpc),
                              body, timeout),
                     asio::detached);
    } else {
      asio::co_spawn(w.io(), mirrorH1(w.pool, ep.address, ep.port, std::move(target), head, body, timeout),
                     asio::detached);
    }
  }
}

template <class Stream>
void Session<Stream>::startMirrors(const ir::Route& route, const std::string& upstreamHead) {
  sendMirrors(w_, *rt_, route, upstreamHead, body_.whole ? body_.held : nullptr, false, listener_);
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane
