#include "dataplane/forward.h"

#include <charconv>

#include "dataplane/grpc_status.h"
#include "router/filters.h"

namespace portico::dataplane {
namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Hop-by-hop fields (RFC 9110 §7.6.1, including names listed in
// Connection) never cross the proxy; nor does Expect, which the proxy
// answers itself. Host and Content-Length are rewritten below.
bool dropOnForward(std::string_view name, const http1::HopByHop& hop) {
  return hop(name) || http1::iequals(name, "expect") || http1::iequals(name, "content-length") ||
         http1::iequals(name, "host");
}

// "Content-Length: N\r\n" without a formatting library on the request path.
void appendContentLength(std::string& out, uint64_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append("Content-Length: ").append(digits, end).append("\r\n");
}

const std::string* findOwned(const HeaderList& list, std::string_view name) {
  for (const auto& [n, v] : list) {
    if (http1::iequals(n, name)) return &v;
  }
  return nullptr;
}

// Connection: Upgrade when passed on, the body's framing, and the blank
// line that ends the head.
void appendHeadEnd(std::string& out, bool upgrade, http1::BodyFraming framing, uint64_t contentLength) {
  if (upgrade) out.append("Connection: Upgrade\r\n");
  if (framing == http1::BodyFraming::ContentLength) {
    appendContentLength(out, contentLength);
  } else if (framing == http1::BodyFraming::Chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  }
  out.append("\r\n");
}

// URLRewrite, rule level then backendRef level, on Host and path.
void applyRewrites(const ir::Route& route, const ir::Backend* backend, std::string& host, std::string& path) {
  auto rewrite = [&](const ir::Filters& f) {
    if (!f.rewrite) return;
    if (f.rewrite->hostname) host = *f.rewrite->hostname;
    if (f.rewrite->path.kind != ir::PathRewriteKind::None) path = router::rewritePath(f.rewrite->path, path);
  };
  rewrite(route.filters);
  if (backend && backend->filters) rewrite(*backend->filters);
}

void appendHeaders(std::string& out, const HeaderList& list) {
  for (const auto& [n, v] : list) {
    out.append(n).append(": ").append(v).append("\r\n");
  }
}

}  // namespace

UpstreamRequest prepareUpstream(const http1::RequestHead& req, const ir::Route& route,
                                const ir::Backend* backend, const ForwardContext& ctx) {
  UpstreamRequest u;
  HeaderList& headers = u.headers;
  headers.reserve(req.headers.size() + 6);
  std::string xff;
  const http1::HopByHop hop(req.headers);
  for (const auto& h : req.headers) {
    if (ctx.upgrade && http1::iequals(h.name, "upgrade")) {
      headers.emplace_back(std::string(h.name), std::string(h.value));
      continue;
    }
    if (dropOnForward(h.name, hop)) continue;
    if (http1::iequals(h.name, "x-forwarded-for")) {
      xff = xff.empty() ? std::string(h.value) : xff + ", " + std::string(h.value);
      continue;
    }
    headers.emplace_back(std::string(h.name), std::string(h.value));
  }
  // X-Forwarded-*: the client as this proxy saw it (appended, RFC 7239's
  // de-facto predecessor); X-Request-Id kept when present.
  xff = xff.empty() ? std::string(ctx.clientAddress) : xff + ", " + std::string(ctx.clientAddress);
  headers.emplace_back("X-Forwarded-For", xff);
  if (!findOwned(headers, "x-forwarded-proto"))
    headers.emplace_back("X-Forwarded-Proto", std::string(ctx.scheme));
  if (!findOwned(headers, "x-forwarded-host"))
    headers.emplace_back("X-Forwarded-Host", std::string(req.host));
  if (!findOwned(headers, "x-request-id")) headers.emplace_back("X-Request-Id", std::string(ctx.requestId));
  if (ctx.addVia) headers.emplace_back("Via", req.versionMinor == 0 ? "1.0 portico" : "1.1 portico");

  // Filters: rule level, then backendRef level (spec §12.9: backendRef
  // filters apply only to traffic sent to that backend).
  router::applyHeaderOps(route.filters.requestHeaders, headers);
  if (backend && backend->filters) router::applyHeaderOps(backend->filters->requestHeaders, headers);

  u.method = std::string(req.method);
  u.host = std::string(req.host);
  std::string path(req.path);
  applyRewrites(route, backend, u.host, path);

  u.target = req.query.empty() ? std::move(path) : path + "?" + std::string(req.query);
  u.upgrade = ctx.upgrade;
  u.framing = req.framing;
  u.contentLength = req.contentLength;
  return u;
}

std::string serializeUpstreamHead(const UpstreamRequest& u) {
  std::string out;
  out.reserve(256 + u.headers.size() * 48);
  out.append(u.method).append(" ").append(u.target);
  out.append(" HTTP/1.1\r\nHost: ").append(u.host).append("\r\n");
  appendHeaders(out, u.headers);
  appendHeadEnd(out, u.upgrade, u.framing, u.contentLength);
  return out;
}

std::string buildUpstreamHead(const http1::RequestHead& req, const ir::Route& route,
                              const ir::Backend* backend, const ForwardContext& ctx) {
  const bool backendOps = backend && backend->filters && !backend->filters->requestHeaders.empty();
  if (!route.filters.requestHeaders.empty() || backendOps)
    return serializeUpstreamHead(prepareUpstream(req, route, backend, ctx));

  // No RequestHeaderModifier (most routes): the same bytes as
  // serializeUpstreamHead(prepareUpstream()), written straight from the
  // request's views with no owning copy of each field (forward_test.cc
  // checks the two agree).
  std::string host(req.host);
  std::string path(req.path);
  applyRewrites(route, backend, host, path);

  std::string out;
  out.reserve(256 + req.headers.size() * 48);
  out.append(req.method).append(" ").append(path);
  if (!req.query.empty()) out.append("?").append(req.query);
  out.append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  std::string xff;
  bool proto = false, forwardedHost = false, requestId = false;
  const http1::HopByHop hop(req.headers);
  for (const auto& h : req.headers) {
    if (!(ctx.upgrade && http1::iequals(h.name, "upgrade"))) {
      if (dropOnForward(h.name, hop)) continue;
      if (http1::iequals(h.name, "x-forwarded-for")) {
        if (!xff.empty()) xff.append(", ");
        xff.append(h.value);
        continue;
      }
      proto = proto || http1::iequals(h.name, "x-forwarded-proto");
      forwardedHost = forwardedHost || http1::iequals(h.name, "x-forwarded-host");
      requestId = requestId || http1::iequals(h.name, "x-request-id");
    }
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  out.append("X-Forwarded-For: ").append(xff);
  if (!xff.empty()) out.append(", ");
  out.append(ctx.clientAddress).append("\r\n");
  if (!proto) out.append("X-Forwarded-Proto: ").append(ctx.scheme).append("\r\n");
  if (!forwardedHost) out.append("X-Forwarded-Host: ").append(req.host).append("\r\n");
  if (!requestId) out.append("X-Request-Id: ").append(ctx.requestId).append("\r\n");
  if (ctx.addVia) out.append(req.versionMinor == 0 ? "Via: 1.0 portico\r\n" : "Via: 1.1 portico\r\n");
  appendHeadEnd(out, ctx.upgrade, req.framing, req.contentLength);
  return out;
}

router::RequestView routingView(const http1::RequestHead& req) {
  router::RequestView view;
  view.host = req.host;
  view.path = req.path;
  view.query = req.query;
  view.method = req.method;
  view.headers = std::span<const http1::Header>(req.headers.data(), req.headers.size());
  if (const auto* ct = http1::findHeader(req.headers, "content-type"))
    view.grpc = isGrpcContentType(ct->value);
  return view;
}

std::string buildDownstreamHead(const http1::ResponseHead& resp, const ir::Route& route,
                                const ir::Backend* backend, int clientVersionMinor, bool clientKeepAlive,
                                bool& chunkedToClient, bool& closeAfter) {
  std::string out;
  out.reserve(128 + resp.headers.size() * 48);
  out.append(clientVersionMinor >= 1 ? "HTTP/1.1 " : "HTTP/1.0 ");
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, resp.status).ptr)
      .append(" ")
      .append(resp.reason.empty() ? http1::reasonPhrase(resp.status) : resp.reason)
      .append("\r\n");

  const http1::HopByHop hop(resp.headers);
  auto forwarded = [&](std::string_view name) {
    return !hop(name) && !http1::iequals(name, "content-length");
  };
  const bool backendOps = backend && backend->filters && !backend->filters->responseHeaders.empty();
  if (route.filters.responseHeaders.empty() && !backendOps) {
    // No ResponseHeaderModifier: the fields go out as they came, straight
    // from the upstream's buffer, with no copy per field.
    for (const auto& h : resp.headers) {
      if (forwarded(h.name)) out.append(h.name).append(": ").append(h.value).append("\r\n");
    }
  } else {
    HeaderList headers;
    headers.reserve(resp.headers.size() + 2);
    for (const auto& h : resp.headers) {
      if (forwarded(h.name)) headers.emplace_back(std::string(h.name), std::string(h.value));
    }
    router::applyHeaderOps(route.filters.responseHeaders, headers);
    if (backendOps) router::applyHeaderOps(backend->filters->responseHeaders, headers);
    appendHeaders(out, headers);
  }

  chunkedToClient = false;
  closeAfter = !clientKeepAlive;
  switch (resp.framing) {
    case http1::BodyFraming::None:
      // 204/304/HEAD responses may still announce a length; keep it.
      if (resp.contentLength > 0 || resp.status == 200) appendContentLength(out, resp.contentLength);
      break;
    case http1::BodyFraming::ContentLength:
      appendContentLength(out, resp.contentLength);
      break;
    case http1::BodyFraming::Chunked:
    case http1::BodyFraming::UntilClose:
      if (clientVersionMinor >= 1) {
        chunkedToClient = true;
        out.append("Transfer-Encoding: chunked\r\n");
      } else {
        closeAfter = true;  // HTTP/1.0 client: the end of the body is the end of the connection
      }
      break;
  }
  if (closeAfter) {
    out.append("Connection: close\r\n");
  } else if (clientVersionMinor == 0) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  return out;
}

bool upgradeTunnelable(const http1::RequestHead& req) {
  if (!req.upgrade || req.method != "GET") return false;
  if (req.framing == http1::BodyFraming::Chunked ||
      (req.framing == http1::BodyFraming::ContentLength && req.contentLength > 0))
    return false;
  bool h2c = false;
  for (const auto& h : req.headers) {
    if (!http1::iequals(h.name, "upgrade")) continue;
    // Upgrade is a list of protocol[/version] tokens (RFC 9110 §7.8).
    std::string_view rest = h.value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (http1::iequals(item, "h2c")) h2c = true;
    }
  }
  return !h2c;
}

std::string buildSwitchingHead(const http1::ResponseHead& resp, const ir::Route& route,
                               const ir::Backend* backend) {
  HeaderList headers;
  headers.reserve(resp.headers.size() + 1);
  const http1::HopByHop hop(resp.headers);
  for (const auto& h : resp.headers) {
    const bool keep = http1::iequals(h.name, "upgrade");
    if (!keep && (hop(h.name) || http1::iequals(h.name, "content-length"))) continue;
    headers.emplace_back(std::string(h.name), std::string(h.value));
  }
  router::applyHeaderOps(route.filters.responseHeaders, headers);
  if (backend && backend->filters) router::applyHeaderOps(backend->filters->responseHeaders, headers);
  std::string out = "HTTP/1.1 101 ";
  out.append(resp.reason.empty() ? http1::reasonPhrase(101) : resp.reason).append("\r\n");
  appendHeaders(out, headers);
  out.append("Connection: Upgrade\r\n\r\n");
  return out;
}

std::string localResponse(int status, std::string_view body, bool keepAlive,
                          const std::vector<std::pair<std::string, std::string>>& extra) {
  char digits[24];
  std::string out = "HTTP/1.1 ";
  out.append(digits, std::to_chars(digits, digits + sizeof digits, status).ptr)
      .append(" ")
      .append(http1::reasonPhrase(status))
      .append("\r\n");
  for (const auto& [n, v] : extra) out.append(n).append(": ").append(v).append("\r\n");
  if (!body.empty()) out.append("Content-Type: text/plain; charset=utf-8\r\n");
  appendContentLength(out, body.size());
  if (!keepAlive) out.append("Connection: close\r\n");
  out.append("\r\n").append(body);
  return out;
}

std::string makeRequestId(uint64_t a, uint64_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int i = 15; i >= 0; --i, a >>= 4) id[static_cast<size_t>(i)] = kHex[a & 0xf];
  for (int i = 31; i >= 16; --i, b >>= 4) id[static_cast<size_t>(i)] = kHex[b & 0xf];
  return id;
}

}  // namespace portico::dataplane
