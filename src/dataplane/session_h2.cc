// An HTTP/1.1 request to an HTTP/2 backend (a Service port with
// appProtocol kubernetes.io/h2c, GEP-1911; HTTPRouteBackendProtocolH2C):
// the body held whole (HTTP/2 frames it as DATA; at most
// kH2UpstreamBodyLimit, 413 beyond), forward.cc's head converted to fields
// (h2_fields.cc), a stream on the worker's h2c pool (h2_upstream.h), and
// the response written back as HTTP/1.1 through the same downstream head
// builder: its Content-Length kept, otherwise chunked with the backend's
// trailers. One attempt as proxy.cc runs it (timeouts, retries on status).
#include <fmt/format.h>

#include "dataplane/h2_fields.h"
#include "dataplane/h2_upstream.h"
#include "dataplane/session_impl.h"
#include "http1/chunked.h"
#include "router/filters.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {
namespace {

// The body an HTTP/1.1 client may send to an HTTP/2 backend, held whole
// (the same bound as an HTTP/2 client's body to an HTTP/1.1 backend).
constexpr size_t kH2UpstreamBodyLimit = 8 * 1024 * 1024;

}  // namespace

// The held body as data: a chunked one is held as sent, with its framing.
template <class Stream>
std::string Session<Stream>::heldBodyData() const {
  if (!body_.held) return {};
  if (!chunkedRequest_) return *body_.held;
  http1::ChunkedDecoder d;
  std::vector<std::string_view> parts;
  size_t consumed = 0;
  http1::Error err;
  d.decode(*body_.held, consumed, parts, err);
  std::string out;
  for (auto p : parts) out.append(p);
  return out;
}

template <class Stream>
awaitable<typename Session<Stream>::Exchange> Session<Stream>::exchangeH2(const ir::Route& route,
                                                                          const ir::Backend& backend,
                                                                          const ir::Cluster& cluster,
                                                                          const std::string& head,
                                                                          bool mayRetryStatus) {
  chunkedRequest_ = req_.framing == http1::BodyFraming::Chunked;
  if (body_.present && !body_.whole) {
    if (body_.started) co_return Exchange{502, false, false, false};
    const BodyResult r = co_await bufferBody(kH2UpstreamBodyLimit);
    if (r == BodyResult::TooLarge || (r == BodyResult::Ok && !body_.whole))
      co_return Exchange{413, false, false, false};
    if (r != BodyResult::Ok) co_return Exchange{400, false, false, false};
  }
  const std::string data = heldBodyData();
  const FieldList fields = h1HeadToH2Fields(head, false);

  H2EndpointPicker picker(w_, cluster, sessionPersistenceFor(route, cluster), &corsHeaders_);
  picker.useTls(rt_.get(), listener_, &rec_.upstreamError);
  Exchange ex{503, false, false, true};
  bool replayed = false;
  for (;;) {
    H2UpstreamStream up = co_await picker.open(fields, data.empty());
    if (picker.refused()) co_return Exchange{kUnusableTlsPolicyStatus, false, false, false};
    if (!up) break;
    rec_.upstream = up.conn->endpoint();
    ex = co_await roundTripH2(*up.conn, *up.stream, route, backend, data, mayRetryStatus);
    // Refused unprocessed (REFUSED_STREAM, past a GOAWAY): once more.
    if (ex.unsent == Unsent::NoResponse && !replayed) {
      replayed = true;
      w_.stats.add(w_.stats.staleReplays);
      continue;
    }
    picker.answered(ex.status);
    break;
  }
  co_return ex;
}

template <class Stream>
awaitable<typename Session<Stream>::Exchange> Session<Stream>::roundTripH2(
    H2ClientConnection& conn, H2ClientStream& up, const ir::Route& route, const ir::Backend& backend,
    const std::string& data, bool mayRetryStatus) {
  struct Cancel {
    H2ClientConnection& conn;
    H2ClientStream& up;
    ~Cancel() { conn.reset(up, kH2Cancel); }  // no-op once the stream ended both ways
  } cancel{conn, up};
  const auto sent = std::chrono::steady_clock::now();
  if (!data.empty()) {
    if (!co_await conn.write(up, data)) co_return Exchange{502, false, false, true, Unsent::Incomplete};
    conn.finish(up);
  }
  auto wait = [&]() -> awaitable<bool> {
    up.inWake.expires_at(std::chrono::steady_clock::time_point::max());
    co_await up.inWake.async_wait(asio::as_tuple(asio::use_awaitable));
    auto cs = co_await asio::this_coro::cancellation_state;
    co_return cs.cancelled() == asio::cancellation_type::none;
  };
  while (!up.headersDone && !up.closed) {
    if (!co_await wait()) co_return Exchange{504, false, false, false};
  }
  if (!up.headersDone) {
    if (up.refused) co_return Exchange{503, false, false, true, Unsent::NoResponse};
    co_return Exchange{502, false, false, true};
  }
  if (mayRetryStatus && retryableStatus(route, up.status)) co_return Exchange{up.status, false, false, true};

  // The HTTP/1.1 view of the response head (views into up.headers).
  http1::ResponseHead resp;
  resp.status = up.status;
  resp.framing = http1::BodyFraming::Chunked;  // unless a length is known
  for (const auto& [n, v] : up.headers) {
    if (n == "content-length") {
      resp.framing = http1::BodyFraming::ContentLength;
      resp.contentLength = std::strtoull(v.c_str(), nullptr, 10);
    }
    resp.headers.push_back(http1::Header{n, v});
  }
  if (resp.framing == http1::BodyFraming::Chunked && up.inEnd && up.in.empty()) {
    resp.framing = http1::BodyFraming::None;  // a head only (204, 304, an empty answer)
  }
  if (method_ == "HEAD" || up.status == 204 || up.status == 304) resp.framing = http1::BodyFraming::None;
  bool chunkedToClient = false, closeAfter = false;
  std::string dh = buildDownstreamHead(resp, route, &backend, versionMinor_,
                                       req_.keepAlive && !drainRequested_, chunkedToClient, closeAfter);
  addCorsHeaders(dh);
  countResponse(up.status);
  responseStarted_ = true;
  if (!co_await writeAll(dh)) co_return Exchange{0, true, false, false};

  std::string chunk;
  for (;;) {
    if (!up.in.empty()) {
      chunk.clear();
      chunk.swap(up.in);
      const size_t n = chunk.size();
      const bool ok = chunkedToClient ? co_await writeAll(fmt::format("{:x}\r\n", n) + chunk + "\r\n")
                                      : co_await writeAll(chunk);
      if (!ok) co_return Exchange{0, true, false, false};
      rec_.bytesOut += n;
      conn.consume(up, n);
      continue;
    }
    if (up.inEnd) break;
    // Reset mid-body: the client's connection ends short of the length
    // or the last chunk, so it sees the response is incomplete.
    if (up.closed) co_return Exchange{up.status, true, false, false};
    if (!co_await wait()) co_return Exchange{504, true, false, false};
  }
  if (chunkedToClient) {
    std::string last = "0\r\n";
    for (const auto& [n, v] : up.trailers) last.append(n).append(": ").append(v).append("\r\n");
    last.append("\r\n");
    if (!co_await writeAll(last)) co_return Exchange{0, true, false, false};
  }
  if (backendLabel_) {
    auto& h = w_.labelled.upstreamTime[*backendLabel_];
    h.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count());
  }
  co_return Exchange{up.status, true, !closeAfter && body_.consumed, false};
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane
