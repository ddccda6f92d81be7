// What the proxy sends upstream and answers itself, as plain strings
// (no sockets): request head rewriting (filters, hop-by-hop headers,
// X-Forwarded-*, X-Request-Id) and locally generated responses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http1/codec.h"
#include "ir/ir.h"
#include "router/router.h"

namespace portico::dataplane {

struct ForwardContext {
  std::string_view clientAddress;  // peer IP, appended to X-Forwarded-For
  std::string_view scheme;         // "http" | "https", X-Forwarded-Proto
  std::string_view requestId;      // generated when the client sent none
  bool addVia = false;
  // The request's Upgrade is passed on (upgradeTunnelable()): its Upgrade
  // field lines are kept and `Connection: Upgrade` is sent (RFC 9110
  // §7.8); every other hop-by-hop field is still dropped.
  bool upgrade = false;
};

// Whether the proxy passes this request's Upgrade on and, on 101, tunnels
// the connection (RFC 9110 §7.8, RFC 6455 §4): an HTTP/1.1 GET with
// `Connection: upgrade` and an Upgrade field, without a body. An upgrade
// to h2c is not passed on: the backend's HTTP/2 connection would carry
// requests this proxy never routes or filters ("h2c smuggling").
bool upgradeTunnelable(const http1::RequestHead& req);

// The request the backend receives, before it is written for a protocol:
// header fields in order (names as the client wrote them), Host and target
// after URLRewrite. prepareUpstream builds it; serializeUpstreamHead writes
// it as HTTP/1.1, upstreamH2Fields (h2_fields.h) as HTTP/2 fields.
struct UpstreamRequest {
  std::string method;
  std::string host;
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  bool upgrade = false;
  http1::BodyFraming framing = http1::BodyFraming::None;
  uint64_t contentLength = 0;
};

UpstreamRequest prepareUpstream(const http1::RequestHead& req, const ir::Route& route,
                                const ir::Backend* backend, const ForwardContext& ctx);
std::string serializeUpstreamHead(const UpstreamRequest& u);

// Upstream request head (HTTP/1.1): serializeUpstreamHead(prepareUpstream()). Applies, in order: the rule's
// RequestHeaderModifier, the backendRef's, URLRewrite (rule then backend)
// to path and Host. Body framing: Content-Length kept, chunked kept as
// chunked, no body => no framing headers. `Expect` is dropped: the proxy
// answers 100-continue itself.
std::string buildUpstreamHead(const http1::RequestHead& req, const ir::Route& route,
                              const ir::Backend* backend, const ForwardContext& ctx);

// What the router matches a request on (views into `req`): HTTP/1.1
// sessions, HTTP/2 streams and `portico explain` build it the same way, so
// they agree on what counts as gRPC (spec §12.6: application/grpc, not
// grpc-web).
router::RequestView routingView(const http1::RequestHead& req);

struct OwnedHeaders {
  std::vector<std::pair<std::string, std::string>> list;
};

// Response head sent downstream: hop-by-hop headers removed, response
// header filters (rule, then backend) applied, framing for the client.
// `chunkedToClient` / `closeAfter` tell the caller how the body is sent.
std::string buildDownstreamHead(const http1::ResponseHead& resp, const ir::Route& route,
                                const ir::Backend* backend, int clientVersionMinor, bool clientKeepAlive,
                                bool& chunkedToClient, bool& closeAfter);

// The 101 (Switching Protocols) head sent downstream when an upstream
// accepted an Upgrade: its Upgrade field kept, other hop-by-hop fields
// dropped, response header filters (rule, then backend) applied, and
// `Connection: Upgrade` (RFC 9110 §15.2.2, RFC 6455 §4.2.2).
std::string buildSwitchingHead(const http1::ResponseHead& resp, const ir::Route& route,
                               const ir::Backend* backend);

// A response Portico generates (errors, redirects, CORS preflight).
std::string localResponse(int status, std::string_view body, bool keepAlive,
                          const std::vector<std::pair<std::string, std::string>>& extra = {});

// A fresh X-Request-Id: 32 hex digits from two 64-bit random values.
std::string makeRequestId(uint64_t a, uint64_t b);

// The request's own X-Request-Id (kept, as the request passes through), or
// a fresh one from `rng`.
template <class Rng>
std::string requestIdFor(const http1::RequestHead& req, Rng& rng) {
  if (const auto* id = http1::findHeader(req.headers, "x-request-id")) return std::string(id->value);
  const uint64_t a = rng(), b = rng();
  return makeRequestId(a, b);
}

}  // namespace portico::dataplane
