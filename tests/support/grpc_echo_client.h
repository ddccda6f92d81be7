// A gRPC client for the GrpcEcho service of the conformance echo backend
// (portico-grpc-echo, echo-basic in gRPC mode): one call on a fresh
// channel, plaintext h2c or TLS, with a chosen :authority and metadata;
// the status and the echoed assertions come back as plain values. Every
// call has a deadline.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace portico::testing {

struct GrpcEchoCall {
  std::string address;                                        // "127.0.0.1:PORT"
  std::string method = "Echo";                                // Echo, EchoTwo or EchoThree
  std::string authority;                                      // :authority; empty = the address
  std::vector<std::pair<std::string, std::string>> metadata;  // keys are lower-cased
  bool tls = false;
  std::string serverName;  // TLS: SNI and the name the certificate must match
  std::string trustPem;    // TLS: trusted root certificates (PEM)
  std::chrono::milliseconds timeout{5000};
};

struct GrpcEchoTls {
  std::string version;
  std::string negotiatedProtocol;
  std::string serverName;
  std::string cipherSuite;
  std::vector<std::string> peerCertificates;
};

struct GrpcEchoResult {
  int code = -1;        // grpc::StatusCode: 0 OK, 12 UNIMPLEMENTED, 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE ...
  std::string message;  // the status message
  // EchoResponse.assertions (empty unless code is 0):
  std::string method;  // fully_qualified_method
  std::vector<std::pair<std::string, std::string>> headers;
  std::string authority;
  std::string namespace_;
  std::string ingress;
  std::string service;
  std::string pod;
  std::optional<GrpcEchoTls> tls;  // only when the server reported tls_assertions

  // Values of header `key` (exact, lower-case), in order.
  std::vector<std::string> header(const std::string& key) const;
};

GrpcEchoResult callGrpcEcho(const GrpcEchoCall& call);

// "OK", "UNIMPLEMENTED", ... for a grpc::StatusCode (as the suite's
// grpcStatusName); "UNKNOWN_CODE_<n>" otherwise.
std::string grpcStatusName(int code);

}  // namespace portico::testing
