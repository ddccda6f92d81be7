// The StreamEcho service of portico-grpc-echo (streamecho.proto): unary,
// client, server and bidirectional streaming calls for the proxy's gRPC
// tests. No sockets (front.cc hands connections to gRPC).
#pragma once

#include <string>

#include "echo/grpc/streamecho.grpc.pb.h"

namespace portico::echo::grpcecho {

namespace spb = ::portico::streamecho;

class StreamEchoService final : public spb::StreamEcho::Service {
 public:
  explicit StreamEchoService(std::string pod) : pod_(std::move(pod)) {}

  grpc::Status Unary(grpc::ServerContext* ctx, const spb::StreamRequest* req, spb::Chunk* res) override;
  grpc::Status Collect(grpc::ServerContext* ctx, grpc::ServerReader<spb::Chunk>* in,
                       spb::Chunk* res) override;
  grpc::Status Repeat(grpc::ServerContext* ctx, const spb::StreamRequest* req,
                      grpc::ServerWriter<spb::Chunk>* out) override;
  grpc::Status Chat(grpc::ServerContext* ctx, grpc::ServerReaderWriter<spb::Chunk, spb::Chunk>* io) override;

 private:
  std::string pod_;
};

}  // namespace portico::echo::grpcecho
