// The per-connection state machine (internal). A Session reads a request
// head, routes it, answers locally or exchanges it with an upstream, and
// loops while the connection is keep-alive. Stream is tcp::socket or
// ssl::stream<tcp::socket>; members are defined in session.cc (downstream)
// and exchange.cc (upstream).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "dataplane/asio.h"
#include "dataplane/forward.h"
#include "dataplane/worker.h"
#include "http1/codec.h"
#include "router/router.h"

namespace portico::dataplane {

// The facts of one request kept for the access log.
struct RequestRecord {
  std::chrono::steady_clock::time_point start;
  std::string method, host, path, route, upstream, requestId;
  int status = 0;
  uint64_t bytesOut = 0;
};

template <class Stream>
class Session : public SessionHandle {
 public:
  Session(Worker& worker, Stream stream, std::string bindKey, std::string peer, bool tls);
  ~Session() override;

  awaitable<void> run();
  void drain() override;
  void forceClose() override { closeDownstream(); }

 private:
  // session.cc: downstream side
  awaitable<bool> readHead();
  awaitable<bool> handle();
  awaitable<bool> respond(int status, std::string_view body, bool keepAlive,
                          const std::vector<std::pair<std::string, std::string>>& extra = {});
  awaitable<bool> writeAll(std::string_view data);
  awaitable<void> watchdog();
  awaitable<void> serveLoop();
  void arm(std::chrono::milliseconds d);
  void closeDownstream();
  void logRequest();
  void countResponse(int status);
  std::string_view hostNoPort() const;

  // exchange.cc: upstream side
  struct Exchange {
    int status = 0;          // status to answer with when !responded
    bool responded = false;  // a response (or part of it) went downstream
    bool keepAlive = false;  // downstream connection may carry another request
    bool retryable = false;  // failed before anything was sent downstream
  };
  awaitable<bool> proxy(const ir::Route& route, int listenerPort);
  awaitable<Exchange> exchange(const ir::Route& route, const ir::Backend& backend, const ir::Cluster& cluster,
                               bool mayRetryStatus);
  awaitable<bool> relayRequestBody(UpstreamConnection& up);
  awaitable<bool> relayResponseBody(UpstreamConnection& up, const http1::ResponseHead& head, bool chunkedToClient,
                                    bool& upstreamReusable);
  void startMirrors(const ir::Route& route, const std::string& upstreamHead);

  // Request facts copied before the body relay may move the read buffer.
  std::string method_;
  int versionMinor_ = 1;
  bool bodyConsumed_ = true;
  std::string bodyBuf_;

 public:
  Worker& w_;
  Stream s_;
  std::string key_;
  std::string peer_;
  bool tls_;

  std::string buf_;   // read buffer; [0, len_) holds unread bytes
  size_t len_ = 0;
  size_t headLen_ = 0;  // bytes of the current request head at the front of buf_
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
  std::vector<std::pair<std::string, std::string>> corsHeaders_;
  asio::steady_timer deadline_;
  std::list<SessionHandle*>::iterator registration_;
};

tcp::socket& lowest(tcp::socket& s);
tcp::socket& lowest(asio::ssl::stream<tcp::socket>& s);

}  // namespace portico::dataplane
