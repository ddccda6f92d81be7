// The per-connection state machine (internal). A Session reads a request
// head, routes it, answers locally or exchanges it with an upstream, and
// loops while the connection is keep-alive. Stream is tcp::socket or
// ssl::stream<tcp::socket>; members are defined in session.cc
// (downstream), request_log.cc (counters, access log), linger.cc
// (closing), proxy.cc (backend choice, attempts), exchange.cc (one upstream
// round trip), request_body.cc, mirror.cc and tunnel.cc (Upgrade).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/access_log.h"
#include "dataplane/asio.h"
#include "dataplane/forward.h"
#include "dataplane/worker.h"
#include "http1/codec.h"
#include "router/router.h"

namespace portico::dataplane {

template <class Stream>
class Session : public SessionHandle {
 public:
  Session(Worker& worker, Stream stream, std::string bindKey, std::string peer, bool tls);
  ~Session() override;

  awaitable<void> run();
  void drain() override;
  void forceClose() override { closeDownstream(); }

 private:
  using ExtraHeaders = std::vector<std::pair<std::string, std::string>>;

  // session.cc: downstream side
  awaitable<bool> readHead();
  awaitable<bool> handle();
  awaitable<bool> respond(int status, std::string_view body, bool keepAlive, const ExtraHeaders& extra = {});
  awaitable<bool> redirect(const ir::Redirect& r, bool keepAlive);
  awaitable<bool> writeAll(std::string_view data);
  awaitable<void> watchdog();
  awaitable<void> serveLoop();
  void arm(std::chrono::milliseconds d);  // a fixed deadline for this phase (idle, head, handshake, linger)
  void armStream();                       // serving a request: an inactivity deadline instead
  void touch() { activity_ = std::chrono::steady_clock::now(); }  // bytes moved to or from the client
  // The longest silence allowed while serving: a request's, or an
  // upgraded connection's (tunnel.cc; once a side has ended, lingerTimeout).
  std::chrono::milliseconds streamLimit() const {
    if (!tunnel_) return w_.options().streamIdleTimeout;
    if (halfClosed_) return std::min(w_.options().tunnelIdleTimeout, w_.options().lingerTimeout);
    return w_.options().tunnelIdleTimeout;
  }
  void closeDownstream();
  std::string_view hostNoPort() const;

  // request_log.cc
  void logRequest();
  void countResponse(int status);

  // linger.cc: closing without losing the last response
  bool unreadInput();
  awaitable<void> lingeringClose();

  // proxy.cc / exchange.cc: upstream side
  enum class Unsent {
    No,          // response bytes arrived, or the failure is not a connection's
    Incomplete,  // the upstream cannot hold the whole request (write failed)
    NoResponse,  // whole request written, connection closed before any response byte
  };
  struct Exchange {
    int status = 0;          // status to answer with when !responded
    bool responded = false;  // a response (or part of it) went downstream
    bool keepAlive = false;  // downstream connection may carry another request
    bool retryable = false;  // failed before anything was sent downstream
    Unsent unsent = Unsent::No;
    bool tunnel = false;  // 101 written downstream: tunnelUp_ holds the upgraded connection
  };
  awaitable<bool> proxy(const ir::Route& route);
  awaitable<Exchange> exchange(const ir::Route& route, const ir::Backend& backend, const ir::Cluster& cluster,
                               const std::string& head, bool mayRetryStatus);
  awaitable<Exchange> roundTrip(std::unique_ptr<UpstreamConnection>& up, const ir::Route& route,
                                const ir::Backend& backend, const std::string& head, bool mayRetryStatus);
  awaitable<bool> relayResponseBody(UpstreamConnection& up, const http1::ResponseHead& head,
                                    bool chunkedToClient, bool& upstreamReusable);
  void startMirrors(const ir::Route& route, const std::string& upstreamHead);
  // The CORS response headers of the request (evaluated in session.cc), in
  // a response head about to go downstream.
  void addCorsHeaders(std::string& head) const;

  // session_h2.cc: the exchange with an HTTP/2 backend (appProtocol
  // kubernetes.io/h2c): body held whole, response back as HTTP/1.1
  awaitable<Exchange> exchangeH2(const ir::Route& route, const ir::Backend& backend,
                                 const ir::Cluster& cluster, const std::string& head, bool mayRetryStatus);
  awaitable<Exchange> roundTripH2(H2ClientConnection& conn, H2ClientStream& up, const ir::Route& route,
                                  const ir::Backend& backend, const std::string& data, bool mayRetryStatus);
  std::string heldBodyData() const;
  bool chunkedRequest_ = false;  // the held body keeps its chunked framing

  // tunnel.cc: an upgraded connection (101) spliced both ways
  awaitable<void> tunnel();
  awaitable<void> pumpToUpstream();
  awaitable<void> pumpToClient();

  // request_body.cc: the request body, streamed or held for replays
  enum class BodyResult { Ok, ClientFailed, TooLarge, UpstreamFailed };
  void resetBody();
  awaitable<bool> sendContinue();
  awaitable<BodyResult> bufferBody(size_t limit);
  awaitable<BodyResult> sendBody(UpstreamConnection& up);
  awaitable<BodyResult> relayBody(UpstreamConnection& up);
  awaitable<BodyResult> pumpChunked(UpstreamConnection* up, size_t limit);
  // Whether the connection can carry another request after an answer now.
  bool keepAfter() const { return req_.keepAlive && !drainRequested_ && body_.consumed; }
  // The body can go upstream (again) from the start.
  bool bodyResendable() const { return !body_.present || body_.whole || !body_.started; }

  // Request facts copied before the body relay may move the read buffer.
  std::string method_;
  int versionMinor_ = 1;

  struct Body {
    bool present = false;  // the request has framing (Content-Length or chunked)
    bool consumed = true;  // every body byte was read from the client
    bool started = false;  // bytes of it went upstream (a streamed body cannot go again)
    bool whole = false;    // `held` is the complete body: retries and mirrors can send it
    bool continueSent = false;
    uint64_t remaining = 0;  // Content-Length bytes not read from the client yet
    uint64_t decoded = 0;    // chunked payload so far (maxRequestBody)
    http1::ChunkedDecoder chunked;
    // Bytes read ahead of the upstream (the whole body, or the prefix read
    // before it outgrew the limit). Shared with mirrors still writing it.
    std::shared_ptr<std::string> held;
  } body_;
  std::string relayBuf_;
  // HTTP/1.1 Upgrade (tunnel.cc): the request's Upgrade goes upstream;
  // after a 101, the upstream connection (never pooled again) and the
  // time the 101 went out (the request's latency for the histogram).
  bool upgrading_ = false;
  bool tunnel_ = false;
  bool halfClosed_ = false;  // a side of the tunnel sent its end of stream
  std::unique_ptr<UpstreamConnection> tunnelUp_;
  std::chrono::steady_clock::time_point switchedAt_{};

 public:
  Worker& w_;
  Stream s_;
  std::string key_;
  std::string peer_;
  bool tls_;

  // Read buffer; [0, len_) holds unread bytes. It starts small, so an idle
  // keep-alive connection costs little (it was 76 KiB, zero-filled: 85 KiB
  // of RSS per idle connection, bench/RESULTS.md), and grows on demand up to
  // the head limit plus one body chunk (growBuffer).
  std::string buf_;
  static constexpr size_t kInitialBuffer = 4 * 1024;
  static constexpr size_t kStreamBuffer = 16 * 1024;  // bodies and tunnels: fewer, larger reads
  // Grows buf_ to at least `want` bytes (never beyond the limit); false when
  // it is at the limit already.
  bool growBuffer(size_t want);
  size_t len_ = 0;
  size_t headLen_ = 0;  // bytes of the current request (head, body read so far) at the front of buf_
  http1::RequestHead req_;
  RuntimePtr rt_;  // pinned for the current request
  const BindRuntime* bind_ = nullptr;
  // The listener the TLS handshake chose, in the config of the handshake
  // (kept alive by serveConnection for the connection's life), and that
  // config's bind.
  const ir::Listener* sniListener_ = nullptr;
  const BindRuntime* tlsBind_ = nullptr;
  RequestRecord rec_;
  const ir::Listener* listener_ = nullptr;  // of the current request, for metrics
  const std::string* backendLabel_ = nullptr;
  bool idle_ = true;
  bool drainRequested_ = false;
  bool closed_ = false;
  bool responseStarted_ = false;
  bool firstRequest_ = true;  // nothing served yet on this connection
  // The connection speaks HTTP/2 (ALPN h2, or the h2c preface on a plain
  // connection): run() returned without closing; serveConnection hands
  // the stream (and buf_'s bytes) to serveH2().
  bool h2Handoff_ = false;
  std::vector<std::pair<std::string, std::string>> corsHeaders_;
  asio::steady_timer deadline_;
  bool streaming_ = false;  // the deadline is activity_ + streamIdleTimeout
  std::chrono::steady_clock::time_point activity_;
  std::list<SessionHandle*>::iterator registration_;
};

// `old`'s counterpart among `bind`'s listeners after a reload (same
// owner, name, hostname and protocol), or null when it is gone.
const ir::Listener* sameListener(const ir::Listener& old, const ir::Bind& bind);

// The HTTP/2 client connection preface (RFC 9113 §3.4).
inline constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

tcp::socket& lowest(tcp::socket& s);
tcp::socket& lowest(asio::ssl::stream<tcp::socket>& s);

}  // namespace portico::dataplane
