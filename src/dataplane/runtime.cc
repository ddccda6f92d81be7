#include "dataplane/runtime.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "dataplane/tls_context.h"

namespace portico::dataplane {

std::string bindKey(const ir::Bind& b) {
  return b.address + "|" + std::to_string(b.port) + (b.protocol == ir::Protocol::UDP ? "|udp" : "|tcp");
}

namespace {

BindKind bindKind(const ir::Bind& bind) {
  if (bind.protocol == ir::Protocol::UDP) return BindKind::Udp;
  for (const auto& l : bind.listeners) {
    if (l.protocol == ir::Protocol::TCP) return BindKind::Tcp;
    if (l.protocol == ir::Protocol::TLS) return BindKind::Sni;
  }
  return BindKind::Http;
}

}  // namespace

RuntimePtr buildRuntime(ir::ConfigPtr config, uint64_t generation, const Runtime* previous) {
  auto rt = std::make_shared<Runtime>();
  rt->config = config;
  rt->generation = generation;
  for (const auto& bind : config->binds) {
    BindRuntime br;
    br.bind = &bind;
    const router::BindRouter* before = nullptr;
    if (previous) {
      if (auto it = previous->binds.find(bindKey(bind)); it != previous->binds.end())
        before = it->second.router.get();
    }
    br.router = router::BindRouter::build(bind, before);
    br.kind = bindKind(bind);
    for (const auto& l : bind.listeners) {
      const bool https = l.protocol == ir::Protocol::HTTPS;
      const bool terminate = l.protocol == ir::Protocol::TLS && !l.tlsPassthrough;
      if (!https && !terminate) continue;
      std::string error;
      // TLSRoute backends get the bytes, whatever protocol they speak: no
      // ALPN is chosen for them (the HTTP session's h2/http/1.1 would lie).
      SslCtxPtr ctx = makeServerContext(l, error, /*httpAlpn=*/https);
      if (!ctx) {
        rt->errors.push_back(l.gatewayNamespace + "/" + l.gatewayName + " listener " + l.name + ": " + error);
        continue;
      }
      if (https) {
        br.tls = true;
        if (!l.hostname) br.fallback = ctx.get();  // the catch-all listener serves unknown names
        if (!br.entry) br.entry = ctx.get();
      }
      br.listenerCtx.emplace(&l, std::move(ctx));
    }
    for (const auto& l : bind.listeners) {
      rt->listenerLabels.emplace(&l, l.gatewayNamespace + "/" + l.gatewayName + "/" + l.name);
    }
    auto [it, fresh] = rt->binds.emplace(bindKey(bind), std::move(br));
    // Element addresses of an unordered_map are stable: the callbacks may
    // keep a pointer to their bind for the life of the runtime.
    for (auto& [listener, ctx] : it->second.listenerCtx) installSniSelector(ctx.get(), &it->second);
  }
  rt->upstreamTls = buildUpstreamTls(*config, rt->errors);
  return rt;
}

}  // namespace portico::dataplane
