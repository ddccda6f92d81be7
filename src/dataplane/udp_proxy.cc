#include "dataplane/udp_proxy.h"

#include "dataplane/l4_routing.h"
#include "dataplane/worker.h"

namespace portico::dataplane {
namespace {

using Clock = std::chrono::steady_clock;
using udp = asio::ip::udp;

constexpr size_t kMaxDatagram = 65536;
constexpr int kBatch = 64;  // datagrams read per wake-up before yielding to other work

bool wouldBlock(const boost::system::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

}  // namespace

struct UdpListener::Session {
  explicit Session(asio::io_context& io) : up(io) {}
  udp::socket up;  // connected to the chosen endpoint
  udp::endpoint client;
  Clock::time_point last;
  bool ended = false;
};

size_t UdpListener::EndpointHash::operator()(const udp::endpoint& e) const {
  size_t h = std::hash<uint16_t>()(e.port());
  if (e.address().is_v4()) return h ^ (std::hash<uint32_t>()(e.address().to_v4().to_uint()) * 31);
  for (unsigned char b : e.address().to_v6().to_bytes()) h = h * 131 + b;
  return h;
}

UdpListener::UdpListener(Worker& w, std::string bindKey, udp::socket socket)
    : w_(w), key_(std::move(bindKey)), socket_(std::move(socket)), sweep_(w.io()), buf_(kMaxDatagram) {
  boost::system::error_code ignore;
  socket_.non_blocking(true, ignore);
}

UdpListener::~UdpListener() { close(); }

void UdpListener::start() {
  asio::co_spawn(w_.io(), receiveLoop(), asio::detached);
  asio::co_spawn(w_.io(), sweepLoop(), asio::detached);
}

void UdpListener::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignore;
  socket_.close(ignore);
  sweep_.cancel();
  for (auto& [from, s] : sessions_) end(*s);
  sessions_.clear();
}

void UdpListener::end(Session& s) {
  if (s.ended) return;
  s.ended = true;
  boost::system::error_code ignore;
  s.up.close(ignore);
  w_.stats.sub(w_.stats.udpSessionsActive);
}

awaitable<void> UdpListener::receiveLoop() {
  auto self = shared_from_this();
  while (!closed_) {
    auto [ec] = co_await socket_.async_wait(udp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
    if (ec || closed_) co_return;
    for (int i = 0; i < kBatch && !closed_; ++i) {
      udp::endpoint from;
      const size_t n = socket_.receive_from(asio::buffer(buf_), from, 0, ec);
      if (wouldBlock(ec)) break;
      if (ec) continue;  // e.g. an ICMP error queued on the socket: not a datagram
      fromClient(from, n);
    }
  }
}

void UdpListener::fromClient(const udp::endpoint& from, size_t n) {
  std::shared_ptr<Session> s;
  if (auto it = sessions_.find(from); it != sessions_.end()) {
    s = it->second;
  } else {
    s = open(from);
    if (!s) {
      w_.stats.add(w_.stats.udpDatagramsDropped);
      return;
    }
  }
  boost::system::error_code ec;
  s->up.send(asio::buffer(buf_.data(), n), 0, ec);
  if (ec) {
    w_.stats.add(w_.stats.udpDatagramsDropped);
    return;
  }
  s->last = Clock::now();
  w_.stats.add(w_.stats.udpDatagramsIn);
  w_.stats.add(w_.stats.l4BytesIn, n);
}

// A new client: the current config's route for this bind, a backend by
// weight, an endpoint of it. Null (the datagram is dropped) when the
// worker is at its session limit, there is no route, the chosen backendRef
// is invalid (its share of traffic is dropped, spec §7) or has no ready
// endpoint.
std::shared_ptr<UdpListener::Session> UdpListener::open(const udp::endpoint& from) {
  if (sessions_.size() >= w_.options().maxUdpSessionsPerWorker || !w_.runtime) return nullptr;
  const BindRuntime* b = w_.runtime->find(key_);
  if (!b) return nullptr;
  const ir::L4Route* route = nullptr;
  for (const auto& l : b->bind->listeners) {
    if ((route = firstL4Route(l))) break;
  }
  const ir::L4Backend* be = route ? pickL4Backend(*route, w_.rng) : nullptr;
  const ir::Cluster* c = be && !be->cluster.empty() ? w_.runtime->cluster(be->cluster) : nullptr;
  if (!c || c->endpoints.empty()) return nullptr;
  const ir::Endpoint& ep = c->endpoints[w_.balancer.pick(*c, w_.rng)];
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(ep.address, ec);
  if (ec) return nullptr;
  auto s = std::make_shared<Session>(w_.io());
  const udp::endpoint to(addr, static_cast<uint16_t>(ep.port));
  s->up.open(to.protocol(), ec);
  if (!ec) s->up.non_blocking(true, ec);
  if (!ec) s->up.connect(to, ec);  // no packet: fixes the peer, filters other senders
  if (ec) {
    w_.countConnectError(c->name);
    w_.stats.add(w_.stats.l4ConnectErrors);
    return nullptr;
  }
  s->client = from;
  s->last = Clock::now();
  sessions_.emplace(from, s);
  w_.stats.add(w_.stats.udpSessionsActive);
  asio::co_spawn(w_.io(), replyLoop(s), asio::detached);
  return s;
}

awaitable<void> UdpListener::replyLoop(std::shared_ptr<Session> s) {
  auto self = shared_from_this();
  while (!s->ended && !closed_) {
    auto [ec] = co_await s->up.async_wait(udp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
    if (ec || s->ended || closed_) co_return;
    for (int i = 0; i < kBatch; ++i) {
      const size_t n = s->up.receive(asio::buffer(buf_), 0, ec);
      if (wouldBlock(ec)) break;
      if (ec) continue;  // ICMP port unreachable from the endpoint, reported once
      socket_.send_to(asio::buffer(buf_.data(), n), s->client, 0, ec);
      if (ec) {
        w_.stats.add(w_.stats.udpDatagramsDropped);
        continue;
      }
      s->last = Clock::now();
      w_.stats.add(w_.stats.udpDatagramsOut);
      w_.stats.add(w_.stats.l4BytesOut, n);
    }
  }
}

awaitable<void> UdpListener::sweepLoop() {
  auto self = shared_from_this();
  const auto idle = w_.options().udpSessionIdleTimeout;
  // A quarter of the timeout, within [10 ms, 1 s]: a session ends at most
  // that late.
  const auto every = std::clamp<std::chrono::milliseconds>(idle / 4, std::chrono::milliseconds(10),
                                                           std::chrono::milliseconds(1000));
  while (!closed_) {
    sweep_.expires_after(every);
    auto [ec] = co_await sweep_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || closed_) co_return;
    const auto now = Clock::now();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (now - it->second->last >= idle) {
        end(*it->second);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace portico::dataplane
