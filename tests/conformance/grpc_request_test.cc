// The runner's gRPC comparison apart from Portico: each expectation of the
// suite's gRPC requests can fail.
#include "conformance/grpc_request.h"

#include <gtest/gtest.h>

namespace portico::conformance {
namespace {

using nlohmann::json;

const json kExpectOk = {
    {"grpcStatus", 0},
    {"backend", "grpc-infra-backend-v1"},
    {"namespace", "gateway-conformance-infra"},
    {"grpcFullyQualifiedMethod", "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo"}};

testing::GrpcEchoResult okResult() {
  testing::GrpcEchoResult r;
  r.code = 0;
  r.method = "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo";
  r.namespace_ = "gateway-conformance-infra";
  r.pod = "grpc-infra-backend-v1-abc-def";
  return r;
}

TEST(GrpcComparator, MatchesEchoedAssertions) { EXPECT_EQ(compareGrpc(kExpectOk, okResult()), ""); }

TEST(GrpcComparator, EachAssertionCanFail) {
  auto r = okResult();
  r.pod = "grpc-infra-backend-v2-abc-def";
  EXPECT_NE(compareGrpc(kExpectOk, r), "");
  r = okResult();
  r.namespace_ = "other";
  EXPECT_NE(compareGrpc(kExpectOk, r), "");
  r = okResult();
  r.method = "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo";
  EXPECT_NE(compareGrpc(kExpectOk, r), "");
  r = okResult();
  r.code = 12;
  EXPECT_NE(compareGrpc(kExpectOk, r), "");
}

TEST(GrpcComparator, NullBackendAndNamespaceMatchAny) {
  json expected = kExpectOk;
  expected["backend"] = nullptr;
  expected["namespace"] = nullptr;
  auto r = okResult();
  r.pod = "grpc-infra-backend-v3-abc-def";
  r.namespace_ = "elsewhere";
  EXPECT_EQ(compareGrpc(expected, r), "");
}

TEST(GrpcComparator, NonOkComparesTheCodeOnly) {
  const json expected = {{"grpcStatus", 12}, {"backend", nullptr}, {"namespace", nullptr}};
  testing::GrpcEchoResult r;
  r.code = 12;
  EXPECT_EQ(compareGrpc(expected, r), "");
  r.code = 0;  // a route miss answered OK
  EXPECT_NE(compareGrpc(expected, r), "");
  r.code = 14;  // UNAVAILABLE is not UNIMPLEMENTED
  EXPECT_NE(compareGrpc(expected, r), "");
}

}  // namespace
}  // namespace portico::conformance
