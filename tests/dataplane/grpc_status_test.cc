// grpc_status.h: the gRPC facts the proxy uses without protobuf.
#include "dataplane/grpc_status.h"

#include <gtest/gtest.h>

namespace portico::dataplane {
namespace {

using std::chrono::milliseconds;

TEST(GrpcTimeout, UnitsFollowTheProtocolSpec) {
  EXPECT_EQ(parseGrpcTimeout("1H"), milliseconds(3600000));
  EXPECT_EQ(parseGrpcTimeout("2M"), milliseconds(120000));
  EXPECT_EQ(parseGrpcTimeout("3S"), milliseconds(3000));
  EXPECT_EQ(parseGrpcTimeout("250m"), milliseconds(250));
  EXPECT_EQ(parseGrpcTimeout("1500u"), milliseconds(2));  // rounded up, never shorter
  EXPECT_EQ(parseGrpcTimeout("1n"), milliseconds(1));
  EXPECT_EQ(parseGrpcTimeout("99999999S"), milliseconds(99999999000));  // 8 digits allowed
}

TEST(GrpcTimeout, MalformedValuesAreIgnored) {
  EXPECT_FALSE(parseGrpcTimeout(""));
  EXPECT_FALSE(parseGrpcTimeout("S"));
  EXPECT_FALSE(parseGrpcTimeout("10"));
  EXPECT_FALSE(parseGrpcTimeout("10s"));  // unit is case-sensitive: 's' is not a unit
  EXPECT_FALSE(parseGrpcTimeout("-1S"));
  EXPECT_FALSE(parseGrpcTimeout("123456789S"));  // more than 8 digits
}

TEST(GrpcStatus, HttpStatusesMapAsGrpcDocuments) {
  EXPECT_EQ(grpcStatusForHttp(404), 12);  // UNIMPLEMENTED: no route for the method
  EXPECT_EQ(grpcStatusForHttp(503), 14);
  EXPECT_EQ(grpcStatusForHttp(502), 14);
  EXPECT_EQ(grpcStatusForHttp(504), 14);
  EXPECT_EQ(grpcStatusForHttp(401), 16);
  EXPECT_EQ(grpcStatusForHttp(403), 7);
  EXPECT_EQ(grpcStatusForHttp(500), 2);
}

TEST(GrpcStatus, MessageIsPercentEncoded) {
  EXPECT_EQ(encodeGrpcMessage("no ready endpoint"), "no ready endpoint");
  EXPECT_EQ(encodeGrpcMessage("100% caf\xc3\xa9\n"), "100%25 caf%C3%A9%0A");
}

TEST(GrpcStatus, ContentTypeDetection) {
  EXPECT_TRUE(isGrpcContentType("application/grpc"));
  EXPECT_TRUE(isGrpcContentType("application/grpc+proto"));
  EXPECT_TRUE(isGrpcContentType("application/grpc;charset=utf-8"));
  EXPECT_FALSE(isGrpcContentType("application/grpc-web"));
  EXPECT_FALSE(isGrpcContentType("application/json"));
}

}  // namespace
}  // namespace portico::dataplane
