// Listener findings from the listener conditions (spec §11 "Listener",
// §12.2 distinctness): conflicts, protocols, ports, route kinds, TLS
// overlap, listeners nothing attaches to. Certificates are in tls.cc.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "diagnose/analysis.h"
#include "diagnose/text.h"
#include "translate/conditions.h"

namespace portico::diagnose::detail {
namespace {

namespace cond = translate::cond;

// A port no listener of the input uses, near the usual one for the protocol.
int32_t freePort(const Analysis& a, const api::Listener& l) {
  std::set<int32_t> used;
  for (const auto& v : a.allListeners()) used.insert(v.spec->port);
  int32_t p = l.protocol == "HTTPS" || l.protocol == "TLS" ? 8443 : l.protocol == "HTTP" ? 8080 : l.port + 1;
  while (used.count(p) && p < 65535) ++p;
  return p;
}

std::string listenerPath(const ListenerView& l, std::string_view tail = {}) {
  return fmt::format("/spec/listeners/{}{}", l.index, tail);
}

void movePort(const Analysis& a, Finding& f, const ListenerView& l, std::string_view lead) {
  const int32_t port = freePort(a, *l.spec);
  f.fix.summary =
      fmt::format("{}Move listener \"{}\" to port {} (no other listener uses it).", lead, l.spec->name, port);
  f.fix.target = l.owner();
  f.fix.patch.push_back(patchOp("replace", listenerPath(l, "/port"), jsonInt(port)));
}

std::vector<std::string> samePort(const Analysis& a, const ListenerView& l) {
  std::vector<std::string> out;
  for (const auto& o : a.listenersOf(*l.gateway)) {
    if (o.spec == l.spec || o.spec->port != l.spec->port) continue;
    out.push_back(o.describe());
  }
  return out;
}

std::string supportedProtocolFor(std::string_view p) {
  const std::string up = lower(p);
  if (up.find("https") != std::string::npos || up.find("ssl") != std::string::npos) return "HTTPS";
  if (up.find("tls") != std::string::npos) return "TLS";
  if (up.find("udp") != std::string::npos) return "UDP";
  if (up.find("tcp") != std::string::npos) return "TCP";
  return "HTTP";
}

std::string symptomFor(const ListenerView& l) {
  return fmt::format("connections to port {}{} are refused or land on another listener", l.spec->port,
                     l.spec->hostname ? " for " + *l.spec->hostname : std::string());
}

void accepted(Analysis& a, const ListenerView& l, const api::Condition& c) {
  const ObjectRef owner = l.owner();
  Finding* f = nullptr;
  if (c.reason == cond::kUnsupportedProtocol) {
    f = &a.add("PD-LISTENER-PROTOCOL-UNSUPPORTED", owner, l.field() + ".protocol");
    const std::string to = supportedProtocolFor(l.spec->protocol);
    f->fix.summary = fmt::format("Use a protocol Portico serves (HTTP, HTTPS, TLS, TCP, UDP), e.g. {}.", to);
    f->fix.target = owner;
    f->fix.patch.push_back(patchOp("replace", listenerPath(l, "/protocol"), jsonString(to)));
  } else if (c.reason == cond::kPortUnavailable) {
    f = &a.add("PD-LISTENER-PORT-IN-USE", owner, l.field() + ".port");
    movePort(a, *f, l, "");
    f->fix.summary += " Or run Portico with --address-pool so each Gateway gets its own address.";
  } else if (c.reason == cond::kNoValidCACertificate) {
    f = &a.add("PD-LISTENER-CLIENT-CA-INVALID", owner, "spec.tls.frontend");
    f->fix.summary = "Point caCertificateRefs at a ConfigMap with a PEM bundle under key ca.crt.";
  } else if (c.reason == cond::kUnsupportedValue || c.reason == cond::kInvalid) {
    f = &a.add("PD-LISTENER-INVALID", owner, l.field());
    if (l.spec->protocol == "HTTPS" && (!l.spec->tls || l.spec->tls->certificateRefs.empty())) {
      const std::string secret = l.spec->name + "-tls";
      f->fix.summary =
          fmt::format("Give the HTTPS listener a certificate: create Secret {} and reference it.", secret);
      f->fix.target = owner;
      f->fix.patch.push_back(patchOp(
          "add", listenerPath(l, "/tls"),
          fmt::format(R"({{"mode": "Terminate", "certificateRefs": [{{"kind": "Secret", "name": {}}}]}})",
                      jsonString(secret))));
      f->fix.commands.push_back(fmt::format("kubectl create secret tls {} -n {} --cert=tls.crt --key=tls.key",
                                            secret, owner.namespace_));
    } else if (l.spec->tls && l.spec->tls->mode.value_or("") == "Passthrough") {
      f->fix.summary = "TLS passthrough needs protocol TLS (and TLSRoutes).";
      f->fix.target = owner;
      f->fix.patch.push_back(patchOp("replace", listenerPath(l, "/protocol"), jsonString("TLS")));
    } else {
      f->fix.summary = "Correct the field named in the condition message.";
    }
  }
  if (!f) return;
  f->symptom = symptomFor(l);
  f->cause = c.message;
  f->evidence.push_back(conditionEvidence(owner.display() + " " + l.describe(), c));
}

void conflicted(Analysis& a, const ListenerView& l, const api::Condition& c) {
  const ObjectRef owner = l.owner();
  const bool protocol = c.reason == cond::kProtocolConflict;
  Finding& f =
      a.add(protocol ? "PD-LISTENER-PROTOCOL-CONFLICT" : "PD-LISTENER-HOSTNAME-CONFLICT", owner, l.field());
  f.symptom = symptomFor(l);
  f.cause = protocol
                ? fmt::format(
                      "Port {} is shared with a listener of another protocol; one socket cannot "
                      "speak both, so no winner is picked inside a Gateway (spec §12.2). {}",
                      l.spec->port, c.message)
                : fmt::format("Listeners on one port must differ in hostname (spec §12.2). {}", c.message);
  f.evidence.push_back(conditionEvidence(owner.display() + " " + l.describe(), c));
  for (const auto& o : samePort(a, l)) f.evidence.push_back({"object", "same port: " + o});
  movePort(a, f, l, protocol ? "" : "Give the listeners distinct hostnames, or: ");
}

void resolvedRefs(Analysis& a, const ListenerView& l, const api::Condition& c) {
  const ObjectRef owner = l.owner();
  if (c.reason == cond::kInvalidRouteKinds) {
    Finding& f = a.add("PD-LISTENER-ROUTE-KINDS", owner, l.field() + ".allowedRoutes.kinds");
    f.symptom = "routes of the listed kinds can never attach to this listener";
    f.cause = c.message;
    f.evidence.push_back(conditionEvidence(owner.display() + " " + l.describe(), c));
    std::vector<std::string> kinds;
    for (const auto& k : l.status->supportedKinds) {
      kinds.push_back(fmt::format(R"({{"group": {}, "kind": {}}})", jsonString(k.group), jsonString(k.kind)));
    }
    f.fix.summary = "List only kinds the listener's protocol carries.";
    f.fix.target = owner;
    f.fix.patch.push_back(kinds.empty() ? patchOp("remove", listenerPath(l, "/allowedRoutes/kinds"))
                                        : patchOp("replace", listenerPath(l, "/allowedRoutes/kinds"),
                                                  fmt::format("[{}]", fmt::join(kinds, ", "))));
  } else if (c.reason == cond::kInvalidCACertificateRef || c.reason == cond::kInvalidCACertificateKind) {
    Finding& f = a.add("PD-LISTENER-CLIENT-CA-INVALID", owner, "spec.tls.frontend");
    f.subject = l.spec->name;
    f.symptom = "clients presenting certificates signed by the missing CA are refused";
    f.cause = c.message;
    f.evidence.push_back(conditionEvidence(owner.display() + " " + l.describe(), c));
    f.fix.summary = "Point caCertificateRefs at a ConfigMap with a PEM bundle under key ca.crt.";
  }
}

void notAllowedSets(Analysis& a) {
  for (const auto& [key, ls] : a.snap.listenerSets) {
    const auto* st = a.listenerSetStatus(ls->meta.namespace_, ls->meta.name);
    const auto* c = st ? status::findCondition(st->conditions, cond::kAccepted) : nullptr;
    if (!c || c->status != "False" || c->reason != cond::kNotAllowed) continue;
    const ObjectRef ref{"ListenerSet", ls->meta.namespace_, ls->meta.name};
    const ObjectRef gw{"Gateway", ls->parentRef.namespace_.value_or(ls->meta.namespace_), ls->parentRef.name};
    Finding& f = a.add("PD-GATEWAY-LISTENERSET-NOT-ALLOWED", ref, "spec.parentRef");
    f.related.push_back(gw);
    f.symptom = "none of the set's listeners opens";
    f.cause = c->message + " (allowedListeners defaults to None, spec §4)";
    f.evidence.push_back(conditionEvidence(ref.display(), *c));
    const std::string from = gw.namespace_ == ref.namespace_
                                 ? R"({"from": "Same"})"
                                 : fmt::format(R"({{"from": "Selector", "selector": )"
                                               R"({{"matchLabels": )"
                                               R"({{"kubernetes.io/metadata.name": {}}}}}}})",
                                               jsonString(ref.namespace_));
    f.fix.summary =
        fmt::format("Let {} accept ListenerSets from namespace {}.", gw.display(), ref.namespace_);
    f.fix.target = gw;
    f.fix.patch.push_back(
        patchOp("add", "/spec/allowedListeners", fmt::format(R"({{"namespaces": {}}})", from)));
  }
}

}  // namespace

void checkListeners(Analysis& a) {
  for (const auto& l : a.allListeners()) {
    if (!l.status || !a.ourGateway(*l.gateway)) continue;
    const auto& conds = l.status->conditions;
    const auto* conflict = status::findCondition(conds, cond::kConflicted);
    if (conflict && conflict->status == "True") {
      conflicted(a, l, *conflict);
    } else if (const auto* c = status::findCondition(conds, cond::kAccepted); c && c->status == "False") {
      accepted(a, l, *c);
    }
    if (const auto* c = status::findCondition(conds, cond::kResolvedRefs); c && c->status == "False") {
      resolvedRefs(a, l, *c);
    }
    if (const auto* c = status::findCondition(conds, cond::kOverlappingTLSConfig); c && c->status == "True") {
      Finding& f = a.add("PD-LISTENER-TLS-OVERLAP", l.owner(), l.field() + ".hostname");
      f.symptom = "a TLS client may get the certificate of the other listener, or a 421 Misdirected Request";
      f.cause = c->message;
      f.evidence.push_back(conditionEvidence(l.owner().display() + " " + l.describe(), *c));
      f.fix.summary =
          "Use hostnames that do not overlap on one port (e.g. a wildcard listener on another port), "
          "or certificates that cover only their own listener's hostname.";
    }
    const auto* prog = status::findCondition(conds, cond::kProgrammed);
    const auto* acc = status::findCondition(conds, cond::kAccepted);
    if (prog && prog->status == "False" && prog->reason == cond::kPending && acc && acc->status == "True") {
      Finding& f = a.add("PD-LISTENER-NOT-SERVED", l.owner(), l.field());
      f.symptom = fmt::format("nothing listens on port {}", l.spec->port);
      f.cause = prog->message;
      f.evidence.push_back(conditionEvidence(l.owner().display() + " " + l.describe(), *prog));
      f.fix.summary =
          "Nothing to fix in the manifest: this data plane does not serve the listener's protocol yet.";
    } else if (prog && prog->status == "True" && l.status->attachedRoutes == 0) {
      Finding& f = a.add("PD-LISTENER-NO-ROUTES", l.owner(), l.field());
      f.symptom = l.spec->protocol == "HTTP" || l.spec->protocol == "HTTPS"
                      ? fmt::format("every request on port {}{} gets 404", l.spec->port,
                                    l.spec->hostname ? " for " + *l.spec->hostname : std::string())
                      : fmt::format("connections to port {} are closed", l.spec->port);
      f.cause = "No route is attached to this listener (status attachedRoutes: 0).";
      f.fix.summary = "Attach a route (parentRefs naming this Gateway and, optionally, sectionName " +
                      l.spec->name + "); see the route findings for routes that tried.";
    }
  }
  notAllowedSets(a);
}

}  // namespace portico::diagnose::detail
