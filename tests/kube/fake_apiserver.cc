// The test Kubernetes API server (see fake_apiserver.h). One io_context
// thread runs every connection as a coroutine; the object store, the watch
// history and the open watches live under one mutex so the test thread's
// apply()/remove()/compact() and the wire requests see one order of events.
//
// Behaviour follows the real kube-apiserver where a client could notice:
// list items of built-in kinds carry no apiVersion/kind (typed lists) while
// custom resources' items do; a no-op update does not bump resourceVersion
// nor emit a watch event; custom resources and Leases refuse updates without
// metadata.resourceVersion (AllowUnconditionalUpdate is false for them);
// Leases and Events may be created by PUT; status is dropped on create and
// ignored by the main resource's PUT when the kind has a status subresource;
// a watch from a compacted resourceVersion is answered 200 with one ERROR
// event (410 Expired); metadata.generation exists only for custom resources.
//
// This file holds the server itself: connections, the store, watches and
// the verbs. The resource table and discovery, the wire helpers, errors,
// validation, selectors and the certificate are in
// fake_apiserver_{resources,wire,errors,validation,selectors,cert}.{h,cc}.
#include "kube/fake_apiserver.h"

#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <stdexcept>
#include <thread>
#include <variant>

#include "kube/fake_apiserver_cert.h"
#include "kube/fake_apiserver_errors.h"
#include "kube/fake_apiserver_resources.h"
#include "kube/fake_apiserver_selectors.h"
#include "kube/fake_apiserver_validation.h"
#include "kube/fake_apiserver_wire.h"
#include "support/test_support.h"

namespace portico::testing::fakeapi {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;
constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

// ---------------------------------------------------------------------------
// The server

struct Conn {
  Conn(tcp::socket sock, ssl::context& ctx) : stream(std::move(sock), ctx), wake(stream.get_executor()) {}
  ssl::stream<tcp::socket> stream;
  beast::flat_buffer buf;
  // Cancelled to wake a watch stream: new events, closeWatches(), the
  // probe below completing. Waits always re-check their condition, so a
  // late or spurious cancel only costs a loop.
  net::steady_timer wake;
  // A read kept pending during a watch to see the client go away.
  bool probing = false;
  boost::system::error_code probeEc;
  size_t probeBytes = 0;
  std::array<char, 512> probe{};
  void close() {
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).close(ec);
    wake.cancel();
  }
};

struct Watcher {
  const ResourceInfo* res = nullptr;
  std::string version;  // of the URL: objects are sent in it
  std::string ns;       // empty: all namespaces
  std::vector<LabelReq> labels;
  std::vector<FieldReq> fields;
  bool bookmarks = false;
  std::weak_ptr<Conn> conn;  // locked on the io thread only
  // Guarded by the server's mutex.
  std::deque<std::string> pending;
  bool ended = false;  // closeWatches()
};

struct Route {
  bool resourceRequest = false;
  const ResourceInfo* res = nullptr;  // null: not served
  std::string group;                  // as asked, for the record
  std::string resource;
  std::string version;
  std::string ns;
  std::string name;
  std::string subresource;
  std::vector<std::string> segs;  // the whole path, split
};

struct Reply {
  int status = 200;
  json body;
};

// What a watch request resolved to.
struct WatchStart {
  std::shared_ptr<Watcher> watcher;  // null: the stream ends after `initial`
  std::vector<std::string> initial;
  int timeoutSeconds = 0;
};

class FakeApiServerImpl final : public FakeApiServer {
 public:
  explicit FakeApiServerImpl(Options options)
      : options_(std::move(options)),
        io_(std::make_unique<net::io_context>(1)),
        ssl_(ssl::context::tls_server) {
    ca_ = makeCa("portico-test-kube-ca");
    KeyPair leaf = makeServerCert(ca_);
    ssl_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ssl_.use_certificate_chain(net::buffer(leaf.certPem));
    ssl_.use_private_key(net::buffer(leaf.keyPem), ssl::context::pem);
    if (!options_.clientCaPem.empty()) {
      // Ask for a certificate but let the handshake finish whatever comes
      // (Go's tls.RequestClientCert, as kube-apiserver does): an unknown
      // or missing one is decided per request, as 401 or a token.
      ssl_.add_certificate_authority(net::buffer(options_.clientCaPem));
      ssl_.set_verify_mode(ssl::verify_peer);
      ssl_.set_verify_callback([](bool, ssl::verify_context&) { return true; });
    }
    acceptor_.emplace(*io_);
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    acceptor_->open(ep.protocol());
    acceptor_->bind(ep);
    acceptor_->listen();
    port_ = acceptor_->local_endpoint().port();
    net::co_spawn(*io_, acceptLoop(), net::detached);
    thread_ = std::thread([this] { io_->run(); });
  }

  ~FakeApiServerImpl() override {
    // Close every socket and stop the loop; suspended coroutine frames
    // (holding only closed sockets) are destroyed with the io_context,
    // before the members they refer to.
    net::post(*io_, [this] {
      boost::system::error_code ec;
      acceptor_->close(ec);
      for (auto& [p, weak] : conns_) {
        if (auto c = weak.lock()) c->close();
      }
      io_->stop();
    });
    thread_.join();
    {
      std::lock_guard lock(mu_);
      watchers_.clear();
    }
    acceptor_.reset();
    io_.reset();
  }

  uint16_t port() const override { return port_; }
  std::string url() const override { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string caPem() const override { return ca_.certPem; }
  std::string token() const override { return options_.token; }

  json apply(const json& object) override {
    if (!object.is_object() || !object.contains("apiVersion") || !object.contains("kind")) {
      throw std::invalid_argument("apply: object needs apiVersion and kind");
    }
    auto [group, version] = splitApiVersion(object["apiVersion"].get<std::string>());
    const ResourceInfo* r = findKind(group, object["kind"].get<std::string>());
    if (!r) throw std::invalid_argument("apply: unknown kind " + object["kind"].dump());
    const json meta = object.value("metadata", json::object());
    const std::string name = meta.value("name", "");
    const std::string ns = r->namespaced ? meta.value("namespace", "") : "";
    if (name.empty() || (r->namespaced && ns.empty())) {
      throw std::invalid_argument("apply: object needs metadata.name (and namespace when namespaced)");
    }
    std::lock_guard lock(mu_);
    json obj = object;
    auto& table = store_[r->resource];
    auto it = table.find({ns, name});
    if (it == table.end()) {
      json stored = prepareCreate(*r, std::move(obj), ns, /*keepStatus=*/true);
      commit(*r, "ADDED", stored);
      return stored;
    }
    // kubectl apply never writes status: keep what controllers wrote.
    if (it->second.contains("status")) {
      obj["status"] = it->second["status"];
    }
    json updated = prepareUpdate(*r, it->second, std::move(obj));
    if (updated == it->second) return updated;
    commit(*r, "MODIFIED", updated);
    return updated;
  }

  bool remove(const std::string& apiVersion, const std::string& kind, const std::string& ns,
              const std::string& name) override {
    auto [group, version] = splitApiVersion(apiVersion);
    const ResourceInfo* r = findKind(group, kind);
    if (!r) return false;
    std::lock_guard lock(mu_);
    return eraseLocked(*r, r->namespaced ? ns : "", name).has_value();
  }

  json get(const std::string& apiVersion, const std::string& kind, const std::string& ns,
           const std::string& name) const override {
    auto [group, version] = splitApiVersion(apiVersion);
    const ResourceInfo* r = findKind(group, kind);
    if (!r) return nullptr;
    std::lock_guard lock(mu_);
    auto t = store_.find(r->resource);
    if (t == store_.end()) return nullptr;
    auto it = t->second.find({r->namespaced ? ns : "", name});
    return it == t->second.end() ? json(nullptr) : it->second;
  }

  void compact() override {
    std::lock_guard lock(mu_);
    history_.clear();
    historyStart_ = rv_;
    snapshots_.clear();
    bumpChanges();
  }

  void closeWatches() override {
    std::lock_guard lock(mu_);
    for (auto& w : watchers_) {
      w->ended = true;
      wake(w);
    }
    bumpChanges();
  }

  void sendBookmarks() override {
    std::lock_guard lock(mu_);
    for (auto& w : watchers_) {
      if (!w->bookmarks || w->ended) continue;
      json ev{{"type", "BOOKMARK"},
              {"object",
               {{"kind", w->res->kind},
                {"apiVersion", groupVersion(w->res->group, w->version)},
                {"metadata", {{"resourceVersion", std::to_string(rv_)}}}}}};
      w->pending.push_back(ev.dump() + "\n");
      wake(w);
    }
    bumpChanges();
  }

  void injectStatusConflicts(int count) override {
    std::lock_guard lock(mu_);
    injectedConflicts_ = count;
  }

  std::vector<RecordedRequest> requests() const override {
    std::lock_guard lock(mu_);
    return requests_;
  }

  bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      uint64_t seen;
      {
        std::lock_guard lock(mu_);
        seen = changes_;
      }
      if (pred()) return true;
      std::unique_lock lock(mu_);
      if (!cv_.wait_until(lock, deadline, [&] { return changes_ != seen; })) {
        lock.unlock();
        return pred();
      }
    }
  }

 private:
  using Key = std::pair<std::string, std::string>;  // namespace, name
  struct HistoryEvent {
    uint64_t rv;
    const ResourceInfo* res;
    std::string type;
    json object;
  };
  struct Snapshot {
    uint64_t rv;
    std::vector<json> items;
  };

  // ---- store (callers hold mu_) ----

  void bumpChanges() {
    ++changes_;
    cv_.notify_all();
  }

  void wake(const std::shared_ptr<Watcher>& w) {
    net::post(*io_, [conn = w->conn] {
      if (auto c = conn.lock()) c->wake.cancel();
    });
  }

  // Server-set metadata for a new object; status dropped unless asked to
  // keep it (apply() may seed it; a create request through a kind with a
  // status subresource may not, as on the real server).
  json prepareCreate(const ResourceInfo& r, json obj, const std::string& ns, bool keepStatus) {
    json& m = obj["metadata"];
    if (r.namespaced) {
      m["namespace"] = ns;
    } else {
      m.erase("namespace");
    }
    for (auto k : {"uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
                   "deletionGracePeriodSeconds", "selfLink"}) {
      m.erase(k);
    }
    m["uid"] = randomUid();
    m["creationTimestamp"] = nowRfc3339();
    if (r.crd) m["generation"] = 1;
    if (!keepStatus && r.statusSubresource) obj.erase("status");
    if (r.kind == "Namespace" && !obj.contains("status")) obj["status"] = {{"phase", "Active"}};
    m["resourceVersion"] = std::to_string(rv_ + 1);
    return obj;
  }

  // The main resource's update: server-set metadata kept, generation bumped
  // when anything but metadata and status changed, status kept when the
  // kind has a status subresource. Returns `old` itself for a no-op.
  json prepareUpdate(const ResourceInfo& r, const json& old, json obj) {
    json& m = obj["metadata"];
    const json& om = old["metadata"];
    for (auto k : {"uid", "creationTimestamp", "namespace", "generation", "deletionTimestamp"}) {
      if (om.contains(k)) {
        m[k] = om[k];
      } else {
        m.erase(k);
      }
    }
    m["resourceVersion"] = om["resourceVersion"];
    m.erase("selfLink");
    if (r.statusSubresource) {
      if (old.contains("status")) {
        obj["status"] = old["status"];
      } else {
        obj.erase("status");
      }
    }
    // apiVersion is a matter of presentation (conversion strategy None).
    obj["apiVersion"] = old["apiVersion"];
    if (obj == old) return old;
    if (r.crd && withoutMetaStatus(obj) != withoutMetaStatus(old)) {
      m["generation"] = om.value("generation", 0) + 1;
    }
    m["resourceVersion"] = std::to_string(rv_ + 1);
    return obj;
  }

  // The status subresource's update: only status taken from `obj`.
  json prepareStatusUpdate(const json& old, const json& obj) {
    json out = old;
    if (obj.contains("status")) {
      out["status"] = obj["status"];
    } else {
      out.erase("status");
    }
    if (out == old) return old;
    out["metadata"]["resourceVersion"] = std::to_string(rv_ + 1);
    return out;
  }

  static json withoutMetaStatus(json o) {
    o.erase("metadata");
    o.erase("status");
    o.erase("apiVersion");
    return o;
  }

  // Stores `obj` (whose resourceVersion is rv_+1), records the event in the
  // history and queues it on every matching watch.
  void commit(const ResourceInfo& r, const std::string& type, const json& obj) {
    ++rv_;
    const std::string ns = r.namespaced ? obj["metadata"].value("namespace", "") : "";
    const std::string name = obj["metadata"].value("name", "");
    if (type == "DELETED") {
      store_[r.resource].erase({ns, name});
    } else {
      store_[r.resource][{ns, name}] = obj;
    }
    history_.push_back({rv_, &r, type, obj});
    while (history_.size() > options_.historyLimit) {
      historyStart_ = history_.front().rv;
      history_.pop_front();
    }
    for (auto& w : watchers_) {
      if (w->ended || !watchMatches(*w, r, obj)) continue;
      w->pending.push_back(eventLine(type, obj, w->version));
      wake(w);
    }
    bumpChanges();
  }

  std::optional<json> eraseLocked(const ResourceInfo& r, const std::string& ns, const std::string& name) {
    auto& table = store_[r.resource];
    auto it = table.find({ns, name});
    if (it == table.end()) return std::nullopt;
    json obj = it->second;
    // The DELETED event carries the deletion's resourceVersion.
    obj["metadata"]["resourceVersion"] = std::to_string(rv_ + 1);
    commit(r, "DELETED", obj);
    return obj;
  }

  static bool watchMatches(const Watcher& w, const ResourceInfo& r, const json& obj) {
    if (w.res != &r) return false;
    if (!w.ns.empty() && obj["metadata"].value("namespace", "") != w.ns) return false;
    return labelsMatch(w.labels, obj) && fieldsMatch(w.fields, obj);
  }

  static json present(json obj, const ResourceInfo& r, const std::string& version) {
    obj["apiVersion"] = groupVersion(r.group, version);
    obj["kind"] = r.kind;
    return obj;
  }

  static std::string eventLine(const std::string& type, const json& obj, const std::string& version) {
    json o = obj;
    auto [group, v] = splitApiVersion(o.value("apiVersion", ""));
    o["apiVersion"] = groupVersion(group, version);
    return json{{"type", type}, {"object", std::move(o)}}.dump() + "\n";
  }

  void record(RecordedRequest rq) {
    requests_.push_back(std::move(rq));
    bumpChanges();
  }

  // ---- request routing ----

  static Route route(const std::string& path) {
    Route rt;
    rt.segs = splitPath(path);
    const auto& s = rt.segs;
    std::string& group = rt.group;
    size_t i;
    if (s.size() >= 2 && s[0] == "api") {
      rt.version = s[1];
      i = 2;
    } else if (s.size() >= 3 && s[0] == "apis") {
      group = s[1];
      rt.version = s[2];
      i = 3;
    } else {
      return rt;
    }
    std::vector<std::string> rest(s.begin() + static_cast<long>(i), s.end());
    if (rest.empty()) return rt;  // discovery
    rt.resourceRequest = true;
    // As k8s.io/apiserver's RequestInfoFactory: /namespaces/NS/RESOURCE/...,
    // except /namespaces/NS[/status|/finalize] which is the Namespace itself.
    if (rest[0] == "namespaces" && rest.size() >= 2) {
      if (group.empty() &&
          (rest.size() == 2 || (rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize")))) {
        rt.name = rest[1];
        if (rest.size() == 3) rt.subresource = rest[2];
        rest = {"namespaces"};
      } else {
        rt.ns = rest[1];
        rest.erase(rest.begin(), rest.begin() + 2);
      }
    }
    if (rest.empty() || rest.size() > 3) return rt;
    rt.resource = rest[0];
    const ResourceInfo* r = findResource(group, rest[0]);
    if (r && serves(*r, rt.version)) rt.res = r;
    if (rest.size() >= 2) rt.name = rest[1];
    if (rest.size() == 3) rt.subresource = rest[2];
    return rt;
  }

  static std::string verbFor(const std::string& method, const Route& rt, bool watch) {
    if (!rt.resourceRequest) {
      std::string v = method;
      std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
      return v;
    }
    if (method == "GET" || method == "HEAD") return watch ? "watch" : rt.name.empty() ? "list" : "get";
    if (method == "POST") return "create";
    if (method == "PUT") return "update";
    if (method == "PATCH") return "patch";
    if (method == "DELETE") return rt.name.empty() ? "deletecollection" : "delete";
    return "";
  }

  // As kube-apiserver's authenticators: a client certificate the client CA
  // verified is the user named by its CN; else the bearer token. "" = 401.
  std::string authenticate(const http::request<http::string_body>& req, Conn& conn) const {
    if (!options_.clientCaPem.empty()) {
      SSL* ssl = conn.stream.native_handle();
      if (X509* peer = SSL_get0_peer_certificate(ssl); peer && SSL_get_verify_result(ssl) == X509_V_OK) {
        char cn[256] = {};
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn) > 0)
          return cn;
      }
    }
    if (req[http::field::authorization] == "Bearer " + options_.token) return "token";
    return "";
  }

  bool absent(const std::string& resource) const {
    const auto& a = options_.absentResources;
    return std::find(a.begin(), a.end(), resource) != a.end();
  }

 public:
  // Runs on the io thread for one request; everything under mu_.
  // Returns a reply, or a started watch.
  std::variant<Reply, WatchStart> handle(const http::request<http::string_body>& req,
                                         const std::shared_ptr<Conn>& conn) {
    const std::string target(req.target());
    const size_t q = target.find('?');
    const std::string path = target.substr(0, q);
    const auto query = parseQuery(q == std::string::npos ? "" : std::string_view(target).substr(q + 1));
    auto param = [&](const std::string& k) {
      auto it = query.find(k);
      return it == query.end() ? std::string() : it->second;
    };
    const std::string method(req.method_string());
    const bool watch = (method == "GET") && (param("watch") == "1" || param("watch") == "true");
    Route rt = route(path);

    std::lock_guard lock(mu_);
    RecordedRequest rec;
    rec.method = method;
    rec.verb = verbFor(method, rt, watch);
    rec.path = path;
    rec.resourceRequest = rt.resourceRequest;
    if (rt.resourceRequest) {
      rec.group = rt.group;
      rec.resource = rt.resource;
      rec.version = rt.version;
      rec.subresource = rt.subresource;
      rec.namespace_ = rt.ns;
      rec.name = rt.name;
    }
    auto fail = [&](const ApiError& e) -> Reply {
      rec.status = e.code;
      record(rec);
      return {e.code, statusBody(e)};
    };

    rec.user = authenticate(req, *conn);
    if (rec.user.empty()) return fail({401, "Unauthorized", "Unauthorized"});

    if (!rt.resourceRequest) {
      if (method == "GET") {
        if (path == "/version") {
          rec.status = 200;
          record(rec);
          return Reply{200, {{"major", "1"}, {"minor", "34"}, {"gitVersion", "v1.34.0-portico-test"}}};
        }
        if (auto d = discovery(rt.segs, options_.absentResources)) {
          rec.status = 200;
          record(rec);
          return Reply{200, *d};
        }
      }
      return fail({404, "NotFound", "the server could not find the requested resource"});
    }
    if (rt.res && absent(rt.res->resource)) rt.res = nullptr;
    if (!rt.res) return fail({404, "NotFound", "the server could not find the requested resource"});
    const ResourceInfo& r = *rt.res;
    if (method == "POST" || method == "PUT") {
      std::string type(req[http::field::content_type]);
      if (auto semi = type.find(';'); semi != std::string::npos) type.resize(semi);
      if (type != "application/json") {
        return fail({415, "UnsupportedMediaType",
                     "the body of the request was in an unknown format - accepted media types include: "
                     "application/json (this test server takes JSON only)"});
      }
    }
    if (!rt.subresource.empty() && !(rt.subresource == "status" && r.statusSubresource)) {
      return fail({404, "NotFound", "the server could not find the requested resource"});
    }
    if (!r.namespaced && !rt.ns.empty()) {
      return fail({404, "NotFound", "the server could not find the requested resource"});
    }
    if (r.namespaced && rt.ns.empty() && (!rt.name.empty() || method != "GET")) {
      if (rt.name.empty() && method == "POST") {
        return fail(
            {405, "MethodNotAllowed", "the server does not allow this method on the requested resource"});
      }
      return fail({404, "NotFound", "the server could not find the requested resource"});
    }

    Result res;
    try {
      if (method == "GET" && watch) {
        auto w = startWatch(r, rt, param, conn);
        if (auto* e = std::get_if<ApiError>(&w)) return fail(*e);
        rec.status = 200;
        record(rec);
        return std::get<WatchStart>(std::move(w));
      }
      if (method == "GET" && rt.name.empty()) {
        res = list(r, rt, param);
      } else if (method == "GET") {
        res = getOne(r, rt);
      } else if (method == "POST" && rt.name.empty()) {
        res = create(r, rt, req.body(), param);
      } else if (method == "PUT" && !rt.name.empty()) {
        res = update(r, rt, req.body());
      } else if (method == "PATCH" && !rt.name.empty()) {
        res = patch(r, rt, req.body(), std::string(req[http::field::content_type]));
      } else if (method == "DELETE" && !rt.name.empty()) {
        res = del(r, rt, req.body());
      } else {
        res = ApiError{405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource"};
      }
    } catch (const json::exception& e) {
      res = badRequest(std::string("json: ") + e.what());
    }
    if (auto* e = std::get_if<ApiError>(&res)) return fail(*e);
    Reply reply = std::get<Reply>(std::move(res));
    rec.status = reply.status;
    record(rec);
    return reply;
  }

 private:
  using Result = std::variant<Reply, ApiError>;
  using Param = std::function<std::string(const std::string&)>;

  std::optional<ApiError> selectors(const ResourceInfo& r, const Param& param, std::vector<LabelReq>& labels,
                                    std::vector<FieldReq>& fields) {
    if (auto s = param("labelSelector"); !s.empty()) {
      auto l = parseLabelSelector(s);
      if (!l) return badRequest("unable to parse requirement: invalid label selector: " + s);
      labels = std::move(*l);
    }
    if (auto s = param("fieldSelector"); !s.empty()) {
      std::string error;
      auto f = parseFieldSelector(r, s, error);
      if (!f) return badRequest(error);
      fields = std::move(*f);
    }
    return std::nullopt;
  }

  std::vector<json> matching(const ResourceInfo& r, const std::string& ns,
                             const std::vector<LabelReq>& labels, const std::vector<FieldReq>& fields) {
    std::vector<json> out;
    for (const auto& [key, obj] : store_[r.resource]) {  // ordered by namespace, name: etcd key order
      if (!ns.empty() && key.first != ns) continue;
      if (labelsMatch(labels, obj) && fieldsMatch(fields, obj)) out.push_back(obj);
    }
    return out;
  }

  Result list(const ResourceInfo& r, const Route& rt, const Param& param) {
    std::vector<LabelReq> labels;
    std::vector<FieldReq> fields;
    if (auto e = selectors(r, param, labels, fields)) return *e;
    size_t limit = 0;
    if (auto l = param("limit"); !l.empty()) {
      auto n = parseRv(l);
      if (!n) return badRequest("invalid limit: " + l);
      limit = static_cast<size_t>(*n);
    }
    const std::string rvParam = param("resourceVersion");
    if (!rvParam.empty() && !parseRv(rvParam)) {
      return badRequest("invalid resource version: " + rvParam);
    }
    // An exact list from before the kept history cannot be served.
    if (param("resourceVersionMatch") == "Exact") {
      auto want = parseRv(rvParam);
      if (!want) return badRequest("resourceVersionMatch=Exact needs a resourceVersion");
      if (*want < historyStart_) {
        return ApiError{410, "Expired",
                        "too old resource version: " + rvParam + " (" + std::to_string(historyStart_) + ")"};
      }
    }

    uint64_t listRv = rv_;
    std::vector<json> items;
    size_t offset = 0;
    uint64_t snapId = 0;
    if (auto token = param("continue"); !token.empty()) {
      auto decoded = unbase64url(token);
      json t = decoded ? json::parse(*decoded, nullptr, false) : json();
      if (!t.is_object() || !t.contains("id") || !t.contains("offset")) {
        return badRequest("continue key is not valid: " + token);
      }
      snapId = t["id"].get<uint64_t>();
      auto it = snapshots_.find(snapId);
      if (it == snapshots_.end()) {
        return ApiError{
            410, "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can "
            "start a new list without the continue parameter."};
      }
      listRv = it->second.rv;
      items = it->second.items;
      offset = t["offset"].get<size_t>();
    } else {
      items = matching(r, rt.ns, labels, fields);
    }
    json out = json::array();
    const size_t end = limit == 0 ? items.size() : std::min(items.size(), offset + limit);
    for (size_t i = offset; i < end; ++i) {
      // Typed lists of built-in kinds leave apiVersion/kind out of items;
      // custom resources' unstructured lists keep them.
      json item = r.crd ? present(items[i], r, rt.version) : items[i];
      if (!r.crd) {
        item.erase("apiVersion");
        item.erase("kind");
      }
      out.push_back(std::move(item));
    }
    json meta{{"resourceVersion", std::to_string(listRv)}};
    if (end < items.size()) {
      if (snapId == 0) {
        snapId = ++nextSnapshot_;
        snapshots_[snapId] = Snapshot{listRv, items};
        while (snapshots_.size() > 64) snapshots_.erase(snapshots_.begin());
      }
      meta["continue"] = base64url(json{{"id", snapId}, {"offset", end}}.dump());
      meta["remainingItemCount"] = items.size() - end;
    }
    return Reply{200,
                 {{"apiVersion", groupVersion(r.group, rt.version)},
                  {"kind", r.kind + "List"},
                  {"metadata", meta},
                  {"items", out}}};
  }

  Result getOne(const ResourceInfo& r, const Route& rt) {
    auto& table = store_[r.resource];
    auto it = table.find({rt.ns, rt.name});
    if (it == table.end()) return notFound(r, rt.name);
    return Reply{200, present(it->second, r, rt.version)};
  }

  // Parses and checks a write's body: JSON object, apiVersion/kind of the
  // URL, names and namespace consistent with the URL, known fields only.
  std::variant<json, ApiError> body(const ResourceInfo& r, const Route& rt, const std::string& text,
                                    bool create) {
    json obj = json::parse(text, nullptr, false);
    if (obj.is_discarded() || !obj.is_object()) {
      return badRequest(
          "the body of the request was in an unknown format - accepted media types include: "
          "application/json, application/yaml");
    }
    if (!obj.contains("kind") || !obj["kind"].is_string() || obj["kind"].get<std::string>().empty()) {
      return badRequest("Object 'Kind' is missing in '" + text.substr(0, 200) + "'");
    }
    if (!obj.contains("apiVersion") || !obj["apiVersion"].is_string()) {
      return badRequest("Object 'apiVersion' is missing in '" + text.substr(0, 200) + "'");
    }
    const std::string gv = groupVersion(r.group, rt.version);
    if (obj["apiVersion"] != gv || obj["kind"] != r.kind) {
      return badRequest(obj["kind"].get<std::string>() + " in version \"" +
                        obj["apiVersion"].get<std::string>() + "\" cannot be handled as a " + r.kind +
                        ": the object's apiVersion/kind must be " + gv + "/" + r.kind);
    }
    if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
    json& m = obj["metadata"];
    std::string name = m.value("name", "");
    if (create && name.empty() && m.contains("generateName") && m["generateName"].is_string()) {
      name = m["generateName"].get<std::string>() + randomSuffix();
      m["name"] = name;
    }
    if (name.empty()) {
      return invalid(r, "", {{"metadata.name", "Required value: name or generateName is required"}});
    }
    if (!rt.name.empty() && name != rt.name) {
      return badRequest("the name of the object (" + name + ") does not match the name on the URL (" +
                        rt.name + ")");
    }
    if (r.namespaced && m.contains("namespace") && m["namespace"] != "" && m["namespace"] != rt.ns) {
      return badRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    static const std::regex nameRe(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
    if (name.size() > 253 || !std::regex_match(name, nameRe)) {
      return invalid(r, name,
                     {{"metadata.name", "Invalid value: \"" + name +
                                            "\": a lowercase RFC 1123 subdomain must consist of lower case "
                                            "alphanumeric characters, '-' or '.'"}});
    }
    auto errors = validateObject(r, obj, rt.ns);
    if (!errors.empty()) return invalid(r, name, errors);
    return obj;
  }

  Result create(const ResourceInfo& r, const Route& rt, const std::string& text, const Param& param) {
    auto parsed = body(r, rt, text, true);
    if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
    json obj = std::get<json>(std::move(parsed));
    const std::string name = obj["metadata"]["name"];
    auto& table = store_[r.resource];
    if (table.count({rt.ns, name})) {
      return ApiError{409, "AlreadyExists", qualified(r) + " \"" + name + "\" already exists",
                      details(r, name)};
    }
    json stored = prepareCreate(r, std::move(obj), rt.ns, false);
    if (param("dryRun") == "All") return Reply{201, present(stored, r, rt.version)};
    commit(r, "ADDED", stored);
    return Reply{201, present(stored, r, rt.version)};
  }

  // Stale or missing resourceVersion on an update.
  std::optional<ApiError> rvCheck(const ResourceInfo& r, const json& body, const json& old) {
    const json& m = body["metadata"];
    const std::string sent = m.contains("resourceVersion") && m["resourceVersion"].is_string()
                                 ? m["resourceVersion"].get<std::string>()
                                 : "";
    if (sent.empty()) {
      if (r.allowUnconditionalUpdate) return std::nullopt;
      return invalid(r, m.value("name", ""),
                     {{"metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update"}});
    }
    if (sent != old["metadata"]["resourceVersion"]) return conflict(r, m.value("name", ""));
    return std::nullopt;
  }

  Result update(const ResourceInfo& r, const Route& rt, const std::string& text) {
    auto parsed = body(r, rt, text, false);
    if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
    json obj = std::get<json>(std::move(parsed));
    auto& table = store_[r.resource];
    auto it = table.find({rt.ns, rt.name});
    const bool status = rt.subresource == "status";
    if (it == table.end()) {
      if (status || !r.allowCreateOnUpdate) return notFound(r, rt.name);
      json stored = prepareCreate(r, std::move(obj), rt.ns, false);
      commit(r, "ADDED", stored);
      return Reply{201, present(stored, r, rt.version)};
    }
    if (status && injectedConflicts_ > 0) {
      --injectedConflicts_;
      return conflict(r, rt.name);
    }
    if (auto e = rvCheck(r, obj, it->second)) return *e;
    json updated =
        status ? prepareStatusUpdate(it->second, obj) : prepareUpdate(r, it->second, std::move(obj));
    if (updated != it->second) commit(r, "MODIFIED", updated);
    return Reply{200, present(updated, r, rt.version)};
  }

  Result patch(const ResourceInfo& r, const Route& rt, const std::string& text, std::string contentType) {
    if (auto semi = contentType.find(';'); semi != std::string::npos) contentType.resize(semi);
    const bool merge = contentType == "application/merge-patch+json";
    const bool strategic = contentType == "application/strategic-merge-patch+json";
    const bool jsonPatch = contentType == "application/json-patch+json";
    // Custom resources have no Go struct to read patch strategies from.
    if (!(merge || jsonPatch || (strategic && !r.crd))) {
      return ApiError{415, "UnsupportedMediaType",
                      "the body of the request was in an unknown format - accepted "
                      "media types include: application/json-patch+json, "
                      "application/merge-patch+json" +
                          std::string(r.crd ? ""
                                            : ", application/strategic-merge-"
                                              "patch+json")};
    }
    json p = json::parse(text, nullptr, false);
    if (p.is_discarded() || (jsonPatch ? !p.is_array() : !p.is_object())) {
      return badRequest("error decoding patch: invalid JSON");
    }
    auto& table = store_[r.resource];
    auto it = table.find({rt.ns, rt.name});
    if (it == table.end()) return notFound(r, rt.name);
    const bool status = rt.subresource == "status";
    if (status && injectedConflicts_ > 0) {
      --injectedConflicts_;
      return conflict(r, rt.name);
    }
    json current = present(it->second, r, rt.version);
    json patched;
    if (jsonPatch) {
      try {
        patched = current.patch(p);
      } catch (const json::exception& e) {
        return ApiError{422, "Invalid",
                        std::string("the server rejected our request due to an error in our "
                                    "request: ") +
                            e.what()};
      }
    } else {
      patched = current;
      patched.merge_patch(p);
    }
    // A resourceVersion in the patch is a precondition, as on the real server.
    if (p.is_object() && p.contains("metadata") && p["metadata"].is_object() &&
        p["metadata"].contains("resourceVersion") && p["metadata"]["resourceVersion"].is_string() &&
        p["metadata"]["resourceVersion"] != it->second["metadata"]["resourceVersion"]) {
      return conflict(r, rt.name);
    }
    patched["metadata"]["resourceVersion"] = it->second["metadata"]["resourceVersion"];
    auto checked = body(r, rt, patched.dump(), false);
    if (auto* e = std::get_if<ApiError>(&checked)) return *e;
    json obj = std::get<json>(std::move(checked));
    json updated =
        status ? prepareStatusUpdate(it->second, obj) : prepareUpdate(r, it->second, std::move(obj));
    if (updated != it->second) commit(r, "MODIFIED", updated);
    return Reply{200, present(updated, r, rt.version)};
  }

  Result del(const ResourceInfo& r, const Route& rt, const std::string& text) {
    auto& table = store_[r.resource];
    auto it = table.find({rt.ns, rt.name});
    if (it == table.end()) return notFound(r, rt.name);
    // DeleteOptions' preconditions.
    json opts = text.empty() ? json::object() : json::parse(text, nullptr, false);
    if (opts.is_object() && opts.contains("preconditions") && opts["preconditions"].is_object()) {
      const json& pre = opts["preconditions"];
      if (pre.contains("resourceVersion") &&
          pre["resourceVersion"] != it->second["metadata"]["resourceVersion"]) {
        return conflict(r, rt.name);
      }
      if (pre.contains("uid") && pre["uid"] != it->second["metadata"]["uid"]) return conflict(r, rt.name);
    }
    auto gone = eraseLocked(r, rt.ns, rt.name);
    return Reply{200, present(*gone, r, rt.version)};
  }

  std::variant<WatchStart, ApiError> startWatch(const ResourceInfo& r, const Route& rt, const Param& param,
                                                const std::shared_ptr<Conn>& conn) {
    auto w = std::make_shared<Watcher>();
    w->conn = conn;
    w->res = &r;
    w->version = rt.version;
    w->ns = rt.ns;
    w->bookmarks = param("allowWatchBookmarks") == "true" || param("allowWatchBookmarks") == "1";
    if (auto e = selectors(r, param, w->labels, w->fields)) return *e;
    // The deprecated single-object watch is a field selector on the name.
    if (!rt.name.empty()) w->fields.push_back({{"metadata", "name"}, true, rt.name});
    WatchStart start;
    if (auto t = param("timeoutSeconds"); !t.empty()) {
      auto n = parseRv(t);
      if (!n) return badRequest("invalid timeoutSeconds: " + t);
      start.timeoutSeconds = static_cast<int>(std::min<uint64_t>(*n, 86400));
    }
    const std::string rvParam = param("resourceVersion");
    const bool initialEvents = param("sendInitialEvents") == "true";
    if (rvParam.empty() || rvParam == "0" || initialEvents) {
      // Synthetic ADDED events for the current state, then live ones.
      for (const auto& obj : matching(r, rt.ns, w->labels, w->fields)) {
        start.initial.push_back(eventLine("ADDED", obj, rt.version));
      }
      if (initialEvents && w->bookmarks) {
        json ev{{"type", "BOOKMARK"},
                {"object",
                 {{"kind", r.kind},
                  {"apiVersion", groupVersion(r.group, rt.version)},
                  {"metadata",
                   {{"resourceVersion", std::to_string(rv_)},
                    {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}}}};
        start.initial.push_back(ev.dump() + "\n");
      }
    } else {
      auto from = parseRv(rvParam);
      if (!from) return badRequest("invalid resource version: " + rvParam);
      if (*from < historyStart_) {
        // The real server answers 200 and says it in the stream.
        ApiError gone{410, "Expired",
                      "too old resource version: " + rvParam + " (" + std::to_string(historyStart_) + ")"};
        start.initial.push_back(json{{"type", "ERROR"}, {"object", statusBody(gone)}}.dump() + "\n");
        return start;
      }
      for (const auto& ev : history_) {
        if (ev.rv > *from && watchMatches(*w, *ev.res, ev.object)) {
          start.initial.push_back(eventLine(ev.type, ev.object, rt.version));
        }
      }
    }
    watchers_.push_back(w);
    start.watcher = w;
    return start;
  }

  void dropWatcher(const std::shared_ptr<Watcher>& w) {
    std::lock_guard lock(mu_);
    watchers_.erase(std::remove(watchers_.begin(), watchers_.end(), w), watchers_.end());
    bumpChanges();
  }

  // ---- io thread ----

  net::awaitable<void> acceptLoop() {
    while (acceptor_->is_open()) {
      auto [ec, sock] = co_await acceptor_->async_accept(kUseTuple);
      if (ec == net::error::operation_aborted) co_return;
      if (ec) continue;
      auto c = std::make_shared<Conn>(std::move(sock), ssl_);
      net::co_spawn(*io_, session(c), net::detached);
    }
  }

  net::awaitable<void> session(std::shared_ptr<Conn> c) {
    conns_[c.get()] = c;
    // Runs on normal exit and when the destructor destroys the suspended frame.
    struct Unregister {
      FakeApiServerImpl* self;
      Conn* c;
      ~Unregister() { self->conns_.erase(c); }
    } unregister{this, c.get()};

    auto [hec] = co_await c->stream.async_handshake(ssl::stream_base::server, kUseTuple);
    if (hec) co_return;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      auto [rec, n] = co_await http::async_read(c->stream, c->buf, parser, kUseTuple);
      if (rec) break;
      auto req = parser.release();
      const bool keepAlive = req.keep_alive();
      auto outcome = handle(req, c);
      if (auto* reply = std::get_if<Reply>(&outcome)) {
        http::response<http::string_body> res{static_cast<http::status>(reply->status), req.version()};
        res.set(http::field::content_type, "application/json");
        res.set(http::field::cache_control, "no-cache, private");
        res.keep_alive(keepAlive);
        res.body() = reply->body.dump();
        res.prepare_payload();
        auto [wec, wn] = co_await http::async_write(c->stream, res, kUseTuple);
        if (wec || !keepAlive) break;
        continue;
      }
      const bool reusable = co_await serveWatch(c, std::get<WatchStart>(std::move(outcome)), req.version());
      if (!reusable || !keepAlive) break;
    }
    c->close();
  }

  // Streams one watch. True when the connection may carry another request.
  net::awaitable<bool> serveWatch(std::shared_ptr<Conn> c, WatchStart start, unsigned httpVersion) {
    http::response<http::empty_body> res{http::status::ok, httpVersion};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-cache, private");
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    auto w = start.watcher;
    auto cleanup = [&] {
      if (w) dropWatcher(w);
    };
    auto [hec, hn] = co_await http::async_write_header(c->stream, sr, kUseTuple);
    if (hec) {
      cleanup();
      co_return false;
    }
    // One chunk per event, flushed at once, as the real server does.
    auto writeLine = [c](const std::string& line) -> net::awaitable<bool> {
      auto [ec, n] = co_await net::async_write(c->stream, http::make_chunk(net::buffer(line)), kUseTuple);
      co_return !ec;
    };
    for (const auto& line : start.initial) {
      if (!co_await writeLine(line)) {
        cleanup();
        co_return false;
      }
    }
    bool ok = true;
    if (w) {
      // Notice a client that goes away while nothing is being written.
      c->probing = true;
      c->stream.async_read_some(net::buffer(c->probe), [c](boost::system::error_code ec, size_t n) {
        c->probing = false;
        c->probeEc = ec;
        c->probeBytes = n;
        c->wake.cancel();
      });
      const auto deadline = start.timeoutSeconds > 0 ? std::chrono::steady_clock::now() +
                                                           std::chrono::seconds(start.timeoutSeconds)
                                                     : std::chrono::steady_clock::time_point::max();
      for (;;) {
        std::deque<std::string> lines;
        bool ended;
        {
          std::lock_guard lock(mu_);
          lines.swap(w->pending);
          ended = w->ended;
        }
        if (!lines.empty()) {
          for (const auto& line : lines) {
            if (!(ok = co_await writeLine(line))) break;
          }
          if (!ok) break;
          continue;  // writing yielded: look again before sleeping
        }
        if (ended || !c->probing || std::chrono::steady_clock::now() >= deadline) break;
        // Nothing yields between the look above and this wait, so a wake
        // posted after the look finds the wait pending.
        c->wake.expires_at(deadline);
        co_await c->wake.async_wait(kUseTuple);
      }
      dropWatcher(w);
      w.reset();
      if (c->probing) {
        // Take the probe back before the connection reads the next request.
        boost::system::error_code ec;
        beast::get_lowest_layer(c->stream).cancel(ec);
        while (c->probing) {
          c->wake.expires_at(std::chrono::steady_clock::time_point::max());
          co_await c->wake.async_wait(kUseTuple);
        }
      }
      if (c->probeEc != net::error::operation_aborted || c->probeBytes > 0) ok = false;
    }
    if (!ok) co_return false;
    auto [lec, ln] = co_await net::async_write(c->stream, http::make_chunk_last(), kUseTuple);
    co_return !lec;
  }

  Options options_;
  KeyPair ca_;
  std::unique_ptr<net::io_context> io_;
  ssl::context ssl_;
  std::optional<tcp::acceptor> acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::map<Conn*, std::weak_ptr<Conn>> conns_;  // io thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t changes_ = 0;
  // Starts well above zero so a client confusing "0" (any) with a real
  // resourceVersion shows.
  uint64_t rv_ = 1000;
  uint64_t historyStart_ = 1000;  // every event after this resourceVersion is in history_
  std::deque<HistoryEvent> history_;
  std::map<std::string, std::map<Key, json>> store_;
  std::vector<std::shared_ptr<Watcher>> watchers_;
  std::map<uint64_t, Snapshot> snapshots_;  // list pages by continue token
  uint64_t nextSnapshot_ = 0;
  int injectedConflicts_ = 0;
  std::vector<RecordedRequest> requests_;
};

}  // namespace
}  // namespace portico::testing::fakeapi

namespace portico::testing {

std::unique_ptr<FakeApiServer> FakeApiServer::start(Options options) {
  return std::make_unique<fakeapi::FakeApiServerImpl>(std::move(options));
}

}  // namespace portico::testing
