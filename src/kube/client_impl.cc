// The Kubernetes API client over HTTPS (Boost.Beast on Asio, OpenSSL).
// Every call opens its own connection on its own io_context, run on the
// calling thread: calls from several controller threads share nothing but
// the TLS context and the token. cancel() stops those io_contexts from any
// thread (io_context::stop is thread-safe), which ends a blocked watch at
// once.
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "kube/client.h"

namespace portico::kube {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds kConnectTimeout{10};
// Whole-exchange limit for non-watch requests (client-go has none by
// default; a hung API server must not stall reconciles forever).
constexpr std::chrono::seconds kRequestTimeout{30};
constexpr size_t kMaxBody = 256u << 20;     // a large LIST page
constexpr size_t kMaxErrorBody = 1u << 20;  // a Status object on a failed watch
constexpr size_t kMaxLine = 64u << 20;      // one watch event

struct Endpoint {
  std::string host, port, prefix;  // prefix: a path the server URL carries (API behind a proxy)
  bool ip = false;
};

Endpoint parseServer(const std::string& server) {
  Endpoint e;
  std::string rest = server.substr(server.find("://") == std::string::npos ? 0 : server.find("://") + 3);
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    e.prefix = rest.substr(slash);
    while (e.prefix.ends_with("/")) e.prefix.pop_back();
    rest = rest.substr(0, slash);
  }
  if (rest.starts_with("[")) {  // [IPv6]:port
    const size_t close = rest.find(']');
    e.host = rest.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    e.ip = true;
    if (close != std::string::npos && close + 1 < rest.size() && rest[close + 1] == ':')
      e.port = rest.substr(close + 2);
  } else {
    const size_t colon = rest.rfind(':');
    e.host = colon == std::string::npos ? rest : rest.substr(0, colon);
    if (colon != std::string::npos) e.port = rest.substr(colon + 1);
    boost::system::error_code ec;
    asio::ip::make_address(e.host, ec);
    e.ip = !ec;
  }
  if (e.port.empty()) e.port = "443";
  return e;
}

bool isIp(const std::string& s) {
  boost::system::error_code ec;
  asio::ip::make_address(s, ec);
  return !ec;
}

// What one call needs (owned by the calling thread's stack frame).
struct Call {
  http::verb verb = http::verb::get;
  std::string target, body, contentType, token;
  const std::function<bool(std::string_view)>* onLine = nullptr;
  std::chrono::milliseconds idleTimeout{0};
  Response response;
  bool done = false;
};

class HttpsClient final : public Client {
 public:
  explicit HttpsClient(const ClusterConfig& config) : config_(config), endpoint_(parseServer(config.server)) {
    try {
      ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      if (config.insecureSkipTlsVerify) {
        ctx_.set_verify_mode(ssl::verify_none);
      } else {
        ctx_.set_verify_mode(ssl::verify_peer);
        if (config.caPem.empty()) {
          ctx_.set_default_verify_paths();
        } else {
          ctx_.add_certificate_authority(asio::buffer(config.caPem));
        }
      }
      if (!config.clientCertPem.empty()) {
        ctx_.use_certificate_chain(asio::buffer(config.clientCertPem));
        ctx_.use_private_key(asio::buffer(config.clientKeyPem), ssl::context::pem);
      }
    } catch (const std::exception& e) {
      setupError_ = std::string("TLS configuration (") + config.origin + "): " + e.what();
    }
    serverName_ = config.tlsServerName.empty() ? endpoint_.host : config.tlsServerName;
    token_ = config.bearerToken;
    if (!config.tokenFile.empty()) {
      std::error_code ec;
      tokenTime_ = fs::last_write_time(config.tokenFile, ec);
    }
  }

  Response request(std::string_view method, std::string_view path, std::string_view body,
                   std::string_view contentType) override {
    Call call;
    call.verb = http::string_to_verb(method);
    call.target = endpoint_.prefix + std::string(path);
    call.body = body;
    call.contentType = contentType;
    return run(call);
  }

  Response stream(std::string_view path, const std::function<bool(std::string_view line)>& onLine,
                  std::chrono::milliseconds idleTimeout) override {
    Call call;
    call.target = endpoint_.prefix + std::string(path);
    call.onLine = &onLine;
    call.idleTimeout = idleTimeout;
    return run(call);
  }

  void cancel() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    for (auto* ioc : active_) ioc->stop();
  }

 private:
  ClusterConfig config_;
  Endpoint endpoint_;
  std::string serverName_;
  ssl::context ctx_{ssl::context::tls_client};
  std::string setupError_;
  std::mutex mu_;  // cancelled_, active_
  bool cancelled_ = false;
  std::set<asio::io_context*> active_;
  std::mutex tokenMu_;
  std::string token_;
  fs::file_time_type tokenTime_{};

  // Projected service-account tokens are rotated in place (the kubelet
  // swaps a symlink); client-go re-reads the file periodically, we re-read
  // it whenever its modification time changes.
  std::string token() {
    std::lock_guard lock(tokenMu_);
    if (!config_.tokenFile.empty()) {
      std::error_code ec;
      const auto t = fs::last_write_time(config_.tokenFile, ec);
      if (!ec && t != tokenTime_) {
        std::ifstream in(config_.tokenFile, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        std::string v = ss.str();
        while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ')) v.pop_back();
        if (in && !v.empty()) {
          token_ = std::move(v);
          tokenTime_ = t;
        }
      }
    }
    return token_;
  }

  Response run(Call& call) {
    if (!setupError_.empty()) return Response{0, {}, setupError_};
    call.token = token();
    asio::io_context ioc;
    {
      std::lock_guard lock(mu_);
      if (cancelled_) return Response{0, {}, "cancelled"};
      active_.insert(&ioc);
    }
    asio::co_spawn(ioc, exchange(call), [&call](std::exception_ptr e) {
      call.done = true;
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const boost::system::system_error& se) {
        call.response.error = se.code() == beast::error::timeout ? "timed out" : se.code().message();
      } catch (const std::exception& x) {
        call.response.error = x.what();
      }
    });
    try {
      ioc.run();
    } catch (const std::exception& e) {
      call.response.error = e.what();  // an onLine callback threw: never past this call
      call.done = true;
    }
    {
      std::lock_guard lock(mu_);
      active_.erase(&ioc);
    }
    if (!call.done) call.response.error = "cancelled";
    if (!call.response.error.empty() && !call.onLine) call.response.status = 0;
    return std::move(call.response);
  }

  asio::awaitable<void> exchange(Call& call) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    beast::ssl_stream<beast::tcp_stream> stream(ex, ctx_);
    SSL* ssl = stream.native_handle();
    // SNI only for names (RFC 6066 §3 forbids IP literals); the
    // certificate is checked against the IP SAN or the DNS name, as Go's
    // crypto/tls does for client-go.
    if (!isIp(serverName_)) SSL_set_tlsext_host_name(ssl, serverName_.c_str());
    if (!config_.insecureSkipTlsVerify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (isIp(serverName_)) {
        X509_VERIFY_PARAM_set1_ip_asc(param, serverName_.c_str());
      } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(param, serverName_.c_str(), 0);
      }
    }
    auto& tcpStream = beast::get_lowest_layer(stream);
    tcpStream.expires_after(kConnectTimeout);
    const auto results = co_await resolver.async_resolve(endpoint_.host, endpoint_.port, asio::use_awaitable);
    co_await tcpStream.async_connect(results, asio::use_awaitable);
    co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);

    http::request<http::string_body> req{call.verb, call.target, 11};
    req.set(http::field::host, endpoint_.host);
    req.set(http::field::user_agent, "portico");
    req.set(http::field::accept, "application/json");
    if (!call.token.empty()) req.set(http::field::authorization, "Bearer " + call.token);
    if (!call.body.empty() || call.verb == http::verb::post || call.verb == http::verb::put ||
        call.verb == http::verb::patch) {
      req.set(http::field::content_type, call.contentType);
      req.body() = call.body;
    }
    req.prepare_payload();
    tcpStream.expires_after(kRequestTimeout);
    co_await http::async_write(stream, req, asio::use_awaitable);

    beast::flat_buffer buffer;
    if (!call.onLine) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxBody);
      co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
      call.response.status = parser.get().result_int();
      call.response.body = std::move(parser.get().body());
      co_return;
    }
    co_await readStream(stream, buffer, call);
  }

  // A watch: the body is read piece by piece (buffer_body with
  // read_some, which returns after each read from the socket instead of
  // when the buffer is full) so each event reaches onLine as soon as its
  // newline arrives, chunked or not.
  static asio::awaitable<void> readStream(beast::ssl_stream<beast::tcp_stream>& stream,
                                          beast::flat_buffer& buffer, Call& call) {
    auto& tcpStream = beast::get_lowest_layer(stream);
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);  // a watch is unbounded; each line is bounded below
    tcpStream.expires_after(kRequestTimeout);
    co_await http::async_read_header(stream, buffer, parser, asio::use_awaitable);
    call.response.status = parser.get().result_int();
    const bool success = call.response.ok();
    std::string pending;
    char chunk[16384];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      tcpStream.expires_after(success ? call.idleTimeout : kRequestTimeout);
      boost::system::error_code ec;
      co_await http::async_read_some(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      const size_t got = sizeof chunk - parser.get().body().size;
      if (!success) {
        if (call.response.body.size() < kMaxErrorBody) call.response.body.append(chunk, got);
      } else {
        pending.append(chunk, got);
        size_t start = 0;
        for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
          std::string_view line(pending.data() + start, nl - start);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          if (!line.empty() && !(*call.onLine)(line)) co_return;
        }
        pending.erase(0, start);
        if (pending.size() > kMaxLine) {
          call.response.error = "watch event larger than the limit";
          co_return;
        }
      }
      if (ec) {
        call.response.error = ec == beast::error::timeout ? "idle timeout" : ec.message();
        co_return;
      }
    }
    // A last event without its newline (a non-watch body read as a stream).
    if (success && !pending.empty()) (*call.onLine)(pending);
  }
};

}  // namespace

std::unique_ptr<Client> Client::create(const ClusterConfig& config) {
  return std::make_unique<HttpsClient>(config);
}

}  // namespace portico::kube
