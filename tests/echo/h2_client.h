// An in-process HTTP/2 client for the portico-echo tests: nghttp2's client
// session over a blocking harness Connection (h2c prior knowledge, after an
// HTTP/1.1 Upgrade, or TLS with ALPN h2). Every wait is bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "echo/echo_harness.h"

struct nghttp2_session;

namespace portico::echotest {

struct H2Request {
  std::string method = "GET";
  std::string scheme = "http";
  std::string authority = "echo.test";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;                                          // sent in DATA frames when not empty
};

struct H2Response {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // without :status
  std::string body;
  uint32_t resetCode = 0;  // RST_STREAM error code (0: closed normally)
  std::string header(const std::string& name) const;
};

class H2Client {
 public:
  // Speaks HTTP/2 on `conn`, which stays owned by the caller (the client
  // preface and SETTINGS go out with the first request).
  explicit H2Client(Connection& conn);
  ~H2Client();
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  // After the server answered 101 to an `Upgrade: h2c` request that sent
  // `settingsPayload` (see settingsPayload()): stream 1 is that request.
  bool upgraded(const std::string& settingsPayload, bool headRequest = false);

  int32_t submit(const H2Request& request);
  // Runs the connection until stream `id` is closed; nullopt when the
  // connection fails or `timeout` passes first.
  std::optional<H2Response> wait(int32_t id, std::chrono::milliseconds timeout = 10s);
  // Whether stream `id` has been closed (without doing any I/O).
  bool closed(int32_t id) const;
  std::optional<H2Response> get(const H2Request& request) { return wait(submit(request)); }

  // The SETTINGS payload this client announces (raw, for HTTP2-Settings
  // after base64url encoding).
  static std::string settingsPayload();

 private:
  struct Stream {
    H2Response response;
    bool closed = false;
    std::string requestBody;
    size_t sent = 0;
  };
  friend struct H2ClientCallbacks;
  bool flush();

  Connection& conn_;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, Stream> streams_;
  bool settingsSent_ = false;
};

// RFC 4648 base64url without padding.
std::string base64Url(const std::string& data);

}  // namespace portico::echotest
