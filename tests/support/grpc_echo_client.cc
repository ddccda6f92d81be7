#include "support/grpc_echo_client.h"

#include <grpcpp/grpcpp.h>

#include <cctype>

#include "echo/grpc/grpcecho.grpc.pb.h"

namespace portico::testing {

namespace pb = ::gateway_api_conformance::echo_basic::grpcecho;

std::vector<std::string> GrpcEchoResult::header(const std::string& key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (k == key) out.push_back(v);
  }
  return out;
}

GrpcEchoResult callGrpcEcho(const GrpcEchoCall& call) {
  grpc::ChannelArguments args;
  if (!call.authority.empty()) args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, call.authority);
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (call.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = call.trustPem;
    creds = grpc::SslCredentials(ssl);
    if (!call.serverName.empty()) args.SetSslTargetNameOverride(call.serverName);
  }
  const auto channel = grpc::CreateCustomChannel(call.address, creds, args);
  const auto stub = pb::GrpcEcho::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + call.timeout);
  for (const auto& [key, value] : call.metadata) {
    std::string lower = key;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ctx.AddMetadata(lower, value);
  }
  pb::EchoRequest request;
  pb::EchoResponse response;
  grpc::Status status;
  if (call.method == "Echo") {
    status = stub->Echo(&ctx, request, &response);
  } else if (call.method == "EchoTwo") {
    status = stub->EchoTwo(&ctx, request, &response);
  } else if (call.method == "EchoThree") {
    status = stub->EchoThree(&ctx, request, &response);
  } else {
    GrpcEchoResult bad;
    bad.message = "no such method: " + call.method;
    return bad;
  }
  GrpcEchoResult r;
  r.code = status.error_code();
  r.message = status.error_message();
  if (!status.ok()) return r;
  const pb::Assertions& a = response.assertions();
  r.method = a.fully_qualified_method();
  for (const pb::Header& h : a.headers()) r.headers.emplace_back(h.key(), h.value());
  r.authority = a.authority();
  r.namespace_ = a.context().namespace_();
  r.ingress = a.context().ingress();
  r.service = a.context().service_name();
  r.pod = a.context().pod();
  if (a.has_tls_assertions()) {
    const pb::TLSAssertions& t = a.tls_assertions();
    GrpcEchoTls tls;
    tls.version = t.version();
    tls.negotiatedProtocol = t.negotiated_protocol();
    tls.serverName = t.server_name();
    tls.cipherSuite = t.cipher_suite();
    tls.peerCertificates.assign(t.peer_certificates().begin(), t.peer_certificates().end());
    r.tls = std::move(tls);
  }
  return r;
}

std::string grpcStatusName(int code) {
  static const char* const kNames[] = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  if (code >= 0 && code < static_cast<int>(std::size(kNames))) return kNames[code];
  return "UNKNOWN_CODE_" + std::to_string(code);
}

}  // namespace portico::testing
