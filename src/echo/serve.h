// What portico-echo does with one accepted connection, per protocol:
// HTTP/1.1 (http1_serve.cc) and HTTP/2 (h2_serve.cc). Included only by
// the server's own sources (it brings Asio).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "echo/asio.h"
#include "echo/handler.h"
#include "echo/options.h"

namespace portico::echo {

// Process-wide: configuration, counters, the TLS context.
struct Shared {
  const Options& opts;
  State state;
  asio::ssl::context* tls = nullptr;
};

// The connection as every request on it sees it.
struct Peer {
  std::string remote;  // "ADDR:PORT", for the "Echoing back" log line
  uint16_t localPort = 0;
  std::optional<TlsInfo> tls;
};

// An HTTP/1.1 request that asked for `Upgrade: h2c`: answered on stream 1.
struct H2Upgrade {
  std::string settings;  // decoded HTTP2-Settings payload
  RequestInfo request;
};

// HTTP/1.1 (WebSocket on /ws) until the connection ends. `buffered` holds
// bytes already read from the socket. With `h2c`, only requests upgrading
// to h2c are served (then as HTTP/2); others get 400 "Expected h2c request".
asio::awaitable<void> serveHttp1(tcp::socket& socket, Shared& shared, const Peer& peer, std::string buffered,
                                 bool h2c);
asio::awaitable<void> serveHttp1(TlsStream& stream, Shared& shared, const Peer& peer);

// HTTP/2 until the connection ends: h2c (prior knowledge, where `buffered`
// holds the preface read so far, or after an upgrade) and h2 over TLS.
asio::awaitable<void> serveH2(tcp::socket& socket, Shared& shared, const Peer& peer, std::string buffered,
                              std::optional<H2Upgrade> upgrade);
asio::awaitable<void> serveH2(TlsStream& stream, Shared& shared, const Peer& peer);

}  // namespace portico::echo
