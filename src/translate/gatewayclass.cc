// GatewayClass status (spec §2, §11 "GatewayClass").
#include <fmt/format.h>

#include <cstdio>

#include "translate/conditions.h"
#include "translate/context.h"

namespace portico::translate {
namespace {

// Portico reads no implementation-specific parameters yet, except a core
// ConfigMap (a common convention), which must name its namespace and exist.
// Anything else is InvalidParameters, as the GatewayClass docs require.
std::string checkParameters(const Context& ctx, const api::ParametersReference& ref) {
  if (!(ref.group.empty() && ref.kind == "ConfigMap")) {
    return fmt::format("parametersRef kind {}/{} is not supported by Portico (supported: ConfigMap)",
                       ref.group.empty() ? "core" : ref.group, ref.kind);
  }
  if (!ref.namespace_ || ref.namespace_->empty()) {
    return "parametersRef to a ConfigMap must set namespace (ConfigMaps are namespaced)";
  }
  if (!ctx.snap.configMaps.find(*ref.namespace_, ref.name)) {
    return fmt::format("parametersRef: ConfigMap {}/{} not found", *ref.namespace_, ref.name);
  }
  return {};
}

// "v1.6.1" -> {1, 6}; nullopt when not a release version.
std::optional<std::pair<int, int>> parseBundleVersion(const std::string& v) {
  int major = 0, minor = 0, patch = 0;
  char tail = 0;
  if (std::sscanf(v.c_str(), "v%d.%d.%d%c", &major, &minor, &patch, &tail) < 3) return std::nullopt;
  return std::make_pair(major, minor);
}

// The Gateway API CRDs in the input and their bundle-version annotation
// (GatewayClass SupportedVersion docs): missing or unrecognised versions
// make the condition False. Portico reads manifests of v1.0 through v1.6.
std::string unsupportedCRDs(const Context& ctx) {
  std::vector<std::string> bad;
  for (const auto& [key, crd] : ctx.snap.crds) {
    if (crd->group != api::kGatewayGroup && crd->group != api::kGatewayXGroup) continue;
    auto it = crd->meta.annotations.find("gateway.networking.k8s.io/bundle-version");
    if (it == crd->meta.annotations.end()) {
      bad.push_back(crd->meta.name + " (no bundle-version annotation)");
      continue;
    }
    auto v = parseBundleVersion(it->second);
    if (!v || v->first != 1 || v->second > 6) bad.push_back(crd->meta.name + " (" + it->second + ")");
  }
  if (bad.empty()) return {};
  return fmt::format("Gateway API CRDs of a bundle version Portico does not support (v1.0 to v1.6): {}",
                     fmt::join(bad, ", "));
}

}  // namespace

void translateGatewayClasses(Context& ctx) {
  for (const auto& [key, gc] : ctx.snap.gatewayClasses) {
    if (gc->controllerName != ctx.options.controllerName) continue;  // not ours: write nothing
    auto* os = &ctx.statusOf(gc.get());
    auto& st = std::get<status::GatewayClassStatus>(os->status);
    st.conditions.clear();
    const int64_t gen = gc->meta.generation;

    std::string problem;
    if (gc->parametersRef) problem = checkParameters(ctx, *gc->parametersRef);
    const std::string versions = unsupportedCRDs(ctx);
    if (!ctx.options.gatewayClassNames.empty() && !ctx.options.gatewayClassNames.count(gc->meta.name)) {
      setCondition(st.conditions, cond::kAccepted, false, cond::kUnsupported,
                   fmt::format("this Portico serves only the GatewayClass(es) {} (--gateway-class)",
                               fmt::join(ctx.options.gatewayClassNames, ", ")),
                   gen);
    } else if (problem.empty() && !versions.empty() && ctx.options.strictCRDVersions) {
      setCondition(st.conditions, cond::kAccepted, false, cond::kUnsupportedVersion, versions, gen);
    } else if (problem.empty()) {
      setCondition(st.conditions, cond::kAccepted, true, cond::kAccepted,
                   fmt::format("Accepted by {}", ctx.options.controllerName), gen);
      ctx.ourClasses.insert(gc->meta.name);
    } else {
      setCondition(st.conditions, cond::kAccepted, false, cond::kInvalidParameters, problem, gen);
    }
    // [EXP] SupportedVersion, set with Accepted. Without CRDs in the input
    // (file mode) every object was validated against the v1.6.1 schema.
    if (versions.empty()) {
      setCondition(st.conditions, cond::kSupportedVersion, true, cond::kSupportedVersion,
                   "Gateway API v1.6.1 (standard and experimental channels)", gen);
    } else {
      setCondition(st.conditions, cond::kSupportedVersion, false, cond::kUnsupportedVersion, versions, gen);
    }
    st.supportedFeatures =
        ctx.options.supportedFeatures.empty() ? supportedFeatures() : ctx.options.supportedFeatures;
  }
}

}  // namespace portico::translate
