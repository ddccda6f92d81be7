// Final Gateway, listener and ListenerSet conditions, once routes have
// been attached (attachedRoutes needs them).
#include <fmt/format.h>

#include <algorithm>

#include "translate/certs.h"
#include "translate/conditions.h"
#include "translate/context.h"

namespace portico::translate {
namespace {

// Positive conditions first, in a fixed order, so status does not flap.
void orderConditions(std::vector<api::Condition>& conds) {
  static const std::vector<std::string> kOrder = {cond::kAccepted,     cond::kProgrammed,
                                                  cond::kResolvedRefs, cond::kConflicted,
                                                  cond::kOverlappingTLSConfig, cond::kSupportedVersion};
  auto rank = [&](const api::Condition& c) {
    auto it = std::find(kOrder.begin(), kOrder.end(), c.type);
    return static_cast<size_t>(it - kOrder.begin());
  };
  std::stable_sort(conds.begin(), conds.end(),
                   [&](const api::Condition& a, const api::Condition& b) { return rank(a) < rank(b); });
}

void finishListener(ListenerInfo& l, bool gatewayAccepted) {
  auto& c = l.status->conditions;
  const int64_t gen = l.generation;
  l.status->attachedRoutes = static_cast<int32_t>(l.attachedRoutes);
  if (!l.conflictReason.empty()) {
    setCondition(c, cond::kAccepted, false, l.conflictReason, l.conflictMessage, gen);
    setCondition(c, cond::kProgrammed, false, l.conflictReason, l.conflictMessage, gen);
  } else if (!l.acceptedReason.empty()) {
    setCondition(c, cond::kAccepted, false, l.acceptedReason, l.acceptedMessage, gen);
    setCondition(c, cond::kProgrammed, false, cond::kInvalid, "listener is not accepted: " + l.acceptedMessage, gen);
  } else if (!gatewayAccepted) {
    // Nothing wrong with the listener, but its Gateway is rejected as a
    // whole: acceptance is undecided until the Gateway is fixed.
    setUnknown(c, cond::kAccepted, cond::kPending, "waiting for the Gateway to be accepted", gen);
    setCondition(c, cond::kProgrammed, false, cond::kPending, "waiting for the Gateway to be accepted", gen);
  } else {
    setCondition(c, cond::kAccepted, true, cond::kAccepted, "listener is valid", gen);
    if (l.programmed) {
      setCondition(c, cond::kProgrammed, true, cond::kProgrammed, "listener is serving", gen);
    } else if (!l.programmedReason.empty()) {
      setCondition(c, cond::kProgrammed, false, l.programmedReason, l.programmedMessage, gen);
    } else {
      // A valid listener waits on its Gateway (not accepted, or without a
      // usable address): Pending, not Invalid, since nothing is wrong with
      // the listener itself (Listener Programmed reasons, spec §11).
      setCondition(c, cond::kProgrammed, false, cond::kPending,
                   gatewayAccepted ? "waiting for a usable Gateway address" : "waiting for the Gateway to be accepted",
                   gen);
    }
  }
  if (l.resolvedReason.empty()) {
    setCondition(c, cond::kResolvedRefs, true, cond::kResolvedRefs, "all references resolved", gen);
  } else {
    setCondition(c, cond::kResolvedRefs, false, l.resolvedReason, l.resolvedMessage, gen);
  }
  if (l.conflictReason.empty()) {
    setCondition(c, cond::kConflicted, false, cond::kNoConflicts, "no conflict with other listeners", gen);
  } else {
    setCondition(c, cond::kConflicted, true, l.conflictReason, l.conflictMessage, gen);
  }
  if (!l.overlapReason.empty()) {
    setCondition(c, cond::kOverlappingTLSConfig, true, l.overlapReason, l.overlapMessage, gen);
  }
  orderConditions(c);
}

// Gateway.spec.tls.backend.clientCertificateRef (GatewayBackendClientCertificate).
void checkBackendClientCert(Context& ctx, GatewayInfo& gw, std::string& reason, std::string& message) {
  const auto& tls = gw.gateway->tls;
  if (!tls || !tls->backend || !tls->backend->clientCertificateRef) return;
  const auto& ref = *tls->backend->clientCertificateRef;
  const std::string& gns = gw.gateway->meta.namespace_;
  const std::string ns = ref.namespace_.value_or(gns);
  const std::string field = "spec.tls.backend.clientCertificateRef";
  if (!ref.group.empty() || ref.kind != "Secret") {
    reason = cond::kInvalidClientCertificateRef;
    message = fmt::format("{}: kind {} is not supported (core Secret only)", field, ref.kind);
  } else if (!ctx.grants.permits({api::kGatewayGroup, "Gateway", gns}, {"", "Secret", ns, ref.name})) {
    reason = cond::kRefNotPermitted;
    message = fmt::format("{}: Secret {}/{} needs a ReferenceGrant in namespace {}", field, ns, ref.name, ns);
  } else if (const api::Secret* s = ctx.snap.secrets.find(ns, ref.name); !s) {
    reason = cond::kInvalidClientCertificateRef;
    message = fmt::format("{}: Secret {}/{} not found", field, ns, ref.name);
  } else if (s->type != "kubernetes.io/tls") {
    reason = cond::kInvalidClientCertificateRef;
    message = fmt::format("{}: Secret {}/{} has type {}, expected kubernetes.io/tls", field, ns, ref.name, s->type);
  } else {
    auto crt = s->data.find("tls.crt");
    auto key = s->data.find("tls.key");
    auto parsed = parseKeyPairCached(ctx, crt == s->data.end() ? "" : crt->second, key == s->data.end() ? "" : key->second);
    if (!parsed.ok) {
      reason = cond::kInvalidClientCertificateRef;
      message = fmt::format("{}: Secret {}/{}: {}", field, ns, ref.name, parsed.error);
    } else {
      ctx.backendClientCerts[nsName(gns, gw.gateway->meta.name)] =
          ir::Certificate{nsName(ns, ref.name), crt->second, key->second, parsed.dnsNames};
    }
  }
}

}  // namespace

void finishGateways(Context& ctx) {
  for (auto& [key, gw] : ctx.gateways) {
    auto& st = *gw.status;
    const int64_t gen = gw.gateway->meta.generation;
    size_t own = 0, ownValid = 0, ownProgrammed = 0, ownUnresolved = 0, ownPending = 0;
    for (auto& l : gw.listeners) {
      finishListener(*l, gw.accepted);
      if (l->listenerSet) continue;
      ++own;
      if (l->accepted()) ++ownValid;
      if (l->programmed) ++ownProgrammed;
      if (l->accepted() && l->programmedReason == cond::kPending) ++ownPending;
      if (!l->resolvedReason.empty()) ++ownUnresolved;
    }
    if (gw.accepted) {
      if (ownValid == own) {
        setCondition(st.conditions, cond::kAccepted, true, cond::kAccepted, "Gateway is valid", gen);
      } else {
        // ListenersNotValid: True while some listeners still serve, False
        // when none can (spec §11 Gateway).
        setCondition(st.conditions, cond::kAccepted, ownValid > 0, cond::kListenersNotValid,
                     fmt::format("{} of {} listeners are not valid", own - ownValid, own), gen);
      }
      if (!status::findCondition(st.conditions, cond::kProgrammed)) {
        if (ownProgrammed > 0) {
          setCondition(st.conditions, cond::kProgrammed, true, cond::kProgrammed,
                       fmt::format("{} of {} listeners are serving", ownProgrammed, own), gen);
        } else if (ownPending > 0) {
          setCondition(st.conditions, cond::kProgrammed, false, cond::kPending,
                       "waiting for the data plane to serve the Gateway's listeners", gen);
        } else {
          setCondition(st.conditions, cond::kProgrammed, false, cond::kInvalid, "no listener can be served", gen);
        }
      }
    }
    std::string refReason, refMessage;
    checkBackendClientCert(ctx, gw, refReason, refMessage);
    if (!refReason.empty()) {
      setCondition(st.conditions, cond::kResolvedRefs, false, refReason, refMessage, gen);
    } else if (ownUnresolved > 0) {
      setCondition(st.conditions, cond::kResolvedRefs, false, cond::kListenersNotResolved,
                   fmt::format("{} listener(s) have unresolved references", ownUnresolved), gen);
    } else {
      setCondition(st.conditions, cond::kResolvedRefs, true, cond::kResolvedRefs, "all references resolved", gen);
    }
    orderConditions(st.conditions);
  }

  for (auto& [key, info] : ctx.listenerSets) {
    if (!info.accepted) continue;  // NotAllowed was written when the set was considered
    auto& c = info.status->conditions;
    const int64_t gen = info.set->meta.generation;
    size_t valid = 0, programmed = 0;
    for (ListenerInfo* l : info.listeners) {
      // An entry that cannot be served (e.g. its certificate is not
      // permitted) is not valid for the set (conformance
      // ListenerSetReferenceGrant).
      if (l->accepted() && l->programmedReason.empty()) ++valid;
      if (l->programmed) ++programmed;
    }
    const bool parentAccepted = info.parent->accepted;
    if (!parentAccepted) {
      setCondition(c, cond::kAccepted, false, cond::kParentNotAccepted, "the parent Gateway is not accepted", gen);
      setCondition(c, cond::kProgrammed, false, cond::kParentNotProgrammed, "the parent Gateway is not accepted", gen);
      continue;
    }
    if (valid == 0) {
      setCondition(c, cond::kAccepted, false, cond::kListenersNotValid, "no listener entry is valid", gen);
    } else {
      ++info.parent->status->attachedListenerSets;
      setCondition(c, cond::kAccepted, true, valid == info.listeners.size() ? cond::kAccepted : cond::kListenersNotValid,
                   fmt::format("{} of {} listener entries are valid", valid, info.listeners.size()), gen);
    }
    if (programmed > 0) {
      setCondition(c, cond::kProgrammed, true, cond::kProgrammed, "listener entries are serving", gen);
    } else {
      setCondition(c, cond::kProgrammed, false, valid == 0 ? cond::kListenersNotValid : cond::kInvalid,
                   "no listener entry can be served", gen);
    }
  }
}

}  // namespace portico::translate
