#include "echo/grpc/service.h"

#include "echo/log.h"

namespace portico::echo::grpcecho {

long TlsRegistry::remember(const std::string& peer, TlsInfo info) {
  std::lock_guard lock(mu_);
  byPeer_[peer] = {++next_, std::move(info)};
  return next_;
}

void TlsRegistry::forget(const std::string& peer, long token) {
  std::lock_guard lock(mu_);
  auto it = byPeer_.find(peer);
  if (it != byPeer_.end() && it->second.first == token) byPeer_.erase(it);
}

void TlsRegistry::clear(const std::string& peer) {
  std::lock_guard lock(mu_);
  byPeer_.erase(peer);
}

std::optional<TlsInfo> TlsRegistry::find(const std::string& peer) {
  std::lock_guard lock(mu_);
  auto it = byPeer_.find(peer);
  if (it == byPeer_.end()) return std::nullopt;
  return it->second.second;
}

std::string fdPeerName(int fd) { return "fd:" + std::to_string(fd); }

grpc::Status EchoService::Echo(grpc::ServerContext* ctx, const pb::EchoRequest*, pb::EchoResponse* res) {
  return describe("Echo", *ctx, *res);
}

grpc::Status EchoService::EchoTwo(grpc::ServerContext* ctx, const pb::EchoRequest*, pb::EchoResponse* res) {
  return describe("EchoTwo", *ctx, *res);
}

grpc::Status EchoService::describe(const std::string& method, grpc::ServerContext& ctx,
                                   pb::EchoResponse& res) {
  const std::optional<TlsInfo> tls = tls_.find(ctx.peer());
  logLine(std::string("Received over ") + (tls ? "TLS" : "plaintext") + ": " + method);
  pb::Assertions& a = *res.mutable_assertions();
  a.set_fully_qualified_method("/" + std::string(pb::GrpcEcho::service_full_name()) + "/" + method);
  // gRPC C++ keeps :authority out of the metadata; echo-basic (grpc-go)
  // lists it among the headers.
  const grpc::string_ref authority = ctx.ExperimentalGetAuthority();
  a.set_authority(std::string(authority.data(), authority.size()));
  pb::Header& first = *a.add_headers();
  first.set_key(":authority");
  first.set_value(a.authority());
  for (const auto& [key, value] : ctx.client_metadata()) {
    pb::Header& h = *a.add_headers();
    h.set_key(std::string(key.data(), key.size()));
    h.set_value(std::string(value.data(), value.size()));
  }
  pb::Context& c = *a.mutable_context();
  c.set_namespace_(identity_.namespace_);
  c.set_ingress(identity_.ingress);
  c.set_service_name(identity_.service);
  c.set_pod(identity_.pod);
  if (tls) {
    pb::TLSAssertions& t = *a.mutable_tls_assertions();
    t.set_version(tls->version);
    t.set_negotiated_protocol(tls->negotiatedProtocol);
    t.set_server_name(tls->serverName);
    t.set_cipher_suite(tls->cipherSuite);
    for (const std::string& pem : tls->peerCertificates) t.add_peer_certificates(pem);
  }
  res.mutable_request();
  return grpc::Status::OK;
}

}  // namespace portico::echo::grpcecho
