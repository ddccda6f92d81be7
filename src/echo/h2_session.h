// One server-side HTTP/2 connection of portico-echo, on nghttp2's
// callback API: bytes in, completed requests out, responses in, bytes out.
// No sockets and no Asio (h2_serve.cc does the I/O).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "echo/handler.h"

struct nghttp2_session;

namespace portico::echo {

class H2Session {
 public:
  struct Request {
    int32_t streamId = 0;
    RequestInfo info;
  };

  // `base` supplies what every request of the connection shares (local
  // port, TLS). Queues the server's SETTINGS frame.
  explicit H2Session(RequestInfo base);
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  // After an HTTP/1.1 `Upgrade: h2c`: `settings` is the decoded
  // HTTP2-Settings payload; stream 1 answers `request`. False when the
  // payload is malformed.
  bool upgrade(std::string_view settings, RequestInfo request);

  // Feeds received bytes; complete requests (headers and body ended) are
  // appended to `out`. False on a connection error (a GOAWAY may be queued:
  // send `takeOutput()` before closing).
  bool receive(const uint8_t* data, size_t len, std::vector<Request>& out);

  // Bytes to write now ("" when nothing is due).
  std::string takeOutput();

  // Answers a stream from a plan (status, headers, body; no body for HEAD).
  // A stream the client has reset meanwhile is ignored.
  void respond(int32_t streamId, const Plan& plan);
  // Resets a stream (RST_STREAM INTERNAL_ERROR), the h2 form of echo-basic
  // closing the connection on a /retry/ attempt.
  void reset(int32_t streamId);

  // Neither side has anything more to say (GOAWAY exchanged, or an error).
  bool finished() const;

 private:
  struct Stream {
    RequestInfo info;
    std::vector<std::string> cookies;  // joined with "; " like Go's http2 server
    bool dispatched = false;
    bool head = false;
    std::string body;  // response body being sent
    size_t sent = 0;
  };
  friend struct H2Callbacks;

  Stream* find(int32_t streamId);

  nghttp2_session* session_ = nullptr;
  RequestInfo base_;
  std::map<int32_t, std::unique_ptr<Stream>> streams_;
  std::vector<Request>* completed_ = nullptr;  // set while receive() runs
  bool failed_ = false;
};

// Decodes RFC 4648 base64url (the HTTP2-Settings header; trailing '='
// tolerated) into `out`; false when `in` is not base64url.
bool decodeBase64Url(std::string_view in, std::string& out);

}  // namespace portico::echo
