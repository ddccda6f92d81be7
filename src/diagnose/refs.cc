// ResolvedRefs=False on routes, attributed to each backendRef (spec §11
// "Routes", §12.7, §12.14). The route condition only carries the first
// problem; every backendRef is put through the translator's own
// resolveBackend() so each gets its finding, with the same verdict.
#include <fmt/format.h>

#include <algorithm>

#include "diagnose/analysis.h"
#include "diagnose/grants.h"
#include "diagnose/text.h"
#include "translate/conditions.h"

namespace portico::diagnose::detail {
namespace {

namespace cond = translate::cond;

struct RefSite {
  const RouteView* route = nullptr;
  size_t rule = 0;
  std::string field;    // spec.rules[0].backendRefs[1]
  std::string pointer;  // /spec/rules/0/backendRefs/1 (JSON Pointer of the reference)
  const api::BackendObjectReference* ref = nullptr;
  bool mirror = false;
  uint64_t weight = 0, total = 0;
};

std::string symptom(const RefSite& s) {
  const std::string req = requestsFor(*s.route, s.rule);
  if (s.mirror) return "mirrored copies of " + req + " are not sent";
  if (s.route->l4)
    return fmt::format("{:.0f}% of {} are refused", s.total ? 100.0 * s.weight / s.total : 100.0, req);
  if (s.total == 0 || s.weight == 0) return "no traffic today (weight 0); 500 once the weight is raised";
  return fmt::format("{:.0f}% of {} get 500", 100.0 * s.weight / s.total, req);
}

void parentEvidence(const RouteView& r, Finding& f) {
  if (!r.status) return;
  for (const auto& p : r.status->parents) {
    const auto* c = status::findCondition(p.conditions, cond::kResolvedRefs);
    if (c && c->status == "False") {
      f.evidence.push_back(
          conditionEvidence(fmt::format("{} parent {}/{}", r.ref().display(),
                                        p.parentRef.namespace_.value_or(""), p.parentRef.name),
                            *c));
      return;
    }
  }
}

std::vector<std::string> serviceNames(const Analysis& a, const std::string& ns) {
  std::vector<std::string> out;
  for (const auto& [key, s] : a.snap.services) {
    if (s->meta.namespace_ == ns) out.push_back(s->meta.name);
  }
  return out;
}

void notFound(Analysis& a, const RefSite& s, Finding& f, const std::string& ns) {
  const api::Service* svc = a.snap.services.find(ns, s.ref->name);
  if (!svc) {
    f.code = "PD-REF-SERVICE-NOT-FOUND";
    auto names = serviceNames(a, ns);
    f.evidence.push_back({"object", names.empty()
                                        ? fmt::format("no Service in namespace {}", ns)
                                        : fmt::format("Services in {}: {}", ns, fmt::join(names, ", "))});
    if (auto near = closest(s.ref->name, names); !near.empty()) {
      f.fix.summary = fmt::format("Did you mean Service {}? Reference it:", near);
      f.fix.target = s.route->ref();
      f.fix.patch.push_back(patchOp("replace", s.pointer + "/name", jsonString(near)));
    } else {
      f.fix.summary = fmt::format("Create Service {}/{} (with a port {}), or reference an existing one.", ns,
                                  s.ref->name, s.ref->port.value_or(0));
    }
    return;
  }
  if (svc->type == "ExternalName") {
    f.code = "PD-REF-SERVICE-EXTERNALNAME";
    f.fix.summary =
        "Use a Service with a selector (or hand-written EndpointSlices) for the external address: "
        "Portico does not follow ExternalName (a route could otherwise reach any host).";
    return;
  }
  f.code = "PD-REF-PORT-NOT-FOUND";
  std::vector<std::string> ports;
  const api::ServicePort* pick = svc->ports.size() == 1 ? &svc->ports[0] : nullptr;
  for (const auto& p : svc->ports) {
    ports.push_back(
        fmt::format("{} (targetPort {}{})", p.port, p.targetPort, p.name ? ", name " + *p.name : ""));
    if (s.ref->port && p.targetPort == std::to_string(*s.ref->port)) pick = &p;
  }
  f.evidence.push_back(
      {"object", fmt::format("Service {}/{} ports: {}", ns, s.ref->name, fmt::join(ports, "; "))});
  if (pick && s.ref->port && pick->targetPort == std::to_string(*s.ref->port)) {
    f.cause += fmt::format(" {} is the targetPort (the Pod's port); a backendRef names the Service port, {}.",
                           *s.ref->port, pick->port);
  }
  if (pick) {
    f.fix.summary = fmt::format("Reference the Service port {}:", pick->port);
    f.fix.target = s.route->ref();
    f.fix.patch.push_back(patchOp("replace", s.pointer + "/port", jsonInt(pick->port)));
  } else {
    f.fix.summary = "Set port to one of the Service's ports.";
  }
}

void check(Analysis& a, const RefSite& s) {
  const RouteView& r = *s.route;
  const auto res = a.resolveBackend(r.kindName, r.meta->namespace_, *s.ref, s.field);
  if (res.reason.empty()) return;
  const std::string ns = s.ref->namespace_.value_or(r.meta->namespace_);
  Finding& f = a.add("PD-REF-SERVICE-NOT-FOUND", r.ref(), s.field);
  f.symptom = symptom(s);
  f.cause = res.message;
  f.related.push_back({s.ref->kind, ns, s.ref->name});
  parentEvidence(r, f);
  // The route condition carries only the first problem of the route.
  if (f.evidence.empty() || f.evidence.back().text.find(res.message) == std::string::npos) {
    f.evidence.push_back({"reference", res.message});
  }
  if (res.reason == cond::kRefNotPermitted) {
    GrantVerdict g =
        explainMissingGrant(a.snap, {r.kindName, r.meta->namespace_, "Service", ns, s.ref->name});
    f.code = g.code;
    f.cause = g.cause;
    f.evidence.insert(f.evidence.end(), g.evidence.begin(), g.evidence.end());
    f.related.insert(f.related.end(), g.related.begin(), g.related.end());
    f.fix = g.fix;
  } else if (res.reason == cond::kInvalidKind) {
    f.code = "PD-REF-KIND-UNSUPPORTED";
    if (a.snap.services.find(ns, s.ref->name)) {
      f.fix.summary = fmt::format("Service {}/{} exists: reference it as a core Service.", ns, s.ref->name);
      f.fix.target = r.ref();
      f.fix.patch.push_back(patchOp("add", s.pointer + "/group", jsonString("")));
      f.fix.patch.push_back(patchOp("add", s.pointer + "/kind", jsonString("Service")));
    } else {
      f.fix.summary =
          "Reference a core Service (group \"\", kind Service): the only backend kind Portico serves.";
    }
  } else if (res.reason == cond::kBackendNotFound) {
    notFound(a, s, f, ns);
  } else {
    f.code = "PD-REF-PROTOCOL-UNSUPPORTED";
    f.fix.summary = r.grpc
                        ? "Declare the Service port's appProtocol as kubernetes.io/h2c (gRPC needs HTTP/2)."
                        : "Use a Service port whose protocol and appProtocol the route kind can carry.";
  }
  // Keep the severity of the final code.
  if (const CodeInfo* info = findCode(f.code)) f.severity = info->severity;
}

void mirrors(Analysis& a, const RouteView& r, size_t rule, const std::vector<api::HTTPRouteFilter>& filters,
             const std::string& field, const std::string& pointer) {
  for (size_t k = 0; k < filters.size(); ++k) {
    const auto& flt = filters[k];
    if (flt.type == "RequestMirror" && flt.requestMirror) {
      RefSite s{&r,
                rule,
                fmt::format("{}[{}].requestMirror.backendRef", field, k),
                fmt::format("{}/{}/requestMirror/backendRef", pointer, k),
                &flt.requestMirror->backendRef,
                true};
      check(a, s);
    } else if (flt.type == "ExtensionRef" && flt.extensionRef) {
      Finding& f = a.add("PD-REF-EXTENSION-UNSUPPORTED", r.ref(), fmt::format("{}[{}]", field, k));
      f.symptom = "every one of the " + requestsFor(r, rule) + " gets 500";
      f.cause = fmt::format(
          "ExtensionRef {}/{} {} is not an extension Portico knows; an unresolvable filter must "
          "not be skipped, so the rule answers 500 (HTTPRoute filter docs).",
          flt.extensionRef->group, flt.extensionRef->kind, flt.extensionRef->name);
      parentEvidence(r, f);
      f.fix.summary = "Remove the filter (Portico has no extension filters).";
      f.fix.target = r.ref();
      f.fix.patch.push_back(patchOp("remove", fmt::format("{}/{}", pointer, k)));
    }
  }
}

void backendRefs(Analysis& a, const RouteView& r, size_t rule, const std::vector<api::HTTPBackendRef>& refs) {
  uint64_t total = 0;
  for (const auto& b : refs) total += static_cast<uint64_t>(b.weight);
  for (size_t j = 0; j < refs.size(); ++j) {
    const std::string field = fmt::format("spec.rules[{}].backendRefs[{}]", rule, j);
    const std::string pointer = fmt::format("/spec/rules/{}/backendRefs/{}", rule, j);
    RefSite s{&r, rule, field, pointer, &refs[j].ref, false, static_cast<uint64_t>(refs[j].weight), total};
    check(a, s);
    mirrors(a, r, rule, refs[j].filters, field + ".filters", pointer + "/filters");
  }
}

// Routes whose parents are all someone else's Gateways are not ours to judge.
bool ours(const Analysis& a, const RouteView& r) {
  if (r.common->useDefaultGateways.value_or("None") != "None") return true;
  for (const auto& p : r.common->parentRefs) {
    if (p.group != api::kGatewayGroup || p.kind != "Gateway") return true;
    const api::Gateway* gw = a.snap.gateways.find(p.namespace_.value_or(r.meta->namespace_), p.name);
    if (!gw || a.ourGateway(*gw)) return true;
  }
  return r.common->parentRefs.empty();
}

}  // namespace

void checkReferences(Analysis& a) {
  for (const auto& r : a.routes()) {
    if (!ours(a, r)) continue;
    if (r.http) {
      for (size_t i = 0; i < r.http->rules.size(); ++i) {
        const auto& rule = r.http->rules[i];
        backendRefs(a, r, i, rule.backendRefs);
        mirrors(a, r, i, rule.filters, fmt::format("spec.rules[{}].filters", i),
                fmt::format("/spec/rules/{}/filters", i));
      }
    } else if (r.grpc) {
      for (size_t i = 0; i < r.grpc->rules.size(); ++i) {
        const auto& rule = r.grpc->rules[i];
        backendRefs(a, r, i, rule.backendRefs);
        mirrors(a, r, i, rule.filters, fmt::format("spec.rules[{}].filters", i),
                fmt::format("/spec/rules/{}/filters", i));
      }
    } else if (r.l4) {
      for (size_t i = 0; i < r.l4->rules.size(); ++i) backendRefs(a, r, i, r.l4->rules[i].backendRefs);
    }
  }
}

}  // namespace portico::diagnose::detail
