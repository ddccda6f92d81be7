#include "echo/grpc/stream_service.h"

#include <chrono>
#include <thread>

#include "echo/log.h"

namespace portico::echo::grpcecho {
namespace {

// Waits `ms`, in short steps so a cancelled call (client gone, deadline)
// stops waiting.
bool pause(grpc::ServerContext& ctx, int ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (ctx.IsCancelled()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return !ctx.IsCancelled();
}

}  // namespace

grpc::Status StreamEchoService::Unary(grpc::ServerContext* ctx, const spb::StreamRequest* req,
                                      spb::Chunk* res) {
  logLine("StreamEcho/Unary payload " + req->payload());  // tests watch for mirrored calls
  ctx->AddTrailingMetadata("x-echo-pod", pod_);
  if (req->delay_ms() > 0 && !pause(*ctx, req->delay_ms())) return grpc::Status::CANCELLED;
  res->set_payload(req->payload());
  res->set_pod(pod_);
  return grpc::Status::OK;
}

grpc::Status StreamEchoService::Collect(grpc::ServerContext* ctx, grpc::ServerReader<spb::Chunk>* in,
                                        spb::Chunk* res) {
  ctx->AddTrailingMetadata("x-echo-pod", pod_);
  spb::Chunk c;
  std::string joined;
  int n = 0;
  while (in->Read(&c)) {
    joined += c.payload();
    ++n;
  }
  res->set_payload(joined);
  res->set_seq(n);
  res->set_pod(pod_);
  return grpc::Status::OK;
}

grpc::Status StreamEchoService::Repeat(grpc::ServerContext* ctx, const spb::StreamRequest* req,
                                       grpc::ServerWriter<spb::Chunk>* out) {
  ctx->AddTrailingMetadata("x-echo-pod", pod_);
  for (int i = 0; i < req->count(); ++i) {
    if (i > 0 && req->interval_ms() > 0 && !pause(*ctx, req->interval_ms())) return grpc::Status::CANCELLED;
    spb::Chunk c;
    c.set_payload(req->payload());
    c.set_seq(i);
    c.set_pod(pod_);
    if (!out->Write(c)) return grpc::Status::CANCELLED;
  }
  return grpc::Status::OK;
}

grpc::Status StreamEchoService::Chat(grpc::ServerContext* ctx,
                                     grpc::ServerReaderWriter<spb::Chunk, spb::Chunk>* io) {
  ctx->AddTrailingMetadata("x-echo-pod", pod_);
  spb::Chunk c;
  while (io->Read(&c)) {
    c.set_pod(pod_);
    if (!io->Write(c)) return grpc::Status::CANCELLED;
  }
  return grpc::Status::OK;
}

}  // namespace portico::echo::grpcecho
