// Route attachment, one finding per cause and parentRef (spec §11
// "Routes", §12.4): the parent does not exist or is not ours, sectionName
// or port selects nothing, allowedRoutes refuses the namespace or kind, no
// hostname in common, invalid rules; and routes attached to some parents
// only.
#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "diagnose/attach_fix.h"
#include "diagnose/text.h"
#include "translate/conditions.h"

namespace portico::diagnose::detail {
namespace {

namespace cond = translate::cond;

// "Dropped Rule(s): ... first: spec.rules[1].matches[0]...: why" -> spec.rules[1]
std::string droppedRuleField(const std::string& message) {
  static const std::regex re(R"(spec\.rules\[\d+\])");
  std::smatch m;
  return std::regex_search(message, m, re) ? m.str() : std::string("spec.rules");
}

void accepted(Analysis& a, const RouteView& r, const api::ParentReference& pr, size_t i,
              const status::RouteParentStatus& ps, bool& attached) {
  const auto* c = status::findCondition(ps.conditions, cond::kAccepted);
  if (!c) return;
  if (c->status == "True") {
    attached = true;
    bool serving = false;
    std::vector<std::string> idle;
    for (const auto& l : selectedListeners(a, r, pr)) {
      if (refusal(a, l, r) != Refusal::None) continue;
      const auto* p = status::findCondition(l.status->conditions, cond::kProgrammed);
      if (p && p->status == "True")
        serving = true;
      else
        idle.push_back(l.describe());
    }
    if (!serving && !idle.empty()) {
      Finding& f = a.add("PD-ROUTE-LISTENER-NOT-SERVING", r.ref(), parentField(i));
      f.symptom = requestsFor(r) + " fail: the listeners the route attached to do not serve";
      f.cause = "The route is Accepted, but every listener it attached to is not Programmed.";
      f.evidence.push_back(conditionEvidence(parentDisplay(r, pr), *c));
      for (const auto& l : idle) f.evidence.push_back({"object", l + " is not Programmed"});
      f.fix.summary = "Fix the listener (see its findings).";
    }
  } else if (c->status == "Unknown") {
    Finding& f = a.add("PD-ROUTE-PARENT-PENDING", r.ref(), parentField(i));
    f.symptom = requestsFor(r) + " get no answer through " + parentDisplay(r, pr);
    f.cause = c->message;
    f.evidence.push_back(conditionEvidence(parentDisplay(r, pr), *c));
    f.fix.summary = "Nothing to change on the route: fix the Gateway (see its findings).";
  } else if (c->reason == cond::kNoMatchingParent) {
    noMatchingParent(a, r, pr, i, *c);
  } else if (c->reason == cond::kNotAllowedByListeners) {
    notAllowed(a, r, pr, i, *c);
  } else if (c->reason == cond::kNoMatchingListenerHostname) {
    hostnameMismatch(a, r, pr, *c);
  } else {
    Finding& f = a.add("PD-ROUTE-RULES-INVALID", r.ref(), droppedRuleField(c->message));
    f.symptom = requestsFor(r) + " get 404: no rule of the route is served";
    f.cause = c->message;
    f.evidence.push_back(conditionEvidence(parentDisplay(r, pr), *c));
    f.fix.summary = "Correct the field named in the message.";
  }
  if (const auto* p = status::findCondition(ps.conditions, cond::kPartiallyInvalid);
      p && p->status == "True") {
    const std::string field = droppedRuleField(p->message);
    Finding& f = a.add("PD-ROUTE-RULE-DROPPED", r.ref(), field);
    f.symptom = "requests meant for " + field + " get 404 or reach another rule";
    f.cause = p->message;
    f.evidence.push_back(conditionEvidence(parentDisplay(r, pr), *p));
    f.fix.summary = "Correct the field named in the message; the other rules keep serving meanwhile.";
  }
}

void checkRoute(Analysis& a, const RouteView& r) {
  const auto& refs = r.common->parentRefs;
  if (refs.empty() && r.common->useDefaultGateways.value_or("None") == "None") {
    Finding& f = a.add("PD-ROUTE-NO-PARENTS", r.ref(), "spec.parentRefs");
    f.symptom = requestsFor(r) + " get 404: the route is attached nowhere";
    f.cause = "spec.parentRefs is empty, so no Gateway picks the route up.";
    f.fix.summary = "Add a parentRef naming the Gateway (and namespace, when it is another one).";
    return;
  }
  // A route whose parents are all another controller's Gateways is not
  // Portico's to judge (a cluster dump holds every controller's objects).
  const bool mine = std::any_of(refs.begin(), refs.end(), [&](const api::ParentReference& pr) {
    if (pr.group != api::kGatewayGroup || pr.kind != "Gateway") return true;
    const api::Gateway* gw = a.snap.gateways.find(pr.namespace_.value_or(r.meta->namespace_), pr.name);
    return !gw || a.ourGateway(*gw);
  });
  if (!mine && r.common->useDefaultGateways.value_or("None") == "None") return;
  std::vector<std::string> ok, notOk;
  for (size_t i = 0; i < refs.size(); ++i) {
    const auto& pr = refs[i];
    if (pr.group != api::kGatewayGroup || (pr.kind != "Gateway" && pr.kind != "ListenerSet")) continue;
    const std::string ns = pr.namespace_.value_or(r.meta->namespace_);
    const api::Gateway* gw = nullptr;
    if (pr.kind == "Gateway") {
      gw = a.snap.gateways.find(ns, pr.name);
    } else if (const api::ListenerSet* ls = a.snap.listenerSets.find(ns, pr.name)) {
      gw = a.snap.gateways.find(ls->parentRef.namespace_.value_or(ns), ls->parentRef.name);
    }
    if (!gw && (pr.kind == "Gateway" || !a.snap.listenerSets.find(ns, pr.name))) {
      missingParent(a, r, pr, i);
      notOk.push_back(parentDisplay(r, pr));
      continue;
    }
    if (!gw || !a.ourGateway(*gw)) {
      Finding& f = a.add("PD-ROUTE-PARENT-NOT-OURS", r.ref(), parentField(i));
      if (gw) f.related.push_back({"Gateway", gw->meta.namespace_, gw->meta.name});
      f.symptom = "Portico does not serve " + requestsFor(r) + " through " + parentDisplay(r, pr);
      f.cause = gw ? fmt::format("Gateway {}/{} uses GatewayClass {}, which is not Portico's.",
                                 gw->meta.namespace_, gw->meta.name, gw->gatewayClassName)
                   : "The ListenerSet's Gateway does not exist.";
      f.fix.summary =
          "Nothing to change on the route if another controller serves that Gateway; otherwise see "
          "the Gateway's findings.";
      continue;
    }
    const auto* ps = parentStatus(r, pr);
    if (!ps) continue;
    bool attached = false;
    accepted(a, r, pr, i, *ps, attached);
    (attached ? ok : notOk).push_back(parentDisplay(r, pr));
  }
  if (!ok.empty() && !notOk.empty()) {
    Finding& f = a.add("PD-ROUTE-PARTIALLY-ATTACHED", r.ref(), "spec.parentRefs");
    f.symptom = fmt::format("{} work through {} but not through {}", requestsFor(r), fmt::join(ok, ", "),
                            fmt::join(notOk, ", "));
    f.cause = "Each parentRef is judged on its own (spec §11 Routes); some are not attached.";
    f.evidence.push_back({"object", fmt::format("attached: {}", fmt::join(ok, "; "))});
    f.evidence.push_back({"object", fmt::format("not attached: {}", fmt::join(notOk, "; "))});
    f.fix.summary = "See the findings on the parentRefs that are not attached.";
  }
}

}  // namespace

void checkAttachment(Analysis& a) {
  for (const auto& r : a.routes()) checkRoute(a, r);
}

}  // namespace portico::diagnose::detail
