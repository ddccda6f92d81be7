// BackendTLSPolicy (spec §9, §11 "BackendTLSPolicy ancestors"): a policy
// that is not accepted or whose CA cannot be used still applies, as a
// failing TLS configuration, so its backends answer 5xx instead of falling
// back to plaintext.
#include <fmt/format.h>

#include "diagnose/analysis.h"
#include "diagnose/text.h"
#include "translate/conditions.h"

namespace portico::diagnose::detail {
namespace {

namespace cond = translate::cond;

std::string targets(const api::BackendTLSPolicy& p) {
  std::vector<std::string> out;
  for (const auto& t : p.targetRefs) out.push_back(p.meta.namespace_ + "/" + t.name);
  return fmt::format("{}", fmt::join(out, ", "));
}

}  // namespace

void checkPolicies(Analysis& a) {
  for (const auto& [key, p] : a.snap.backendTLSPolicies) {
    const ObjectRef ref{"BackendTLSPolicy", p->meta.namespace_, p->meta.name};
    const auto* st = a.policyStatus(api::Kind::BackendTLSPolicy, p->meta.namespace_, p->meta.name);
    bool anyTarget = false;
    for (const auto& t : p->targetRefs)
      anyTarget = anyTarget || a.snap.services.find(p->meta.namespace_, t.name);
    if (!anyTarget) {
      Finding& f = a.add("PD-POLICY-TARGET-NOT-FOUND", ref, "spec.targetRefs");
      f.symptom = "the policy has no effect: traffic to the intended Service is not verified";
      f.cause = fmt::format("No targetRef names an existing Service in namespace {} (targets: {}).",
                            p->meta.namespace_, targets(*p));
      f.fix.summary = "Name the Service (same namespace as the policy) in targetRefs.";
      continue;
    }
    if (!st) continue;
    for (const auto& anc : st->ancestors) {
      const std::string where = fmt::format("{} ancestor Gateway {}/{}", ref.display(),
                                            anc.ancestorRef.namespace_.value_or(""), anc.ancestorRef.name);
      if (const auto* c = status::findCondition(anc.conditions, cond::kAccepted); c && c->status == "False") {
        Finding& f = a.add("PD-POLICY-NOT-ACCEPTED", ref);
        f.symptom = fmt::format(
            "requests to {} fail with 5xx: Portico will not connect without the verification "
            "the policy asks for",
            targets(*p));
        f.cause = c->message;
        f.evidence.push_back(conditionEvidence(where, *c));
        f.fix.summary =
            c->reason == cond::kConflictedReason
                ? "Merge the policies or give each a distinct targetRefs[].sectionName."
                : "Point caCertificateRefs at a ConfigMap holding a PEM bundle under ca.crt, or use "
                  "wellKnownCACertificates: System.";
      }
      if (const auto* c = status::findCondition(anc.conditions, cond::kResolvedRefs);
          c && c->status == "False") {
        Finding& f = a.add("PD-POLICY-CA-INVALID", ref, "spec.validation.caCertificateRefs");
        f.symptom = fmt::format("TLS connections to {} may fail verification (5xx)", targets(*p));
        f.cause = c->message;
        f.evidence.push_back(conditionEvidence(where, *c));
        f.fix.summary = "Create the ConfigMap with the CA bundle under key ca.crt:";
        f.fix.commands.push_back(
            fmt::format("kubectl create configmap NAME -n {} --from-file=ca.crt=ca.pem", p->meta.namespace_));
      }
    }
  }
}

}  // namespace portico::diagnose::detail
