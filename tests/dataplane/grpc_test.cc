// GRPCRoute end to end: real gRPC C++ clients through a dataplane::Server
// to portico-grpc-echo backends (StreamEcho, streamecho.proto) over h2c
// and TLS listeners. Unary, client, server and bidirectional streaming;
// method/header matching and precedence; weights; deadlines; a backend
// that dies mid-stream; trailers; Portico's own failures as gRPC statuses.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <thread>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"
#include "echo/grpc/grpcecho.grpc.pb.h"
#include "echo/grpc/streamecho.grpc.pb.h"

namespace portico::testing {
namespace {

namespace spb = ::portico::streamecho;
using namespace std::chrono_literals;

constexpr auto kCallTimeout = 10s;

// A portico-grpc-echo child (GrpcEcho + StreamEcho) on 127.0.0.1:0.
struct GrpcBackend {
  std::unique_ptr<echotest::EchoProcess> proc;
  int port = 0;
  explicit GrpcBackend(const std::string& pod) {
    proc = std::make_unique<echotest::EchoProcess>(
        PORTICO_GRPC_ECHO_BIN, std::vector<std::string>{"--listen", "127.0.0.1:0", "--pod", pod});
    auto ports = proc->ports(1);
    port = ports.empty() ? 0 : ports[0];
  }
};

std::string grpcServiceYaml(const std::string& name, int port) { return serviceYaml(name, port); }

std::unique_ptr<spb::StreamEcho::Stub> stub(int port, const std::string& authority = "grpc.example.com") {
  grpc::ChannelArguments args;
  args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, authority);
  auto ch = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(),
                                      args);
  return spb::StreamEcho::NewStub(ch);
}

void deadline(grpc::ClientContext& ctx, std::chrono::milliseconds d = kCallTimeout) {
  ctx.set_deadline(std::chrono::system_clock::now() + d);
}

std::string trailer(const grpc::ClientContext& ctx, const std::string& key) {
  auto& md = ctx.GetServerTrailingMetadata();
  auto it = md.find(key);
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

struct UnaryResult {
  grpc::Status status;
  spb::Chunk reply;
  std::string podTrailer;
};

UnaryResult unary(spb::StreamEcho::Stub& s, const std::string& payload,
                  std::vector<std::pair<std::string, std::string>> metadata = {}, int delayMs = 0,
                  std::chrono::milliseconds timeout = kCallTimeout) {
  grpc::ClientContext ctx;
  deadline(ctx, timeout);
  for (auto& [k, v] : metadata) ctx.AddMetadata(k, v);
  spb::StreamRequest req;
  req.set_payload(payload);
  req.set_delay_ms(delayMs);
  UnaryResult r;
  r.status = s.Unary(&ctx, req, &r.reply);
  r.podTrailer = trailer(ctx, "x-echo-pod");
  return r;
}

class GrpcProxy : public ProxyTest {
 protected:
  void SetUp() override {
    v1 = std::make_unique<GrpcBackend>("grpc-v1");
    v2 = std::make_unique<GrpcBackend>("grpc-v2");
    ASSERT_GT(v1->port, 0);
    ASSERT_GT(v2->port, 0);
    port = freePort();
  }

  // The Gateway, both Services (no appProtocol: a GRPCRoute backend is
  // HTTP/2 by definition) and `routes`.
  void serveRoutes(const std::string& routes, dataplane::ServerOptions opts = {}) {
    const std::string yaml = gatewayYaml(port) + grpcServiceYaml("grpc-v1", v1->port) +
                             grpcServiceYaml("grpc-v2", v2->port) + routes;
    auto binds = serve(yaml, std::move(opts));
    ASSERT_EQ(binds.size(), 1u);
    ASSERT_TRUE(binds[0].ok) << binds[0].error;
  }

  static std::string route(const std::string& name, const std::string& rules) {
    return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: " + name +
           "}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [grpc.example.com]\n  rules:\n" + rules;
  }

  // Every StreamEcho method to v1, Unary with x-variant: two to v2.
  void serveDefault() {
    serveRoutes(route("streams",
                      "  - matches: [{method: {service: portico.streamecho.StreamEcho}}]\n"
                      "    backendRefs: [{name: grpc-v1, port: 80}]\n"
                      "  - matches: [{method: {service: portico.streamecho.StreamEcho, method: Unary}, "
                      "headers: [{name: x-variant, value: two}]}]\n"
                      "    backendRefs: [{name: grpc-v2, port: 80}]\n"));
  }

  std::unique_ptr<GrpcBackend> v1, v2;
  int port = 0;
};

TEST_F(GrpcProxy, UnaryCallReachesTheBackendWithTrailersIntact) {
  serveDefault();
  auto s = stub(port);
  auto r = unary(*s, "hello");
  ASSERT_TRUE(r.status.ok()) << r.status.error_code() << " " << r.status.error_message();
  EXPECT_EQ(r.reply.payload(), "hello");
  EXPECT_EQ(r.reply.pod(), "grpc-v1");
  EXPECT_EQ(r.podTrailer, "grpc-v1");  // trailing metadata crossed the proxy
  // Counted as gRPC (portico_requests_by_protocol_total{protocol="grpc"}).
  EXPECT_EQ(server->stats().requestsByProtocol[static_cast<size_t>(dataplane::RequestProtocol::Grpc)], 1u);
  EXPECT_EQ(server->stats().requestsByProtocol[static_cast<size_t>(dataplane::RequestProtocol::Http1)], 0u);
}

TEST_F(GrpcProxy, HeaderMatchWinsOverMethodlessRule) {
  serveDefault();
  auto s = stub(port);
  // The rule with method + header outranks the service-only rule (GRPCRoute
  // precedence: more specific method match, then more header matches).
  EXPECT_EQ(unary(*s, "x", {{"x-variant", "two"}}).reply.pod(), "grpc-v2");
  EXPECT_EQ(unary(*s, "x", {{"x-variant", "three"}}).reply.pod(), "grpc-v1");
  EXPECT_EQ(unary(*s, "x").reply.pod(), "grpc-v1");
}

TEST_F(GrpcProxy, UnroutedMethodIsUnimplementedFromTheGateway) {
  serveDefault();
  // GrpcEcho/Echo is served by the backend but no rule matches it.
  grpc::ChannelArguments args;
  args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, "grpc.example.com");
  auto ch = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(),
                                      args);
  auto echo = ::gateway_api_conformance::echo_basic::grpcecho::GrpcEcho::NewStub(ch);
  grpc::ClientContext ctx;
  deadline(ctx);
  ::gateway_api_conformance::echo_basic::grpcecho::EchoRequest req;
  ::gateway_api_conformance::echo_basic::grpcecho::EchoResponse res;
  auto st = echo->Echo(&ctx, req, &res);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED) << st.error_message();
}

TEST_F(GrpcProxy, ClientStreamingIsRelayed) {
  serveDefault();
  auto s = stub(port);
  grpc::ClientContext ctx;
  deadline(ctx);
  spb::Chunk reply;
  auto writer = s->Collect(&ctx, &reply);
  const std::string piece(10 * 1024, 'c');
  for (int i = 0; i < 50; ++i) {
    spb::Chunk c;
    c.set_payload(piece);
    c.set_seq(i);
    ASSERT_TRUE(writer->Write(c)) << "write " << i;
  }
  ASSERT_TRUE(writer->WritesDone());
  auto st = writer->Finish();
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(reply.seq(), 50);
  EXPECT_EQ(reply.payload().size(), 50u * piece.size());
  EXPECT_EQ(trailer(ctx, "x-echo-pod"), "grpc-v1");
}

TEST_F(GrpcProxy, ServerStreamingArrivesInOrder) {
  serveDefault();
  auto s = stub(port);
  grpc::ClientContext ctx;
  deadline(ctx);
  spb::StreamRequest req;
  req.set_payload("tick");
  req.set_count(40);
  auto reader = s->Repeat(&ctx, req);
  spb::Chunk c;
  int n = 0;
  while (reader->Read(&c)) {
    EXPECT_EQ(c.seq(), n);
    ++n;
  }
  auto st = reader->Finish();
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(n, 40);
}

TEST_F(GrpcProxy, BidirectionalStreamingFlowsWithoutBuffering) {
  serveDefault();
  auto s = stub(port);
  grpc::ClientContext ctx;
  deadline(ctx);
  auto io = s->Chat(&ctx);
  // Lockstep: each reply must come back before the next message is sent,
  // which only works if neither direction is held back by the proxy.
  for (int i = 0; i < 25; ++i) {
    spb::Chunk c;
    c.set_payload("ping " + std::to_string(i));
    c.set_seq(i);
    ASSERT_TRUE(io->Write(c));
    spb::Chunk back;
    ASSERT_TRUE(io->Read(&back)) << "reply " << i;
    EXPECT_EQ(back.seq(), i);
    EXPECT_EQ(back.payload(), c.payload());
  }
  ASSERT_TRUE(io->WritesDone());
  spb::Chunk extra;
  EXPECT_FALSE(io->Read(&extra));
  auto st = io->Finish();
  EXPECT_TRUE(st.ok()) << st.error_message();
}

TEST_F(GrpcProxy, ConcurrentCallsShareTheProxy) {
  serveDefault();
  auto s = stub(port);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r = unary(*s, "t" + std::to_string(t) + "-" + std::to_string(i));
        if (r.status.ok() && r.reply.payload() == "t" + std::to_string(t) + "-" + std::to_string(i)) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 80);
}

TEST_F(GrpcProxy, WeightedBackendsSplitCalls) {
  serveRoutes(route("weights",
                    "  - backendRefs:\n    - {name: grpc-v1, port: 80, weight: 1}\n    - {name: grpc-v2, "
                    "port: 80, weight: 3}\n"));
  auto s = stub(port);
  std::map<std::string, int> pods;
  const int calls = 200;
  for (int i = 0; i < calls; ++i) {
    auto r = unary(*s, "w");
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    ++pods[r.reply.pod()];
  }
  // 1:3 expected (50 : 150); 3 sigma of a binomial(200, 0.25) is ~18.
  EXPECT_NEAR(pods["grpc-v1"], 50, 20);
  EXPECT_NEAR(pods["grpc-v2"], 150, 20);
}

TEST_F(GrpcProxy, RouteTimeoutIsDeadlineExceededFromTheGateway) {
  // An HTTPRoute may carry gRPC too (its backend declares HTTP/2); its
  // timeouts.request ends the call long before the client's deadline.
  const std::string p = std::to_string(v1->port);
  serveRoutes(
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: h2c}\nspec:\n  ports: [{name: grpc, port: 80, "
      "targetPort: " +
      p +
      ", appProtocol: kubernetes.io/h2c}]\n---\napiVersion: discovery.k8s.io/v1\nkind: "
      "EndpointSlice\nmetadata:\n  name: h2c-1\n  labels: {kubernetes.io/service-name: h2c}\naddressType: "
      "IPv4\nports: [{name: grpc, port: " +
      p + "}]\nendpoints:\n- addresses: [127.0.0.1]\n" +
      e2e::routeYaml("slow", "",
                     "  - timeouts: {request: 300ms}\n    backendRefs: [{name: h2c, port: 80}]\n"));
  auto s = stub(port);
  const auto before = server->stats().requestsByCode[504];
  auto r = unary(*s, "slow", {}, /*delayMs=*/5000);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << r.status.error_message();
  EXPECT_EQ(r.status.error_message(), "upstream timed out");  // Portico's words, not the client library's
  EXPECT_EQ(server->stats().requestsByCode[504], before + 1);
  // The same route serves a quick call normally.
  EXPECT_TRUE(unary(*s, "quick").status.ok());
}

TEST_F(GrpcProxy, ClientDeadlineEndsTheCall) {
  serveDefault();
  auto s = stub(port);
  auto r = unary(*s, "slow", {}, /*delayMs=*/5000, /*timeout=*/300ms);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The proxy is not stuck on the abandoned call.
  EXPECT_TRUE(unary(*s, "next").status.ok());
}

TEST_F(GrpcProxy, BackendDyingMidStreamEndsTheCallUnavailable) {
  serveDefault();
  auto s = stub(port);
  grpc::ClientContext ctx;
  deadline(ctx);
  spb::StreamRequest req;
  req.set_payload("tick");
  req.set_count(1000);
  req.set_interval_ms(20);
  auto reader = s->Repeat(&ctx, req);
  spb::Chunk c;
  ASSERT_TRUE(reader->Read(&c));
  v1->proc->stop(SIGKILL);
  while (reader->Read(&c)) {
  }
  auto st = reader->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
}

TEST_F(GrpcProxy, NoReadyEndpointIsUnavailable) {
  serveRoutes(
      route("nowhere", "  - backendRefs: [{name: missing-endpoints, port: 80}]\n") +
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: missing-endpoints}\nspec:\n  ports: [{port: "
      "80}]\n");
  auto s = stub(port);
  auto r = unary(*s, "x");
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE) << r.status.error_message();
  EXPECT_NE(r.status.error_message().find("no ready endpoint"), std::string::npos)
      << r.status.error_message();
}

TEST_F(GrpcProxy, RequestMirrorGetsACopyOfTheCall) {
  serveRoutes(route("mirrored",
                    "  - filters:\n    - type: RequestMirror\n      requestMirror: {backendRef: {name: "
                    "grpc-v2, port: 80}}\n    backendRefs: [{name: grpc-v1, port: 80}]\n"));
  auto s = stub(port);
  auto r = unary(*s, "copy-me");
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.reply.pod(), "grpc-v1");  // the client gets the primary's answer
  bool seen = false;
  for (int i = 0; i < 10 && !seen; ++i) {
    auto line = v2->proc->readLine(std::chrono::seconds(5));
    if (!line) break;
    seen = line->find("StreamEcho/Unary payload copy-me") != std::string::npos;
  }
  EXPECT_TRUE(seen) << "the mirror received the call over HTTP/2";
}

class GrpcTlsProxy : public GrpcProxy {};

TEST_F(GrpcTlsProxy, UnaryAndStreamingOverTls) {
  const KeyPair kp = selfSigned({"grpc.example.com"});
  const std::string p = std::to_string(port);
  const std::string yaml =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\nspec: "
      "{controllerName: portico.dev/gateway-controller}\n---\napiVersion: "
      "gateway.networking.k8s.io/v1\nkind: "
      "Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: portico\n  listeners:\n  - {name: https, "
      "port: " +
      p + ", protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}\n---\n" +
      tlsSecretYaml("default", "cert", kp) + grpcServiceYaml("grpc-v1", v1->port) +
      route("tls", "  - backendRefs: [{name: grpc-v1, port: 80}]\n");
  auto binds = serve(yaml);
  ASSERT_EQ(binds.size(), 1u);
  ASSERT_TRUE(binds[0].ok) << binds[0].error;

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = kp.certPem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("grpc.example.com");
  auto ch = grpc::CreateCustomChannel("127.0.0.1:" + p, grpc::SslCredentials(ssl), args);
  auto s = spb::StreamEcho::NewStub(ch);
  auto r = unary(*s, "secure");
  ASSERT_TRUE(r.status.ok()) << r.status.error_code() << " " << r.status.error_message();
  EXPECT_EQ(r.reply.payload(), "secure");
  EXPECT_EQ(r.podTrailer, "grpc-v1");

  grpc::ClientContext ctx;
  deadline(ctx);
  auto io = s->Chat(&ctx);
  for (int i = 0; i < 5; ++i) {
    spb::Chunk c;
    c.set_seq(i);
    ASSERT_TRUE(io->Write(c));
    spb::Chunk back;
    ASSERT_TRUE(io->Read(&back));
    EXPECT_EQ(back.seq(), i);
  }
  io->WritesDone();
  EXPECT_TRUE(io->Finish().ok());

  // Client streaming.
  {
    grpc::ClientContext cctx;
    deadline(cctx);
    spb::Chunk reply;
    auto writer = s->Collect(&cctx, &reply);
    for (int i = 0; i < 10; ++i) {
      spb::Chunk c;
      c.set_payload("ab");
      ASSERT_TRUE(writer->Write(c));
    }
    ASSERT_TRUE(writer->WritesDone());
    ASSERT_TRUE(writer->Finish().ok());
    EXPECT_EQ(reply.seq(), 10);
    std::string joined;
    for (int i = 0; i < 10; ++i) joined += "ab";
    EXPECT_EQ(reply.payload(), joined);
  }
  // Server streaming.
  {
    grpc::ClientContext sctx;
    deadline(sctx);
    spb::StreamRequest req;
    req.set_count(7);
    auto reader = s->Repeat(&sctx, req);
    spb::Chunk c;
    int n = 0;
    while (reader->Read(&c)) EXPECT_EQ(c.seq(), n++);
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(n, 7);
  }
}

}  // namespace
}  // namespace portico::testing
