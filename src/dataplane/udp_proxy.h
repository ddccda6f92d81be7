// A UDP listener's socket on one worker (UDPRoute). Each worker has its
// own SO_REUSEPORT socket per UDP bind; the kernel hashes a client's
// address to one of them, so a client's sessions live on one worker.
// Internal to the data plane.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/asio.h"

namespace portico::dataplane {

class Worker;

// Sessions keyed by client address: the first datagram picks a backend by
// weight and an endpoint, and opens a UDP socket connected to it; the
// client's later datagrams go there, and what the endpoint sends back
// goes to the client from the listener's socket (so the client sees the
// address it sent to). A session ends after udpSessionIdleTimeout without
// a datagram either way (one periodic sweep per listener, not a timer per
// datagram); a reload keeps sessions and their backend. Sends never wait:
// a datagram that finds a full socket buffer is dropped, as the network
// would.
class UdpListener : public std::enable_shared_from_this<UdpListener> {
 public:
  UdpListener(Worker& w, std::string bindKey, asio::ip::udp::socket socket);
  ~UdpListener();
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  void start();
  // Closes the socket and every session (bind removed, drain, teardown).
  void close();
  size_t sessions() const { return sessions_.size(); }

 private:
  struct Session;
  struct EndpointHash {
    size_t operator()(const asio::ip::udp::endpoint& e) const;
  };

  awaitable<void> receiveLoop();
  awaitable<void> replyLoop(std::shared_ptr<Session> s);
  awaitable<void> sweepLoop();
  void fromClient(const asio::ip::udp::endpoint& from, size_t n);
  std::shared_ptr<Session> open(const asio::ip::udp::endpoint& from);
  void end(Session& s);

  Worker& w_;
  std::string key_;
  asio::ip::udp::socket socket_;
  asio::steady_timer sweep_;
  std::vector<char> buf_;  // one datagram at a time: the worker is one thread
  std::unordered_map<asio::ip::udp::endpoint, std::shared_ptr<Session>, EndpointHash> sessions_;
  bool closed_ = false;
};

}  // namespace portico::dataplane
