// portico-grpc-echo through the tests' gRPC client (tests/support): the
// GrpcEcho methods, the echoed metadata and identity, plaintext and TLS.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "echo/echo_harness.h"
#include "support/grpc_echo_client.h"

namespace portico::echotest {
namespace {

using testing::callGrpcEcho;
using testing::GrpcEchoCall;
using testing::GrpcEchoResult;

constexpr const char* kService = "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string address(int port) { return "127.0.0.1:" + std::to_string(port); }

class GrpcEcho : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/portico-grpc-echo-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    writeSelfSigned(dir_, "grpc.example.com");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<EchoProcess> start(const std::vector<std::string>& args) {
    return std::make_unique<EchoProcess>(PORTICO_GRPC_ECHO_BIN, args);
  }
  std::string dir_;
};

TEST_F(GrpcEcho, EchoDescribesTheCall) {
  auto echo = start({"--listen", "127.0.0.1:0", "--namespace", "grpc-ns", "--pod", "grpc-backend-v1-abc-123",
                     "--service", "grpc-svc", "--ingress", "ing"});
  const auto ports = echo->ports(1);
  ASSERT_EQ(ports.size(), 1u);
  GrpcEchoCall call;
  call.address = address(ports[0]);
  call.authority = "grpc.example.com";
  call.metadata = {{"X-Custom", "one"}, {"x-other", "two"}};
  const GrpcEchoResult r = callGrpcEcho(call);
  ASSERT_EQ(r.code, 0) << r.message;
  EXPECT_EQ(testing::grpcStatusName(r.code), "OK");
  EXPECT_EQ(r.method, std::string(kService) + "Echo");
  EXPECT_EQ(r.authority, "grpc.example.com");
  EXPECT_EQ(r.header(":authority"), std::vector<std::string>{"grpc.example.com"});
  EXPECT_EQ(r.header("x-custom"), std::vector<std::string>{"one"});
  EXPECT_EQ(r.header("x-other"), std::vector<std::string>{"two"});
  ASSERT_EQ(r.header("user-agent").size(), 1u);
  EXPECT_TRUE(r.header("user-agent")[0].starts_with("grpc-c++/")) << r.header("user-agent")[0];
  EXPECT_EQ(r.namespace_, "grpc-ns");
  EXPECT_EQ(r.pod, "grpc-backend-v1-abc-123");
  EXPECT_EQ(r.service, "grpc-svc");
  EXPECT_EQ(r.ingress, "ing");
  EXPECT_FALSE(r.tls);
  const auto line = echo->readLine();
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "Received over plaintext: Echo");
}

TEST_F(GrpcEcho, EchoTwoAnswersAndEchoThreeIsUnimplemented) {
  auto echo = start({"--listen", "127.0.0.1:0"});
  const auto ports = echo->ports(1);
  ASSERT_EQ(ports.size(), 1u);
  GrpcEchoCall call;
  call.address = address(ports[0]);
  call.method = "EchoTwo";
  GrpcEchoResult r = callGrpcEcho(call);
  ASSERT_EQ(r.code, 0) << r.message;
  EXPECT_EQ(r.method, std::string(kService) + "EchoTwo");
  EXPECT_EQ(r.authority, call.address);  // the channel's default :authority
  EXPECT_FALSE(r.pod.empty());           // the hostname when --pod is not given
  call.method = "EchoThree";
  r = callGrpcEcho(call);
  EXPECT_EQ(r.code, 12);
  EXPECT_EQ(testing::grpcStatusName(r.code), "UNIMPLEMENTED");
  EXPECT_TRUE(r.method.empty());
}

TEST_F(GrpcEcho, TlsReportsTheHandshake) {
  auto echo = start({"--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--tls-cert",
                     dir_ + "/cert.pem", "--tls-key", dir_ + "/key.pem", "--pod", "tls-pod"});
  const auto ports = echo->ports(2);  // plaintext first, then TLS
  ASSERT_EQ(ports.size(), 2u);
  GrpcEchoCall call;
  call.address = address(ports[1]);
  call.tls = true;
  call.serverName = "grpc.example.com";
  call.trustPem = readFile(dir_ + "/cert.pem");
  call.metadata = {{"x-tls", "yes"}};
  GrpcEchoResult r = callGrpcEcho(call);
  ASSERT_EQ(r.code, 0) << r.message;
  EXPECT_EQ(r.method, std::string(kService) + "Echo");
  EXPECT_EQ(r.authority, "grpc.example.com");
  EXPECT_EQ(r.header("x-tls"), std::vector<std::string>{"yes"});
  EXPECT_EQ(r.pod, "tls-pod");
  ASSERT_TRUE(r.tls);
  EXPECT_EQ(r.tls->negotiatedProtocol, "h2");
  EXPECT_EQ(r.tls->serverName, "grpc.example.com");
  EXPECT_TRUE(r.tls->version == "TLSv1.3" || r.tls->version == "TLSv1.2") << r.tls->version;
  EXPECT_TRUE(r.tls->cipherSuite.starts_with("TLS_")) << r.tls->cipherSuite;
  EXPECT_TRUE(r.tls->peerCertificates.empty());
  // The plaintext listener of the same process reports no TLS.
  GrpcEchoCall plain;
  plain.address = address(ports[0]);
  r = callGrpcEcho(plain);
  ASSERT_EQ(r.code, 0) << r.message;
  EXPECT_FALSE(r.tls);
}

TEST_F(GrpcEcho, UntrustedCertificateFailsTheCall) {
  auto echo = start(
      {"--tls-listen", "127.0.0.1:0", "--tls-cert", dir_ + "/cert.pem", "--tls-key", dir_ + "/key.pem"});
  const auto ports = echo->ports(1);
  ASSERT_EQ(ports.size(), 1u);
  const std::string other = dir_ + "/other";
  std::filesystem::create_directory(other);
  writeSelfSigned(other, "grpc.example.com");
  GrpcEchoCall call;
  call.address = address(ports[0]);
  call.tls = true;
  call.serverName = "grpc.example.com";
  call.trustPem = readFile(other + "/cert.pem");
  call.timeout = 3s;
  const GrpcEchoResult r = callGrpcEcho(call);
  EXPECT_EQ(r.code, 14) << r.message;  // UNAVAILABLE: the handshake fails
}

TEST_F(GrpcEcho, SigtermExitsZero) {
  auto echo = start({"--listen", "127.0.0.1:0"});
  ASSERT_EQ(echo->ports(1).size(), 1u);
  EXPECT_EQ(echo->stop(SIGTERM), 0);
}

TEST_F(GrpcEcho, RejectsBadFlags) {
  auto echo = start({"--tls-listen", "127.0.0.1:0"});  // no certificate
  EXPECT_FALSE(echo->readLine(5s));
  EXPECT_EQ(echo->stop(0), 2);
}

}  // namespace
}  // namespace portico::echotest
