// Upstream HTTP/2 client on nghttp2's callback API: a reader and a writer
// loop per connection, streams as buffers the proxying coroutines fill and
// drain. Automatic WINDOW_UPDATE is off: response bytes are acknowledged
// only when the relay has handed them to the client (consume()), so a slow
// client slows the backend instead of growing a buffer (RFC 9113 §5.2).
#include "dataplane/h2_client.h"

#include "dataplane/h2_data.h"
#include "dataplane/upstream_pool.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {
namespace {

H2ClientConnection& self(void* user) { return *static_cast<H2ClientConnection*>(user); }

// Connection-level receive window: large enough that one stream's unread
// bytes (at most its 64 KiB stream window) never starve the others.
constexpr int32_t kConnectionWindow = 16 * 1024 * 1024;

int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  if (auto st = self(user).find(frame->hd.stream_id)) {
    st->pending.clear();
    st->pendingStatus = 0;
  }
  return 0;
}

int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
             const uint8_t* value, size_t valuelen, uint8_t, void* user) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto st = self(user).find(frame->hd.stream_id);
  if (!st) return 0;
  const std::string_view n(reinterpret_cast<const char*>(name), namelen);
  const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":status") {
    int status = 0;
    for (char ch : v) status = status * 10 + (ch - '0');  // nghttp2 checked it: three digits
    st->pendingStatus = status;
    return 0;
  }
  if (n.starts_with(":")) return 0;
  st->pending.emplace_back(std::string(n), std::string(v));
  return 0;
}

int onFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  H2ClientConnection& c = self(user);
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    c.goaway_ = true;
    c.goawayLastStream_ = frame->goaway.last_stream_id;
    return 0;
  }
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  auto st = c.find(frame->hd.stream_id);
  if (!st) return 0;
  if (frame->hd.type == NGHTTP2_HEADERS) {
    if (!st->headersDone) {
      // 1xx interim responses are dropped (the client gets the final one).
      if (st->pendingStatus >= 100 && st->pendingStatus < 200) return 0;
      st->status = st->pendingStatus;
      st->headers = std::move(st->pending);
      st->headersDone = true;
    } else {
      st->trailers = std::move(st->pending);
    }
    st->pending.clear();
  }
  if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) st->inEnd = true;
  st->inWake.cancel();
  return 0;
}

int onDataChunk(nghttp2_session*, uint8_t, int32_t streamId, const uint8_t* data, size_t len, void* user) {
  auto st = self(user).find(streamId);
  if (!st) return 0;
  st->in.append(reinterpret_cast<const char*>(data), len);
  st->inWake.cancel();
  return 0;
}

int onStreamClose(nghttp2_session* session, int32_t streamId, uint32_t errorCode, void* user) {
  H2ClientConnection& c = self(user);
  auto it = c.streams_.find(streamId);
  if (it == c.streams_.end()) return 0;
  H2ClientStream& st = *it->second;
  st.closed = true;
  st.errorCode = errorCode;
  // RFC 9113 §8.7: REFUSED_STREAM, or a stream above a GOAWAY's last
  // stream id, was not processed: the request may go again.
  st.refused = errorCode == NGHTTP2_REFUSED_STREAM || (c.goaway_ && streamId > c.goawayLastStream_);
  // Bytes the relay will not take any more still count against the
  // connection's window.
  if (!st.in.empty()) nghttp2_session_consume_connection(session, st.in.size());
  st.outWake.cancel();
  st.inWake.cancel();
  c.streams_.erase(it);
  return 0;
}

ssize_t readRequestBody(nghttp2_session*, int32_t streamId, uint8_t* buf, size_t length, uint32_t* flags,
                        nghttp2_data_source*, void* user) {
  auto st = self(user).find(streamId);
  if (!st) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  return readPending(H2Pending{st->out, st->outAt, st->outEof, st->deferred, st->outWake}, buf, length,
                     flags);
}

}  // namespace

H2ClientConnection::H2ClientConnection(asio::any_io_executor ex, std::unique_ptr<UpstreamStream> stream,
                                       std::string endpoint, std::chrono::milliseconds idleTimeout)
    : ex_(ex),
      socket_(std::move(stream)),
      endpoint_(std::move(endpoint)),
      idleTimeout_(idleTimeout),
      writeWake_(ex),
      lastActive_(std::chrono::steady_clock::now()) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, onBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cb, onHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, onDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, onFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, onStreamClose);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_session_client_new2(&ng_, cb, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  // No server push; the stream window stays at the default 64 KiB (the
  // per-stream buffer), the connection window grows.
  nghttp2_settings_entry settings[1];
  settings[0].settings_id = NGHTTP2_SETTINGS_ENABLE_PUSH;
  settings[0].value = 0;
  nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, settings, 1);
  nghttp2_session_set_local_window_size(ng_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
}

H2ClientConnection::~H2ClientConnection() { nghttp2_session_del(ng_); }

void H2ClientConnection::start() {
  asio::co_spawn(ex_, readLoop(shared_from_this()), asio::detached);
  asio::co_spawn(ex_, writeLoop(shared_from_this()), asio::detached);
}

std::shared_ptr<H2ClientStream> H2ClientConnection::find(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second;
}

bool H2ClientConnection::usable() const {
  if (closed_ || failed_ || goaway_ || draining_) return false;
  const uint32_t max = nghttp2_session_get_remote_settings(ng_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  return streams_.size() < max && nghttp2_session_get_next_stream_id(ng_) < (1u << 30);
}

bool H2ClientConnection::idleExpired(std::chrono::steady_clock::time_point now) const {
  return closed_ || (streams_.empty() && now - lastActive_ >= idleTimeout_);
}

std::shared_ptr<H2ClientStream> H2ClientConnection::open(FieldList fields, bool endStream) {
  if (!usable()) return nullptr;
  auto st = std::make_shared<H2ClientStream>(ex_);
  auto nva = toNv(fields);
  nghttp2_data_provider provider{};
  provider.read_callback = readRequestBody;
  const int32_t id =
      nghttp2_submit_request(ng_, nullptr, nva.data(), nva.size(), endStream ? nullptr : &provider, nullptr);
  if (id < 0) return nullptr;
  st->id = id;
  st->outEof = endStream;
  streams_[id] = st;
  lastActive_ = std::chrono::steady_clock::now();
  kick();
  return st;
}

awaitable<bool> H2ClientConnection::write(H2ClientStream& st, std::string_view data) {
  while (!st.closed && !closed_ && st.out.size() - st.outAt >= kH2UpstreamBuffer) {
    st.outWake.expires_at(std::chrono::steady_clock::time_point::max());
    co_await st.outWake.async_wait(asio::as_tuple(asio::use_awaitable));
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) co_return false;
  }
  if (st.closed || closed_ || st.outEof) co_return false;
  appendPending(st.out, st.outAt, data);
  if (st.deferred) {
    st.deferred = false;
    nghttp2_session_resume_data(ng_, st.id);
  }
  kick();
  co_return true;
}

void H2ClientConnection::finish(H2ClientStream& st) {
  if (st.closed || closed_ || st.outEof) return;
  st.outEof = true;
  if (st.deferred) {
    st.deferred = false;
    nghttp2_session_resume_data(ng_, st.id);
  }
  kick();
}

void H2ClientConnection::consume(H2ClientStream& st, size_t n) {
  // A closed stream's unread bytes were credited back when it closed.
  if (n == 0 || closed_ || st.closed) return;
  nghttp2_session_consume(ng_, st.id, n);
  kick();
}

void H2ClientConnection::reset(H2ClientStream& st, uint32_t code) {
  if (st.closed || closed_ || st.resetSent) return;
  st.resetSent = true;
  nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, st.id, code);
  kick();
}

// No new streams; the connection closes when its last stream ends (the
// writer loop checks). A GOAWAY from this side would not help: the
// backend opens no streams towards a client.
void H2ClientConnection::drain() {
  if (draining_ || closed_) return;
  draining_ = true;
  kick();
}

void H2ClientConnection::close() {
  if (closed_) return;
  boost::system::error_code ec;
  socket_->shutdown(tcp::socket::shutdown_both, ec);
  socket_->close(ec);
  closeAll();
}

void H2ClientConnection::closeAll() {
  closed_ = true;
  kick();
  // A connection that died takes every stream with it; those the backend
  // had not started (no response byte) may go again elsewhere.
  for (auto& [id, st] : streams_) {
    st->closed = true;
    if (!st->headersDone) st->refused = true;
    if (!st->errorCode) st->errorCode = NGHTTP2_CONNECT_ERROR;
    st->outWake.cancel();
    st->inWake.cancel();
  }
  streams_.clear();
}

awaitable<void> H2ClientConnection::readLoop([[maybe_unused]] std::shared_ptr<H2ClientConnection> keep) {
  std::string buf(16 * 1024, '\0');
  while (!closed_) {
    auto [ec, n] = co_await socket_->async_read_some(asio::buffer(buf.data(), buf.size()),
                                                     asio::as_tuple(asio::use_awaitable));
    if (ec || n == 0) break;
    lastActive_ = std::chrono::steady_clock::now();
    if (nghttp2_session_mem_recv(ng_, reinterpret_cast<const uint8_t*>(buf.data()), n) < 0) {
      failed_ = true;
      break;
    }
    kick();
  }
  close();
}

awaitable<void> H2ClientConnection::writeLoop([[maybe_unused]] std::shared_ptr<H2ClientConnection> keep) {
  std::string out;
  while (!closed_) {
    if (draining_ && streams_.empty()) break;
    out.clear();
    for (;;) {
      const uint8_t* data = nullptr;
      const ssize_t n = nghttp2_session_mem_send(ng_, &data);
      if (n < 0) failed_ = true;
      if (n <= 0) break;
      out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      if (out.size() >= 256 * 1024) break;
    }
    if (failed_) break;
    if (!out.empty()) {
      auto [ec, n] = co_await asio::async_write(*socket_, asio::buffer(out.data(), out.size()),
                                                asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      continue;
    }
    if (nghttp2_session_want_read(ng_) == 0 && nghttp2_session_want_write(ng_) == 0) break;
    writeWake_.expires_at(std::chrono::steady_clock::time_point::max());
    co_await writeWake_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  close();
}

awaitable<std::shared_ptr<H2ClientConnection>> H2ClientPool::acquire(const std::string& address, int32_t port,
                                                                     const UpstreamTarget& target,
                                                                     std::chrono::milliseconds timeout,
                                                                     ConnectFailure& why) {
  why = ConnectFailure{};
  if (target.refuse) {
    why.tls = "invalid_policy";  // never plaintext or unverified instead (GEP-1897)
    co_return nullptr;
  }
  const std::string endpoint = address + ":" + std::to_string(port);
  const std::string key = upstreamPoolKey(endpoint, target);
  auto& list = conns_[key];
  // Connections that can take no stream and carry none are done with
  // (GOAWAY received, failed, draining).
  std::erase_if(list, [](const auto& c) {
    if (c->usable() || c->activeStreams() > 0) return false;
    c->close();
    return true;
  });
  // The least loaded connection with room (usually the only one).
  std::shared_ptr<H2ClientConnection> best;
  for (const auto& c : list) {
    if (c->usable() && (!best || c->activeStreams() < best->activeStreams())) best = c;
  }
  if (best) co_return best;

  auto stream = std::make_unique<UpstreamStream>(ex_);
  stream->tcpSocket() = co_await connectWithTimeout(ex_, address, port, timeout, why.ec);
  if (why.ec) co_return nullptr;
  if (target.tls) {
    why.tls = co_await stream->handshake(target, timeout);
    if (!why.tls.empty()) co_return nullptr;
    why.handshaken = true;
  }
  auto c = std::make_shared<H2ClientConnection>(ex_, std::move(stream), endpoint, idleTimeout_);
  c->start();
  conns_[key].push_back(c);  // `list` may have moved while connecting
  co_return c;
}

void H2ClientPool::sweep() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = conns_.begin(); it != conns_.end();) {
    std::erase_if(it->second, [&](const std::shared_ptr<H2ClientConnection>& c) {
      if (!c->idleExpired(now)) return false;
      c->close();
      return true;
    });
    it = it->second.empty() ? conns_.erase(it) : std::next(it);
  }
}

void H2ClientPool::drain() {
  for (auto& [k, list] : conns_) {
    for (auto& c : list) c->drain();
  }
}

void H2ClientPool::clear() {
  for (auto& [k, list] : conns_) {
    for (auto& c : list) c->close();
  }
  conns_.clear();
}

size_t H2ClientPool::connectionCount() const {
  size_t n = 0;
  for (const auto& [k, v] : conns_) n += v.size();
  return n;
}

}  // namespace portico::dataplane
