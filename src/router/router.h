// Request routing over the compiled IR (spec §12.1, §12.3, §12.5, §12.6):
// pure code, no sockets. A BindRouter is built once per ir::Bind when a
// config is published and is then shared read-only by every worker.
//
// Lookup path (route()): no heap allocation. Cost, with L = labels in the
// Host, S = '/'-separated segments in the path:
//   listener choice   O(L) hash lookups (exact name, then one lookup per
//                     wildcard suffix, longest first), then the catch-all;
//   virtual host      the same walk inside the chosen listener, falling
//                     through to less specific hosts when no route matches;
//   route             1 hash lookup for Exact paths + at most 2 per path
//                     segment for prefixes (only for key lengths that exist),
//                     each bucket scanned until the first full match; a
//                     linear scan only over RegularExpression-path routes
//                     that sort before the best candidate found so far.
// The result is always "the first route in the IR's sorted order whose
// match passes" (the translator sorts by precedence).
//
// Matching choices the spec leaves to the implementation (§12.5):
//   - a header repeated in the request: only its first occurrence is
//     compared (Exact or RE2 full match);
//   - query parameters: names compare exactly (case-sensitive), the first
//     occurrence wins, values are compared as sent (no percent-decoding,
//     '+' is not a space), for both Exact and RE2 full match;
//   - Regex paths: RE2 full match against the path (no query), compiled once
//     at build(); a pattern RE2 rejects never matches;
//   - Host: ":port" (and IPv6 brackets' port) stripped, lower-cased, one
//     trailing '.' dropped; names longer than 255 bytes only reach
//     hostname-less listeners and "*" virtual hosts.
//   - gRPC (§12.6): a request with grpc=true is matched against a virtual
//     host's GRPCRoute rules; when that virtual host has no GRPCRoute rule
//     at all, its HTTPRoute rules are used (gRPC carried by an HTTPRoute).
//     The two lists are never merged. A non-gRPC request never sees
//     GRPCRoute rules.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http1/header.h"
#include "ir/ir.h"
#include "router/cors.h"
#include "router/filters.h"

namespace portico::router {

struct RequestView {
  std::string_view host;   // Host / :authority as received (may carry :port, any case)
  std::string_view path;   // path part of the target, without query
  std::string_view query;  // without '?'
  std::string_view method;
  std::span<const http1::Header> headers;
  bool grpc = false;  // content-type application/grpc*: match GRPCRoute rules (§12.6)
};

// evaluateCors() (router/cors.h) reading Origin,
// Access-Control-Request-Method and -Headers (first occurrences) from `req`.
CorsResult evaluateCors(const ir::Cors& cors, const RequestView& req);

// "example.com:8080" -> "example.com", "[::1]:443" -> "[::1]".
std::string_view stripPort(std::string_view host);

class RouteTable;
class HostIndex;

// Compiled, immutable view of one ir::Bind (one socket): chooses the
// listener for a request and the route in it.
class BindRouter {
 public:
  // Keeps pointers into `bind`: the IR must outlive the router.
  // `previous`, the router of the same socket in the config being
  // replaced, lends its compiled tables: a virtual host whose route list is
  // the same ir::RouteList (unchanged since then) shares its table instead
  // of compiling its regexes and indexes again.
  static std::shared_ptr<const BindRouter> build(const ir::Bind& bind, const BindRouter* previous = nullptr);
  static std::shared_ptr<const BindRouter> build(ir::Bind&&,
                                                 const BindRouter* = nullptr) = delete;  // would dangle
  ~BindRouter();
  BindRouter(const BindRouter&) = delete;
  BindRouter& operator=(const BindRouter&) = delete;

  const ir::Bind& bind() const { return *bind_; }

  // Listener selection among the HTTP/HTTPS listeners of the port by
  // hostname: exact > longer wildcard > shorter wildcard > no hostname
  // (§12.3). Null when none matches. Case and one trailing '.' are ignored.
  const ir::Listener* listenerForHost(std::string_view hostNoPort) const;
  // The same choice among HTTPS/TLS listeners for a TLS ClientHello's SNI
  // (empty SNI = only a hostname-less listener matches). Null when no
  // listener matches: the TLS layer then uses its default certificate and
  // route() does plain Host routing.
  const ir::Listener* listenerForSni(std::string_view sni) const;

  struct Match {
    const ir::Listener* listener = nullptr;
    const ir::VirtualHost* vhost = nullptr;
    const ir::Route* route = nullptr;
    int status = 0;  // 0 = routed; 404 no match; 421 misdirected
  };
  // `sniListener` non-null on TLS connections (§12.3,
  // GatewayHTTPSListenerDetectMisdirectedRequests): the Host picks its own
  // listener; none -> 404; a different one than the SNI's -> 421 (covers
  // "a more specific listener matches Host" and "the SNI listener does not
  // match Host"); the same one (including an unknown SNI and Host both on
  // the catch-all listener) -> normal routing. Listener isolation
  // (GatewayHTTPListenerIsolation): only the chosen listener's routes
  // apply; a miss is 404, never a fallback to another listener.
  Match route(const RequestView& req, const ir::Listener* sniListener = nullptr) const;

 private:
  BindRouter();
  struct ListenerState;

  const ir::Bind* bind_ = nullptr;
  std::vector<ListenerState> listeners_;  // parallel to bind_->listeners
  std::unique_ptr<HostIndex> httpListeners_;
  std::unique_ptr<HostIndex> tlsListeners_;
};

}  // namespace portico::router
