// BackendTLSPolicy (spec §9, §11 "BackendTLSPolicy ancestors") and
// XBackendTrafficPolicy (spec §10) status and their effect on clusters.
#include <fmt/format.h>

#include <algorithm>

#include "translate/certs.h"
#include "translate/conditions.h"
#include "translate/context.h"
#include "translate/ordering.h"
#include "translate/routes.h"

namespace portico::translate {
namespace {

// Gateways (ours) whose accepted routes send traffic to the targets: the
// policy's ancestors, at most 16 (spec §11).
std::vector<std::string> ancestorsOf(const Context& ctx, const std::string& ns,
                                     const std::vector<api::PolicyTargetReference>& targets) {
  std::set<std::string> out;
  for (const auto& t : targets) {
    auto it = ctx.serviceGateways.find(nsName(ns, t.name));
    if (it == ctx.serviceGateways.end()) continue;
    for (const api::Gateway* gw : it->second) out.insert(nsName(gw->meta.namespace_, gw->meta.name));
  }
  std::vector<std::string> v(out.begin(), out.end());
  if (v.size() > 16) v.resize(16);
  return v;
}

status::PolicyAncestorStatus ancestor(const Context& ctx, const std::string& gwKey) {
  status::PolicyAncestorStatus a;
  const auto& gw = ctx.gateways.at(gwKey);
  a.ancestorRef.name = gw.gateway->meta.name;
  a.ancestorRef.namespace_ = gw.gateway->meta.namespace_;
  a.controllerName = gw.controllerName;
  return a;
}

struct TLSCheck {
  std::string acceptedReason, acceptedMessage;
  std::string resolvedReason, resolvedMessage;
  std::vector<std::string> caPem;
};

TLSCheck checkTLSPolicy(const Context& ctx, const api::BackendTLSPolicy& p) {
  TLSCheck c;
  const auto& v = p.validation;
  for (size_t i = 0; i < v.caCertificateRefs.size(); ++i) {
    const auto& ref = v.caCertificateRefs[i];
    const std::string field = fmt::format("spec.validation.caCertificateRefs[{}]", i);
    std::string reason, msg;
    if (!ref.group.empty() || ref.kind != "ConfigMap") {
      reason = cond::kInvalidKind;
      msg = fmt::format("{}: kind {} is not supported (ConfigMap)", field, ref.kind);
    } else if (const auto* cm = ctx.snap.configMaps.find(p.meta.namespace_, ref.name); !cm) {
      reason = cond::kInvalidCACertificateRef;
      msg = fmt::format("{}: ConfigMap {}/{} not found", field, p.meta.namespace_, ref.name);
    } else if (auto it = cm->data.find("ca.crt"); it == cm->data.end()) {
      reason = cond::kInvalidCACertificateRef;
      msg = fmt::format("{}: ConfigMap {}/{} has no ca.crt", field, p.meta.namespace_, ref.name);
    } else if (std::string err; !parseCABundle(it->second, err)) {
      reason = cond::kInvalidCACertificateRef;
      msg = fmt::format("{}: ConfigMap {}/{}: {}", field, p.meta.namespace_, ref.name, err);
    } else {
      c.caPem.push_back(it->second);
    }
    if (!reason.empty() && c.resolvedReason.empty()) {
      c.resolvedReason = reason;
      c.resolvedMessage = msg;
    }
  }
  if (!v.caCertificateRefs.empty() && c.caPem.empty()) {
    c.acceptedReason = cond::kNoValidCACertificate;
    c.acceptedMessage = "no usable CA certificate: " + c.resolvedMessage;
  }
  if (v.wellKnownCACertificates && *v.wellKnownCACertificates != "System") {
    c.acceptedReason = cond::kInvalid;
    c.acceptedMessage =
        fmt::format("spec.validation.wellKnownCACertificates: \"{}\" is not supported (System)",
                    *v.wellKnownCACertificates);
  }
  return c;
}

bool targetsCluster(const api::PolicyTargetReference& t, const std::string& ns, const ir::Cluster& c) {
  return t.group.empty() && t.kind == "Service" && c.serviceNamespace == ns && c.serviceName == t.name &&
         (!t.sectionName || *t.sectionName == c.portName);
}

}  // namespace

void translatePolicies(Context& ctx) {
  std::vector<const api::BackendTLSPolicy*> tlsPolicies;
  for (const auto& [k, p] : ctx.snap.backendTLSPolicies) tlsPolicies.push_back(p.get());
  std::sort(tlsPolicies.begin(), tlsPolicies.end(), olderThan<api::BackendTLSPolicy>);
  std::map<std::string, std::string> claimed;  // "ns/svc#section" -> winning policy

  for (const api::BackendTLSPolicy* p : tlsPolicies) {
    const std::string pkey = nsName(p->meta.namespace_, p->meta.name);
    auto& st = std::get<status::PolicyStatus>(ctx.statusOf(p).status);
    const int64_t gen = p->meta.generation;
    TLSCheck check = checkTLSPolicy(ctx, *p);

    std::string conflictWith;
    bool anyTarget = false;
    for (const auto& t : p->targetRefs) {
      if (!(t.group.empty() && t.kind == "Service")) continue;
      if (ctx.snap.services.find(p->meta.namespace_, t.name)) anyTarget = true;
      auto [it, fresh] =
          claimed.try_emplace(nsName(p->meta.namespace_, t.name) + "#" + t.sectionName.value_or(""), pkey);
      if (!fresh && it->second != pkey && conflictWith.empty()) conflictWith = it->second;
    }
    std::string acceptedReason = check.acceptedReason, acceptedMessage = check.acceptedMessage;
    if (!conflictWith.empty()) {
      acceptedReason = cond::kConflictedReason;
      acceptedMessage = fmt::format(
          "BackendTLSPolicy {} (older) already targets the same Service and section", conflictWith);
    } else if (!anyTarget) {
      acceptedReason = cond::kTargetNotFound;
      acceptedMessage = "no targetRef names an existing Service";
    }
    for (const auto& gwKey : ancestorsOf(ctx, p->meta.namespace_, p->targetRefs)) {
      auto a = ancestor(ctx, gwKey);
      if (acceptedReason.empty()) {
        setCondition(a.conditions, cond::kAccepted, true, cond::kAccepted, "policy applies", gen);
      } else {
        setCondition(a.conditions, cond::kAccepted, false, acceptedReason, acceptedMessage, gen);
      }
      if (check.resolvedReason.empty()) {
        setCondition(a.conditions, cond::kResolvedRefs, true, cond::kResolvedRefs, "all references resolved",
                     gen);
      } else {
        setCondition(a.conditions, cond::kResolvedRefs, false, check.resolvedReason, check.resolvedMessage,
                     gen);
      }
      st.ancestors.push_back(std::move(a));
    }
    if (!conflictWith.empty()) continue;
    // Apply: a policy whose CA setup is unusable still applies, as a
    // failing TLS config, so that traffic gets 5xx instead of plaintext.
    for (auto& [name, c] : ctx.out.ir.clusters) {
      for (const auto& t : p->targetRefs) {
        if (!targetsCluster(t, p->meta.namespace_, c)) continue;
        ir::BackendTLS tls;
        tls.policy = pkey;
        tls.invalid = !acceptedReason.empty();
        tls.sni = p->validation.hostname;
        tls.caPem = check.caPem;
        tls.systemCAs = p->validation.wellKnownCACertificates.value_or("") == "System";
        for (const auto& san : p->validation.subjectAltNames) {
          if (san.type == "Hostname" && san.hostname) tls.subjectAltNames.push_back("DNS:" + *san.hostname);
          if (san.type == "URI" && san.uri) tls.subjectAltNames.push_back("URI:" + *san.uri);
        }
        c.tls = std::move(tls);
      }
    }
  }

  // XBackendTrafficPolicy [EXP]: Service-level session persistence.
  std::vector<const api::XBackendTrafficPolicy*> traffic;
  for (const auto& [k, p] : ctx.snap.backendTrafficPolicies) traffic.push_back(p.get());
  std::sort(traffic.begin(), traffic.end(), olderThan<api::XBackendTrafficPolicy>);
  std::map<std::string, std::string> trafficClaimed;
  for (const api::XBackendTrafficPolicy* p : traffic) {
    const std::string pkey = nsName(p->meta.namespace_, p->meta.name);
    auto& st = std::get<status::PolicyStatus>(ctx.statusOf(p).status);
    std::string conflictWith;
    for (const auto& t : p->targetRefs) {
      auto [it, fresh] = trafficClaimed.try_emplace(nsName(p->meta.namespace_, t.name), pkey);
      if (!fresh && it->second != pkey && conflictWith.empty()) conflictWith = it->second;
    }
    for (const auto& gwKey : ancestorsOf(ctx, p->meta.namespace_, p->targetRefs)) {
      auto a = ancestor(ctx, gwKey);
      if (conflictWith.empty()) {
        setCondition(a.conditions, cond::kAccepted, true, cond::kAccepted, "policy applies",
                     p->meta.generation);
      } else {
        setCondition(a.conditions, cond::kAccepted, false, cond::kConflictedReason,
                     "XBackendTrafficPolicy " + conflictWith + " (older) already targets this backend",
                     p->meta.generation);
      }
      st.ancestors.push_back(std::move(a));
    }
    if (!conflictWith.empty() || !p->sessionPersistence) continue;
    for (auto& [name, c] : ctx.out.ir.clusters) {
      for (const auto& t : p->targetRefs) {
        if (!targetsCluster(t, p->meta.namespace_, c)) continue;
        // Cookie Path is left unset when persistence comes from a policy
        // (spec §12.13).
        c.sessionPersistence = compileSessionPersistence(
            p->sessionPersistence, fmt::format("portico-session-{}-{}", p->meta.namespace_, p->meta.name),
            "");
      }
    }
  }
}

}  // namespace portico::translate
