#include "diagnose/grants.h"

#include <fmt/format.h>

#include <algorithm>

#include "api/refs.h"
#include "diagnose/text.h"

namespace portico::diagnose::detail {
namespace {

std::string describeGrant(const api::ReferenceGrant& g) {
  std::vector<std::string> from, to;
  for (const auto& f : g.from) {
    from.push_back(fmt::format("{}{} in {}",
                               f.group == api::kGatewayGroup ? "" : "group \"" + f.group + "\" ", f.kind,
                               f.namespace_));
  }
  for (const auto& t : g.to) {
    std::string s = (t.group.empty() ? "" : "group \"" + t.group + "\" ") + t.kind;
    if (t.name && !t.name->empty()) s += " " + *t.name;
    to.push_back(s);
  }
  return fmt::format("ReferenceGrant {}/{}: from [{}] to [{}]", g.meta.namespace_, g.meta.name,
                     fmt::join(from, "; "), fmt::join(to, "; "));
}

bool fromMatches(const api::ReferenceGrantFrom& f, const GrantNeed& n) {
  return f.group == api::kGatewayGroup && f.kind == n.fromKind && f.namespace_ == n.fromNamespace;
}

bool toMatches(const api::ReferenceGrantTo& t, const GrantNeed& n) {
  return t.group.empty() && t.kind == n.toKind && (!t.name || t.name->empty() || *t.name == n.toName);
}

// What differs between a `from` entry and the referrer, e.g.
// "from[0].kind is GRPCRoute, the reference comes from an HTTPRoute".
std::string fromDiff(const api::ReferenceGrant& g, const GrantNeed& n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < g.from.size(); ++i) {
    const auto& f = g.from[i];
    std::vector<std::string> d;
    if (f.kind != n.fromKind) {
      d.push_back(
          fmt::format("from[{}].kind is {}; the reference comes from kind {}", i, f.kind, n.fromKind));
    }
    if (f.namespace_ != n.fromNamespace) {
      d.push_back(fmt::format("from[{}].namespace is {}; the {} is in {}", i, f.namespace_, n.fromKind,
                              n.fromNamespace));
    }
    if (f.group != api::kGatewayGroup) {
      d.push_back(fmt::format("from[{}].group is \"{}\"; it must be {}", i, f.group, api::kGatewayGroup));
    }
    if (d.size() == 1) return d[0];  // one field off: the likely typo
    if (out.empty() && !d.empty()) out = d;
  }
  return fmt::format("{}", fmt::join(out, "; "));
}

std::string toDiff(const api::ReferenceGrant& g, const GrantNeed& n, bool& nameOnly) {
  nameOnly = false;
  for (size_t i = 0; i < g.to.size(); ++i) {
    const auto& t = g.to[i];
    if (t.group.empty() && t.kind == n.toKind && t.name && *t.name != n.toName) {
      nameOnly = true;
      return fmt::format("to[{}].name is {}, which permits only that {}; the reference is to {}", i, *t.name,
                         n.toKind, n.toName);
    }
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < g.to.size(); ++i) {
    const auto& t = g.to[i];
    if (t.kind != n.toKind)
      out.push_back(fmt::format("to[{}].kind is {}; the reference is to kind {}", i, t.kind, n.toKind));
    if (!t.group.empty()) {
      out.push_back(fmt::format("to[{}].group is \"{}\"; core kinds have group \"\" (not \"core\" or \"v1\")",
                                i, t.group));
    }
  }
  return fmt::format("{}", fmt::join(out, "; "));
}

}  // namespace

std::string grantYaml(const GrantNeed& n) {
  return fmt::format(
      "apiVersion: gateway.networking.k8s.io/v1\n"
      "kind: ReferenceGrant\n"
      "metadata:\n"
      "  name: allow-{}-{}-to-{}\n"
      "  namespace: {}\n"
      "spec:\n"
      "  from:\n"
      "  - group: gateway.networking.k8s.io\n"
      "    kind: {}\n"
      "    namespace: {}\n"
      "  to:\n"
      "  - group: \"\"\n"
      "    kind: {}\n"
      "    name: {}\n",
      lower(n.fromKind), n.fromNamespace, n.toName, n.toNamespace, n.fromKind, n.fromNamespace, n.toKind,
      n.toName);
}

GrantVerdict explainMissingGrant(const store::Snapshot& snap, const GrantNeed& n) {
  GrantVerdict v;
  v.fix.yaml = grantYaml(n);
  const std::string where = fmt::format(
      "Create this ReferenceGrant in namespace {}, where the {} is (a grant lives with the object it lets "
      "others "
      "reference, spec §12.14)",
      n.toNamespace, n.toKind);
  const api::ReferenceGrant* fromWrong = nullptr;  // right `to`, wrong `from`
  const api::ReferenceGrant* toWrong = nullptr;    // right `from`, wrong `to`
  bool nameOnly = false;
  std::vector<const api::ReferenceGrant*> inTarget;
  for (const auto& [key, g] : snap.referenceGrants) {
    if (g->meta.namespace_ != n.toNamespace) continue;
    inTarget.push_back(g.get());
    const bool f =
        std::any_of(g->from.begin(), g->from.end(), [&](const auto& x) { return fromMatches(x, n); });
    const bool t = std::any_of(g->to.begin(), g->to.end(), [&](const auto& x) { return toMatches(x, n); });
    if (f && !t && !toWrong) toWrong = g.get();
    if (!f && t && !fromWrong) fromWrong = g.get();
  }
  for (const auto* g : inTarget) v.evidence.push_back({"grant", describeGrant(*g)});
  if (inTarget.empty())
    v.evidence.push_back({"grant", fmt::format("no ReferenceGrant in namespace {}", n.toNamespace)});

  if (toWrong) {
    const std::string diff = toDiff(*toWrong, n, nameOnly);
    v.code = nameOnly ? "PD-REF-GRANT-NAME-EXCLUDES" : "PD-REF-GRANT-TO-MISMATCH";
    v.cause = fmt::format("ReferenceGrant {}/{} lets {}s from {} in, but not to this {}: {}.",
                          toWrong->meta.namespace_, toWrong->meta.name, n.fromKind, n.fromNamespace, n.toKind,
                          diff);
    v.related.push_back({"ReferenceGrant", toWrong->meta.namespace_, toWrong->meta.name});
    v.fix.summary = fmt::format("{}; or correct ReferenceGrant {}/{} ({}):", where, toWrong->meta.namespace_,
                                toWrong->meta.name, diff);
    return v;
  }
  if (fromWrong) {
    const std::string diff = fromDiff(*fromWrong, n);
    v.code = "PD-REF-GRANT-FROM-MISMATCH";
    v.cause = fmt::format("ReferenceGrant {}/{} permits references to this {}, but not from {} {}: {}.",
                          fromWrong->meta.namespace_, fromWrong->meta.name, n.toKind, n.fromKind,
                          n.fromNamespace, diff);
    v.related.push_back({"ReferenceGrant", fromWrong->meta.namespace_, fromWrong->meta.name});
    v.fix.summary = fmt::format("{}; or correct ReferenceGrant {}/{} ({}):", where,
                                fromWrong->meta.namespace_, fromWrong->meta.name, diff);
    return v;
  }
  // A grant elsewhere that was clearly meant for this reference: it names
  // the target kind and one of the two namespaces.
  for (const auto& [key, g] : snap.referenceGrants) {
    if (g->meta.namespace_ == n.toNamespace) continue;
    const bool toKind =
        std::any_of(g->to.begin(), g->to.end(), [&](const auto& t) { return t.kind == n.toKind; });
    const bool nsNamed = std::any_of(g->from.begin(), g->from.end(), [&](const auto& f) {
      return f.namespace_ == n.fromNamespace || f.namespace_ == n.toNamespace;
    });
    if (!toKind || !nsNamed) continue;
    v.code = "PD-REF-GRANT-WRONG-NAMESPACE";
    v.cause = fmt::format(
        "ReferenceGrant {}/{} is in namespace {}; a grant only permits references to objects of "
        "its own namespace, so it must be in {} (where the {} is).",
        g->meta.namespace_, g->meta.name, g->meta.namespace_, n.toNamespace, n.toKind);
    v.evidence.push_back({"grant", describeGrant(*g)});
    v.related.push_back({"ReferenceGrant", g->meta.namespace_, g->meta.name});
    v.fix.summary =
        fmt::format("{}, and delete ReferenceGrant {}/{}, which has no effect where it is:", where,
                    g->meta.namespace_, g->meta.name);
    v.fix.commands.push_back(
        fmt::format("kubectl delete referencegrant {} -n {}", g->meta.name, g->meta.namespace_));
    return v;
  }
  v.code = "PD-REF-GRANT-MISSING";
  v.cause = fmt::format(
      "The {} is in namespace {} and the {} in {}; a cross-namespace reference needs a "
      "ReferenceGrant in {} (spec §12.14), and there is none for it.",
      n.fromKind, n.fromNamespace, n.toKind, n.toNamespace, n.toNamespace);
  v.fix.summary = where + ":";
  return v;
}

}  // namespace portico::diagnose::detail
