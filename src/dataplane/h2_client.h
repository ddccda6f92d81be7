// Upstream HTTP/2 (h2c) for backends that speak it: Service ports with
// appProtocol kubernetes.io/h2c (GEP-1911) and every GRPCRoute backend
// (gRPC is HTTP/2 only). One multiplexed connection per endpoint carries
// many streams; each worker owns its pool, so nothing here is locked.
//
// A stream's two directions run as separate coroutines in the caller
// (request body out, response in), each with its own bounded buffer and
// wake-up timer: a slow backend holds back the client's window, a slow
// client the backend's (flow control end to end, no unbounded buffering).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dataplane/asio.h"
#include "dataplane/upstream_pool.h"

struct nghttp2_session;

namespace portico::dataplane {

using FieldList = std::vector<std::pair<std::string, std::string>>;

// Request and response bytes buffered per upstream stream ahead of the
// peer's window (the client's or the backend's).
inline constexpr size_t kH2UpstreamBuffer = 64 * 1024;

// RST_STREAM CANCEL (RFC 9113 §7): the proxy no longer wants the stream.
inline constexpr uint32_t kH2Cancel = 0x8;

struct H2ClientStream {
  explicit H2ClientStream(asio::any_io_executor ex) : outWake(ex), inWake(ex) {}
  int32_t id = -1;

  // Request body on its way into DATA frames.
  std::string out;
  size_t outAt = 0;
  bool outEof = false;
  bool deferred = false;  // the data provider returned NGHTTP2_ERR_DEFERRED
  asio::steady_timer outWake;

  // Response as it arrives.
  int status = 0;  // final (non-1xx) status once its HEADERS frame is in
  FieldList headers;
  bool headersDone = false;
  std::string in;          // DATA not yet taken by the relay
  bool inEnd = false;      // END_STREAM received
  FieldList trailers;      // the trailing HEADERS frame, if any
  bool closed = false;     // nghttp2 closed the stream (ended, reset, connection gone)
  uint32_t errorCode = 0;  // RST_STREAM / GOAWAY code when closed abnormally
  bool refused = false;    // the backend never processed it (REFUSED_STREAM, GOAWAY): safe to retry
  bool resetSent = false;  // RST_STREAM submitted (once)
  asio::steady_timer inWake;

  FieldList pending;  // header block being received
  int pendingStatus = 0;
};

class H2ClientConnection : public std::enable_shared_from_this<H2ClientConnection> {
 public:
  H2ClientConnection(asio::any_io_executor ex, std::unique_ptr<UpstreamStream> stream, std::string endpoint,
                     std::chrono::milliseconds idleTimeout);
  ~H2ClientConnection();
  H2ClientConnection(const H2ClientConnection&) = delete;
  H2ClientConnection& operator=(const H2ClientConnection&) = delete;

  // Starts the reader and writer loops (they keep the connection alive).
  void start();
  // Room for another stream: open, no GOAWAY, under the backend's
  // SETTINGS_MAX_CONCURRENT_STREAMS.
  bool usable() const;
  size_t activeStreams() const { return streams_.size(); }
  bool idleExpired(std::chrono::steady_clock::time_point now) const;
  const std::string& endpoint() const { return endpoint_; }

  // A new stream with `fields` (pseudo-header fields first); the request
  // ends with the HEADERS frame when `endStream`. Null when the session
  // refuses it.
  std::shared_ptr<H2ClientStream> open(FieldList fields, bool endStream);
  // Request body: waits while kH2UpstreamBuffer bytes are ahead of the
  // backend's window; false once the stream or connection is gone.
  awaitable<bool> write(H2ClientStream& st, std::string_view data);
  void finish(H2ClientStream& st);
  // Response body bytes handed on: the backend may send as many more.
  void consume(H2ClientStream& st, size_t n);
  void reset(H2ClientStream& st, uint32_t code);
  // GOAWAY and close once the streams in flight are done.
  void drain();
  void close();

  // State for nghttp2's C callbacks (h2_client.cc).
  std::shared_ptr<H2ClientStream> find(int32_t id);
  std::unordered_map<int32_t, std::shared_ptr<H2ClientStream>> streams_;
  bool goaway_ = false;
  int32_t goawayLastStream_ = 0;

 private:
  awaitable<void> readLoop(std::shared_ptr<H2ClientConnection> self);
  awaitable<void> writeLoop(std::shared_ptr<H2ClientConnection> self);
  void closeAll();
  void kick() { writeWake_.cancel(); }

  asio::any_io_executor ex_;
  std::unique_ptr<UpstreamStream> socket_;  // TCP (h2c) or TLS with ALPN h2
  std::string endpoint_;
  std::chrono::milliseconds idleTimeout_;
  nghttp2_session* ng_ = nullptr;
  bool closed_ = false;
  bool failed_ = false;
  bool draining_ = false;
  asio::steady_timer writeWake_;
  std::chrono::steady_clock::time_point lastActive_;
};

// Per-worker connections by endpoint ("address:port"), and TLS identity
// for backends with a BackendTLSPolicy (upstreamPoolKey).
class H2ClientPool {
 public:
  H2ClientPool(asio::any_io_executor ex, std::chrono::milliseconds idleTimeout)
      : ex_(ex), idleTimeout_(idleTimeout) {}
  ~H2ClientPool() { clear(); }

  // A connection with room for a stream, opening one (TCP connect, then
  // for `target`'s TLS the handshake with ALPN h2, each under `timeout`)
  // when none has. Null with `why` set when that fails.
  awaitable<std::shared_ptr<H2ClientConnection>> acquire(const std::string& address, int32_t port,
                                                         const UpstreamTarget& target,
                                                         std::chrono::milliseconds timeout,
                                                         ConnectFailure& why);
  // Drops connections that are closed or idle past the timeout.
  void sweep();
  // GOAWAY to every connection (drain); close() ends them now.
  void drain();
  void clear();
  size_t connectionCount() const;

 private:
  asio::any_io_executor ex_;
  std::chrono::milliseconds idleTimeout_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<H2ClientConnection>>> conns_;
};

}  // namespace portico::dataplane
