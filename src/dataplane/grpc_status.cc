#include "dataplane/grpc_status.h"

#include <fmt/format.h>

namespace portico::dataplane {

int grpcStatusForHttp(int httpStatus) {
  switch (httpStatus) {
    case 400:
      return 13;  // INTERNAL
    case 401:
      return 16;  // UNAUTHENTICATED
    case 403:
      return 7;  // PERMISSION_DENIED
    case 404:
      return kGrpcUnimplemented;
    case 413:
    case 431:
      return 8;  // RESOURCE_EXHAUSTED
    case 429:
    case 502:
    case 503:
    case 504:
      return kGrpcUnavailable;
    default:
      return 2;  // UNKNOWN
  }
}

std::optional<std::chrono::milliseconds> parseGrpcTimeout(std::string_view v) {
  if (v.size() < 2 || v.size() > 9) return std::nullopt;
  uint64_t n = 0;
  for (char ch : v.substr(0, v.size() - 1)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(ch - '0');
  }
  using std::chrono::milliseconds;
  // Sub-millisecond timeouts round up: a deadline is never made shorter.
  switch (v.back()) {
    case 'H':
      return milliseconds(n * 3600 * 1000);
    case 'M':
      return milliseconds(n * 60 * 1000);
    case 'S':
      return milliseconds(n * 1000);
    case 'm':
      return milliseconds(n);
    case 'u':
      return milliseconds((n + 999) / 1000);
    case 'n':
      return milliseconds((n + 999999) / 1000000);
    default:
      return std::nullopt;
  }
}

std::string encodeGrpcMessage(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (unsigned char ch : message) {
    if (ch < 0x20 || ch > 0x7e || ch == '%') {
      out += fmt::format("%{:02X}", ch);
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> grpcTrailersOnly(int grpcStatus, std::string_view message) {
  std::vector<std::pair<std::string, std::string>> f;
  f.emplace_back("content-type", "application/grpc");
  f.emplace_back("grpc-status", std::to_string(grpcStatus));
  if (!message.empty()) f.emplace_back("grpc-message", encodeGrpcMessage(message));
  return f;
}

bool isGrpcContentType(std::string_view ct) {
  if (!ct.starts_with("application/grpc")) return false;
  return ct.size() == 16 || ct[16] == '+' || ct[16] == ';';
}

}  // namespace portico::dataplane
