// The suite's UDP clients (conformance/utils/udp and the UDPRoute tests):
// one datagram on a connected socket (net.Dial "udp": only replies from the
// address and port dialled are read), one reply read into 1024 bytes within
// a deadline, and the echo comparison of ExpectEchoResponseFromBackend.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace portico::conformance {

struct UdpReply {
  std::string error;  // set when nothing came back
  std::string data;
};

UdpReply udpExchange(const std::string& address, int port, const std::string& payload,
                     std::chrono::milliseconds timeout, size_t maxReply = 1024);

// Empty when `reply` satisfies `expected`: with udpEchoService or namespace
// set, the reply must be the echo JSON with those values; otherwise any
// reply passes.
std::string compareUdpEcho(const nlohmann::json& expected, const UdpReply& reply);

// The "pod" of an echo reply: {error, pod}.
std::pair<std::string, std::string> udpEchoPod(const UdpReply& reply);

}  // namespace portico::conformance
