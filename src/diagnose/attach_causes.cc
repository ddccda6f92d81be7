// The causes of a route parentRef that is not Accepted, one finding each
// (spec §11 "Routes", §12.4): the parent does not exist, sectionName or
// port selects nothing, allowedRoutes refuses the namespace or kind, no
// hostname in common.
#include <fmt/format.h>

#include <algorithm>

#include "diagnose/attach_fix.h"
#include "diagnose/text.h"

namespace portico::diagnose::detail {
namespace {

std::string parentPointer(size_t i) { return fmt::format("/spec/parentRefs/{}", i); }

std::string listenersText(const std::vector<ListenerView>& ls) {
  std::vector<std::string> out;
  for (const auto& l : ls) out.push_back(l.describe());
  return out.empty() ? "none" : fmt::format("{}", fmt::join(out, "; "));
}

}  // namespace

std::string parentField(size_t i) { return fmt::format("spec.parentRefs[{}]", i); }

void missingParent(Analysis& a, const RouteView& r, const api::ParentReference& pr, size_t i) {
  const std::string ns = pr.namespace_.value_or(r.meta->namespace_);
  Finding& f = a.add("PD-ROUTE-PARENT-NOT-FOUND", r.ref(), parentField(i));
  f.symptom = requestsFor(r) + " get 404: the route is attached nowhere";
  f.cause = fmt::format("parentRefs[{}] names {} {}/{}, which does not exist.", i, pr.kind, ns, pr.name);
  for (const auto& d : a.input.diagnostics) {
    if (d.severity == api::Severity::Error && d.kind == pr.kind && d.namespace_ == ns && d.name == pr.name) {
      f.cause = fmt::format(
          "parentRefs[{}] names {} {}/{}, which the input holds but validation rejected ({}: {}); "
          "the API server would refuse it, so it does not exist in the cluster.",
          i, pr.kind, ns, pr.name, d.field, d.message);
      f.related.push_back({pr.kind, ns, pr.name});
      f.fix.summary =
          fmt::format("Correct {} {}/{} (see its PD-INPUT-INVALID finding).", pr.kind, ns, pr.name);
      return;
    }
  }
  std::vector<std::string> names;
  std::string sameNameNs;
  for (const auto& [key, gw] : a.snap.gateways) {
    if (!a.ourGateway(*gw)) continue;
    names.push_back(gw->meta.name);
    f.evidence.push_back({"object", fmt::format("Gateway {}", key)});
    if (gw->meta.name == pr.name && sameNameNs.empty()) sameNameNs = gw->meta.namespace_;
  }
  if (pr.kind != "Gateway") return;
  if (!pr.namespace_ && !sameNameNs.empty()) {
    f.cause += fmt::format(
        " parentRefs[{}].namespace is unset, which means the route's own namespace {}; Gateway {} "
        "is in namespace {}.",
        i, r.meta->namespace_, pr.name, sameNameNs);
    f.fix.summary = fmt::format("Name the Gateway's namespace in the parentRef:");
    f.fix.target = r.ref();
    f.fix.patch.push_back(patchOp("add", parentPointer(i) + "/namespace", jsonString(sameNameNs)));
    return;
  }
  std::string near = closest(pr.name, names);
  if (near.empty() && names.size() == 1) near = names[0];  // the only Gateway Portico serves
  if (!near.empty()) {
    for (const auto& [key, gw] : a.snap.gateways) {
      if (gw->meta.name != near || !a.ourGateway(*gw)) continue;
      f.fix.summary = fmt::format("Did you mean Gateway {}/{}{}?", gw->meta.namespace_, near,
                                  names.size() == 1 ? " (the only Gateway Portico serves)" : "");
      f.fix.target = r.ref();
      f.fix.patch.push_back(patchOp("replace", parentPointer(i) + "/name", jsonString(near)));
      if (gw->meta.namespace_ != r.meta->namespace_) {
        f.fix.patch.push_back(
            patchOp("add", parentPointer(i) + "/namespace", jsonString(gw->meta.namespace_)));
      }
      return;
    }
  }
  f.fix.summary = "Create the Gateway, or point parentRefs at an existing one.";
}

// NoMatchingParent: sectionName or port selects no listener.
void noMatchingParent(Analysis& a, const RouteView& r, const api::ParentReference& pr, size_t i,
                      const api::Condition& c) {
  const auto all = parentListeners(a, r, pr);
  const bool byName = pr.sectionName && std::none_of(all.begin(), all.end(), [&](const ListenerView& l) {
                        return l.spec->name == *pr.sectionName;
                      });
  const bool byPort = !byName && pr.port;
  const bool mismatch = !byName && !byPort && pr.sectionName;
  if (!byName && !byPort && !mismatch) {  // e.g. a ListenerSet parent that is not accepted
    Finding& f = a.add("PD-ROUTE-PARENT-PENDING", r.ref(), parentField(i));
    f.symptom = requestsFor(r) + " get 404 through this parent";
    f.cause = c.message;
    f.evidence.push_back(conditionEvidence(parentDisplay(r, pr), c));
    f.fix.summary = "Fix the parent first (see its findings).";
    return;
  }
  Finding& f = a.add(byName || mismatch ? "PD-ROUTE-SECTION-NOT-FOUND" : "PD-ROUTE-PORT-NOT-FOUND", r.ref(),
                     parentField(i) + (byName || mismatch ? ".sectionName" : ".port"));
  f.symptom = requestsFor(r) + " get 404: the route is not attached to " + parentDisplay(r, pr);
  f.cause = c.message + (mismatch ? " (sectionName and port name different listeners)" : "");
  f.evidence.push_back(conditionEvidence(parentDisplay(r, pr), c));
  f.evidence.push_back({"object", "listeners of the parent: " + listenersText(all)});
  // The listener the route most likely meant: one that would accept it,
  // closest in name to sectionName, else the first accepting one.
  std::vector<std::string> names;
  const ListenerView* pick = nullptr;
  for (const auto& l : all) {
    if (refusal(a, l, r) != Refusal::None) continue;
    names.push_back(l.spec->name);
    if (!pick) pick = &l;
  }
  if (pr.sectionName) {
    const std::string near = closest(*pr.sectionName, names);
    for (const auto& l : all) {
      if (!near.empty() && l.spec->name == near) pick = &l;
    }
  }
  if (!pick) {
    f.fix.summary = "No listener of the parent would accept this route; add one, or remove sectionName/port.";
    return;
  }
  f.fix.summary = fmt::format("Attach to {}, which accepts this route:", pick->describe());
  f.fix.target = r.ref();
  if (pr.sectionName)
    f.fix.patch.push_back(
        patchOp("replace", parentPointer(i) + "/sectionName", jsonString(pick->spec->name)));
  if (pr.port)
    f.fix.patch.push_back(patchOp("replace", parentPointer(i) + "/port", jsonInt(pick->spec->port)));
}

void notAllowed(Analysis& a, const RouteView& r, const api::ParentReference& pr, size_t i,
                const api::Condition& c) {
  std::vector<ListenerView> byKind, byNamespace;
  for (const auto& l : selectedListeners(a, r, pr)) {
    const Refusal why = refusal(a, l, r);
    if (why == Refusal::Kind) byKind.push_back(l);
    if (why == Refusal::Namespace) byNamespace.push_back(l);
  }
  if (!byNamespace.empty()) {
    Finding& f = a.add("PD-ROUTE-NAMESPACE-NOT-ALLOWED", r.ref(), parentField(i));
    f.related.push_back(byNamespace[0].owner());
    f.symptom = requestsFor(r) + " get 404: " + parentDisplay(r, pr) + " refuses routes from namespace " +
                r.meta->namespace_;
    f.cause = fmt::format(
        "The listener's allowedRoutes does not admit namespace {} (route-to-Gateway attachment "
        "across namespaces is controlled only by allowedRoutes, spec §12.4).",
        r.meta->namespace_);
    f.evidence.push_back(conditionEvidence(parentDisplay(r, pr), c));
    for (const auto& l : byNamespace) f.evidence.push_back({"object", namespaceRefusal(a, l, r)});
    f.fix = namespaceFix(a, byNamespace[0], r);
  }
  if (!byKind.empty()) {
    Finding& f = a.add("PD-ROUTE-KIND-NOT-ALLOWED", r.ref(), parentField(i));
    f.related.push_back(byKind[0].owner());
    f.symptom = requestsFor(r) + " are not served through " + parentDisplay(r, pr);
    f.cause = fmt::format("{} cannot attach: the listener accepts only other route kinds.", r.kindName);
    f.evidence.push_back(conditionEvidence(parentDisplay(r, pr), c));
    for (const auto& l : byKind) {
      std::vector<std::string> kinds;
      for (const auto& k : l.status->supportedKinds) kinds.push_back(k.kind);
      f.evidence.push_back(
          {"object", fmt::format("{} supportedKinds: {}", l.describe(),
                                 kinds.empty() ? "none" : fmt::format("{}", fmt::join(kinds, ", ")))});
    }
    const auto& ar = byKind[0].spec->allowedRoutes;
    if (ar.kindsSet && !ar.kinds.empty()) {
      f.fix.summary = fmt::format(
          "Add {} to allowedRoutes.kinds of listener \"{}\" (if its protocol carries it):", r.kindName,
          byKind[0].spec->name);
      f.fix.target = byKind[0].owner();
      f.fix.patch.push_back(patchOp(
          "add", fmt::format("/spec/listeners/{}/allowedRoutes/kinds/-", byKind[0].index),
          fmt::format(R"({{"group": "gateway.networking.k8s.io", "kind": {}}})", jsonString(r.kindName))));
    } else {
      f.fix.summary = fmt::format(
          "Attach the {} to a listener of a protocol that carries it (HTTPRoute and "
          "GRPCRoute: HTTP/HTTPS; TLSRoute: TLS; TCPRoute: TCP; UDPRoute: UDP).",
          r.kindName);
    }
  }
}

void hostnameMismatch(Analysis& a, const RouteView& r, const api::ParentReference& pr,
                      const api::Condition& c) {
  if (!r.hostnames) return;
  Finding& f = a.add("PD-ROUTE-HOSTNAME-MISMATCH", r.ref(), "spec.hostnames");
  f.subject = parentDisplay(r, pr);
  f.symptom = requestsFor(r) + " get 404: no listener of " + parentDisplay(r, pr) + " serves those hostnames";
  f.cause =
      "A route attaches to a listener only under the hostnames both allow (spec §12.1); these two sets "
      "have nothing in common.";
  f.evidence.push_back(conditionEvidence(parentDisplay(r, pr), c));
  f.evidence.push_back({"object", "route hostnames: " + hostList(*r.hostnames)});
  std::string listenerHost;
  for (const auto& l : selectedListeners(a, r, pr)) {
    f.evidence.push_back(
        {"object", fmt::format("{} hostname: {}", l.describe(), l.spec->hostname.value_or("any"))});
    if (listenerHost.empty() && l.spec->hostname && refusal(a, l, r) == Refusal::Hostname)
      listenerHost = *l.spec->hostname;
  }
  if (listenerHost.empty()) return;
  size_t idx = 0;
  const std::string host = hostnameFor(listenerHost, *r.hostnames, idx);
  f.fix.summary = fmt::format("Serve {} (inside the listener's {}), or change the listener's hostname:", host,
                              listenerHost);
  f.fix.target = r.ref();
  f.fix.patch.push_back(patchOp("replace", fmt::format("/spec/hostnames/{}", idx), jsonString(host)));
}

}  // namespace portico::diagnose::detail
