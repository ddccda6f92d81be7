// The suite's TCP echo client (conformance/utils/tcp), for protocols
// "tcp-echo" and "tls-tcp-echo": one exchange as WaitForValidTCPResponse
// makes it (welcome line, PING, IS_TLS, TEST on a fresh connection, plain
// or TLS), its comparison (validateTestMessage), and EchoSendOnce (welcome,
// TEST, the pod) for the weighted and repeated checks.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "conformance/stream_conn.h"

namespace portico::conformance {

struct TcpEchoResult {
  // Set when the exchange did not complete: dial, handshake, read or JSON
  // decoding failed. The suite retries these, and only these.
  std::string transportError;
  std::string welcome, pong, isTls;  // lines as read, newline included
  nlohmann::json test;               // the TEST line, parsed
};

// `tls` null: plain TCP.
TcpEchoResult tcpEchoExchange(const std::string& address, int port, const StreamTls* tls,
                              std::chrono::milliseconds timeout);

// Empty when a completed exchange satisfies `expected` (namespace, backend
// as "<backend>-" pod prefix, tcpEcho.backendIsTLS, tcpEcho.tlsServerName);
// else the first mismatch.
std::string compareTcpEcho(const nlohmann::json& expected, const TcpEchoResult& result);

// tcp.EchoSendOnce: {error, pod}.
std::pair<std::string, std::string> tcpEchoSendOnce(const std::string& address, int port,
                                                    std::chrono::milliseconds timeout);

}  // namespace portico::conformance
