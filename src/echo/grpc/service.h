// The GrpcEcho service of portico-grpc-echo: Echo and EchoTwo describe the
// call (method, metadata, authority, identity, TLS); EchoThree stays
// unimplemented. No sockets (front.cc hands connections to gRPC).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "echo/grpc/grpcecho.grpc.pb.h"
#include "echo/handler.h"
#include "echo/options.h"

namespace portico::echo::grpcecho {

namespace pb = ::gateway_api_conformance::echo_basic::grpcecho;

// TLS details of the connections whose TLS front.cc terminated, keyed by
// the peer name gRPC gives the plaintext side ("fd:N").
class TlsRegistry {
 public:
  // Returns a token for `forget` (the same fd number is reused later).
  long remember(const std::string& peer, TlsInfo info);
  void forget(const std::string& peer, long token);
  // A plaintext connection now has this name: whatever was known is stale.
  void clear(const std::string& peer);
  std::optional<TlsInfo> find(const std::string& peer);

 private:
  std::mutex mu_;
  long next_ = 0;
  std::map<std::string, std::pair<long, TlsInfo>> byPeer_;
};

// The name gRPC gives a connection added with AddInsecureChannelFromFd.
std::string fdPeerName(int fd);

class EchoService final : public pb::GrpcEcho::Service {
 public:
  EchoService(Identity identity, TlsRegistry& tls) : identity_(std::move(identity)), tls_(tls) {}

  grpc::Status Echo(grpc::ServerContext* ctx, const pb::EchoRequest* req, pb::EchoResponse* res) override;
  grpc::Status EchoTwo(grpc::ServerContext* ctx, const pb::EchoRequest* req, pb::EchoResponse* res) override;

 private:
  grpc::Status describe(const std::string& method, grpc::ServerContext& ctx, pb::EchoResponse& res);

  Identity identity_;
  TlsRegistry& tls_;
};

}  // namespace portico::echo::grpcecho
