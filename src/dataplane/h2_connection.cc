// Downstream HTTP/2 on nghttp2's callback API: bytes in (reader loop),
// frames out (writer loop), one coroutine per request stream
// (h2_stream.cc), started when the request's header block is complete.
// Flow control both ways: request DATA is acknowledged (WINDOW_UPDATE)
// only when the stream's coroutine takes it, so a slow upstream slows the
// client; response bytes wait in a bounded per-stream buffer until the
// client's window takes them.
#include "dataplane/h2_connection.h"

#include <nghttp2/nghttp2.h>

#include <cstring>

#include "dataplane/h2_data.h"
#include "dataplane/h2_impl.h"
#include "dataplane/session_impl.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {
namespace {

H2Connection& self(void* user) { return *static_cast<H2Connection*>(user); }

bool isRequestHeaders(const nghttp2_frame* frame) {
  return frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST;
}

int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  if (!isRequestHeaders(frame)) return 0;
  H2Connection& c = self(user);
  auto st = std::make_shared<H2Stream>(c.w_.io().get_executor());
  st->id = frame->hd.stream_id;
  c.streams_[st->id] = std::move(st);
  return 0;
}

int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
             const uint8_t* value, size_t valuelen, uint8_t, void* user) {
  if (!isRequestHeaders(frame)) return 0;  // request trailers are not forwarded
  H2Connection& c = self(user);
  auto st = c.find(frame->hd.stream_id);
  if (!st) return 0;
  st->headerBytes += namelen + valuelen + 32;
  if (st->headerBytes > c.maxHeaderList_) {
    st->headersTooLarge = true;
    return 0;
  }
  const std::string_view n(reinterpret_cast<const char*>(name), namelen);
  std::string v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":method") {
    st->method = std::move(v);
  } else if (n == ":path") {
    st->path = std::move(v);
  } else if (n == ":authority") {
    st->authority = std::move(v);
  } else if (n == ":scheme") {
    st->scheme = std::move(v);
  } else if (!n.starts_with(":")) {
    st->headers.emplace_back(std::string(n), std::move(v));
  }
  return 0;
}

int onDataChunk(nghttp2_session* session, uint8_t, int32_t streamId, const uint8_t* data, size_t len,
                void* user) {
  H2Connection& c = self(user);
  auto st = c.find(streamId);
  if (!st || st->discard) {
    nghttp2_session_consume(session, streamId, len);
    return 0;
  }
  // Bounded by the stream window (64 KiB): nothing is acknowledged until
  // the stream's coroutine takes it.
  st->body.append(reinterpret_cast<const char*>(data), len);
  st->bodyWake.cancel();
  return 0;
}

// The rapid-reset bucket: false once the client reset too many streams.
bool takeResetToken(H2Connection& c) {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - c.resetRefill_).count();
  c.resetRefill_ = now;
  c.resetTokens_ = std::min(kH2ResetBurst, c.resetTokens_ + seconds * kH2ResetsPerSecond);
  if (c.resetTokens_ < 1) return false;
  c.resetTokens_ -= 1;
  return true;
}

int onFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  if (frame->hd.type == NGHTTP2_RST_STREAM && !takeResetToken(self(user))) {
    nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM);
    return 0;
  }
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  H2Connection& c = self(user);
  auto st = c.find(frame->hd.stream_id);
  if (!st) return 0;
  if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
    st->bodyEnd = true;
    st->bodyWake.cancel();
  }
  // The request starts with its header block (its body, if any, streams
  // after it: gRPC client and bidirectional streaming need that).
  if (st->dispatched || !isRequestHeaders(frame)) return 0;
  st->dispatched = true;
  c.startStream(std::move(st));
  return 0;
}

int onStreamClose(nghttp2_session* session, int32_t streamId, uint32_t, void* user) {
  H2Connection& c = self(user);
  auto it = c.streams_.find(streamId);
  if (it == c.streams_.end()) return 0;
  H2Stream& st = *it->second;
  st.closed = true;
  // Body bytes nobody will take still hold the connection's window.
  if (!st.discard && !st.body.empty()) nghttp2_session_consume_connection(session, st.body.size());
  st.discard = true;
  st.wake.cancel();
  st.bodyWake.cancel();
  // Reset by the client mid-exchange: abandon the upstream request.
  if (st.abandonUpstream && !st.outEof) st.abandonUpstream();
  c.streams_.erase(it);
  return 0;
}

ssize_t readBody(nghttp2_session* session, int32_t streamId, uint8_t* buf, size_t length, uint32_t* flags,
                 nghttp2_data_source*, void* user) {
  H2Connection& c = self(user);
  auto st = c.find(streamId);
  if (!st) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  const ssize_t n =
      readPending(H2Pending{st->out, st->outAt, st->outEof, st->deferred, st->wake}, buf, length, flags);
  // Trailers follow the last DATA frame in a HEADERS frame that ends the
  // stream (RFC 9113 §8.1).
  if (n >= 0 && (*flags & NGHTTP2_DATA_FLAG_EOF) && !st->trailers.empty()) {
    *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    auto nva = toNv(st->trailers);
    nghttp2_submit_trailer(session, streamId, nva.data(), nva.size());
  }
  return n;
}

}  // namespace

bool isConnectionSpecific(std::string_view name) {
  // RFC 9113 §8.2.2 (TE is dropped too: only "trailers" may cross, and an
  // HTTP/1.1 upstream gains nothing from it).
  return http1::iequals(name, "connection") || http1::iequals(name, "keep-alive") ||
         http1::iequals(name, "proxy-connection") || http1::iequals(name, "transfer-encoding") ||
         http1::iequals(name, "upgrade") || http1::iequals(name, "te") ||
         http1::iequals(name, "http2-settings");
}

H2Connection::H2Connection(Worker& worker, std::string bindKey, std::string peer, bool tls,
                           const ir::Listener* sniListener)
    : w_(worker),
      key_(std::move(bindKey)),
      peer_(std::move(peer)),
      tls_(tls),
      sniListener_(sniListener),
      maxHeaderList_(worker.options().limits.maxHeaderBytes),
      maxBody_(worker.options().maxRequestBody
                   ? std::min<uint64_t>(worker.options().maxRequestBody, kH2MaxRequestBody)
                   : kH2MaxRequestBody),
      writeWake_(worker.io()),
      streamsDone_(worker.io()) {
  registration_ = w_.sessions.insert(w_.sessions.end(), this);
  w_.liveConnections.fetch_add(1, std::memory_order_relaxed);
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, onBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cb, onHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, onDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, onFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, onStreamClose);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);  // takeBody() acknowledges
  // CONTINUATION flood (CVE-2024-28182): a header block may span at most 8
  // CONTINUATION frames (nghttp2's default, set here so it cannot drift);
  // beyond, the connection ends with a GOAWAY.
  nghttp2_option_set_max_continuations(opt, 8);
  nghttp2_session_server_new2(&ng_, cb, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  nghttp2_settings_entry settings[2];
  settings[0].settings_id = NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS;
  settings[0].value = kH2MaxConcurrentStreams;
  settings[1].settings_id = NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE;
  settings[1].value = static_cast<uint32_t>(maxHeaderList_);
  nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, settings, 2);
  nghttp2_session_set_local_window_size(ng_, NGHTTP2_FLAG_NONE, 0, kH2ConnectionWindow);
  lastActivity_ = std::chrono::steady_clock::now();
  resetRefill_ = lastActivity_;
}

H2Connection::~H2Connection() {
  nghttp2_session_del(ng_);
  w_.sessions.erase(registration_);
  w_.liveConnections.fetch_sub(1, std::memory_order_relaxed);
}

std::shared_ptr<H2Stream> H2Connection::find(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second;
}

bool H2Connection::receive(const char* data, size_t len) {
  const ssize_t n = nghttp2_session_mem_recv(ng_, reinterpret_cast<const uint8_t*>(data), len);
  if (n < 0) failed_ = true;
  return n >= 0;
}

std::string H2Connection::takeOutput() {
  std::string out;
  for (;;) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(ng_, &data);
    if (n < 0) failed_ = true;
    if (n <= 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    if (out.size() >= 256 * 1024) break;  // write this much before framing more
  }
  return out;
}

bool H2Connection::wantsIo() const {
  return !failed_ && (nghttp2_session_want_read(ng_) != 0 || nghttp2_session_want_write(ng_) != 0);
}

// Graceful: GOAWAY with the last stream taken; streams in flight finish,
// then the session has nothing left to read or write and closes.
void H2Connection::drain() {
  if (draining_ || closed_) return;
  draining_ = true;
  nghttp2_submit_goaway(ng_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(ng_),
                        NGHTTP2_NO_ERROR, nullptr, 0);
  kick();
}

void H2Connection::forceClose() {
  closeSocket();
  closeAll();
}

void H2Connection::closeAll() {
  closed_ = true;
  kick();
  for (auto& [id, st] : streams_) {
    st->closed = true;
    st->wake.cancel();
    st->bodyWake.cancel();
    if (st->abandonUpstream) st->abandonUpstream();
  }
}

awaitable<void> H2Connection::waitStreams() {
  while (running_ > 0) {
    streamsDone_.expires_at(std::chrono::steady_clock::time_point::max());
    co_await streamsDone_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void H2Connection::startStream(std::shared_ptr<H2Stream> st) {
  ++running_;
  // Posted: nghttp2 is inside mem_recv here, and co_spawn would start the
  // coroutine inline.
  asio::post(w_.io(), [this, st = std::move(st)]() mutable {
    asio::co_spawn(w_.io(), serveStream(std::move(st)), [this](std::exception_ptr) {
      if (--running_ == 0) streamsDone_.cancel();
      kick();
    });
  });
}

void H2Connection::submitResponse(H2Stream& st, int status, const FieldList& fields, bool hasBody) {
  if (st.closed || closed_) return;
  FieldList all;
  all.reserve(fields.size() + 1);
  all.emplace_back(":status", std::to_string(status));
  for (const auto& [n, v] : fields) {
    if (isConnectionSpecific(n)) continue;
    std::string lower = n;
    for (char& ch : lower) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
    }
    all.emplace_back(std::move(lower), v);
  }
  auto nva = toNv(all);
  st.responding = true;
  nghttp2_data_provider provider{};
  provider.read_callback = readBody;
  nghttp2_submit_response(ng_, st.id, nva.data(), nva.size(), hasBody ? &provider : nullptr);
  kick();
}

awaitable<bool> H2Connection::pushData(H2Stream& st, std::string_view data) {
  while (!st.closed && !closed_ && st.out.size() - st.outAt >= kH2StreamBuffer) {
    st.wake.expires_at(std::chrono::steady_clock::time_point::max());
    co_await st.wake.async_wait(asio::as_tuple(asio::use_awaitable));
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) co_return false;
  }
  if (st.closed || closed_) co_return false;
  appendPending(st.out, st.outAt, data);
  if (st.deferred) {
    st.deferred = false;
    nghttp2_session_resume_data(ng_, st.id);
  }
  kick();
  co_return true;
}

awaitable<bool> H2Connection::takeBody(H2Stream& st, std::string& into, const bool* stop) {
  while (st.body.empty() && !st.bodyEnd && !st.closed && !closed_ && !(stop && *stop)) {
    st.bodyWake.expires_at(std::chrono::steady_clock::time_point::max());
    co_await st.bodyWake.async_wait(asio::as_tuple(asio::use_awaitable));
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) co_return false;
  }
  if (st.closed || closed_) co_return false;
  const size_t n = st.body.size();
  if (n == 0) co_return true;
  into.append(st.body);
  st.body.clear();
  nghttp2_session_consume(ng_, st.id, n);
  kick();
  co_return true;
}

void H2Connection::endStreamWork(H2Stream& st) {
  if (st.discard) return;
  st.discard = true;
  if (st.closed || closed_) return;
  if (!st.body.empty()) nghttp2_session_consume(ng_, st.id, st.body.size());
  st.body.clear();
  // A client still sending gets its DATA acknowledged and dropped (no
  // RST_STREAM: it would overtake response DATA still queued).
  kick();
}

void H2Connection::finishData(H2Stream& st, FieldList trailers) {
  if (st.closed || closed_) return;
  for (auto& [n, v] : trailers) {
    for (char& ch : n) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
    }
  }
  std::erase_if(trailers, [](const auto& f) { return isConnectionSpecific(f.first); });
  st.trailers = std::move(trailers);
  st.outEof = true;
  if (st.deferred) {
    st.deferred = false;
    nghttp2_session_resume_data(ng_, st.id);
  }
  kick();
}

void H2Connection::resetStream(H2Stream& st) {
  if (st.closed || closed_) return;
  nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, st.id, NGHTTP2_INTERNAL_ERROR);
  kick();
}

namespace {

template <class Stream>
class H2ConnectionT final : public H2Connection {
 public:
  H2ConnectionT(Worker& worker, Stream stream, std::string bindKey, std::string peer, bool tls,
                const ir::Listener* sniListener)
      : H2Connection(worker, std::move(bindKey), std::move(peer), tls, sniListener), s_(std::move(stream)) {}

  awaitable<void> run(std::string initial) {
    using namespace asio::experimental::awaitable_operators;
    if (w_.draining) drain();
    if (!initial.empty() && !receive(initial.data(), initial.size())) readDone_ = true;
    co_await (readLoop() && writeLoop());
    closeSocket();
    closeAll();
    co_await waitStreams();
  }

 private:
  awaitable<void> readLoop() {
    std::string buf(16 * 1024, '\0');
    while (!closed_ && !readDone_) {
      auto [ec, n] = co_await s_.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                 asio::as_tuple(asio::use_awaitable));
      if (ec || n == 0) break;
      lastActivity_ = std::chrono::steady_clock::now();
      if (!receive(buf.data(), n)) break;  // a GOAWAY may be queued: the writer flushes it
      kick();
    }
    readDone_ = true;
    kick();
  }

  awaitable<void> writeLoop() {
    for (;;) {
      if (closed_) break;
      std::string out = takeOutput();
      if (!out.empty()) {
        auto [ec, n] = co_await asio::async_write(s_, asio::buffer(out.data(), out.size()),
                                                  asio::as_tuple(asio::use_awaitable));
        if (ec) break;
        lastActivity_ = std::chrono::steady_clock::now();
        continue;
      }
      if (readDone_ || !wantsIo()) break;
      // Idle (no stream in progress): close after idleTimeout with a GOAWAY.
      const bool idle = running_ == 0 && streams_.empty();
      if (idle) {
        writeWake_.expires_at(lastActivity_ + w_.options().idleTimeout);
      } else {
        writeWake_.expires_at(std::chrono::steady_clock::time_point::max());
      }
      auto [ec] = co_await writeWake_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (!ec && idle && running_ == 0 && streams_.empty() &&
          std::chrono::steady_clock::now() >= lastActivity_ + w_.options().idleTimeout) {
        drain();
      }
    }
    closeSocket();  // ends the reader
  }

  void closeSocket() override {
    if (socketClosed_) return;
    socketClosed_ = true;
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      if (SSL_is_init_finished(s_.native_handle()))
        SSL_set_shutdown(s_.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    boost::system::error_code ec;
    lowest(s_).shutdown(tcp::socket::shutdown_both, ec);
    lowest(s_).close(ec);
  }

  Stream s_;
  bool readDone_ = false;
  bool socketClosed_ = false;
};

}  // namespace

awaitable<void> serveH2(Worker& worker, tcp::socket socket, std::string bindKey, std::string peer,
                        std::string initial) {
  H2ConnectionT<tcp::socket> c(worker, std::move(socket), std::move(bindKey), std::move(peer), false,
                               nullptr);
  co_await c.run(std::move(initial));
}

awaitable<void> serveH2(Worker& worker, asio::ssl::stream<tcp::socket> stream, std::string bindKey,
                        std::string peer, const ir::Listener* sniListener, RuntimePtr pin) {
  H2ConnectionT<asio::ssl::stream<tcp::socket>> c(worker, std::move(stream), std::move(bindKey),
                                                  std::move(peer), true, sniListener);
  co_await c.run(std::string());
  pin.reset();  // the handshake's runtime (sniListener) was needed until here
}

}  // namespace portico::dataplane
