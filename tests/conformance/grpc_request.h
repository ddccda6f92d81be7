// The suite's gRPC requests (protocol "grpc", GRPCRoute cases): one GrpcEcho
// call as grpc-go makes it (cleartext HTTP/2 with prior knowledge, a fresh
// channel, :authority from request.host or else the dial target
// "<address>:<port>", request.headers as metadata), and the gRPC
// comparison of the suite's grpc.MakeRequestAndExpectEventuallyConsistent
// Response: the status code, and for OK the echoed method, namespace and
// pod prefix.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/grpc_echo_client.h"

namespace portico::conformance {

// Calls the method of `requestCase` on `address`:port. `extra` is more
// metadata (weighted runs add x-jitter).
testing::GrpcEchoResult sendGrpc(const nlohmann::json& requestCase, const std::string& address,
                                 std::chrono::milliseconds timeout,
                                 const std::vector<std::pair<std::string, std::string>>& extra = {});

// Empty when `result` satisfies the case's `expected` (grpcStatus,
// grpcFullyQualifiedMethod, namespace, backend); else what differs.
std::string compareGrpc(const nlohmann::json& expected, const testing::GrpcEchoResult& result);

}  // namespace portico::conformance
