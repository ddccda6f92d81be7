#include "echo/h2_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace portico::echo {

// nghttp2's C callbacks, forwarding to the session's private state.
struct H2Callbacks {
  static H2Session& self(void* user) { return *static_cast<H2Session*>(user); }

  static bool isRequestHeaders(const nghttp2_frame* frame) {
    return frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST;
  }

  static int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (!isRequestHeaders(frame)) return 0;
    H2Session& s = self(user);
    auto stream = std::make_unique<H2Session::Stream>();
    stream->info = s.base_;
    stream->info.versionMajor = 2;
    stream->info.versionMinor = 0;
    s.streams_[frame->hd.stream_id] = std::move(stream);
    return 0;
  }

  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    if (!isRequestHeaders(frame)) return 0;  // trailers are not echoed
    H2Session::Stream* stream = self(user).find(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    RequestInfo& info = stream->info;
    if (n == ":method") {
      info.method = std::move(v);
    } else if (n == ":path") {
      info.target = std::move(v);
    } else if (n == ":authority") {
      info.host = std::move(v);
    } else if (n.starts_with(":")) {
      // :scheme (and :protocol) are not part of the echo.
    } else if (n == "cookie") {
      stream->cookies.push_back(std::move(v));
    } else {
      info.headers.emplace_back(std::string(n), std::move(v));
    }
    return 0;
  }

  static int onFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) return 0;
    H2Session& s = self(user);
    H2Session::Stream* stream = s.find(frame->hd.stream_id);
    if (stream == nullptr || stream->dispatched || s.completed_ == nullptr) return 0;
    stream->dispatched = true;
    RequestInfo& info = stream->info;
    if (!stream->cookies.empty()) {
      std::string joined;
      for (const std::string& c : stream->cookies) joined += (joined.empty() ? "" : "; ") + c;
      info.headers.emplace_back("cookie", std::move(joined));
    }
    if (info.host.empty()) {  // no :authority: Go falls back to a Host field
      for (const auto& [name, value] : info.headers) {
        if (name == "host") info.host = value;
      }
    }
    stream->head = info.method == "HEAD";
    s.completed_->push_back({frame->hd.stream_id, info});
    return 0;
  }

  static int onStreamClose(nghttp2_session*, int32_t streamId, uint32_t, void* user) {
    self(user).streams_.erase(streamId);
    return 0;
  }

  static ssize_t readBody(nghttp2_session*, int32_t streamId, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source*, void* user) {
    H2Session::Stream* stream = self(user).find(streamId);
    if (stream == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const size_t n = std::min(length, stream->body.size() - stream->sent);
    std::memcpy(buf, stream->body.data() + stream->sent, n);
    stream->sent += n;
    if (stream->sent == stream->body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
};

H2Session::H2Session(RequestInfo base) : base_(std::move(base)) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, H2Callbacks::onBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cb, H2Callbacks::onHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, H2Callbacks::onFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, H2Callbacks::onStreamClose);
  nghttp2_session_server_new(&session_, cb, this);
  nghttp2_session_callbacks_del(cb);
  // Go's http2.Server default.
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 250}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
}

H2Session::~H2Session() { nghttp2_session_del(session_); }

H2Session::Stream* H2Session::find(int32_t streamId) {
  auto it = streams_.find(streamId);
  return it == streams_.end() ? nullptr : it->second.get();
}

bool H2Session::upgrade(std::string_view settings, RequestInfo request) {
  const bool head = request.method == "HEAD";
  if (nghttp2_session_upgrade2(session_, reinterpret_cast<const uint8_t*>(settings.data()), settings.size(),
                               head ? 1 : 0, nullptr) != 0)
    return false;
  auto stream = std::make_unique<Stream>();
  stream->info = std::move(request);
  stream->dispatched = true;
  stream->head = head;
  streams_[1] = std::move(stream);
  return true;
}

bool H2Session::receive(const uint8_t* data, size_t len, std::vector<Request>& out) {
  completed_ = &out;
  const ssize_t n = nghttp2_session_mem_recv(session_, data, len);
  completed_ = nullptr;
  if (n < 0) failed_ = true;
  return n >= 0;
}

std::string H2Session::takeOutput() {
  std::string out;
  for (;;) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) failed_ = true;
    if (n <= 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  return out;
}

void H2Session::respond(int32_t streamId, const Plan& plan) {
  Stream* stream = find(streamId);
  if (stream == nullptr) return;
  std::vector<std::pair<std::string, std::string>> fields;
  fields.emplace_back(":status", std::to_string(plan.status));
  for (const auto& [name, value] : plan.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fields.emplace_back(std::move(lower), value);
  }
  const bool bodyless = plan.status == 204 || plan.status == 304;
  if (!bodyless) fields.emplace_back("content-length", std::to_string(plan.body.size()));
  std::vector<nghttp2_nv> nva;
  for (auto& [name, value] : fields) {
    nva.push_back({reinterpret_cast<uint8_t*>(name.data()), reinterpret_cast<uint8_t*>(value.data()),
                   name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  stream->body = bodyless || stream->head ? std::string() : plan.body;
  stream->sent = 0;
  nghttp2_data_provider provider{};
  provider.read_callback = H2Callbacks::readBody;
  nghttp2_submit_response(session_, streamId, nva.data(), nva.size(),
                          stream->body.empty() ? nullptr : &provider);
}

void H2Session::reset(int32_t streamId) {
  if (find(streamId) == nullptr) return;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, streamId, NGHTTP2_INTERNAL_ERROR);
}

bool H2Session::finished() const {
  return failed_ || (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0);
}

bool decodeBase64Url(std::string_view in, std::string& out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-') {
      v = 62;
    } else if (c == '_') {
      v = 63;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return bits < 6;  // a lone trailing character carries no whole byte
}

}  // namespace portico::echo
