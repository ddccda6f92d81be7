// HTTP/2 connection internals shared by h2_connection.cc (nghttp2 glue,
// socket loops) and h2_stream.cc (one coroutine per stream: routing,
// local answers, the HTTP/1.1 exchange with the upstream).
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/access_log.h"
#include "dataplane/asio.h"
#include "dataplane/upstream_pool.h"
#include "dataplane/worker.h"

struct nghttp2_session;

namespace portico::dataplane {

using FieldList = std::vector<std::pair<std::string, std::string>>;

// Advertised in SETTINGS and enforced by nghttp2.
inline constexpr uint32_t kH2MaxConcurrentStreams = 100;
// Response bytes buffered per stream ahead of the client's window.
inline constexpr size_t kH2StreamBuffer = 64 * 1024;
// Request bodies going to an HTTP/1.1 upstream are held whole first (sent
// with a Content-Length); beyond this (or ServerOptions::maxRequestBody)
// 413. To an HTTP/2 upstream they stream, bounded by the stream window.
inline constexpr size_t kH2MaxRequestBody = 8 * 1024 * 1024;
// Connection-level receive window (the stream window stays 64 KiB): one
// stream whose body is not being read never blocks the others.
inline constexpr int32_t kH2ConnectionWindow = 16 * 1024 * 1024;
// Rapid reset (CVE-2023-44487): streams the client may reset, as a token
// bucket: a burst of 500, then 33 a second. Beyond it the connection ends
// with GOAWAY ENHANCE_YOUR_CALM. Debian's nghttp2 carries the library's own
// limit (1000, then 33/s, ending with INTERNAL_ERROR); ours is tighter so
// it always acts first and the client is told why.
inline constexpr double kH2ResetBurst = 500;
inline constexpr double kH2ResetsPerSecond = 33;

struct H2Stream {
  explicit H2Stream(asio::any_io_executor ex) : bodyWake(ex), wake(ex) {}
  int32_t id = 0;
  // Request as received (pseudo-header fields apart, names lower case).
  std::string method, scheme, authority, path;
  FieldList headers;
  size_t headerBytes = 0;  // RFC 9113 §6.5.2 accounting: name + value + 32
  bool headersTooLarge = false;
  // Request DATA received and not yet taken by the stream's coroutine
  // (acknowledged to the client only when taken: H2Connection::takeBody).
  std::string body;
  bool bodyEnd = false;  // END_STREAM received
  bool discard = false;  // nobody reads the body any more: acknowledge on arrival
  asio::steady_timer bodyWake;
  bool dispatched = false;
  bool closed = false;  // nghttp2 closed the stream (reset, connection gone)

  // Response body on its way into DATA frames.
  bool responding = false;
  std::string out;
  size_t outAt = 0;
  bool outEof = false;
  bool deferred = false;  // the data provider returned NGHTTP2_ERR_DEFERRED
  FieldList trailers;
  asio::steady_timer wake;  // the stream coroutine waits here for buffer space

  // Abandons the upstream exchange in progress (closes the HTTP/1.1
  // connection, resets the HTTP/2 stream) when the client resets the
  // stream or the connection goes; empty when there is none.
  std::function<void()> abandonUpstream;
};

// RFC 9113 §8.2.2: fields that never appear in HTTP/2 messages.
bool isConnectionSpecific(std::string_view name);

class H2Connection : public SessionHandle {
 public:
  H2Connection(Worker& worker, std::string bindKey, std::string peer, bool tls,
               const ir::Listener* sniListener);
  ~H2Connection() override;
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  void drain() override;
  void forceClose() override;

  // nghttp2 input/output (h2_connection.cc).
  bool receive(const char* data, size_t len);
  std::string takeOutput();
  bool wantsIo() const;
  void kick() { writeWake_.cancel(); }  // output may be due

  // Per stream (h2_stream.cc).
  awaitable<void> serveStream(std::shared_ptr<H2Stream> st);
  void startStream(std::shared_ptr<H2Stream> st);

  // Response submission (h2_connection.cc).
  void submitResponse(H2Stream& st, int status, const FieldList& fields, bool hasBody);
  awaitable<bool> pushData(H2Stream& st, std::string_view data);
  // Request body: appends what has arrived to `into` (waiting until some
  // has, the body ended or `*stop` turned true) and opens the client's
  // window by as much. False when the stream or connection is gone.
  awaitable<bool> takeBody(H2Stream& st, std::string& into, const bool* stop = nullptr);
  // The stream's coroutine is done: DATA still arriving is dropped and
  // acknowledged.
  void endStreamWork(H2Stream& st);
  void finishData(H2Stream& st, FieldList trailers);
  void resetStream(H2Stream& st);

  // Stream callbacks state, public for the C callbacks.
  std::shared_ptr<H2Stream> find(int32_t id);
  Worker& w_;
  std::string key_;
  std::string peer_;
  bool tls_;
  const ir::Listener* sniListener_;
  nghttp2_session* ng_ = nullptr;
  std::map<int32_t, std::shared_ptr<H2Stream>> streams_;
  size_t maxHeaderList_;
  size_t maxBody_;
  bool closed_ = false;
  bool draining_ = false;
  bool failed_ = false;
  size_t running_ = 0;  // stream coroutines alive
  double resetTokens_ = kH2ResetBurst;
  std::chrono::steady_clock::time_point resetRefill_;
  asio::steady_timer writeWake_;
  asio::steady_timer streamsDone_;
  std::chrono::steady_clock::time_point lastActivity_;
  std::list<SessionHandle*>::iterator registration_;

 protected:
  virtual void closeSocket() = 0;
  void closeAll();  // socket closed: wake every stream, close upstreams
  awaitable<void> waitStreams();
};

}  // namespace portico::dataplane
