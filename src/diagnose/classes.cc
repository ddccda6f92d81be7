// The top of every chain: the GatewayClass a Gateway names, and the
// Gateway-level conditions (spec §2, §3, §11 "GatewayClass", "Gateway").
#include <fmt/format.h>

#include <algorithm>

#include "diagnose/analysis.h"
#include "diagnose/text.h"
#include "translate/conditions.h"

namespace portico::diagnose::detail {
namespace {

namespace cond = translate::cond;

ObjectRef gatewayRef(const api::Gateway& gw) { return {"Gateway", gw.meta.namespace_, gw.meta.name}; }

// Classes this Portico would accept, for "use this one instead".
std::vector<std::string> acceptedClasses(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& [key, gc] : a.snap.gatewayClasses) {
    const auto* st = a.classStatus(gc->meta.name);
    const auto* acc = st ? status::findCondition(st->conditions, cond::kAccepted) : nullptr;
    if (gc->controllerName == a.controllerName() && acc && acc->status == "True")
      out.push_back(gc->meta.name);
  }
  return out;
}

std::string classYaml(std::string_view name, std::string_view controller) {
  return fmt::format(
      "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: {}\nspec:\n"
      "  controllerName: {}\n",
      name, controller);
}

void useClass(Finding& f, const api::Gateway& gw, const std::vector<std::string>& ours,
              std::string_view lead) {
  if (ours.empty()) return;
  const std::string pick =
      closest(gw.gatewayClassName, ours).empty() ? ours[0] : closest(gw.gatewayClassName, ours);
  f.fix.summary = fmt::format("{}Point the Gateway at GatewayClass {}, which Portico accepts.", lead, pick);
  f.fix.target = gatewayRef(gw);
  f.fix.patch.push_back(patchOp("replace", "/spec/gatewayClassName", jsonString(pick)));
}

void gatewayClassOf(Analysis& a, const api::Gateway& gw) {
  const api::GatewayClass* gc = a.snap.gatewayClasses.find("", gw.gatewayClassName);
  const auto ours = acceptedClasses(a);
  if (!gc) {
    Finding& f = a.add("PD-CLASS-NOT-FOUND", gatewayRef(gw), "spec.gatewayClassName");
    f.symptom = "no listener of this Gateway opens: every request and route attachment to it fails";
    f.cause = fmt::format(
        "GatewayClass {} does not exist, so no controller owns the Gateway and its status "
        "stays Pending.",
        gw.gatewayClassName);
    std::vector<std::string> names;
    for (const auto& [key, c] : a.snap.gatewayClasses) {
      names.push_back(c->meta.name);
      f.evidence.push_back(
          {"object", fmt::format("GatewayClass {} (controllerName {})", c->meta.name, c->controllerName)});
    }
    if (names.empty()) f.evidence.push_back({"object", "the input holds no GatewayClass"});
    useClass(f, gw, ours, "");
    if (f.fix.empty()) {
      f.fix.summary = fmt::format("Create GatewayClass {} for Portico:", gw.gatewayClassName);
      f.fix.yaml = classYaml(gw.gatewayClassName, a.controllerName());
    }
    return;
  }
  if (gc->controllerName != a.controllerName()) {
    Finding& f = a.add("PD-CLASS-NOT-OURS", gatewayRef(gw), "spec.gatewayClassName");
    f.related.push_back({"GatewayClass", "", gc->meta.name});
    f.symptom =
        "Portico does not serve this Gateway: its listeners, routes and status are left to another "
        "controller";
    f.cause = fmt::format("GatewayClass {} has controllerName {}; Portico acts for {}.", gc->meta.name,
                          gc->controllerName, a.controllerName());
    f.evidence.push_back({"object", fmt::format("GatewayClass {}: spec.controllerName: {}", gc->meta.name,
                                                gc->controllerName)});
    useClass(f, gw, ours, "If Portico should serve it: ");
    if (f.fix.empty()) {
      f.fix.summary = fmt::format(
          "If Portico should serve it: controllerName is immutable, so delete GatewayClass {} and create it "
          "again with Portico's controller (or run Portico with --controller-name {}).",
          gc->meta.name, gc->controllerName);
      f.fix.yaml = classYaml(gc->meta.name, a.controllerName());
      f.fix.commands.push_back(fmt::format("kubectl delete gatewayclass {}", gc->meta.name));
    }
  }
}

void classConditions(Analysis& a, const api::GatewayClass& gc) {
  const auto* st = a.classStatus(gc.meta.name);
  if (!st || gc.controllerName != a.controllerName()) return;
  const ObjectRef ref{"GatewayClass", "", gc.meta.name};
  std::vector<std::string> users;
  for (const auto& [key, gw] : a.snap.gateways) {
    if (gw->gatewayClassName == gc.meta.name) users.push_back(key);
  }
  if (const auto* c = status::findCondition(st->conditions, cond::kAccepted); c && c->status == "False") {
    Finding& f = a.add("PD-CLASS-NOT-ACCEPTED", ref);
    f.symptom = users.empty() ? "Gateways of this class will not be served"
                              : fmt::format("Gateways {} are not served: none of their listeners opens",
                                            fmt::join(users, ", "));
    f.cause = c->message;
    f.evidence.push_back(conditionEvidence(ref.display(), *c));
    if (c->reason == cond::kInvalidParameters) {
      f.field = "spec.parametersRef";
      f.fix.summary =
          "Remove spec.parametersRef (Portico reads only a core ConfigMap there), or create what it names.";
      f.fix.target = ref;
      f.fix.patch.push_back(patchOp("remove", "/spec/parametersRef"));
    } else if (c->reason == cond::kUnsupported) {
      f.fix.summary = fmt::format(
          "Run Portico with --gateway-class {} (or point the Gateways at a class it serves).", gc.meta.name);
    } else {
      f.fix.summary =
          "Install Gateway API CRDs of bundle version v1.0 to v1.6 (see the SupportedVersion condition).";
    }
  }
  if (const auto* c = status::findCondition(st->conditions, cond::kSupportedVersion);
      c && c->status == "False") {
    Finding& f = a.add("PD-CLASS-CRD-VERSION", ref);
    f.symptom = "fields of newer Gateway API releases may be pruned or rejected by the cluster";
    f.cause = c->message;
    f.evidence.push_back(conditionEvidence(ref.display(), *c));
    f.fix.summary = "Install the Gateway API v1.6.1 CRDs (standard or experimental bundle).";
    f.fix.commands.push_back(
        "kubectl apply --server-side -f "
        "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/"
        "standard-install.yaml");
  }
}

void gatewayConditions(Analysis& a, const api::Gateway& gw) {
  const auto* st = a.gatewayStatus(gw.meta.namespace_, gw.meta.name);
  if (!st || !a.ourGateway(gw)) return;
  const ObjectRef ref = gatewayRef(gw);
  const std::string symptom = "no listener of this Gateway opens: its ports refuse connections";
  if (const auto* c = status::findCondition(st->conditions, cond::kAccepted); c && c->status == "False") {
    Finding* f = nullptr;
    if (c->reason == cond::kInvalidParameters) {
      f = &a.add("PD-GATEWAY-INVALID-PARAMETERS", ref, "spec.infrastructure.parametersRef");
      f->fix.summary =
          "Remove spec.infrastructure.parametersRef: Portico reads no infrastructure parameters.";
      f->fix.target = ref;
      f->fix.patch.push_back(patchOp("remove", "/spec/infrastructure/parametersRef"));
    } else if (c->reason == cond::kUnsupportedAddress) {
      f = &a.add("PD-GATEWAY-ADDRESS-UNSUPPORTED", ref, "spec.addresses");
      f->fix.summary = "Use addresses of type IPAddress (or none: Portico binds its listen address).";
      f->fix.target = ref;
      f->fix.patch.push_back(patchOp("remove", "/spec/addresses"));
    }
    if (f) {
      f->symptom = symptom;
      f->cause = c->message;
      f->evidence.push_back(conditionEvidence(ref.display(), *c));
    }
  }
  if (const auto* c = status::findCondition(st->conditions, cond::kProgrammed); c && c->status == "False") {
    Finding* f = nullptr;
    if (c->reason == cond::kAddressNotAssigned) {
      f = &a.add("PD-GATEWAY-ADDRESS-NOT-ASSIGNED", ref, "spec.addresses");
      f->fix.summary = "Give the address a value, or run Portico with --address-pool CIDR to assign one.";
    } else if (c->reason == cond::kAddressNotUsable) {
      f = &a.add("PD-GATEWAY-ADDRESS-NOT-USABLE", ref, "spec.addresses");
      f->fix.summary = "Use an IP address of this host (or of --address-pool), or remove spec.addresses.";
    } else if (c->reason == cond::kNoResources) {
      f = &a.add("PD-GATEWAY-NOT-PROGRAMMED", ref);
      f->fix.summary = "Free the port or move the listener to another port; see the listener findings.";
    }
    if (f) {
      f->symptom = symptom;
      f->cause = c->message;
      f->evidence.push_back(conditionEvidence(ref.display(), *c));
    }
  }
  if (const auto* c = status::findCondition(st->conditions, cond::kResolvedRefs);
      c && c->status == "False" && c->reason != cond::kListenersNotResolved) {
    Finding& f = a.add("PD-GATEWAY-CLIENT-CERT-INVALID", ref, "spec.tls.backend.clientCertificateRef");
    f.symptom = "backends that require a client certificate refuse Portico's connections (502/503)";
    f.cause = c->message;
    f.evidence.push_back(conditionEvidence(ref.display(), *c));
    f.fix.summary =
        "Point clientCertificateRef at a kubernetes.io/tls Secret (a ReferenceGrant is needed in "
        "its namespace when it is not the Gateway's).";
  }
}

// Runs last among the Gateway checks: a Gateway that does not serve and
// for which no more precise finding was made still gets one.
void gatewayFallback(Analysis& a, const api::Gateway& gw) {
  const auto* st = a.gatewayStatus(gw.meta.namespace_, gw.meta.name);
  if (!st || !a.ourGateway(gw)) return;
  const auto* c = status::findCondition(st->conditions, cond::kProgrammed);
  if (!c || c->status != "False" || c->reason == cond::kPending) return;
  const ObjectRef ref = gatewayRef(gw);
  for (const auto& f : a.findings) {
    if (f.severity == Severity::Error &&
        (f.object == ref || f.related.end() != std::find(f.related.begin(), f.related.end(), ref))) {
      return;
    }
  }
  if (!a.ourClass(gw.gatewayClassName) || a.has({"GatewayClass", "", gw.gatewayClassName})) return;
  Finding& f = a.add("PD-GATEWAY-NOT-PROGRAMMED", ref);
  f.symptom = "no listener of this Gateway serves traffic";
  f.cause = c->message;
  f.evidence.push_back(conditionEvidence(ref.display(), *c));
  f.fix.summary = "See the listener conditions: every listener is invalid or waits for something.";
}

}  // namespace

void checkClasses(Analysis& a) {
  for (const auto& [key, gc] : a.snap.gatewayClasses) classConditions(a, *gc);
  for (const auto& [key, gw] : a.snap.gateways) {
    gatewayClassOf(a, *gw);
    gatewayConditions(a, *gw);
  }
}

// Called by checkListeners() once listener findings exist.
void checkGatewayFallbacks(Analysis& a) {
  for (const auto& [key, gw] : a.snap.gateways) gatewayFallback(a, *gw);
}

}  // namespace portico::diagnose::detail
