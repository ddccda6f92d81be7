// Downstream HTTP/2 end to end: h2c with prior knowledge and h2 over TLS
// (ALPN) into a real dataplane::Server, proxied to HTTP/1.1 backends
// (portico-echo, or a scripted upstream). The client is nghttp2's, run
// in-process over the blocking e2e::Client transport (its socket timeouts
// bound every wait).
#include <nghttp2/nghttp2.h>
#include <poll.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "dataplane/e2e_support.h"
#include "dataplane/proxy_fixture.h"

namespace portico::testing {
namespace {

using namespace e2e;

struct H2Response {
  int status = 0;
  std::multimap<std::string, std::string> headers, trailers;
  std::string body;
  bool closed = false;
  uint32_t error = 0;  // RST_STREAM / close error code
  int order = 0;       // completion order on the connection (1 = first)
  std::string header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? std::string() : it->second;
  }
};

class H2Client {
 public:
  explicit H2Client(Client& transport) : t_(transport) {
    nghttp2_session_callbacks* cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, onHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, onData);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, onClose);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, onFrame);
    // Header blocks larger than nghttp2's 64 KiB default may be sent (the
    // server's limits are under test).
    nghttp2_option* opt = nullptr;
    nghttp2_option_new(&opt);
    nghttp2_option_set_max_send_header_block_length(opt, 256 * 1024);
    nghttp2_session_client_new2(&s_, cb, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(s_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~H2Client() { nghttp2_session_del(s_); }

  int32_t submit(const std::string& method, const std::string& authority, const std::string& path,
                 std::vector<std::pair<std::string, std::string>> extra = {}, std::string body = "") {
    std::vector<std::pair<std::string, std::string>> f = {{":method", method},
                                                          {":scheme", t_.ssl() ? "https" : "http"},
                                                          {":authority", authority},
                                                          {":path", path}};
    for (auto& e : extra) f.push_back(std::move(e));
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : f) {
      nva.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()), n.size(),
                     v.size(), NGHTTP2_NV_FLAG_NONE});
    }
    auto src = std::make_unique<Body>();
    src->data = std::move(body);
    nghttp2_data_provider p{};
    p.source.ptr = src.get();
    p.read_callback = readBody;
    const bool hasBody = method == "POST" || method == "PUT";
    int32_t id = nghttp2_submit_request(s_, nullptr, nva.data(), nva.size(), hasBody ? &p : nullptr, nullptr);
    bodies_.push_back(std::move(src));
    if (id > 0) responses_[id];
    return id;
  }

  // Exchanges frames until every stream in `ids` closed (or the
  // connection ends / the transport times out).
  bool wait(const std::vector<int32_t>& ids) {
    return until([&] {
      for (int32_t id : ids) {
        if (!responses_[id].closed) return false;
      }
      return true;
    });
  }

  // Exchanges frames until `done()` holds (false when the connection ends
  // or the transport times out first).
  template <class F>
  bool until(F&& done) {
    char buf[16384];
    for (;;) {
      if (!flush()) return false;
      if (done()) return true;
      long n = t_.readSome(buf, sizeof buf);
      if (n <= 0) return false;
      if (nghttp2_session_mem_recv(s_, reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n)) < 0)
        return false;
    }
  }

  H2Response& response(int32_t id) { return responses_[id]; }
  void reset(int32_t id) { nghttp2_submit_rst_stream(s_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL); }
  bool flushOnly() { return flush(); }
  // Feeds whatever the server sent so far, without waiting (plain
  // connections). False once the connection ended.
  bool poll() {
    char buf[16384];
    for (;;) {
      pollfd p{t_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) return true;
      long n = t_.readSome(buf, sizeof buf);
      if (n <= 0) return false;
      if (nghttp2_session_mem_recv(s_, reinterpret_cast<const uint8_t*>(buf), static_cast<size_t>(n)) < 0)
        return false;
    }
  }
  uint32_t goawayError() const { return goaway_; }
  bool sawGoaway() const { return sawGoaway_; }

  // One request, waited for.
  std::optional<H2Response> fetch(const std::string& method, const std::string& authority,
                                  const std::string& path,
                                  std::vector<std::pair<std::string, std::string>> extra = {},
                                  std::string body = "") {
    int32_t id = submit(method, authority, path, std::move(extra), std::move(body));
    if (id <= 0 || !wait({id})) return std::nullopt;
    return responses_[id];
  }

 private:
  struct Body {
    std::string data;
    size_t at = 0;
  };
  static H2Client& self(void* u) { return *static_cast<H2Client*>(u); }
  static ssize_t readBody(nghttp2_session*, int32_t, uint8_t* buf, size_t len, uint32_t* flags,
                          nghttp2_data_source* src, void*) {
    auto* b = static_cast<Body*>(src->ptr);
    size_t n = std::min(len, b->data.size() - b->at);
    std::memcpy(buf, b->data.data() + b->at, n);
    b->at += n;
    if (b->at == b->data.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* u) {
    auto& r = self(u).responses_[frame->hd.stream_id];
    std::string n(reinterpret_cast<const char*>(name), namelen),
        v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") {
      r.status = std::stoi(v);
    } else if (frame->headers.cat == NGHTTP2_HCAT_HEADERS && r.status >= 200) {
      r.trailers.emplace(n, v);
    } else {
      r.headers.emplace(n, v);
    }
    return 0;
  }
  static int onData(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* u) {
    self(u).responses_[id].body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }
  static int onClose(nghttp2_session*, int32_t id, uint32_t error, void* u) {
    auto& c = self(u);
    auto& r = c.responses_[id];
    r.closed = true;
    r.error = error;
    r.order = ++c.closedCount_;
    return 0;
  }
  static int onFrame(nghttp2_session*, const nghttp2_frame* frame, void* u) {
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      self(u).sawGoaway_ = true;
      self(u).goaway_ = frame->goaway.error_code;
    }
    return 0;
  }
  bool flush() {
    for (;;) {
      const uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(s_, &data);
      if (n < 0) return false;
      if (n == 0) return true;
      if (!t_.send(std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(n)))) return false;
    }
  }

  Client& t_;
  nghttp2_session* s_ = nullptr;
  std::map<int32_t, H2Response> responses_;
  std::vector<std::unique_ptr<Body>> bodies_;
  int closedCount_ = 0;
  bool sawGoaway_ = false;
  uint32_t goaway_ = 0;
};

nlohmann::json json(const H2Response& r) { return nlohmann::json::parse(r.body, nullptr, false); }

class H2cProxy : public ProxyTest {
 protected:
  void SetUp() override {
    echo = std::make_unique<Backend>("echo-h2");
    ASSERT_GT(echo->port, 0);
    // The scripted upstream: answers a POST with its body, chunked, and a
    // trailer.
    raw = std::make_unique<RawUpstream>([](int fd, RawUpstream& self) {
      std::string rest;
      for (;;) {
        std::string head = self.readHead(fd, rest);
        if (head.empty()) return;
        self.noteRequest(head);
        std::string lowerHead = lower(head);
        size_t at = lowerHead.find("content-length: ");
        size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 16));
        while (rest.size() < length) {
          char buf[8192];
          ssize_t n = ::recv(fd, buf, sizeof buf, 0);
          if (n <= 0) return;
          rest.append(buf, static_cast<size_t>(n));
        }
        std::string body = rest.substr(0, length);
        rest.erase(0, length);
        if (head.find(" /upload/gated ") != std::string::npos && !self.waitReleased()) return;
        std::string out =
            "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nConnection: "
            "keep-alive\r\nTransfer-Encoding: "
            "chunked\r\nTrailer: X-Checksum\r\n\r\n";
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", body.size() + 5);
        out += std::string(size) + "got: " + body + "\r\n0\r\nX-Checksum: " + std::to_string(body.size()) +
               "\r\n\r\n";
        if (!RawUpstream::writeAll(fd, out)) return;
      }
    });
    port = freePort();
    std::string yaml = gatewayYaml(port) + serviceYaml("echo-h2", echo->port) +
                       multiPortServiceYaml("raw", {raw->port()}) +
                       routeYaml("web", "[h2.example.com]",
                                 "  - matches: [{path: {type: PathPrefix, value: /old}}]\n"
                                 "    filters:\n"
                                 "    - type: RequestRedirect\n"
                                 "      requestRedirect: {hostname: new.example.com, statusCode: 301}\n"
                                 "  - matches: [{path: {type: PathPrefix, value: /upload}}]\n"
                                 "    backendRefs: [{name: raw, port: 80}]\n"
                                 "  - matches: [{path: {type: PathPrefix, value: /mirrored}}]\n"
                                 "    filters:\n"
                                 "    - type: RequestMirror\n"
                                 "      requestMirror: {backendRef: {name: raw, port: 80}}\n"
                                 "    backendRefs: [{name: echo-h2, port: 80}]\n"
                                 "  - matches: [{path: {type: PathPrefix, value: /}}]\n"
                                 "    filters:\n"
                                 "    - type: ResponseHeaderModifier\n"
                                 "      responseHeaderModifier: {add: [{name: X-Via-H2, value: 'yes'}]}\n"
                                 "    backendRefs: [{name: echo-h2, port: 80}]\n");
    auto binds = serve(yaml);
    ASSERT_EQ(binds.size(), 1u);
    ASSERT_TRUE(binds[0].ok) << binds[0].error;
  }

  std::unique_ptr<Backend> echo;
  std::unique_ptr<RawUpstream> raw;
  int port = 0;
};

TEST_F(H2cProxy, PriorKnowledgeGetIsRoutedToTheBackend) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  auto r = h2.fetch("GET", "h2.example.com", "/hello?x=1",
                    {{"x-custom", "v1"}, {"cookie", "a=1"}, {"cookie", "b=2"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("x-via-h2"), "yes");
  EXPECT_EQ(r->header("content-type"), "application/json");
  auto j = json(*r);
  ASSERT_TRUE(j.is_object()) << r->body;
  EXPECT_EQ(j["proto"], "HTTP/1.1");  // Portico speaks HTTP/1.1 upstream
  EXPECT_EQ(j["path"], "/hello?x=1");
  EXPECT_EQ(j["host"], "h2.example.com");
  EXPECT_EQ(j["pod"], "echo-h2");
  EXPECT_EQ(j["headers"]["X-Custom"][0], "v1");
  EXPECT_EQ(j["headers"]["Cookie"][0], "a=1; b=2");  // RFC 9113 §8.2.3
  EXPECT_EQ(j["headers"]["X-Forwarded-Proto"][0], "http");
  // Connection-specific fields never reach an HTTP/2 client.
  EXPECT_TRUE(r->header("connection").empty());
  EXPECT_TRUE(r->header("keep-alive").empty());

  // The connection carries more requests.
  auto again = h2.fetch("GET", "h2.example.com", "/second");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(json(*again)["path"], "/second");
}

TEST_F(H2cProxy, ConcurrentStreamsAreAnsweredIndependently) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  // The first stream's backend answers after 700ms; the second must not
  // wait for it.
  int32_t slow = h2.submit("GET", "h2.example.com", "/slow?delay=700ms");
  int32_t fast = h2.submit("GET", "h2.example.com", "/fast");
  ASSERT_GT(slow, 0);
  ASSERT_GT(fast, 0);
  ASSERT_TRUE(h2.wait({slow, fast}));
  const auto& s = h2.response(slow);
  const auto& f = h2.response(fast);
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(f.status, 200);
  EXPECT_EQ(json(s)["path"], "/slow?delay=700ms");
  EXPECT_EQ(json(f)["path"], "/fast");
  EXPECT_EQ(f.order, 1) << "the fast stream finished after the slow one";
  EXPECT_EQ(s.order, 2);
}

TEST_F(H2cProxy, PostBodyIsRelayedAndTrailersComeBack) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  std::string body(100000, 'x');  // more than one DATA frame and the initial window
  body += "end";
  auto r = h2.fetch("POST", "h2.example.com", "/upload", {{"content-type", "text/plain"}}, body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "got: " + body);
  auto it = r->trailers.find("x-checksum");
  ASSERT_NE(it, r->trailers.end());
  EXPECT_EQ(it->second, std::to_string(body.size()));
  EXPECT_TRUE(r->header("transfer-encoding").empty());
  EXPECT_TRUE(r->header("trailer").empty());
  ASSERT_TRUE(raw->waitRequests(1));
  const std::string head = raw->heads().front();
  EXPECT_TRUE(head.starts_with("POST /upload HTTP/1.1\r\nHost: h2.example.com\r\n")) << head;
  EXPECT_NE(head.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos) << head;
}

TEST_F(H2cProxy, MirrorGetsTheRequestAndItsBody) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  auto r = h2.fetch("POST", "h2.example.com", "/mirrored/x", {{"content-type", "text/plain"}}, "mirror me");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);  // the primary (echo) answers the client
  EXPECT_EQ(json(*r)["path"], "/mirrored/x");
  ASSERT_TRUE(raw->waitRequests(1));
  const std::string head = raw->heads().front();
  EXPECT_TRUE(head.starts_with("POST /mirrored/x HTTP/1.1\r\n")) << head;
  EXPECT_NE(head.find("Content-Length: 9\r\n"), std::string::npos) << head;
}

TEST_F(H2cProxy, RedirectFilterIsAnsweredOverH2) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  auto r = h2.fetch("GET", "h2.example.com", "/old/page?q=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->header("location"), "http://new.example.com:" + std::to_string(port) + "/old/page?q=1");
}

TEST_F(H2cProxy, UnknownHostIs404) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  auto r = h2.fetch("GET", "nobody.example.org", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "no route");
  // HTTP/1.1 still works on the same port.
  Client h1(port);
  ASSERT_TRUE(h1.send(get("h2.example.com", "/plain")));
  auto p = h1.read();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 200);
  EXPECT_EQ(nlohmann::json::parse(p->body)["proto"], "HTTP/1.1");
}

TEST_F(H2cProxy, DrainSendsGoaway) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  auto r = h2.fetch("GET", "h2.example.com", "/before");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  std::thread stopper([&] { server->stop(std::chrono::milliseconds(3000)); });
  // The GOAWAY arrives, then the connection closes.
  char buf[4096];
  std::string ignored;
  bool closed = false;
  // Bounded by the transport's receive timeout (and the byte count).
  while (!closed && ignored.size() < 65536) {
    long n = c.readSome(buf, sizeof buf);
    if (n <= 0) {
      closed = true;
    } else {
      ignored.append(buf, static_cast<size_t>(n));
    }
  }
  stopper.join();
  server.reset();
  EXPECT_TRUE(closed);
  // A GOAWAY frame (type 7) with NO_ERROR was among the bytes.
  bool goaway = false;
  for (size_t at = 0; at + 9 <= ignored.size();) {
    const size_t len = (static_cast<uint8_t>(ignored[at]) << 16) |
                       (static_cast<uint8_t>(ignored[at + 1]) << 8) | static_cast<uint8_t>(ignored[at + 2]);
    if (ignored[at + 3] == 7) goaway = true;
    at += 9 + len;
  }
  EXPECT_TRUE(goaway);
}

TEST_F(H2cProxy, OversizedHeaderListIs431) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  // 40 fields of 2 KiB: past the 60 KiB header list the server announced.
  std::vector<std::pair<std::string, std::string>> big;
  for (int i = 0; i < 40; ++i) big.emplace_back("x-big-" + std::to_string(i), std::string(2048, 'a'));
  auto r = h2.fetch("GET", "h2.example.com", "/big", big);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431) << "stream error " << r->error;
  // Only that stream failed.
  auto ok = h2.fetch("GET", "h2.example.com", "/after");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(H2cProxy, StreamResetByTheClientLeavesTheConnectionUsable) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  int32_t slow = h2.submit("GET", "h2.example.com", "/slow?delay=3s");
  ASSERT_GT(slow, 0);
  ASSERT_TRUE(h2.flushOnly());
  h2.reset(slow);
  auto r = h2.fetch("GET", "h2.example.com", "/next");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json(*r)["path"], "/next");
  EXPECT_TRUE(h2.response(slow).closed);
  EXPECT_EQ(h2.response(slow).error, static_cast<uint32_t>(NGHTTP2_CANCEL));
}

TEST_F(H2cProxy, DrainLetsStreamsInFlightFinish) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  int32_t id = h2.submit("POST", "h2.example.com", "/upload/gated", {}, "in flight");
  ASSERT_GT(id, 0);
  ASSERT_TRUE(h2.flushOnly());
  ASSERT_TRUE(raw->waitRequests(1));  // the stream is at the upstream
  std::thread stopper([&] { server->stop(std::chrono::milliseconds(5000)); });
  const bool goaway = h2.until([&] { return h2.sawGoaway(); });
  raw->release();
  const bool answered = h2.wait({id});
  stopper.join();
  server.reset();
  ASSERT_TRUE(goaway);
  EXPECT_EQ(h2.goawayError(), static_cast<uint32_t>(NGHTTP2_NO_ERROR));
  ASSERT_TRUE(answered);
  EXPECT_EQ(h2.response(id).status, 201);
  EXPECT_EQ(h2.response(id).body, "got: in flight");
  EXPECT_EQ(h2.response(id).error, static_cast<uint32_t>(NGHTTP2_NO_ERROR));
  EXPECT_TRUE(c.closedWithin(std::chrono::milliseconds(5000)));
}

TEST_F(H2cProxy, RapidResetEndsTheConnection) {
  Client c(port);
  ASSERT_TRUE(c.ok());
  H2Client h2(c);
  // CVE-2023-44487: open and cancel streams as fast as possible. The
  // server allows a burst of 500 resets (kH2ResetBurst).
  int sent = 0;
  for (; sent < 1500 && !h2.sawGoaway(); ++sent) {
    int32_t id = h2.submit("GET", "h2.example.com", "/reset");
    if (id <= 0 || !h2.flushOnly()) break;
    h2.reset(id);
    if (!h2.flushOnly() || !h2.poll()) break;
  }
  h2.until([&] { return h2.sawGoaway(); });
  ASSERT_TRUE(h2.sawGoaway()) << "after " << sent << " resets";
  EXPECT_EQ(h2.goawayError(), static_cast<uint32_t>(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_GE(sent, 500);  // dataplane::kH2ResetBurst
  // The process is healthy: a new connection is served.
  Client d(port);
  ASSERT_TRUE(d.ok());
  H2Client fresh(d);
  auto r = fresh.fetch("GET", "h2.example.com", "/after");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

class H2TlsProxy : public ProxyTest {
 protected:
  void SetUp() override {
    echo = std::make_unique<Backend>("echo-h2tls");
    ASSERT_GT(echo->port, 0);
    port = freePort();
    const KeyPair a = selfSigned({"a.example.com"});
    const KeyPair wild = selfSigned({"*.example.com"});
    const std::string p = std::to_string(port);
    const std::string yaml =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\nspec: "
        "{controllerName: portico.dev/gateway-controller}\n---\napiVersion: "
        "gateway.networking.k8s.io/v1\nkind: "
        "Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: portico\n  listeners:\n"
        "  - {name: a, port: " +
        p +
        ", protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: cert-a}]}}\n"
        "  - {name: wild, port: " +
        p +
        ", protocol: HTTPS, hostname: '*.example.com', tls: {certificateRefs: [{name: cert-wild}]}}\n---\n" +
        tlsSecretYaml("default", "cert-a", a) + "---\n" + tlsSecretYaml("default", "cert-wild", wild) +
        serviceYaml("echo-h2tls", echo->port) +
        routeYaml("web", "", "  - backendRefs: [{name: echo-h2tls, port: 80}]\n");
    auto binds = serve(yaml);
    ASSERT_EQ(binds.size(), 1u);
    ASSERT_TRUE(binds[0].ok) << binds[0].error;
  }

  static TlsOptions h2(const std::string& sni) {
    TlsOptions o{sni};
    o.alpn = {"h2", "http/1.1"};
    return o;
  }

  std::unique_ptr<Backend> echo;
  int port = 0;
};

TEST_F(H2TlsProxy, AlpnH2IsServedOverHttp2) {
  Client c(port, h2("a.example.com"));
  ASSERT_TRUE(c.ok());
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(c.ssl(), &proto, &len);
  ASSERT_EQ(std::string(reinterpret_cast<const char*>(proto), len), "h2");
  H2Client client(c);
  auto r = client.fetch("GET", "a.example.com", "/tls");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto j = json(*r);
  EXPECT_EQ(j["path"], "/tls");
  EXPECT_EQ(j["host"], "a.example.com");
  EXPECT_EQ(j["proto"], "HTTP/1.1");
  EXPECT_EQ(j["headers"]["X-Forwarded-Proto"][0], "https");
  // The wildcard listener's names over their own SNI.
  Client w(port, h2("b.example.com"));
  ASSERT_TRUE(w.ok());
  H2Client wc(w);
  auto rb = wc.fetch("GET", "b.example.com", "/wild");
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->status, 200);
}

TEST_F(H2TlsProxy, MisdirectedAuthorityIs421) {
  // SNI picks the wildcard listener; :authority names a.example.com,
  // which has its own listener (spec §12.3).
  Client c(port, h2("b.example.com"));
  ASSERT_TRUE(c.ok());
  H2Client client(c);
  auto r = client.fetch("GET", "a.example.com", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 421);
  // The connection still serves its own listener's names.
  auto ok = client.fetch("GET", "b.example.com", "/");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(H2TlsProxy, Http11IsStillNegotiable) {
  TlsOptions o{"a.example.com"};
  o.alpn = {"http/1.1"};
  Client c(port, o);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.send(get("a.example.com", "/h1")));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace portico::testing
