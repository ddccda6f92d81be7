#include "conformance/grpc_request.h"

#include <fmt/format.h>

#include "conformance/json_fields.h"

namespace portico::conformance {

using nlohmann::json;

testing::GrpcEchoResult sendGrpc(const json& rc, const std::string& address,
                                 std::chrono::milliseconds timeout,
                                 const std::vector<std::pair<std::string, std::string>>& extra) {
  const json& rq = field(rc, "request");
  testing::GrpcEchoCall call;
  call.address = fmt::format("{}:{}", address, rc.value("port", 80));
  call.method = str(field(rq, "grpc"), "method");
  // grpc.WithAuthority only when the case names a host; otherwise gRPC's
  // default authority, the dial target (what grpc-go sends too).
  call.authority = str(rq, "host");
  for (const auto& [k, v] : field(rq, "headers").items()) {
    if (v.is_string()) call.metadata.emplace_back(k, v.get<std::string>());
  }
  for (const auto& m : extra) call.metadata.push_back(m);
  call.timeout = timeout;
  return testing::callGrpcEcho(call);
}

std::string compareGrpc(const json& expected, const testing::GrpcEchoResult& r) {
  const int want = field(expected, "grpcStatus").is_number_integer() ? expected["grpcStatus"].get<int>() : 0;
  if (r.code != want) {
    return fmt::format("gRPC status {} ({}: {}), want {}", r.code, testing::grpcStatusName(r.code), r.message,
                       testing::grpcStatusName(want));
  }
  // A non-OK status is all the suite compares.
  if (want != 0) return {};
  if (has(expected, "grpcFullyQualifiedMethod") && r.method != str(expected, "grpcFullyQualifiedMethod"))
    return fmt::format("fully_qualified_method {}, want {}", r.method,
                       str(expected, "grpcFullyQualifiedMethod"));
  if (has(expected, "namespace") && r.namespace_ != str(expected, "namespace"))
    return fmt::format("namespace {}, want {}", r.namespace_, str(expected, "namespace"));
  if (const std::string backend = str(expected, "backend"); !r.pod.starts_with(backend))
    return fmt::format("pod {}, want a pod of {}", r.pod, backend);
  return {};
}

}  // namespace portico::conformance
