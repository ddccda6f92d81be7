// Request mirroring (spec §12.10): a copy of the request to one endpoint of
// each mirror Service, sampled by percent or fraction; fire and forget.
// The body goes along when it was held whole (request_body.cc); requests
// whose body streams are not mirrored (proxy.cc).
#include "dataplane/session_impl.h"

namespace portico::dataplane {

template <class Stream>
void Session<Stream>::startMirrors(const ir::Route& route, const std::string& upstreamHead) {
  std::shared_ptr<const std::string> body = body_.whole ? body_.held : nullptr;
  for (const auto& m : route.filters.mirrors) {
    if (m.cluster.empty() || m.denominator <= 0) continue;
    // Sample numerator/denominator of requests (percent or fraction).
    if (static_cast<int64_t>(w_.rng() % static_cast<uint64_t>(m.denominator)) >= m.numerator) continue;
    const ir::Cluster* c = rt_->cluster(m.cluster);
    if (!c || c->endpoints.empty()) continue;
    const ir::Endpoint& ep = c->endpoints[w_.rng() % c->endpoints.size()];
    // The mirror's response and failures never reach the client.
    asio::co_spawn(
        w_.io(),
        [&pool = w_.pool, addr = ep.address, port = ep.port, head = upstreamHead, body,
         timeout = w_.options().upstreamConnectTimeout]() -> awaitable<void> {
          boost::system::error_code ec;
          auto conn = co_await pool.connect(addr, port, timeout, ec);
          if (!conn) co_return;
          auto [wec, wn] = co_await asio::async_write(conn->socket, asio::buffer(head),
                                                      asio::as_tuple(asio::use_awaitable));
          if (wec) co_return;
          if (body && !body->empty()) {
            auto [bec, bn] = co_await asio::async_write(conn->socket, asio::buffer(*body),
                                                        asio::as_tuple(asio::use_awaitable));
            if (bec) co_return;
          }
          char sink[4096];
          auto [rec, rn] =
              co_await conn->socket.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
          (void)rec;
          (void)rn;
        },
        asio::detached);
  }
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane
