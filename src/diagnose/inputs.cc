// Input-level findings: what the loader refused or warned about (an object
// the API server would refuse never reaches the translator, so everything
// depending on it silently goes missing), deprecated API versions and
// fields, and experimental-channel fields (spec §0: a standard-channel CRD
// prunes them without an error).
#include <fmt/format.h>

#include "diagnose/analysis.h"
#include "diagnose/text.h"

namespace portico::diagnose::detail {
namespace {

ObjectRef objectOf(const api::Diagnostic& d) {
  if (!d.name.empty()) return {d.kind, d.namespace_, d.name};
  // A document that never became an object (parse error, unknown kind):
  // name it by where it is.
  return {d.kind.empty() ? "Document" : d.kind, "", fmt::format("{}:{}", d.file, d.line)};
}

std::string where(const api::Diagnostic& d) {
  return fmt::format("{}:{} (document {})", d.file, d.line, d.document);
}

void fromDiagnostic(Analysis& a, const api::Diagnostic& d) {
  const bool error = d.severity == api::Severity::Error;
  const auto kind = api::kindFromName(d.kind);
  std::string code;
  if (d.field == "apiVersion") {
    code = error ? "PD-API-VERSION-NOT-SERVED" : "PD-API-VERSION-DEPRECATED";
  } else if (d.message.starts_with("unknown kind")) {
    code = "PD-API-KIND-NOT-SERVED";
  } else if (error) {
    code = "PD-INPUT-INVALID";
  } else if (d.message.find("deprecated") != std::string::npos) {
    code = "PD-API-FIELD-DEPRECATED";
  } else {
    code = "PD-INPUT-WARNING";
  }
  Finding& f = a.add(code, objectOf(d), d.field);
  f.subject = d.name.empty() ? d.message : std::string();
  f.cause = d.message;
  f.evidence.push_back({"object", "at " + where(d)});
  if (d.document == 0 && d.name.empty()) {  // the file itself (unreadable path)
    f.symptom = "nothing in " + d.file + " is checked or served";
    f.fix.summary = "Check the path given with -c.";
    return;
  }
  if (code == "PD-API-VERSION-NOT-SERVED" || code == "PD-INPUT-INVALID") {
    f.symptom = fmt::format(
        "{} is not applied: the API server refuses it and Portico ignores it, so every "
        "route, listener or backend depending on it is missing",
        f.object.display());
  } else if (code == "PD-API-KIND-NOT-SERVED") {
    f.symptom = "the object is ignored";
  } else {
    f.symptom = "works today; a future Gateway API release stops accepting it";
  }
  if (kind && d.field == "apiVersion") {
    const std::string preferred(api::preferredApiVersion(*kind));
    f.fix.summary =
        fmt::format("Change apiVersion to {} in {} (the fields are the same).", preferred, where(d));
    f.fix.target = f.object;
    f.fix.patch.push_back(patchOp("replace", "/apiVersion", jsonString(preferred)));
  } else if (code == "PD-API-KIND-NOT-SERVED") {
    f.fix.summary =
        "Remove the object from the input if it is not meant for Portico; nothing to do otherwise.";
  } else {
    f.fix.summary = d.field.empty() ? fmt::format("Correct the document at {}.", where(d))
                                    : fmt::format("Correct {} at {}.", d.field, where(d));
  }
}

// The channel the input's CRDs declare for a kind ("" when unknown).
std::string channelOf(const Analysis& a, std::string_view plural) {
  for (const auto& [key, crd] : a.snap.crds) {
    if (!crd->meta.name.starts_with(plural)) continue;
    auto it = crd->meta.annotations.find("gateway.networking.k8s.io/channel");
    if (it != crd->meta.annotations.end()) return it->second;
  }
  return {};
}

void experimental(Analysis& a, const ObjectRef& obj, std::string field, std::string_view what,
                  std::string_view plural) {
  Finding& f = a.add("PD-API-EXPERIMENTAL-FIELD", obj, std::move(field));
  const std::string channel = channelOf(a, plural);
  f.cause = fmt::format("{} exists only in the experimental channel of Gateway API v1.6.1.", what);
  if (channel == "standard") {
    // The input's own CRDs say standard: the API server prunes the field.
    f.severity = Severity::Warning;
    f.symptom = "the API server silently drops the field: the behaviour it configures never happens";
    f.evidence.push_back({"object", fmt::format("the input's {} CRD is from the standard channel", plural)});
  } else {
    f.symptom =
        "works only where the experimental-channel CRDs are installed; a standard-channel cluster "
        "silently drops the field";
  }
  f.fix.summary =
      "Install the experimental-channel CRDs, or remove the field if the cluster runs the standard "
      "channel.";
}

void checkExperimental(Analysis& a) {
  for (const auto& r : a.routes()) {
    const std::string plural = lower(r.kindName) + "s.";
    if (r.common->useDefaultGateways)
      experimental(a, r.ref(), "spec.useDefaultGateways", "useDefaultGateways", plural);
    if (r.http) {
      for (size_t i = 0; i < r.http->rules.size(); ++i) {
        const auto& rule = r.http->rules[i];
        if (rule.retry) experimental(a, r.ref(), fmt::format("spec.rules[{}].retry", i), "retry", plural);
        if (rule.sessionPersistence) {
          experimental(a, r.ref(), fmt::format("spec.rules[{}].sessionPersistence", i), "sessionPersistence",
                       plural);
        }
        for (size_t j = 0; j < rule.filters.size(); ++j) {
          if (rule.filters[j].type == "ExternalAuth") {
            experimental(a, r.ref(), fmt::format("spec.rules[{}].filters[{}]", i, j),
                         "The ExternalAuth filter", plural);
          }
        }
      }
    }
    if (r.grpc) {
      for (size_t i = 0; i < r.grpc->rules.size(); ++i) {
        if (r.grpc->rules[i].sessionPersistence) {
          experimental(a, r.ref(), fmt::format("spec.rules[{}].sessionPersistence", i), "sessionPersistence",
                       plural);
        }
      }
    }
  }
  for (const auto& [key, gw] : a.snap.gateways) {
    if (gw->defaultScope) {
      experimental(a, {"Gateway", gw->meta.namespace_, gw->meta.name}, "spec.defaultScope", "defaultScope",
                   "gateways.");
    }
  }
  for (const auto& [key, p] : a.snap.backendTrafficPolicies) {
    experimental(a, {"XBackendTrafficPolicy", p->meta.namespace_, p->meta.name}, "",
                 "XBackendTrafficPolicy (gateway.networking.x-k8s.io)", "xbackendtrafficpolicies.");
  }
}

}  // namespace

void checkInputs(Analysis& a) {
  for (const auto& d : a.input.diagnostics) fromDiagnostic(a, d);
  for (const auto& d : a.tr.diagnostics) fromDiagnostic(a, d);
  checkExperimental(a);
}

}  // namespace portico::diagnose::detail
