// portico-grpc-echo: the conformance echo backend in gRPC mode (echo-basic
// with GRPC_ECHO_SERVER): the GrpcEcho service over h2c and over TLS, and
// StreamEcho (streamecho.proto) for streaming calls through the proxy.
// Separate from portico-echo so gRPC stays out of it and out of portico.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/server_builder.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <iostream>

#include "echo/grpc/front.h"
#include "echo/grpc/service.h"
#include "echo/grpc/stream_service.h"

namespace {

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "portico-grpc-echo";
  return buf;
}

bool parseEndpoints(const std::vector<std::string>& in, std::vector<portico::echo::Endpoint>& out) {
  for (const std::string& text : in) {
    auto e = portico::echo::parseEndpoint(text);
    if (!e) {
      std::cerr << "portico-grpc-echo: expected ADDR:PORT or [ADDR]:PORT, got \"" << text << "\""
                << std::endl;
      return false;
    }
    out.push_back(*e);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  namespace echo = portico::echo;
  echo::Options opts;
  std::vector<std::string> listen, tlsListen;
  bool dieWithParent = false;
  CLI::App app{"portico-grpc-echo: gRPC echo backend (Gateway API conformance GrpcEcho service)"};
  app.add_option("--listen", listen, "Serve gRPC over h2c on ADDR:PORT (repeatable; port 0 picks one)");
  app.add_option("--tls-listen", tlsListen,
                 "Serve gRPC over TLS (ALPN h2) on ADDR:PORT (repeatable; needs --tls-cert/--tls-key)");
  app.add_option("--tls-cert", opts.tlsCert, "PEM certificate chain")->envname("TLS_SERVER_CERT");
  app.add_option("--tls-key", opts.tlsKey, "PEM private key")->envname("TLS_SERVER_PRIV_KEY");
  app.add_option("--tls-client-ca", opts.tlsClientCa,
                 "Request client certificates, verify them against this CA");
  app.add_option("--namespace", opts.identity.namespace_, "Reported namespace")->envname("NAMESPACE");
  app.add_option("--service", opts.identity.service, "Reported service_name")->envname("SERVICE_NAME");
  app.add_option("--ingress", opts.identity.ingress, "Reported ingress")->envname("INGRESS_NAME");
  app.add_option("--pod", opts.identity.pod, "Reported pod (default: hostname)")->envname("POD_NAME");
  app.add_flag("--die-with-parent", dieWithParent,
               "Exit when the parent process dies (test harnesses: no orphan holding their output)");
  CLI11_PARSE(app, argc, argv);
  if (dieWithParent) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() == 1) return 0;  // the parent is already gone
  }
  if (!parseEndpoints(listen, opts.listen) || !parseEndpoints(tlsListen, opts.tlsListen)) return 2;
  if (opts.listen.empty() && opts.tlsListen.empty()) {
    std::cerr << "portico-grpc-echo: give at least one --listen or --tls-listen" << std::endl;
    return 2;
  }
  if (!opts.tlsListen.empty() && (opts.tlsCert.empty() || opts.tlsKey.empty())) {
    std::cerr << "portico-grpc-echo: --tls-listen needs --tls-cert and --tls-key" << std::endl;
    return 2;
  }
  if (opts.identity.pod.empty()) opts.identity.pod = hostname();
  std::signal(SIGPIPE, SIG_IGN);

  echo::grpcecho::TlsRegistry tls;
  echo::grpcecho::EchoService service(opts.identity, tls);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  echo::grpcecho::StreamEchoService streams(opts.identity.pod);  // streamecho.proto, for Portico's own tests
  builder.RegisterService(&service);
  builder.RegisterService(&streams);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();  // no ports: front.cc hands it connections
  if (!server) {
    std::cerr << "portico-grpc-echo: cannot start the gRPC server" << std::endl;
    return 1;
  }
  const int code = echo::grpcecho::runFront(opts, *server, tls);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  return code;
}
