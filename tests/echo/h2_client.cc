#include "echo/h2_client.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>

namespace portico::echotest {

struct H2ClientCallbacks {
  static H2Client& self(void* user) { return *static_cast<H2Client*>(user); }

  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    H2Response& r = self(user).streams_[frame->hd.stream_id].response;
    const std::string n(reinterpret_cast<const char*>(name), namelen);
    const std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") {
      r.status = std::stoi(v);
    } else {
      r.headers.emplace(n, v);
    }
    return 0;
  }

  static int onData(nghttp2_session*, uint8_t, int32_t streamId, const uint8_t* data, size_t len,
                    void* user) {
    self(user).streams_[streamId].response.body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static ssize_t readBody(nghttp2_session*, int32_t streamId, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source*, void* user) {
    H2Client::Stream& s = self(user).streams_[streamId];
    const size_t n = std::min(length, s.requestBody.size() - s.sent);
    std::memcpy(buf, s.requestBody.data() + s.sent, n);
    s.sent += n;
    if (s.sent == s.requestBody.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  static int onClose(nghttp2_session*, int32_t streamId, uint32_t errorCode, void* user) {
    H2Client::Stream& s = self(user).streams_[streamId];
    s.closed = true;
    s.response.resetCode = errorCode;
    return 0;
  }
};

std::string H2Response::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

H2Client::H2Client(Connection& conn) : conn_(conn) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_header_callback(cb, H2ClientCallbacks::onHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, H2ClientCallbacks::onData);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, H2ClientCallbacks::onClose);
  nghttp2_session_client_new(&session_, cb, this);
  nghttp2_session_callbacks_del(cb);
}

H2Client::~H2Client() { nghttp2_session_del(session_); }

std::string H2Client::settingsPayload() {
  const nghttp2_settings_entry entries[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
                                            {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535}};
  uint8_t buf[64];
  const ssize_t n = nghttp2_pack_settings_payload(buf, sizeof buf, entries, std::size(entries));
  return n < 0 ? std::string() : std::string(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

bool H2Client::upgraded(const std::string& settingsPayload, bool headRequest) {
  // The client form submits these SETTINGS itself and opens stream 1.
  settingsSent_ = true;
  streams_[1];
  return nghttp2_session_upgrade2(session_, reinterpret_cast<const uint8_t*>(settingsPayload.data()),
                                  settingsPayload.size(), headRequest ? 1 : 0, nullptr) == 0;
}

int32_t H2Client::submit(const H2Request& request) {
  if (!settingsSent_) {
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);
    settingsSent_ = true;
  }
  std::vector<std::pair<std::string, std::string>> fields;
  fields.emplace_back(":method", request.method);
  fields.emplace_back(":scheme", request.scheme);
  fields.emplace_back(":authority", request.authority);
  fields.emplace_back(":path", request.path);
  for (const auto& h : request.headers) fields.push_back(h);
  std::vector<nghttp2_nv> nva;
  for (auto& [name, value] : fields) {
    nva.push_back({reinterpret_cast<uint8_t*>(name.data()), reinterpret_cast<uint8_t*>(value.data()),
                   name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  nghttp2_data_provider provider{};
  provider.read_callback = H2ClientCallbacks::readBody;
  // The body is read from streams_[id], which exists only once the id is
  // known: nghttp2 asks for it from mem_send, after this returns.
  const int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                            request.body.empty() ? nullptr : &provider, nullptr);
  if (id > 0) streams_[id].requestBody = request.body;
  return id;
}

bool H2Client::flush() {
  for (;;) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) return false;
    if (n == 0) return true;
    if (!conn_.send(std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(n)))) return false;
  }
}

bool H2Client::closed(int32_t id) const {
  auto it = streams_.find(id);
  return it != streams_.end() && it->second.closed;
}

std::optional<H2Response> H2Client::wait(int32_t id, std::chrono::milliseconds timeout) {
  if (id <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  for (;;) {
    if (!flush()) return std::nullopt;
    if (closed(id)) return streams_[id].response;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    const long n = conn_.readSome(buf, sizeof buf);  // the socket's receive timeout bounds this
    if (n <= 0) return std::nullopt;
    if (nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n)) < 0)
      return std::nullopt;
  }
}

std::string base64Url(const std::string& data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : data) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3F];
  return out;
}

}  // namespace portico::echotest
