// One applied config as the workers see it: the IR plus everything
// precomputed from it (routers per bind, TLS contexts per listener).
// Immutable once built; each worker holds a shared_ptr to the current one
// and every request pins the one it started with.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/upstream_tls.h"
#include "ir/ir.h"
#include "router/router.h"

namespace portico::dataplane {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// "address|port|tcp" or "address|port|udp": the identity of a socket across
// config generations (address "" = the server's listen address).
std::string bindKey(const ir::Bind& b);

// How connections on a socket are served. A TLS-family port may carry
// HTTPS listeners next to TLS ones (both are "TLS" transport, spec §12.2):
// Sni then reads the ClientHello first and hands HTTPS names to the HTTP
// session (l4_connection.cc).
enum class BindKind {
  Http,  // HTTP and HTTPS listeners only (session.cc)
  Sni,   // TLS listeners (TLSRoute, Passthrough or Terminate), maybe HTTPS ones too
  Tcp,   // a TCP listener (TCPRoute)
  Udp,   // a UDP listener (UDPRoute, udp_proxy.cc)
};

struct BindRuntime {
  const ir::Bind* bind = nullptr;
  std::shared_ptr<const router::BindRouter> router;
  BindKind kind = BindKind::Http;
  bool tls = false;  // HTTPS listeners: TLS is terminated on this socket
  // One context per TLS-terminating listener (HTTPS, and TLS listeners in
  // Terminate mode), chosen by SNI. `fallback` is
  // the listener without hostname, which serves clients without SNI or
  // with a name no listener has; without one such handshakes are refused
  // (never serve another listener's certificate). `entry` creates the
  // SSL object before the SNI callback picks the real context.
  std::unordered_map<const ir::Listener*, SslCtxPtr> listenerCtx;
  SSL_CTX* fallback = nullptr;
  SSL_CTX* entry = nullptr;
};

struct Runtime {
  ir::ConfigPtr config;
  uint64_t generation = 0;
  std::unordered_map<std::string, BindRuntime> binds;  // by bindKey
  std::vector<std::string> errors;                     // e.g. a certificate OpenSSL refused
  // Metric label of each listener, computed once per config so the
  // request path never builds it.
  std::unordered_map<const ir::Listener*, std::string> listenerLabels;
  // Client TLS contexts for backends with a BackendTLSPolicy and the
  // listeners' backend client certificates (upstream_tls.h).
  std::shared_ptr<const UpstreamTls> upstreamTls;

  const BindRuntime* find(const std::string& key) const {
    auto it = binds.find(key);
    return it == binds.end() ? nullptr : &it->second;
  }
  const ir::Cluster* cluster(const std::string& name) const {
    auto it = config->clusters.find(name);
    return it == config->clusters.end() ? nullptr : &it->second;
  }
};

using RuntimePtr = std::shared_ptr<const Runtime>;

// Builds the runtime for `config` (outside the workers: compiling regexes
// and loading certificates never happens on the request path). Route
// tables of virtual hosts unchanged since `previous` are shared with it.
RuntimePtr buildRuntime(ir::ConfigPtr config, uint64_t generation, const Runtime* previous = nullptr);

}  // namespace portico::dataplane
