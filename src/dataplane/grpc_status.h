// gRPC facts the proxy needs without speaking protobuf: the status a
// locally generated error carries (gRPC's "HTTP to gRPC status code
// mapping" document), the grpc-timeout header (PROTOCOL-HTTP2.md,
// "Timeout"), and grpc-message's percent-encoding. Pure: no I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::dataplane {

// gRPC status codes Portico itself produces.
inline constexpr int kGrpcDeadlineExceeded = 4;
inline constexpr int kGrpcUnimplemented = 12;
inline constexpr int kGrpcUnavailable = 14;

// The gRPC status for an HTTP status Portico would have answered
// (404 -> UNIMPLEMENTED, 502/503/504/429 -> UNAVAILABLE, ...).
int grpcStatusForHttp(int httpStatus);

// grpc-timeout: 1 to 8 ASCII digits and a unit (H, M, S, m, u, n).
// nullopt when absent or malformed (then ignored, as gRPC servers do).
std::optional<std::chrono::milliseconds> parseGrpcTimeout(std::string_view value);

// grpc-message: percent-encoded UTF-8; bytes outside 0x20-0x7E and '%'
// are encoded.
std::string encodeGrpcMessage(std::string_view message);

// The fields of a Trailers-Only response (HTTP status 200, the gRPC status
// in the one HEADERS frame that ends the stream).
std::vector<std::pair<std::string, std::string>> grpcTrailersOnly(int grpcStatus, std::string_view message);

// Whether a request's content-type makes it gRPC (application/grpc,
// application/grpc+proto, ...).
bool isGrpcContentType(std::string_view contentType);

}  // namespace portico::dataplane
