// The realistic fixture (fixtures/storefront.yaml) converted by `migrate
// ingress` and served by the real `portico run`: every migrated backend
// is a portico-echo process on 127.0.0.1 (Service + EndpointSlice as a
// cluster would have them), the TLS Secrets are certificates made now, and
// the same requests as equivalence_test.cc go over real sockets, HTTPS
// with SNI and the certificate checked against the Secret the Ingress
// named. What answered (echo pod, port, the path it saw), the redirects
// and the canary split must be what the Ingress rules describe.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "admin/client.h"
#include "echo/echo_harness.h"
#include "migrate/harness.h"
#include "support/child_process.h"
#include "support/test_support.h"

namespace portico::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& ok, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return ok();
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces every `from` in `s`; how many there were.
int replaceAll(std::string& s, const std::string& from, const std::string& to) {
  int n = 0;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()), ++n) {
    s.replace(at, from.size(), to);
  }
  return n;
}

// A pod of the fixture's cluster: one portico-echo process reporting `pod`
// and `ns`, one listener per named container port.
struct Pod {
  std::string ns, name;
  std::map<std::string, int> ports;  // port name -> 127.0.0.1 port
  std::unique_ptr<echotest::EchoProcess> proc;

  Pod(std::string ns_, std::string name_, const std::vector<std::string>& portNames)
      : ns(std::move(ns_)), name(std::move(name_)) {
    std::vector<std::string> args = {"--pod", name, "--namespace", ns};
    for (size_t i = 0; i < portNames.size(); ++i) {
      args.push_back("--listen");
      args.push_back("127.0.0.1:0");
    }
    proc = std::make_unique<echotest::EchoProcess>(args);
    const auto got = proc->ports(portNames.size());
    for (size_t i = 0; i < got.size(); ++i) ports[portNames[i]] = got[i];
  }
};

// An EndpointSlice of Service ns/service: the pod's port `portName`.
std::string sliceYaml(const std::string& service, const Pod& pod, const std::string& portName) {
  return "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + service +
         "-abcde\n  namespace: " + pod.ns + "\n  labels: {kubernetes.io/service-name: " + service +
         "}\naddressType: IPv4\nports: [{name: " + portName +
         ", port: " + std::to_string(pod.ports.at(portName)) +
         ", protocol: TCP}]\nendpoints:\n- addresses: [127.0.0.1]\n  conditions: {ready: true}\n"
         "  targetRef: {kind: Pod, namespace: " +
         pod.ns + ", name: " + pod.name + "}\n";
}

// `portico run` as a child process, stdout and stderr to a file; SIGTERM
// (SIGKILL after a bounded wait) when it goes.
using RunProcess = portico::testing::ChildProcess;

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

// A client connection to 127.0.0.1:port: plain, or TLS with SNI `host`
// that accepts only `trusted` (a self-signed certificate) for that name,
// so a handshake proves which Secret's certificate was served. Blocking
// sockets with 10 s timeouts.
class Client {
 public:
  Client(int port, const std::string& host, const std::string* trusted) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      error_ = "connect failed";
      return;
    }
    if (trusted == nullptr) return;
    ctx_ = SSL_CTX_new(TLS_client_method());
    BIO* bio = BIO_new_mem_buf(trusted->data(), static_cast<int>(trusted->size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), cert);
    X509_free(cert);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, host.c_str());
    SSL_set1_host(ssl_, host.c_str());  // the certificate must name the host
    if (SSL_connect(ssl_) != 1) {
      const long v = SSL_get_verify_result(ssl_);
      error_ = v != X509_V_OK ? std::string("certificate: ") + X509_verify_cert_error_string(v)
                              : "tls handshake refused";
      ERR_clear_error();
    }
  }
  ~Client() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& error() const { return error_; }

  std::optional<Response> get(const std::string& host, const std::string& path,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
    if (!error_.empty()) return std::nullopt;
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: served-test\r\n";
    for (const auto& [n, v] : headers) req += n + ": " + v + "\r\n";
    req += "\r\n";
    if (!write(req)) return std::nullopt;
    std::string data = std::move(pending_);
    pending_.clear();
    size_t end;
    char buf[8192];
    while ((end = data.find("\r\n\r\n")) == std::string::npos) {
      const long n = read(buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      data.append(buf, static_cast<size_t>(n));
    }
    Response r;
    const std::string head = data.substr(0, end);
    if (head.size() < 12 || !head.starts_with("HTTP/1.1 ")) return std::nullopt;
    r.status = std::atoi(head.c_str() + 9);
    for (size_t at = head.find("\r\n"); at != std::string::npos;) {
      const size_t next = head.find("\r\n", at + 2);
      const std::string line =
          head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
      const size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const size_t v = line.find_first_not_of(' ', colon + 1);
      r.headers[name] = v == std::string::npos ? "" : line.substr(v);
      at = next;
    }
    if (r.headers.count("transfer-encoding")) return std::nullopt;  // every answer here has a length
    const size_t want = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    std::string rest = data.substr(end + 4);
    while (rest.size() < want) {
      const long n = read(buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      rest.append(buf, static_cast<size_t>(n));
    }
    r.body = rest.substr(0, want);
    pending_ = rest.substr(want);
    return r;
  }

 private:
  bool write(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const long n = ssl_ != nullptr
                         ? SSL_write(ssl_, bytes.data() + done, static_cast<int>(bytes.size() - done))
                         : ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  long read(char* buf, size_t max) {
    if (ssl_ != nullptr) return SSL_read(ssl_, buf, static_cast<int>(max));
    return ::recv(fd_, buf, max, 0);
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string error_, pending_;
};

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

class MigrateServed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir = fs::temp_directory_path() / ("portico-migrate-served-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);

    // The fixture's Ingresses, converted as in equivalence_test.cc.
    migrate::Options o;
    o.gatewayClass = "portico";
    o.gatewayNamespace = "infra";
    const std::string fixture = readFile(sourceDir() + "/tests/migrate/fixtures/storefront.yaml");
    const Migrated m = migrateYaml(fixture, o, "storefront.yaml");
    if (::testing::Test::HasFailure()) return;
    migrated = m.result.yaml;

    // The pods behind the fixture's Services. Service web and health select
    // the same pods (app: web): one process, its http and probe ports.
    pods.emplace("web", std::make_unique<Pod>("shop", "web", std::vector<std::string>{"http", "probe"}));
    for (const char* name : {"cart", "static", "landing", "api", "api-v2", "tenant"}) {
      pods.emplace(name, std::make_unique<Pod>("shop", name, std::vector<std::string>{"http"}));
    }
    pods.emplace("admin", std::make_unique<Pod>("ops", "admin", std::vector<std::string>{"http"}));
    for (const auto& [name, pod] : pods) {
      if (pod->ports.size() != (name == "web" ? 2u : 1u)) {
        ADD_FAILURE() << "portico-echo for pod " << name << " did not start";
        return;
      }
    }
    // Service -> (pod, port name) as the Services' selectors and targetPorts
    // resolve in a cluster.
    const std::vector<std::tuple<std::string, std::string, std::string>> services = {
        {"web", "web", "http"},       {"health", "web", "probe"},     {"cart", "cart", "http"},
        {"static", "static", "http"}, {"landing", "landing", "http"}, {"api", "api", "http"},
        {"api-v2", "api-v2", "http"}, {"tenant", "tenant", "http"},   {"admin", "admin", "http"},
    };
    std::string cluster =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\n"
        "spec: {controllerName: portico.dev/gateway-controller}\n";
    for (const auto& [svc, pod, port] : services) cluster += "---\n" + sliceYaml(svc, *pods.at(pod), port);
    // The Secrets the Ingresses' tls sections named, made now.
    const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> secrets = {
        {"shop", "shop-tls", {"shop.example.com", "www.shop.example.com"}},
        {"shop", "api-tls", {"api.example.com"}},
        {"shop", "tenants-tls", {"*.tenants.example.com"}},
        {"ops", "admin-tls", {"admin.example.com"}},
    };
    for (const auto& [ns, name, hosts] : secrets) {
      const KeyPair kp = selfSigned(hosts);
      certs[name] = kp.certPem;
      cluster += "---\n" + tlsSecretYaml(ns, name, kp);
    }
    std::ofstream(dir / "00-cluster.yaml") << cluster;
    // The fixture itself brings the Services (its Ingresses are not ours:
    // the loader skips the kind with a warning, as it would on a cluster).
    std::ofstream(dir / "10-storefront.yaml") << fixture;

    // The migrated Gateway listens on 80 and 443; here on free ports. A
    // port another test takes between freePort() and Portico's bind shows
    // as a failed bind in /runtime: then start again with others.
    for (int attempt = 0; attempt < 3 && !::testing::Test::HasFailure(); ++attempt) {
      if (start()) return;
    }
    ADD_FAILURE() << "portico run did not serve the migrated Gateway:\n" << slurp(dir / "run.log");
  }

  // Writes the migrated output with fresh listener ports and starts
  // `portico run`; true once it is ready and both listeners accept.
  static bool start() {
    run.reset();
    httpPort = freePort();
    httpsPort = freePort();
    std::string out = migrated;
    const int http = replaceAll(out, "    port: 80\n    protocol: HTTP\n",
                                "    port: " + std::to_string(httpPort) + "\n    protocol: HTTP\n");
    const int https = replaceAll(out, "    port: 443\n    protocol: HTTPS\n",
                                 "    port: " + std::to_string(httpsPort) + "\n    protocol: HTTPS\n");
    EXPECT_EQ(http, 1) << "one HTTP listener for every host";
    EXPECT_EQ(https, 5) << "one HTTPS listener per TLS host";
    std::ofstream(dir / "20-migrated.yaml") << out;
    run = std::make_unique<RunProcess>(
        std::vector<std::string>{PORTICO_BIN, "run", "-c", dir.string(), "--no-watch", "--workers", "2",
                                 "--listen-address", "127.0.0.1", "--admin-address", "127.0.0.1:0",
                                 "--access-log", "json"},
        (dir / "run.log").string());
    admin.clear();
    const bool up = eventually([&] {
      const std::string log = slurp(dir / "run.log");
      const auto at = log.find("admin server on 127.0.0.1:");
      if (at == std::string::npos) return !run->running();
      const auto from = at + std::string("admin server on ").size();
      admin = "http://" + log.substr(from, log.find_first_of(" \n", from) - from);
      return true;
    });
    if (!up || admin.empty()) return false;
    if (!eventually([&] { return admin::fetch(admin, "/ready", 1s).status == 200 || !run->running(); }) ||
        !run->running()) {
      return false;
    }
    const auto runtime = nlohmann::json::parse(admin::fetch(admin, "/runtime", 2s).body, nullptr, false);
    if (runtime.is_discarded()) return false;
    for (const auto& b : runtime["binds"]) {
      if (!b["ok"].get<bool>()) return false;  // taken meanwhile: try other ports
    }
    return eventually([] { return accepts(httpPort) && accepts(httpsPort); }, 5s);
  }

  static void TearDownTestSuite() {
    if (run) {
      EXPECT_EQ(run->stop(), 0) << "SIGTERM drains and exits 0";
    }
    run.reset();
    pods.clear();
    fs::remove_all(dir);
  }

  void SetUp() override {
    if (!run || admin.empty()) GTEST_SKIP() << "portico run did not start (see the suite's failure)";
  }

  // What one request got: "redirect CODE LOCATION", "STATUS" for any other
  // local answer, or the echo pod that answered, "NS/POD[:PORTNAME] path=P"
  // (PORTNAME when not its http port; P the path the backend saw). A
  // refused or failed TLS handshake: the client's error.
  static std::string describe(const Response& r, const std::string& host) {
    if (r.status == 301 || r.status == 302 || r.status == 307 || r.status == 308) {
      const auto it = r.headers.find("location");
      return "redirect " + std::to_string(r.status) + " " + (it == r.headers.end() ? "-" : it->second);
    }
    if (r.status != 200) return std::to_string(r.status);
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.contains("pod")) return "200 not from an echo pod: " + r.body;
    const std::string ns = j.value("namespace", ""), pod = j.value("pod", "");
    std::string portName = "?";
    if (auto p = pods.find(pod); p != pods.end()) {
      for (const auto& [name, port] : p->second->ports) {
        if (std::to_string(port) == j.value("httpPort", "")) portName = name;
      }
    }
    std::string out =
        ns + "/" + pod + (portName == "http" ? "" : ":" + portName) + " path=" + j.value("path", "");
    // ingress-nginx passes the client's Host on; so must the migrated route.
    if (j.value("host", "") != host) out += " host=" + j.value("host", "");
    return out;
  }

  // Sends `n` requests (one connection, keep-alive) and counts outcomes.
  static std::map<std::string, int> send(const std::string& scheme, const std::string& host,
                                         const std::string& path,
                                         const std::vector<std::pair<std::string, std::string>>& headers,
                                         int n) {
    std::map<std::string, int> seen;
    const bool tls = scheme == "https";
    const std::string* trusted = nullptr;
    if (tls) {
      // The certificate of the Secret the Ingress named for this host.
      static const std::vector<std::pair<std::string, std::string>> bySuffix = {
          {"admin.example.com", "admin-tls"},
          {"api.example.com", "api-tls"},
          {".tenants.example.com", "tenants-tls"},
          {"shop.example.com", "shop-tls"}};
      for (const auto& [suffix, secret] : bySuffix) {
        if (host.ends_with(suffix)) {
          trusted = &certs.at(secret);
          break;
        }
      }
      if (trusted == nullptr) trusted = &certs.at("shop-tls");  // a host no Ingress names
    }
    auto client = std::make_unique<Client>(tls ? httpsPort : httpPort, host, trusted);
    for (int i = 0; i < n; ++i) {
      if (!client->error().empty()) {
        ++seen[client->error()];
        continue;
      }
      auto r = client->get(host, path, headers);
      if (!r) {
        ++seen["no response"];
        client = std::make_unique<Client>(tls ? httpsPort : httpPort, host, trusted);
        continue;
      }
      ++seen[describe(*r, host)];
      if (r->headers.count("connection") && r->headers.at("connection") == "close") {
        client = std::make_unique<Client>(tls ? httpsPort : httpPort, host, trusted);
      }
    }
    return seen;
  }

  static inline fs::path dir;
  static inline std::string migrated;
  static inline std::map<std::string, std::unique_ptr<Pod>> pods;
  static inline std::map<std::string, std::string> certs;  // Secret name -> certificate PEM
  static inline std::unique_ptr<RunProcess> run;
  static inline std::string admin;
  static inline int httpPort = 0, httpsPort = 0;
};

TEST_F(MigrateServed, EveryRouteAcceptedByTheRunningPortico) {
  const auto list = nlohmann::json::parse(admin::fetch(admin, "/status", 5s).body, nullptr, false);
  ASSERT_FALSE(list.is_discarded());
  int routes = 0;
  for (const auto& item : list["items"]) {
    if (item["kind"] != "HTTPRoute") continue;
    ++routes;
    const std::string id =
        item["metadata"]["namespace"].get<std::string>() + "/" + item["metadata"]["name"].get<std::string>();
    ASSERT_FALSE(item["status"]["parents"].empty()) << id;
    for (const auto& p : item["status"]["parents"]) {
      for (const auto& c : p["conditions"]) {
        if (c["type"] == "Accepted" || c["type"] == "ResolvedRefs") {
          EXPECT_EQ(c["status"], "True") << id << " " << c.dump();
        }
      }
    }
  }
  EXPECT_GE(routes, 8);
}

TEST_F(MigrateServed, RequestsReachTheBackendsTheIngressRulesName) {
  struct Row {
    std::string scheme, host, path;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string expect;
  };
  // The rows of equivalence_test.cc, answered by real pods: "shop/cart" is
  // the cart pod, "shop/web:probe" the web pod's probe port (Service
  // health), path= what the pod saw after rewrite-target.
  const std::vector<Row> table = {
      // storefront: TLS hosts redirect plain HTTP (ssl-redirect's default).
      {"http", "shop.example.com", "/cart", {}, "redirect 308 https://shop.example.com/cart"},
      {"http", "www.shop.example.com", "/landing", {}, "redirect 308 https://www.shop.example.com/landing"},
      {"https", "shop.example.com", "/cart", {}, "shop/cart path=/cart"},
      {"https", "shop.example.com", "/cart/items/7", {}, "shop/cart path=/cart/items/7"},
      {"https", "shop.example.com", "/cartoon", {}, "shop/web path=/cartoon"},  // Prefix matches segments
      {"https", "shop.example.com", "/static/app.js", {}, "shop/static path=/static/app.js"},
      {"https", "shop.example.com", "/healthz", {}, "shop/web:probe path=/healthz"},
      {"https", "shop.example.com", "/healthz/deep", {}, "shop/web path=/healthz/deep"},  // Exact only
      {"https", "shop.example.com", "/", {}, "shop/web path=/"},                          // default backend
      {"https", "shop.example.com", "/search?q=lamp", {}, "shop/web path=/search?q=lamp"},
      {"https", "www.shop.example.com", "/landing/spring", {}, "shop/landing path=/landing/spring"},
      {"https", "www.shop.example.com", "/", {}, "shop/web path=/"},
      // api: rewrite-target /$2 strips the version; X-Canary overrides the weights.
      {"http", "api.example.com", "/v1/users", {}, "redirect 308 https://api.example.com/v1/users"},
      {"https", "api.example.com", "/v1/users", {{"X-Canary", "always"}}, "shop/api-v2 path=/users"},
      {"https", "api.example.com", "/v1/users", {{"X-Canary", "never"}}, "shop/api path=/users"},
      {"https",
       "api.example.com",
       "/v1/users?page=2",
       {{"X-Canary", "never"}},
       "shop/api path=/users?page=2"},
      {"https", "api.example.com", "/v2/orders/9", {}, "shop/api-v2 path=/orders/9"},
      {"https", "api.example.com", "/v2/orders/9", {{"X-Canary", "always"}}, "shop/api-v2 path=/orders/9"},
      {"https", "api.example.com", "/v3", {}, "404"},
      // tenants: wildcard host and certificate.
      {"https", "acme.tenants.example.com", "/login", {}, "shop/tenant path=/login"},
      {"http",
       "acme.tenants.example.com",
       "/login",
       {},
       "redirect 308 https://acme.tenants.example.com/login"},
      // retired: permanent-redirect answers every path of the Ingress.
      {"http", "old-shop.example.com", "/anything", {}, "redirect 301 https://shop.example.com/"},
      // admin (namespace ops): ssl-redirect "false" serves both schemes.
      {"http", "admin.example.com", "/dashboard", {}, "ops/admin path=/dashboard"},
      {"https", "admin.example.com", "/dashboard", {}, "ops/admin path=/dashboard"},
      // No Ingress names these.
      {"http", "unknown.example.com", "/", {}, "404"},
      {"https", "unknown.example.com", "/", {}, "tls handshake refused"},
  };
  for (const auto& row : table) {
    // Twice on one connection: the answer does not depend on the connection's history.
    const auto seen = send(row.scheme, row.host, row.path, row.headers, 2);
    EXPECT_EQ(seen, (std::map<std::string, int>{{row.expect, 2}}))
        << row.scheme << "://" << row.host << row.path << (row.headers.empty() ? "" : " +header");
  }
}

// canary-weight 25: a quarter of the requests without a deciding X-Canary
// go to api-v2, each with the rewrite applied.
TEST_F(MigrateServed, CanaryWeightSplitsTraffic) {
  constexpr int kN = 400;
  const std::vector<std::tuple<std::string, std::vector<std::pair<std::string, std::string>>, std::string>>
      cases = {
          {"/v1/users", {}, "/users"},
          {"/v1", {}, "/"},
          {"/v1/users", {{"X-Canary", "maybe"}}, "/users"},  // neither always nor never: the weights
      };
  for (const auto& [path, headers, seenPath] : cases) {
    auto seen = send("https", "api.example.com", path, headers, kN);
    const int stable = seen["shop/api path=" + seenPath];
    const int canary = seen["shop/api-v2 path=" + seenPath];
    EXPECT_EQ(stable + canary, kN) << path << ": " << ::testing::PrintToString(seen);
    // 25% of 400 is 100, standard deviation 8.7: +-40 is over 4.5 of them.
    EXPECT_NEAR(canary, kN / 4, 40) << path << ": " << ::testing::PrintToString(seen);
  }
}

}  // namespace
}  // namespace portico::testing
