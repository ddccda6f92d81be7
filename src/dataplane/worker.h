// One worker thread: its io_context, its acceptors (SO_REUSEPORT, one per
// bind), its upstream pool and its view of the current config. Everything
// here is touched only from the worker's own thread, except where marked.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include "dataplane/access_log.h"
#include "dataplane/asio.h"
#include "dataplane/h2_client.h"
#include "dataplane/load_balancer.h"
#include "dataplane/runtime.h"
#include "dataplane/server.h"
#include "dataplane/stats.h"
#include "dataplane/upstream_pool.h"

namespace portico::dataplane {

class UdpListener;  // udp_proxy.h

// What a worker needs from a live connection when draining or reloading.
class SessionHandle {
 public:
  virtual ~SessionHandle() = default;
  // Close now if idle between requests; otherwise after the current one.
  virtual void drain() = 0;
  // Close now, whatever the state (server teardown).
  virtual void forceClose() = 0;
};

class Worker {
 public:
  Worker(int index, const ServerOptions& options);
  ~Worker();

  asio::io_context& io() { return io_; }
  int index() const { return index_; }
  const ServerOptions& options() const { return options_; }

  // Thread body: runs until stop().
  void run();
  void stop() { io_.stop(); }

  // Declared first so it is destroyed last: every socket and coroutine
  // frame below belongs to it.
 private:
  asio::io_context io_{1};  // one thread: concurrency hint lets Asio skip locking

 public:
  // --- worker-thread state -------------------------------------------------
  RuntimePtr runtime;  // the config new requests use
  UpstreamPool pool;
  H2ClientPool h2pool;  // HTTP/2 backends (gRPC, appProtocol kubernetes.io/h2c)
  std::mt19937_64 rng;
  EndpointBalancer balancer;  // endpoint choice and in-flight counts
  std::unordered_map<std::string, std::shared_ptr<tcp::acceptor>> acceptors;   // by bindKey
  std::unordered_map<std::string, std::shared_ptr<UdpListener>> udpListeners;  // by bindKey (UDP binds)
  std::list<SessionHandle*> sessions;
  bool draining = false;

  // Starts accepting on `acceptor` for the bind `key`.
  void adopt(const std::string& key, std::shared_ptr<tcp::acceptor> acceptor);
  // Starts serving datagrams on `socket` for the UDP bind `key`.
  void adoptUdp(const std::string& key, std::shared_ptr<asio::ip::udp::socket> socket);
  // Closes the bind's acceptor or UDP socket (and its UDP sessions).
  void closeAcceptor(const std::string& key);
  void beginDrain();

  // Readable from any thread (drain waits on it; the admin sums stats).
  std::atomic<size_t> liveConnections{0};
  WorkerStats stats;
  LabelledStats labelled;  // worker thread only (collected by posting)

  // What a request leaves behind, for HTTP/1.1 sessions and HTTP/2 streams
  // alike (request_log.cc). countResponse: the labelled counters, moved
  // when the response head is about to be written (`rec.status` set);
  // finishRequest: the latency histogram and the access-log line.
  // `answered`, when set, ends the latency the histogram sees (an upgraded
  // connection's 101) while the log line covers the whole connection.
  void countResponse(RequestRecord& rec, int status, const Runtime* rt, const ir::Listener* listener,
                     const std::string* backendLabel);
  // A connection attempt to an endpoint of `cluster` failed.
  void countConnectError(const std::string& cluster) {
    stats.add(stats.upstreamConnectErrors);
    ++labelled.connectErrors[cluster];
  }
  void finishRequest(const RequestRecord& rec, std::string_view peer,
                     std::chrono::steady_clock::time_point answered = {});

 private:
  awaitable<void> acceptLoop(std::string key, std::shared_ptr<tcp::acceptor> acceptor);
  awaitable<void> sweepLoop();

  int index_;
  const ServerOptions& options_;
  bool stopping_ = false;
  asio::steady_timer sweepTimer_{io_};
};

}  // namespace portico::dataplane
