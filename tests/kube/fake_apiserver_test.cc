// The test API server against a small client of its own (Beast over
// OpenSSL, verifying the server certificate for IP 127.0.0.1), so the
// Kubernetes-mode tests can trust what it says about the wire protocol.
// Every network wait is bounded (kWait); nothing sleeps to synchronise.
#include "kube/fake_apiserver.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <set>

namespace portico::testing {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kWait = 5s;
const std::string kGw = "/apis/gateway.networking.k8s.io/v1";

struct Reply {
  int status = 0;
  std::string body;
  json js() const { return json::parse(body); }
};

// One HTTPS connection; each operation runs the io_context for at most
// kWait and fails the test (throws) when it does not complete.
class Conn {
 public:
  Conn(const FakeApiServer& server)
      : ctx_(ssl::context::tls_client), stream_(io_, ctx_), token_(server.token()) {
    ctx_.add_certificate_authority(net::buffer(server.caPem()));
    stream_.set_verify_mode(ssl::verify_peer);
    // The client dials an IP: verify the certificate's IP SAN.
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream_.native_handle()), "127.0.0.1");
    run([&](auto done) {
      stream_.next_layer().async_connect({net::ip::make_address("127.0.0.1"), server.port()},
                                         [done](boost::system::error_code ec) { done(ec); });
    });
    run([&](auto done) {
      stream_.async_handshake(ssl::stream_base::client, [done](boost::system::error_code ec) { done(ec); });
    });
  }

  void setToken(std::string t) { token_ = std::move(t); }

  Reply request(http::verb method, const std::string& target, const std::string& body = "",
                const std::string& contentType = "application/json") {
    send(method, target, body, contentType);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    run([&](auto done) {
      http::async_read(stream_, buf_, parser, [done](boost::system::error_code ec, size_t) { done(ec); });
    });
    return {static_cast<int>(parser.get().result_int()), parser.get().body()};
  }
  Reply get(const std::string& target) { return request(http::verb::get, target); }
  Reply post(const std::string& target, const json& body) {
    return request(http::verb::post, target, body.dump());
  }
  Reply put(const std::string& target, const json& body) {
    return request(http::verb::put, target, body.dump());
  }

  // A watch: the response head now, then one event per next() call.
  void startWatch(const std::string& target) {
    send(http::verb::get, target, "", "");
    watch_.emplace();
    watch_->body_limit(64 << 20);
    chunkHeaders_ = 0;
    watch_->on_chunk_header(onChunk_);
    run([&](auto done) {
      http::async_read_header(stream_, buf_, *watch_,
                              [done](boost::system::error_code ec, size_t) { done(ec); });
    });
  }
  int watchStatus() const { return static_cast<int>(watch_->get().result_int()); }
  bool watchChunked() const { return watch_->chunked(); }
  int chunks() const { return chunkHeaders_; }

  // The next event, or nullopt when the server ended the stream.
  std::optional<json> next() {
    for (;;) {
      std::string& body = watch_->get().body();
      if (auto nl = body.find('\n', consumed_); nl != std::string::npos) {
        json ev = json::parse(body.substr(consumed_, nl - consumed_));
        consumed_ = nl + 1;
        return ev;
      }
      if (watch_->is_done()) return std::nullopt;
      run([&](auto done) {
        http::async_read_some(stream_, buf_, *watch_,
                              [done](boost::system::error_code ec, size_t) { done(ec); });
      });
    }
  }

  void close() {
    boost::system::error_code ec;
    stream_.next_layer().close(ec);
  }

 private:
  void send(http::verb method, const std::string& target, const std::string& body,
            const std::string& contentType) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    if (!body.empty()) {
      req.set(http::field::content_type, contentType);
      req.body() = body;
    }
    req.prepare_payload();
    run([&](auto done) {
      http::async_write(stream_, req, [done](boost::system::error_code ec, size_t) { done(ec); });
    });
  }

  template <class Start>
  void run(Start start) {
    std::optional<boost::system::error_code> result;
    start([&result](boost::system::error_code ec) { result = ec; });
    io_.restart();
    io_.run_for(kWait);
    if (!result) {
      // Let the cancelled operation finish before its state goes away.
      boost::system::error_code ignored;
      stream_.next_layer().cancel(ignored);
      io_.restart();
      io_.run();
      throw std::runtime_error("timed out");
    }
    if (*result) throw std::runtime_error("I/O error: " + result->message());
  }

  net::io_context io_;
  ssl::context ctx_;
  ssl::stream<tcp::socket> stream_;
  beast::flat_buffer buf_;
  std::string token_;
  std::optional<http::response_parser<http::string_body>> watch_;
  int chunkHeaders_ = 0;
  // The parser keeps a reference to it.
  std::function<void(std::uint64_t, std::string_view, boost::system::error_code&)> onChunk_ =
      [this](std::uint64_t size, std::string_view, boost::system::error_code&) {
        if (size > 0) ++chunkHeaders_;
      };
  size_t consumed_ = 0;
};

json gateway(const std::string& ns, const std::string& name, const std::string& className = "portico") {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "Gateway"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec",
           {{"gatewayClassName", className},
            {"listeners", {{{"name", "http"}, {"port", 80}, {"protocol", "HTTP"}}}}}}};
}

json condition(const std::string& type, const std::string& status, int64_t generation) {
  return {{"type", type},
          {"status", status},
          {"reason", type},
          {"message", ""},
          {"lastTransitionTime", "2026-01-02T03:04:05Z"},
          {"observedGeneration", generation}};
}

json lease(const std::string& holder, const std::string& rv = "") {
  json l{{"apiVersion", "coordination.k8s.io/v1"},
         {"kind", "Lease"},
         {"metadata", {{"namespace", "portico-system"}, {"name", "portico-leader"}}},
         {"spec",
          {{"holderIdentity", holder},
           {"leaseDurationSeconds", 15},
           {"acquireTime", "2026-01-02T03:04:05.000000Z"},
           {"renewTime", "2026-01-02T03:04:05.123456Z"},
           {"leaseTransitions", 0}}}};
  if (!rv.empty()) l["metadata"]["resourceVersion"] = rv;
  return l;
}

std::string rvOf(const json& obj) { return obj["metadata"]["resourceVersion"].get<std::string>(); }

bool sawRequest(const FakeApiServer& s, const std::string& verb, const std::string& resource) {
  for (const auto& r : s.requests()) {
    if (r.verb == verb && r.resource == resource) return true;
  }
  return false;
}

TEST(FakeApiServer, RefusesRequestsWithoutTheBearerToken) {
  auto server = FakeApiServer::start();
  Conn c(*server);
  c.setToken("");
  Reply r = c.get(kGw + "/gateways");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.js()["kind"], "Status");
  EXPECT_EQ(r.js()["reason"], "Unauthorized");
  EXPECT_EQ(r.js()["code"], 401);
  c.setToken("wrong");
  EXPECT_EQ(c.get(kGw + "/gateways").status, 401);
  c.setToken(server->token());
  EXPECT_EQ(c.get(kGw + "/gateways").status, 200);

  auto reqs = server->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].verb, "list");
  EXPECT_EQ(reqs[0].resource, "gateways");
  EXPECT_EQ(reqs[0].status, 401);
  EXPECT_EQ(reqs[2].status, 200);
}

TEST(FakeApiServer, ListsWhatWasAppliedLikeTheRealServer) {
  auto server = FakeApiServer::start();
  server->apply(gateway("a", "gw1"));
  server->apply(gateway("b", "gw2"));
  server->apply({{"apiVersion", "v1"},
                 {"kind", "Service"},
                 {"metadata", {{"namespace", "a"}, {"name", "echo"}}},
                 {"spec", {{"ports", {{{"port", 80}}}}}}});
  Conn c(*server);

  json all = c.get(kGw + "/gateways").js();
  EXPECT_EQ(all["kind"], "GatewayList");
  EXPECT_EQ(all["apiVersion"], "gateway.networking.k8s.io/v1");
  ASSERT_EQ(all["items"].size(), 2u);
  // Custom resources' lists are unstructured: items keep apiVersion/kind.
  EXPECT_EQ(all["items"][0]["kind"], "Gateway");
  EXPECT_EQ(all["items"][0]["metadata"]["name"], "gw1");
  EXPECT_EQ(all["items"][0]["metadata"]["generation"], 1);
  EXPECT_FALSE(all["items"][0]["metadata"]["uid"].get<std::string>().empty());
  EXPECT_NO_THROW(std::stoull(all["metadata"]["resourceVersion"].get<std::string>()));

  json inB = c.get(kGw + "/namespaces/b/gateways").js();
  ASSERT_EQ(inB["items"].size(), 1u);
  EXPECT_EQ(inB["items"][0]["metadata"]["name"], "gw2");

  // Built-in kinds are typed lists: no apiVersion/kind in items.
  json services = c.get("/api/v1/services").js();
  EXPECT_EQ(services["kind"], "ServiceList");
  ASSERT_EQ(services["items"].size(), 1u);
  EXPECT_FALSE(services["items"][0].contains("kind"));
  EXPECT_FALSE(services["items"][0]["metadata"].contains("generation"));

  EXPECT_EQ(c.get("/apis/example.com/v1/widgets").status, 404);
  EXPECT_EQ(c.get(kGw + "/namespaces/a/gateways/missing").js()["reason"], "NotFound");
  EXPECT_EQ(c.get(kGw + "/namespaces/a/gateways/gw1").js()["spec"]["gatewayClassName"], "portico");
  EXPECT_EQ(c.get(kGw + "/gateways?labelSelector=app%3Dnone").js()["items"].size(), 0u);
  EXPECT_EQ(c.get(kGw + "/gateways?fieldSelector=metadata.name%3Dgw2").js()["items"].size(), 1u);
}

TEST(FakeApiServer, PaginatesWithContinueTokensFromOneSnapshot) {
  auto server = FakeApiServer::start();
  for (int i = 0; i < 5; ++i) server->apply(gateway("ns", "gw" + std::to_string(i)));
  Conn c(*server);
  json page = c.get(kGw + "/gateways?limit=2").js();
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["metadata"]["remainingItemCount"], 3);
  const std::string listRv = rvOf(page);
  std::vector<std::string> names;
  for (auto& i : page["items"]) names.push_back(i["metadata"]["name"]);
  // A write between pages does not show: the pages are one consistent list.
  server->apply(gateway("ns", "gw9"));
  while (page["metadata"].contains("continue")) {
    page = c.get(kGw + "/gateways?limit=2&continue=" + page["metadata"]["continue"].get<std::string>()).js();
    EXPECT_EQ(rvOf(page), listRv);
    for (auto& i : page["items"]) names.push_back(i["metadata"]["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"gw0", "gw1", "gw2", "gw3", "gw4"}));

  page = c.get(kGw + "/gateways?limit=2").js();
  server->compact();
  Reply expired =
      c.get(kGw + "/gateways?limit=2&continue=" + page["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(expired.status, 410);
  EXPECT_EQ(expired.js()["reason"], "Expired");
}

TEST(FakeApiServer, CreateAssignsServerFieldsAndRefusesDuplicates) {
  auto server = FakeApiServer::start();
  Conn c(*server);
  json gw = gateway("ns", "gw");
  gw["status"] = {{"conditions", json::array({condition("Accepted", "True", 1)})}};
  Reply r = c.post(kGw + "/namespaces/ns/gateways", gw);
  ASSERT_EQ(r.status, 201) << r.body;
  json created = r.js();
  EXPECT_EQ(created["metadata"]["generation"], 1);
  EXPECT_FALSE(created["metadata"]["uid"].get<std::string>().empty());
  EXPECT_FALSE(created["metadata"]["creationTimestamp"].get<std::string>().empty());
  EXPECT_FALSE(created.contains("status"));  // the status subresource's, not create's
  Reply dup = c.post(kGw + "/namespaces/ns/gateways", gw);
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.js()["reason"], "AlreadyExists");
  EXPECT_EQ(c.post(kGw + "/namespaces/other/gateways", gw).status, 400);  // namespace differs from the URL

  Reply del = c.request(http::verb::delete_, kGw + "/namespaces/ns/gateways/gw");
  EXPECT_EQ(del.status, 200);
  EXPECT_TRUE(server->get("gateway.networking.k8s.io/v1", "Gateway", "ns", "gw").is_null());
  EXPECT_EQ(c.request(http::verb::delete_, kGw + "/namespaces/ns/gateways/gw").status, 404);
}

TEST(FakeApiServer, WatchStreamsAddedModifiedDeletedInOrderAsChunks) {
  auto server = FakeApiServer::start();
  Conn c(*server);
  const std::string listRv = rvOf(c.get(kGw + "/namespaces/ns/httproutes").js());
  json route{{"apiVersion", "gateway.networking.k8s.io/v1"},
             {"kind", "HTTPRoute"},
             {"metadata", {{"namespace", "ns"}, {"name", "r"}}},
             {"spec", {{"hostnames", {"a.example"}}}}};
  // Written before the watch starts: it must come from the history.
  server->apply(route);

  Conn w(*server);
  w.startWatch(kGw + "/namespaces/ns/httproutes?watch=1&resourceVersion=" + listRv);
  EXPECT_EQ(w.watchStatus(), 200);
  EXPECT_TRUE(w.watchChunked());

  route["spec"]["hostnames"] = {"b.example"};
  server->apply(route);
  server->apply(gateway("ns", "not-a-route"));  // another resource: not on this watch
  ASSERT_EQ(c.request(http::verb::delete_, kGw + "/namespaces/ns/httproutes/r").status, 200);

  std::vector<std::string> types;
  uint64_t lastRv = std::stoull(listRv);
  for (int i = 0; i < 3; ++i) {
    auto ev = w.next();
    ASSERT_TRUE(ev);
    types.push_back((*ev)["type"]);
    EXPECT_EQ((*ev)["object"]["kind"], "HTTPRoute");
    EXPECT_EQ((*ev)["object"]["apiVersion"], "gateway.networking.k8s.io/v1");
    const uint64_t rv = std::stoull(rvOf((*ev)["object"]));
    EXPECT_GT(rv, lastRv);
    lastRv = rv;
  }
  EXPECT_EQ(types, (std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"}));
  EXPECT_GE(w.chunks(), 3);  // one chunk per event
}

TEST(FakeApiServer, WatchWithoutResourceVersionStartsWithSyntheticAdds) {
  auto server = FakeApiServer::start();
  server->apply(gateway("a", "one"));
  server->apply(gateway("b", "two"));
  Conn w(*server);
  w.startWatch(kGw + "/gateways?watch=true&resourceVersion=0");
  std::set<std::string> names;
  for (int i = 0; i < 2; ++i) {
    auto ev = w.next();
    ASSERT_TRUE(ev);
    EXPECT_EQ((*ev)["type"], "ADDED");
    names.insert((*ev)["object"]["metadata"]["name"].get<std::string>());
  }
  EXPECT_EQ(names, (std::set<std::string>{"one", "two"}));
  server->apply(gateway("c", "three"));
  auto ev = w.next();
  ASSERT_TRUE(ev);
  EXPECT_EQ((*ev)["type"], "ADDED");
  EXPECT_EQ((*ev)["object"]["metadata"]["name"], "three");
}

TEST(FakeApiServer, WatchFromCompactedHistoryGetsExpired) {
  auto server = FakeApiServer::start();
  server->apply(gateway("ns", "gw"));
  Conn c(*server);
  const std::string oldRv = rvOf(c.get(kGw + "/gateways").js());
  server->apply(gateway("ns", "gw2"));
  server->compact();

  Conn w(*server);
  w.startWatch(kGw + "/gateways?watch=1&resourceVersion=" + oldRv);
  EXPECT_EQ(w.watchStatus(), 200);  // the real server says it inside the stream
  auto ev = w.next();
  ASSERT_TRUE(ev);
  EXPECT_EQ((*ev)["type"], "ERROR");
  EXPECT_EQ((*ev)["object"]["kind"], "Status");
  EXPECT_EQ((*ev)["object"]["code"], 410);
  EXPECT_EQ((*ev)["object"]["reason"], "Expired");
  EXPECT_FALSE(w.next());  // and the stream ends

  // A list at an exact, compacted resourceVersion is a plain 410.
  Reply exact = c.get(kGw + "/gateways?resourceVersionMatch=Exact&resourceVersion=" + oldRv);
  EXPECT_EQ(exact.status, 410);

  // The current resourceVersion is still fine after compaction.
  const std::string nowRv = rvOf(c.get(kGw + "/gateways").js());
  Conn w2(*server);
  w2.startWatch(kGw + "/gateways?watch=1&resourceVersion=" + nowRv);
  server->apply(gateway("ns", "gw3"));
  auto ev2 = w2.next();
  ASSERT_TRUE(ev2);
  EXPECT_EQ((*ev2)["type"], "ADDED");
}

TEST(FakeApiServer, HistoryLimitExpiresOldResourceVersions) {
  FakeApiServer::Options opts;
  opts.historyLimit = 2;
  auto server = FakeApiServer::start(opts);
  const std::string first = rvOf(server->apply(gateway("ns", "a")));
  for (auto n : {"b", "c", "d"}) server->apply(gateway("ns", n));
  Conn w(*server);
  w.startWatch(kGw + "/gateways?watch=1&resourceVersion=" + first);
  auto ev = w.next();
  ASSERT_TRUE(ev);
  EXPECT_EQ((*ev)["type"], "ERROR");
  EXPECT_EQ((*ev)["object"]["code"], 410);
}

TEST(FakeApiServer, BookmarksGoOnlyToWatchesThatAskedForThem) {
  auto server = FakeApiServer::start();
  const std::string rv = rvOf(server->apply(gateway("ns", "gw")));
  Conn with(*server), without(*server);
  with.startWatch(kGw + "/gateways?watch=1&allowWatchBookmarks=true&resourceVersion=" + rv);
  without.startWatch(kGw + "/gateways?watch=1&resourceVersion=" + rv);
  // A watch is recorded once it is registered: from then on it gets bookmarks.
  ASSERT_TRUE(server->waitFor(
      [&] {
        int n = 0;
        for (const auto& r : server->requests()) n += r.verb == "watch";
        return n == 2;
      },
      kWait));
  server->sendBookmarks();
  const std::string after = rvOf(server->apply(gateway("ns", "gw2")));

  auto bm = with.next();
  ASSERT_TRUE(bm);
  EXPECT_EQ((*bm)["type"], "BOOKMARK");
  EXPECT_EQ((*bm)["object"]["kind"], "Gateway");
  EXPECT_EQ((*bm)["object"]["metadata"]["resourceVersion"], rv);
  EXPECT_EQ((*bm)["object"]["metadata"].size(), 1u);
  EXPECT_EQ((*with.next())["type"], "ADDED");

  auto ev = without.next();
  ASSERT_TRUE(ev);
  EXPECT_EQ((*ev)["type"], "ADDED");
  EXPECT_EQ(rvOf((*ev)["object"]), after);
}

TEST(FakeApiServer, WatchesEndOnTimeoutAndCloseWatchesAndTheConnectionGoesOn) {
  auto server = FakeApiServer::start();
  Conn w(*server);
  w.startWatch(kGw + "/gateways?watch=1&timeoutSeconds=1");
  EXPECT_FALSE(w.next());  // ends within kWait
  // The connection carries the next request after a finished watch.
  EXPECT_EQ(w.get(kGw + "/gateways").status, 200);

  Conn w2(*server);
  w2.startWatch(kGw + "/gateways?watch=1");
  ASSERT_TRUE(server->waitFor([&] { return sawRequest(*server, "watch", "gateways"); }, kWait));
  server->apply(gateway("ns", "gw"));
  server->closeWatches();
  auto ev = w2.next();  // what was queued is delivered first
  ASSERT_TRUE(ev);
  EXPECT_EQ((*ev)["type"], "ADDED");
  EXPECT_FALSE(w2.next());
}

TEST(FakeApiServer, SurvivesAWatchClientThatGoesAway) {
  auto server = FakeApiServer::start();
  {
    Conn w(*server);
    w.startWatch(kGw + "/gateways?watch=1&allowWatchBookmarks=true");
    ASSERT_TRUE(server->waitFor([&] { return sawRequest(*server, "watch", "gateways"); }, kWait));
    w.close();
  }
  for (int i = 0; i < 3; ++i) {
    server->apply(gateway("ns", "gw" + std::to_string(i)));
    server->sendBookmarks();
  }
  Conn c(*server);
  EXPECT_EQ(c.get(kGw + "/gateways").js()["items"].size(), 3u);
}

TEST(FakeApiServer, StatusSubresourceConflictsAndGenerations) {
  auto server = FakeApiServer::start();
  json stored = server->apply(gateway("ns", "gw"));
  EXPECT_EQ(stored["metadata"]["generation"], 1);
  Conn c(*server);
  const std::string path = kGw + "/namespaces/ns/gateways/gw";

  json withStatus = stored;
  withStatus["status"] = {{"conditions", json::array({condition("Accepted", "True", 1)})}};
  withStatus["spec"]["gatewayClassName"] = "ignored-by-status-put";

  json stale = withStatus;
  stale["metadata"]["resourceVersion"] = "1";
  Reply conflict = c.put(path + "/status", stale);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.js()["reason"], "Conflict");

  Reply ok = c.put(path + "/status", withStatus);
  ASSERT_EQ(ok.status, 200) << ok.body;
  json afterStatus = ok.js();
  EXPECT_EQ(afterStatus["metadata"]["generation"], 1);  // status is not a spec change
  EXPECT_NE(rvOf(afterStatus), rvOf(stored));
  EXPECT_EQ(afterStatus["spec"]["gatewayClassName"], "portico");  // spec ignored by /status
  EXPECT_EQ(afterStatus["status"]["conditions"][0]["type"], "Accepted");

  // The same status again is a no-op: no new resourceVersion.
  Reply same = c.put(path + "/status", afterStatus);
  EXPECT_EQ(rvOf(same.js()), rvOf(afterStatus));

  // Custom resources refuse unconditional updates.
  json noRv = afterStatus;
  noRv["metadata"].erase("resourceVersion");
  EXPECT_EQ(c.put(path + "/status", noRv).status, 422);

  // A spec change through the main resource bumps generation and keeps status.
  json spec = afterStatus;
  spec["spec"]["gatewayClassName"] = "other";
  spec["status"] = {{"conditions", json::array()}};
  Reply put = c.put(path, spec);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.js()["metadata"]["generation"], 2);
  EXPECT_EQ(put.js()["status"]["conditions"].size(), 1u);
  EXPECT_EQ(c.put(path, spec).status, 409);  // its resourceVersion is stale now

  // apply() keeps the status controllers wrote and bumps generation on spec changes.
  json applied = server->apply(gateway("ns", "gw", "third"));
  EXPECT_EQ(applied["metadata"]["generation"], 3);
  EXPECT_EQ(applied["status"]["conditions"].size(), 1u);

  server->injectStatusConflicts(2);
  json fresh = c.get(path).js();
  EXPECT_EQ(c.put(path + "/status", fresh).status, 409);
  EXPECT_EQ(c.put(path + "/status", fresh).status, 409);
  EXPECT_EQ(c.put(path + "/status", fresh).status, 200);
}

TEST(FakeApiServer, ValidatesConditions) {
  auto server = FakeApiServer::start();
  json gw = server->apply(gateway("ns", "gw"));
  Conn c(*server);
  const std::string path = kGw + "/namespaces/ns/gateways/gw/status";
  auto tryConditions = [&](json cond) {
    json body = gw;
    body["status"] = {{"listeners", {{{"name", "http"}, {"attachedRoutes", 0}, {"conditions", {cond}}}}}};
    return c.put(path, body);
  };
  Reply bad = tryConditions(condition("Accepted", "Yes", 1));
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.js()["message"].get<std::string>().find("status.listeners[0].conditions[0].status"),
            std::string::npos)
      << bad.body;
  json noTime = condition("Accepted", "True", 1);
  noTime.erase("lastTransitionTime");
  EXPECT_EQ(tryConditions(noTime).status, 422);
  json extra = condition("Accepted", "True", 1);
  extra["lastTransitionTimestamp"] = "2026-01-02T03:04:05Z";
  EXPECT_EQ(tryConditions(extra).status, 422);
  EXPECT_EQ(tryConditions(condition("Accepted", "True", 1)).status, 200);
}

TEST(FakeApiServer, LeaseCreateUpdateAndConflicts) {
  auto server = FakeApiServer::start();
  Conn c(*server);
  const std::string coll = "/apis/coordination.k8s.io/v1/namespaces/portico-system/leases";
  Reply created = c.post(coll, lease("pod-a"));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string rv = rvOf(created.js());
  EXPECT_EQ(c.post(coll, lease("pod-b")).status, 409);

  Reply taken = c.put(coll + "/portico-leader", lease("pod-b", rv));
  ASSERT_EQ(taken.status, 200) << taken.body;
  EXPECT_EQ(taken.js()["spec"]["holderIdentity"], "pod-b");
  Reply lost = c.put(coll + "/portico-leader", lease("pod-a", rv));  // pod-a read before pod-b wrote
  EXPECT_EQ(lost.status, 409);
  EXPECT_EQ(lost.js()["reason"], "Conflict");
  EXPECT_EQ(c.put(coll + "/portico-leader", lease("pod-a")).status, 422);  // no resourceVersion

  // Leases may be created by PUT.
  json other = lease("pod-c");
  other["metadata"]["name"] = "other";
  EXPECT_EQ(c.put(coll + "/other", other).status, 201);

  json badTime = lease("pod-a", rvOf(taken.js()));
  badTime["spec"]["renewTime"] = "2026-01-02T03:04:05Z";  // MicroTime needs six fractional digits
  EXPECT_EQ(c.put(coll + "/portico-leader", badTime).status, 422);
  json badField = lease("pod-a", rvOf(taken.js()));
  badField["spec"]["holder"] = "pod-a";
  Reply unknown = c.put(coll + "/portico-leader", badField);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(unknown.js()["message"].get<std::string>().find("spec.holder"), std::string::npos);
  EXPECT_EQ(c.get(coll + "/portico-leader").js()["spec"]["holderIdentity"], "pod-b");
}

TEST(FakeApiServer, EventsCreatePatchAndList) {
  auto server = FakeApiServer::start();
  Conn c(*server);
  json ev{{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", {{"namespace", "ns"}, {"generateName", "gw."}}},
          {"involvedObject",
           {{"apiVersion", "gateway.networking.k8s.io/v1"},
            {"kind", "Gateway"},
            {"namespace", "ns"},
            {"name", "gw"}}},
          {"reason", "Programmed"},
          {"message", "ready"},
          {"type", "Normal"},
          {"count", 1},
          {"firstTimestamp", "2026-01-02T03:04:05Z"},
          {"lastTimestamp", "2026-01-02T03:04:05Z"},
          {"source", {{"component", "portico"}}}};
  Reply created = c.post("/api/v1/namespaces/ns/events", ev);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string name = created.js()["metadata"]["name"];
  EXPECT_TRUE(name.starts_with("gw."));

  Reply patched = c.request(http::verb::patch, "/api/v1/namespaces/ns/events/" + name,
                            R"({"count":2,"lastTimestamp":"2026-01-02T03:05:00Z"})",
                            "application/strategic-merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.js()["count"], 2);
  EXPECT_EQ(patched.js()["reason"], "Programmed");
  json list = c.get("/api/v1/namespaces/ns/events?fieldSelector=involvedObject.name%3Dgw").js();
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["count"], 2);

  // Custom resources take no strategic merge patch.
  server->apply(gateway("ns", "gw"));
  EXPECT_EQ(c.request(http::verb::patch, kGw + "/namespaces/ns/gateways/gw", "{}",
                      "application/strategic-merge-patch+json")
                .status,
            415);

  json wrongField = ev;
  wrongField["reportingController"] = "portico";  // the JSON name is reportingComponent
  EXPECT_EQ(c.post("/api/v1/namespaces/ns/events", wrongField).status, 422);
  json clusterScoped = ev;
  clusterScoped["involvedObject"] = {{"kind", "GatewayClass"}, {"name", "portico"}};
  EXPECT_EQ(c.post("/api/v1/namespaces/ns/events", clusterScoped).status, 422);  // belongs in "default"
  clusterScoped["metadata"]["namespace"] = "default";
  EXPECT_EQ(c.post("/api/v1/namespaces/default/events", clusterScoped).status, 201);
}

TEST(FakeApiServer, UnknownFieldsAreRefusedByName) {
  auto server = FakeApiServer::start();
  Conn c(*server);
  json gw = gateway("ns", "gw");
  gw["metadata"]["label"] = json{{"a", "b"}};
  Reply r = c.post(kGw + "/namespaces/ns/gateways", gw);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.js()["reason"], "Invalid");
  EXPECT_NE(r.js()["message"].get<std::string>().find("metadata.label"), std::string::npos) << r.body;

  json top = gateway("ns", "gw");
  top["sepc"] = json::object();
  EXPECT_EQ(c.post(kGw + "/namespaces/ns/gateways", top).status, 422);

  json noKind = gateway("ns", "gw");
  noKind.erase("kind");
  EXPECT_EQ(c.post(kGw + "/namespaces/ns/gateways", noKind).status, 400);
}

TEST(FakeApiServer, AbsentResourcesAnswerLikeAMissingCrd) {
  FakeApiServer::Options opts;
  opts.absentResources = {"xbackendtrafficpolicies"};
  auto server = FakeApiServer::start(opts);
  Conn c(*server);
  const std::string x = "/apis/gateway.networking.x-k8s.io/v1alpha1";
  Reply missing = c.get(x + "/xbackendtrafficpolicies");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.js()["reason"], "NotFound");
  EXPECT_EQ(c.get(x).status, 404);  // discovery has no resource left in the group version
  json resources = c.get(kGw).js()["resources"];
  EXPECT_TRUE(std::any_of(resources.begin(), resources.end(),
                          [](const json& r) { return r["name"] == "gateways/status"; }));
  EXPECT_EQ(c.get(kGw + "/v1beta1/gateways").status, 404);  // not a path
  EXPECT_EQ(c.get("/apis/gateway.networking.k8s.io/v1beta1/gateways").status, 200);
  EXPECT_EQ(c.get("/apis/gateway.networking.k8s.io/v1alpha9/gateways").status, 404);
}

TEST(FakeApiServer, WritesNeedAJsonContentType) {
  auto server = FakeApiServer::start();
  Conn c(*server);
  Reply r =
      c.request(http::verb::post, kGw + "/namespaces/ns/gateways", gateway("ns", "gw").dump(), "text/plain");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.js()["reason"], "UnsupportedMediaType");
  EXPECT_EQ(c.request(http::verb::post, kGw + "/namespaces/ns/gateways", gateway("ns", "gw").dump(),
                      "application/json; charset=utf-8")
                .status,
            201);
}

TEST(FakeApiServer, RecordsKubernetesVerbs) {
  auto server = FakeApiServer::start();
  json stored = server->apply(gateway("ns", "gw"));
  Conn c(*server);
  c.get(kGw + "/gateways");
  c.get(kGw + "/namespaces/ns/gateways/gw");
  c.put(kGw + "/namespaces/ns/gateways/gw/status", stored);
  c.request(http::verb::patch, kGw + "/namespaces/ns/gateways/gw", R"({"metadata":{"labels":{"a":"b"}}})",
            "application/merge-patch+json");
  c.post("/apis/coordination.k8s.io/v1/namespaces/portico-system/leases", lease("me"));
  c.request(http::verb::delete_, kGw + "/namespaces/ns/gateways/gw");
  auto reqs = server->requests();
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(reqs[0].verb, "list");
  EXPECT_EQ(reqs[0].group, "gateway.networking.k8s.io");
  EXPECT_EQ(reqs[0].version, "v1");
  EXPECT_EQ(reqs[1].verb, "get");
  EXPECT_EQ(reqs[1].namespace_, "ns");
  EXPECT_EQ(reqs[1].name, "gw");
  EXPECT_EQ(reqs[2].verb, "update");
  EXPECT_EQ(reqs[2].subresource, "status");
  EXPECT_EQ(reqs[2].status, 200);
  EXPECT_EQ(reqs[3].verb, "patch");
  EXPECT_EQ(reqs[4].verb, "create");
  EXPECT_EQ(reqs[4].group, "coordination.k8s.io");
  EXPECT_EQ(reqs[4].resource, "leases");
  EXPECT_EQ(reqs[4].status, 201);
  EXPECT_EQ(reqs[5].verb, "delete");
  EXPECT_EQ(reqs[5].method, "DELETE");
}

}  // namespace
}  // namespace portico::testing
