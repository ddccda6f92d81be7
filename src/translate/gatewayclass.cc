// GatewayClass status (spec §2, §11 "GatewayClass").
#include <fmt/format.h>

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

}  // namespace

void translateGatewayClasses(Context& ctx) {
  for (const auto& [key, gc] : ctx.snap.gatewayClasses) {
    if (gc->controllerName != ctx.options.controllerName) continue;  // not ours: write nothing
    auto* os = ctx.statusByKey.at("GatewayClass/" + key);
    auto& st = std::get<status::GatewayClassStatus>(os->status);
    st.conditions.clear();
    const int64_t gen = gc->meta.generation;

    std::string problem;
    if (gc->parametersRef) problem = checkParameters(ctx, *gc->parametersRef);
    if (problem.empty()) {
      setCondition(st.conditions, cond::kAccepted, true, cond::kAccepted,
                   fmt::format("Accepted by {}", ctx.options.controllerName), gen);
      ctx.ourClasses.insert(gc->meta.name);
    } else {
      setCondition(st.conditions, cond::kAccepted, false, cond::kInvalidParameters, problem, gen);
    }
    // [EXP] SupportedVersion: every object was decoded against the v1.6.1
    // schema (unserved versions are rejected at load), so the versions in
    // use are supported.
    setCondition(st.conditions, cond::kSupportedVersion, true, cond::kSupportedVersion,
                 "Gateway API v1.6.1 (standard and experimental channels)", gen);
    st.supportedFeatures = ctx.options.supportedFeatures.empty() ? supportedFeatures()
                                                                 : ctx.options.supportedFeatures;
  }
}

}  // namespace portico::translate
