// Pieces shared by every route family: backends, session persistence,
// regex checks.
#include <fmt/format.h>
#include <re2/re2.h>

#include "translate/backends.h"
#include "translate/duration.h"
#include "translate/routes.h"

namespace portico::translate {

std::vector<ir::Backend> compileBackends(Context& ctx, std::string_view kind, const api::ObjectMeta& meta,
                                         const std::vector<api::HTTPBackendRef>& refs, const std::string& field,
                                         const std::string& matchedPrefix, bool grpc, RuleProblems& problems,
                                         std::set<std::string>& services) {
  std::vector<ir::Backend> out;
  for (size_t i = 0; i < refs.size(); ++i) {
    const auto& br = refs[i];
    const std::string f = fmt::format("{}[{}]", field, i);
    if (br.ref.group.empty() && br.ref.kind == "Service") {
      services.insert(nsName(br.ref.namespace_.value_or(meta.namespace_), br.ref.name));
    }
    ir::Backend b;
    b.weight = static_cast<uint32_t>(br.weight);
    auto res = resolveBackend(ctx, kind, meta.namespace_, br.ref, f);
    if (res.cluster.empty()) {
      // The invalid reference keeps its share of the weight and answers
      // 500 for it (spec §12.7).
      problems.setRef(res.reason, res.message);
      b.invalidStatus = 500;
    } else {
      b.cluster = res.cluster;
    }
    if (!br.filters.empty()) {
      FilterScope scope{kind, meta.namespace_, f + ".filters", matchedPrefix, grpc};
      auto compiled = std::make_shared<ir::Filters>();
      compileFilters(ctx, scope, br.filters, *compiled, problems);
      if (!compiled->empty()) b.filters = std::move(compiled);
    }
    out.push_back(std::move(b));
  }
  return out;
}

std::optional<ir::SessionPersistence> compileSessionPersistence(const std::optional<api::SessionPersistence>& sp,
                                                                const std::string& defaultName,
                                                                const std::string& cookiePath) {
  if (!sp) return std::nullopt;
  ir::SessionPersistence out;
  out.header = sp->type == "Header";
  out.name = sp->sessionName.value_or(defaultName);
  out.permanent = sp->cookieConfig && sp->cookieConfig->lifetimeType == "Permanent";
  if (sp->absoluteTimeout) out.absoluteTimeoutMs = parseDurationMs(*sp->absoluteTimeout).value_or(0);
  if (sp->idleTimeout) out.idleTimeoutMs = parseDurationMs(*sp->idleTimeout).value_or(0);
  if (!out.header) out.cookiePath = cookiePath;
  return out;
}

bool validRegex(Context& ctx, const std::string& pattern, std::string& error) {
  auto it = ctx.regexErrors.find(pattern);
  if (it == ctx.regexErrors.end()) {
    RE2::Options opts;
    opts.set_log_errors(false);
    RE2 re(pattern, opts);
    it = ctx.regexErrors.emplace(pattern, re.ok() ? std::string() : re.error()).first;
  }
  error = it->second;
  return error.empty();
}

void recordRule(CompiledRoute& out, const RuleProblems& p) {
  ++out.rules;
  if (!p.invalid.empty()) {
    ++out.invalidRules;
    if (out.invalidMessage.empty()) {
      out.invalidMessage = p.invalid;
      out.invalidReason = p.invalidReason;
    }
  }
  if (!p.refReason.empty() && out.refReason.empty()) {
    out.refReason = p.refReason;
    out.refMessage = p.refMessage;
  }
}

}  // namespace portico::translate
