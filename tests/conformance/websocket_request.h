// The suite's WebSocket requests (protocol "websocket",
// HTTPRouteBackendProtocolWebSocket): golang.org/x/net/websocket's Dial of
// ws://<gateway>/ws with an Origin, then each frame of
// expected.websocketEcho sent and its echo read back. Boost.Beast on an
// io_context of its own; the whole exchange is bounded by one deadline.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace portico::conformance {

// Empty when the handshake ends in 101 and every frame comes back with the
// same payload; else what went wrong. `origin` is the Origin field the Go
// test sends (ws://gateway/<test name>).
std::string websocketEcho(const nlohmann::json& requestCase, const std::string& address,
                          const std::string& origin, std::chrono::milliseconds timeout);

}  // namespace portico::conformance
