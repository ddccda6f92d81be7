// TLSRoute, TCPRoute and UDPRoute rules -> weighted L4 backends (spec §7).
#include <fmt/format.h>

#include "translate/routes.h"

namespace portico::translate {

CompiledRoute compileL4Route(Context& ctx, std::string_view kind, const api::L4Route& route) {
  CompiledRoute out;
  for (uint32_t ri = 0; ri < route.rules.size(); ++ri) {
    RuleProblems problems;
    auto backends = compileBackends(ctx, kind, route.meta, route.rules[ri].backendRefs,
                                    fmt::format("spec.rules[{}].backendRefs", ri), "", false, problems, out.services);
    for (auto& b : backends) {
      // An invalid backend keeps its weight: that share of connections is
      // rejected, of packets dropped (spec §7).
      out.l4Backends.push_back(ir::L4Backend{b.cluster, b.weight});
    }
    recordRule(out, problems);
  }
  return out;
}

}  // namespace portico::translate
