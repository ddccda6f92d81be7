#include "translate/listeners.h"

#include <fmt/format.h>

#include <algorithm>

#include "translate/certs.h"
#include "translate/conditions.h"
#include "translate/hostname.h"

namespace portico::translate {
namespace {

std::optional<ir::Protocol> parseProtocol(std::string_view p) {
  if (p == "HTTP") return ir::Protocol::HTTP;
  if (p == "HTTPS") return ir::Protocol::HTTPS;
  if (p == "TLS") return ir::Protocol::TLS;
  if (p == "TCP") return ir::Protocol::TCP;
  if (p == "UDP") return ir::Protocol::UDP;
  return std::nullopt;
}

// Resolves one certificateRef into PEM material, or explains why not
// (spec §11 listener ResolvedRefs: InvalidCertificateRef, RefNotPermitted).
bool resolveCertificate(Context& ctx, ListenerInfo& l, const api::SecretObjectReference& ref, size_t index) {
  const std::string field = fmt::format("{}.tls.certificateRefs[{}]", l.fieldPath, index);
  auto fail = [&](const char* reason, std::string msg) {
    if (l.resolvedReason.empty()) {
      l.resolvedReason = reason;
      l.resolvedMessage = field + ": " + msg;
    }
    return false;
  };
  if (!ref.group.empty() || ref.kind != "Secret") {
    return fail(cond::kInvalidCertificateRef,
                fmt::format("unsupported reference kind {}/{} (only core Secret is supported)",
                            ref.group.empty() ? "core" : ref.group, ref.kind));
  }
  const std::string ns = ref.namespace_.value_or(l.ownerNamespace);
  if (!ctx.grants.permits({api::kGatewayGroup, l.ownerKind, l.ownerNamespace},
                          {"", "Secret", ns, ref.name})) {
    return fail(cond::kRefNotPermitted,
                fmt::format("Secret {}/{} is in another namespace and no ReferenceGrant in namespace {} "
                            "allows {} from namespace {} to reference it",
                            ns, ref.name, ns, l.ownerKind, l.ownerNamespace));
  }
  const api::Secret* secret = ctx.snap.secrets.find(ns, ref.name);
  if (!secret) return fail(cond::kInvalidCertificateRef, fmt::format("Secret {}/{} not found", ns, ref.name));
  if (secret->type != "kubernetes.io/tls") {
    return fail(
        cond::kInvalidCertificateRef,
        fmt::format("Secret {}/{} has type {}, expected kubernetes.io/tls", ns, ref.name, secret->type));
  }
  auto crt = secret->data.find("tls.crt");
  auto key = secret->data.find("tls.key");
  ParsedCertificate parsed = parseKeyPairCached(ctx, crt == secret->data.end() ? std::string() : crt->second,
                                                key == secret->data.end() ? std::string() : key->second);
  if (!parsed.ok) {
    return fail(cond::kInvalidCertificateRef, fmt::format("Secret {}/{}: {}", ns, ref.name, parsed.error));
  }
  l.certificates.push_back(ir::Certificate{nsName(ns, ref.name), crt->second, key->second, parsed.dnsNames});
  return true;
}

void validateTLS(Context& ctx, ListenerInfo& l) {
  const auto& tls = l.spec->tls;
  if (l.protocol == ir::Protocol::HTTPS && (!tls || (tls->certificateRefs.empty() && tls->options.empty()))) {
    // The v1.6.0 CRD no longer rejects HTTPS without tls (rc.2 rule
    // reverted); the docs still require it, so the controller does
    // (docs/spec-decisions.md).
    l.acceptedReason = cond::kUnsupportedValue;
    l.acceptedMessage = l.fieldPath + ".tls: an HTTPS listener needs tls.certificateRefs";
    l.resolvedReason = cond::kInvalidCertificateRef;
    l.resolvedMessage = l.acceptedMessage;
    return;
  }
  if (!tls) return;
  const std::string mode = tls->mode.value_or("Terminate");
  if (mode == "Passthrough") {
    if (l.protocol != ir::Protocol::TLS) {
      l.acceptedReason = cond::kUnsupportedValue;
      l.acceptedMessage = l.fieldPath + ".tls.mode: Passthrough is only valid with protocol TLS";
      return;
    }
    l.passthrough = true;  // certificateRefs are ignored in Passthrough mode
    return;
  }
  l.terminatesTLS = true;
  size_t valid = 0;
  for (size_t i = 0; i < tls->certificateRefs.size(); ++i) {
    if (resolveCertificate(ctx, l, tls->certificateRefs[i], i)) ++valid;
  }
  if (valid == 0) {
    // No usable certificate: never serve another listener's certificate
    // silently; the listener stays Accepted but is not programmed.
    l.programmedReason = cond::kInvalid;
    l.programmedMessage = "no valid certificate: " + l.resolvedMessage;
  }
}

}  // namespace

std::vector<api::RouteGroupKind> kindsForProtocol(ir::Protocol p, bool passthrough) {
  switch (p) {
    case ir::Protocol::HTTP:
    case ir::Protocol::HTTPS:
      return {{api::kGatewayGroup, "HTTPRoute"}, {api::kGatewayGroup, "GRPCRoute"}};
    case ir::Protocol::TLS:
      (void)passthrough;  // both modes carry TLSRoute (TLSRouteModeTerminate)
      return {{api::kGatewayGroup, "TLSRoute"}};
    case ir::Protocol::TCP:
      return {{api::kGatewayGroup, "TCPRoute"}};
    case ir::Protocol::UDP:
      return {{api::kGatewayGroup, "UDPRoute"}};
  }
  return {};
}

void validateListener(Context& ctx, ListenerInfo& l) {
  auto proto = parseProtocol(l.spec->protocol);
  if (!proto) {
    l.acceptedReason = cond::kUnsupportedProtocol;
    l.acceptedMessage =
        fmt::format("{}.protocol: {} is not supported (supported: HTTP, HTTPS, TLS, TCP, UDP)", l.fieldPath,
                    l.spec->protocol);
    l.status->supportedKinds.clear();
    return;
  }
  l.protocolSupported = true;
  l.protocol = *proto;
  validateTLS(ctx, l);

  // supportedKinds: derived from the protocol, narrowed by
  // allowedRoutes.kinds; unsupported entries are left out and reported
  // as InvalidRouteKinds (spec §11 Listener).
  auto possible = kindsForProtocol(l.protocol, l.passthrough);
  const auto& wanted = l.spec->allowedRoutes.kinds;
  if (wanted.empty()) {
    l.status->supportedKinds = possible;
    return;
  }
  std::vector<std::string> rejected;
  for (const auto& k : wanted) {
    bool ok = std::find(possible.begin(), possible.end(), k) != possible.end();
    bool dup = std::find(l.status->supportedKinds.begin(), l.status->supportedKinds.end(), k) !=
               l.status->supportedKinds.end();
    if (ok && !dup) l.status->supportedKinds.push_back(k);
    if (!ok) rejected.push_back(k.group + "/" + k.kind);
  }
  if (!rejected.empty() && l.resolvedReason.empty()) {
    l.resolvedReason = cond::kInvalidRouteKinds;
    l.resolvedMessage = fmt::format("{}.allowedRoutes.kinds: {} cannot attach to a {} listener", l.fieldPath,
                                    fmt::join(rejected, ", "), l.spec->protocol);
  }
}

bool applyFrontendValidation(Context& ctx, GatewayInfo& gw) {
  const auto& tls = gw.gateway->tls;
  if (!tls || !tls->frontend) return false;
  const auto& fe = *tls->frontend;
  bool insecure = false;
  for (auto& lp : gw.listeners) {
    ListenerInfo& l = *lp;
    if (l.listenerSet || l.protocol != ir::Protocol::HTTPS) continue;
    const api::TLSConfig* cfg = &fe.default_;
    for (const auto& pp : fe.perPort) {
      if (pp.port == l.spec->port) cfg = &pp.tls;  // perPort beats default
    }
    if (!cfg->validation) continue;
    if (cfg->validation->mode == "AllowInsecureFallback") insecure = true;
    size_t good = 0;
    const auto& refs = cfg->validation->caCertificateRefs;
    for (size_t i = 0; i < refs.size(); ++i) {
      const auto& ref = refs[i];
      std::string reason, msg;
      const std::string ns = ref.namespace_.value_or(gw.gateway->meta.namespace_);
      if (!ref.group.empty() || ref.kind != "ConfigMap") {
        reason = cond::kInvalidCACertificateKind;
        msg = fmt::format("caCertificateRefs[{}]: kind {} is not supported (ConfigMap)", i, ref.kind);
      } else if (!ctx.grants.permits({api::kGatewayGroup, "Gateway", gw.gateway->meta.namespace_},
                                     {"", "ConfigMap", ns, ref.name})) {
        reason = cond::kRefNotPermitted;
        msg = fmt::format("caCertificateRefs[{}]: ConfigMap {}/{} needs a ReferenceGrant", i, ns, ref.name);
      } else if (const auto* cm = ctx.snap.configMaps.find(ns, ref.name); !cm) {
        reason = cond::kInvalidCACertificateRef;
        msg = fmt::format("caCertificateRefs[{}]: ConfigMap {}/{} not found", i, ns, ref.name);
      } else if (auto it = cm->data.find("ca.crt"); it == cm->data.end()) {
        reason = cond::kInvalidCACertificateRef;
        msg = fmt::format("caCertificateRefs[{}]: ConfigMap {}/{} has no ca.crt", i, ns, ref.name);
      } else if (std::string err; !parseCABundle(it->second, err)) {
        reason = cond::kInvalidCACertificateRef;
        msg = fmt::format("caCertificateRefs[{}]: ConfigMap {}/{}: {}", i, ns, ref.name, err);
      }
      if (reason.empty()) {
        ++good;
        if (!l.clientValidation) l.clientValidation.emplace();
        l.clientValidation->caPem.push_back(ctx.snap.configMaps.find(ns, ref.name)->data.at("ca.crt"));
        l.clientValidation->insecureFallback = cfg->validation->mode == "AllowInsecureFallback";
      } else if (l.resolvedReason.empty()) {
        l.resolvedReason = reason;
        l.resolvedMessage = msg;
      }
    }
    if (good == 0 && !refs.empty() && l.acceptedReason.empty()) {
      l.acceptedReason = cond::kNoValidCACertificate;
      l.acceptedMessage = "no usable CA certificate for client certificate validation: " + l.resolvedMessage;
    }
  }
  return insecure;
}

namespace {

enum class Transport { HTTP, TLS, TCP, UDP };

Transport transportOf(ir::Protocol p) {
  switch (p) {
    case ir::Protocol::HTTP:
      return Transport::HTTP;
    case ir::Protocol::HTTPS:
    case ir::Protocol::TLS:
      return Transport::TLS;
    case ir::Protocol::TCP:
      return Transport::TCP;
    case ir::Protocol::UDP:
      return Transport::UDP;
  }
  return Transport::TCP;
}

bool sameSocketFamily(Transport a, Transport b) { return (a == Transport::UDP) == (b == Transport::UDP); }

void markConflict(ListenerInfo& l, const char* reason, std::string message) {
  // ProtocolConflict is the more specific finding; keep it over a
  // hostname conflict found earlier.
  if (l.conflictReason == cond::kProtocolConflict) return;
  l.conflictReason = reason;
  l.conflictMessage = std::move(message);
}

std::string describe(const ListenerInfo& l) {
  if (l.listenerSet)
    return fmt::format("ListenerSet {}/{} listener {}", l.listenerSet->meta.namespace_,
                       l.listenerSet->meta.name, l.spec->name);
  return fmt::format("listener {}", l.spec->name);
}

}  // namespace

void detectConflicts(GatewayInfo& gw) {
  auto& ls = gw.listeners;
  // Listeners are taken in merge order; each is compared with the earlier
  // ones that are still standing. Across the Gateway and its ListenerSets
  // the earlier listener wins and stays clean; inside one owner every party
  // to the conflict is rejected (spec §12.2). A listener that already lost
  // is no longer a party (conformance ListenerSetProtocolConflict).
  for (size_t j = 0; j < ls.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      ListenerInfo& a = *ls[i];
      ListenerInfo& b = *ls[j];
      if (!a.protocolSupported || !b.protocolSupported) continue;
      if (a.spec->port != b.spec->port) continue;
      const bool sameOwner = a.listenerSet == b.listenerSet;
      if (!a.conflictReason.empty() && !(sameOwner && a.conflictWithSibling)) continue;
      Transport ta = transportOf(a.protocol), tb = transportOf(b.protocol);
      if (!sameSocketFamily(ta, tb)) continue;  // TCP and UDP sockets never clash
      const char* reason = nullptr;
      std::string why;
      if (ta != tb) {
        reason = cond::kProtocolConflict;
        why = fmt::format("port {} is used by {} ({}) and {} ({})", a.spec->port, describe(a),
                          a.spec->protocol, describe(b), b.spec->protocol);
      } else if (ta == Transport::TCP) {
        // TCP listeners are distinct only by port (spec §12.2).
        reason = cond::kProtocolConflict;
        why = fmt::format("port {} is used by two TCP listeners ({} and {})", a.spec->port, describe(a),
                          describe(b));
      } else if (a.spec->hostname.value_or("") == b.spec->hostname.value_or("")) {
        reason = cond::kHostnameConflict;
        why = fmt::format("{} and {} both use port {} with hostname \"{}\"", describe(a), describe(b),
                          a.spec->port, a.spec->hostname.value_or(""));
      }
      if (!reason) continue;
      markConflict(b, reason, why);
      if (!sameOwner) break;  // lost to an earlier owner: no longer a party to anything
      markConflict(a, reason, why);
      a.conflictWithSibling = true;
      b.conflictWithSibling = true;
    }
  }
  // OverlappingTLSConfig: same-port TLS listeners whose hostnames overlap
  // (e.g. foo.example.com and *.example.com) are reported on all of them;
  // OverlappingCertificates when one's certificate also covers the other.
  for (size_t i = 0; i < ls.size(); ++i) {
    for (size_t j = i + 1; j < ls.size(); ++j) {
      ListenerInfo& a = *ls[i];
      ListenerInfo& b = *ls[j];
      if (!a.protocolSupported || !b.protocolSupported || a.spec->port != b.spec->port) continue;
      if (transportOf(a.protocol) != Transport::TLS || transportOf(b.protocol) != Transport::TLS) continue;
      if (!a.conflictReason.empty() || !b.conflictReason.empty()) continue;
      const std::string ha = a.spec->hostname.value_or(""), hb = b.spec->hostname.value_or("");
      if (!hostnamesOverlap(ha, hb)) continue;
      bool certs = false;
      for (const auto& c : a.certificates)
        for (const auto& n : c.dnsNames) certs = certs || (!hb.empty() && certificateNameCovers(n, hb));
      for (const auto& c : b.certificates)
        for (const auto& n : c.dnsNames) certs = certs || (!ha.empty() && certificateNameCovers(n, ha));
      const char* reason = certs ? cond::kOverlappingCertificates : cond::kOverlappingHostnames;
      std::string msg = fmt::format("hostnames \"{}\" ({}) and \"{}\" ({}) overlap on port {}", ha,
                                    describe(a), hb, describe(b), a.spec->port);
      for (ListenerInfo* l : {&a, &b}) {
        if (l->overlapReason == cond::kOverlappingCertificates) continue;
        l->overlapReason = reason;
        l->overlapMessage = msg;
      }
    }
  }
}

}  // namespace portico::translate
