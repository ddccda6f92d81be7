#include "api/validate/checker.h"

#include <fmt/format.h>

#include "api/validate/patterns.h"

namespace portico::api::validate {

std::string quote(std::string_view v) {
  if (v.size() > 80) return fmt::format("\"{}...\"", v.substr(0, 77));
  return fmt::format("\"{}\"", v);
}

bool Checker::length(const FieldPath& p, std::string_view v, size_t min, size_t max) {
  if (v.size() < min) {
    error(p, min == 1 ? std::string("must not be empty")
                      : fmt::format("must be at least {} characters long", min));
    return false;
  }
  if (v.size() > max) {
    error(p, fmt::format("must be at most {} characters long (has {})", max, v.size()));
    return false;
  }
  return true;
}

void Checker::range(const FieldPath& p, int64_t v, int64_t min, int64_t max) {
  if (v < min || v > max) error(p, fmt::format("{} is out of range: must be between {} and {}", v, min, max));
}

void Checker::minimum(const FieldPath& p, int64_t v, int64_t min) {
  if (v < min) error(p, fmt::format("{} is out of range: must be {} or greater", v, min));
}

void Checker::items(const FieldPath& p, size_t n, size_t min, size_t max) {
  if (n < min) {
    error(p, min == 1 ? std::string("must have at least 1 item")
                      : fmt::format("must have at least {} items (has {})", min, n));
  } else if (n > max) {
    error(p, fmt::format("too many items: must have at most {} (has {})", max, n));
  }
}

void Checker::properties(const FieldPath& p, size_t n, size_t max) {
  if (n > max) error(p, fmt::format("too many entries: must have at most {} (has {})", max, n));
}

void Checker::oneOf(const FieldPath& p, std::string_view v, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed) {
    if (a == v) return;
  }
  std::string list;
  for (auto a : allowed) {
    if (!list.empty()) list += ", ";
    list += a;
  }
  error(p, fmt::format("unsupported value {}: must be one of {}", quote(v), list));
}

void Checker::hostname(const FieldPath& p, std::string_view v) {
  if (!length(p, v, 1, 253)) return;
  if (!isWildcardHostname(v)) {
    error(p, fmt::format("invalid hostname {}: must be a lowercase RFC 1123 DNS name, optionally starting "
                         "with \"*.\" (IP addresses are not allowed)",
                         quote(v)));
  }
}

void Checker::preciseHostname(const FieldPath& p, std::string_view v) {
  if (!length(p, v, 1, 253)) return;
  if (!isDnsSubdomain(v)) {
    error(p, fmt::format("invalid hostname {}: must be a lowercase RFC 1123 DNS name without wildcards",
                         quote(v)));
  }
}

void Checker::group(const FieldPath& p, std::string_view v) {
  if (!length(p, v, 0, 253)) return;
  if (!v.empty() && !isDnsSubdomain(v)) {
    error(p, fmt::format("invalid group {}: must be empty (the core group) or a lowercase DNS subdomain",
                         quote(v)));
  }
}

void Checker::kind(const FieldPath& p, std::string_view v) {
  if (!length(p, v, 1, 63)) return;
  if (!isKindName(v)) {
    error(p, fmt::format("invalid kind {}: must start with a letter and contain only letters, digits and "
                         "'-' (^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$)",
                         quote(v)));
  }
}

void Checker::objectName(const FieldPath& p, std::string_view v) { length(p, v, 1, 253); }

void Checker::namespaceName(const FieldPath& p, std::string_view v) {
  if (!length(p, v, 1, 63)) return;
  if (!isDnsLabel(v)) {
    error(p, fmt::format("invalid namespace {}: must be an RFC 1123 label (lowercase letters, digits and "
                         "'-', starting and ending with a letter or digit)",
                         quote(v)));
  }
}

void Checker::sectionName(const FieldPath& p, std::string_view v) {
  if (!length(p, v, 1, 253)) return;
  if (!isDnsSubdomain(v)) {
    error(p, fmt::format("invalid section name {}: must be a lowercase RFC 1123 DNS subdomain", quote(v)));
  }
}

void Checker::headerName(const FieldPath& p, std::string_view v) {
  if (!length(p, v, 1, 256)) return;
  if (!isHeaderName(v)) {
    error(p, fmt::format("invalid header name {}: must be an RFC 7230 token "
                         "(letters, digits and !#$%&'*+-.^_`|~; no ':' pseudo-headers)",
                         quote(v)));
  }
}

std::optional<int64_t> Checker::duration(const FieldPath& p, std::string_view v) {
  auto d = parseDuration(v);
  if (!d) {
    error(p, fmt::format("invalid duration {}: must be 1 to 4 components of up to 5 digits followed by h, m, "
                         "s or ms, e.g. \"1h30m\" or \"500ms\" (GEP-2257)",
                         quote(v)));
  }
  return d;
}

void Checker::labels(const FieldPath& p, const std::map<std::string, std::string>& m, size_t maxEntries) {
  if (maxEntries > 0) properties(p, m.size(), maxEntries);
  for (const auto& [k, v] : m) {
    FieldPath kp = p.field(k);
    if (!isLabelKey(k)) {
      error(kp, fmt::format("invalid label key {}: must be an optional DNS subdomain prefix and '/', then a "
                            "name of at most 63 characters ([A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9])",
                            quote(k)));
    }
    if (v.size() > 63 || !isLabelValue(v)) {
      error(kp, fmt::format("invalid label value {}: must be at most 63 characters, empty or starting and "
                            "ending with a letter or digit, with only letters, digits, '-', '_' and '.'",
                            quote(v)));
    }
  }
}

void Checker::annotations(const FieldPath& p, const std::map<std::string, std::string>& m, size_t maxEntries) {
  if (maxEntries > 0) properties(p, m.size(), maxEntries);
  for (const auto& [k, v] : m) {
    FieldPath kp = p.field(k);
    if (!isLabelKey(k)) {
      error(kp, fmt::format("invalid annotation key {}: must be an optional DNS subdomain prefix and '/', "
                            "then a name of at most 63 characters",
                            quote(k)));
    }
    if (maxEntries > 0) length(kp, v, 0, 4096);
  }
}

// --- References ---------------------------------------------------------------

namespace {

bool sameParent(const ParentReference& a, const ParentReference& b) {
  // CEL: an unset namespace and an empty one compare equal.
  return a.group == b.group && a.kind == b.kind && a.name == b.name &&
         a.namespace_.value_or("") == b.namespace_.value_or("");
}

std::string_view sectionOf(const std::optional<std::string>& s) { return s ? std::string_view(*s) : ""; }

}  // namespace

void Checker::parentRefs(const FieldPath& p, const std::vector<ParentReference>& refs) {
  items(p, refs.size(), 0, 32);
  for (size_t i = 0; i < refs.size(); ++i) {
    const auto& r = refs[i];
    FieldPath rp = p.at(i);
    group(rp.field("group"), r.group);
    kind(rp.field("kind"), r.kind);
    objectName(rp.field("name"), r.name);
    if (r.namespace_) namespaceName(rp.field("namespace"), *r.namespace_);
    if (r.sectionName) sectionName(rp.field("sectionName"), *r.sectionName);
    if (r.port) port(rp.field("port"), *r.port);
  }
  // CommonRouteSpec.parentRefs CEL ([EXP] form, which includes port): a
  // parent listed more than once needs sectionName and/or port on every
  // entry, and the (sectionName, port) pairs must be unique.
  for (size_t j = 1; j < refs.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      if (!sameParent(refs[i], refs[j])) continue;
      const bool si = !sectionOf(refs[i].sectionName).empty(), sj = !sectionOf(refs[j].sectionName).empty();
      const bool pi = refs[i].port.value_or(0) != 0, pj = refs[j].port.value_or(0) != 0;
      if (si != sj || pi != pj) {
        error(p.at(j), fmt::format("refers to the same parent as {}: when a parent is listed more than once, "
                                   "either all or none of its entries must set sectionName, and likewise port",
                                   p.at(i).str()));
        break;
      }
      if (sectionOf(refs[i].sectionName) == sectionOf(refs[j].sectionName) &&
          refs[i].port.value_or(0) == refs[j].port.value_or(0)) {
        error(p.at(j), fmt::format("duplicates {}: sectionName and port must be unique when a parent is "
                                   "listed more than once",
                                   p.at(i).str()));
        break;
      }
    }
  }
}

void Checker::backendObjectRef(const FieldPath& p, const BackendObjectReference& r) {
  group(p.field("group"), r.group);
  kind(p.field("kind"), r.kind);
  objectName(p.field("name"), r.name);
  if (r.namespace_) namespaceName(p.field("namespace"), *r.namespace_);
  if (r.port) port(p.field("port"), *r.port);
  // BackendObjectReference CEL: a core Service reference must set port.
  if (r.group.empty() && r.kind == "Service" && !r.port) {
    error(p.field("port"), "required when referring to a Service (group \"\", kind Service)");
  }
}

void Checker::backendRef(const FieldPath& p, const HTTPBackendRef& r) {
  backendObjectRef(p, r.ref);
  range(p.field("weight"), r.weight, 0, 1000000);
}

void Checker::secretRef(const FieldPath& p, const SecretObjectReference& r) {
  group(p.field("group"), r.group);
  kind(p.field("kind"), r.kind);
  objectName(p.field("name"), r.name);
  if (r.namespace_) namespaceName(p.field("namespace"), *r.namespace_);
}

void Checker::objectRef(const FieldPath& p, const ObjectReference& r) {
  group(p.field("group"), r.group);
  kind(p.field("kind"), r.kind);
  objectName(p.field("name"), r.name);
  if (r.namespace_) namespaceName(p.field("namespace"), *r.namespace_);
}

void Checker::localRef(const FieldPath& p, const LocalObjectReference& r) {
  group(p.field("group"), r.group);
  kind(p.field("kind"), r.kind);
  objectName(p.field("name"), r.name);
}

void Checker::policyTargetRefs(const FieldPath& p, const std::vector<PolicyTargetReference>& refs,
                               bool withSectionName) {
  items(p, refs.size(), 1, 16);
  for (size_t i = 0; i < refs.size(); ++i) {
    FieldPath rp = p.at(i);
    group(rp.field("group"), refs[i].group);
    kind(rp.field("kind"), refs[i].kind);
    objectName(rp.field("name"), refs[i].name);
    if (refs[i].sectionName) sectionName(rp.field("sectionName"), *refs[i].sectionName);
  }
  for (size_t j = 1; j < refs.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      const auto& a = refs[i];
      const auto& b = refs[j];
      if (a.group != b.group || a.kind != b.kind || a.name != b.name) continue;
      if (!withSectionName) {
        // x-kubernetes-list-map-keys: group, kind, name.
        error(p.at(j), fmt::format("duplicates {}: each target (group, kind, name) may be listed only once",
                                   p.at(i).str()));
      } else if (sectionOf(a.sectionName).empty() != sectionOf(b.sectionName).empty()) {
        error(p.at(j), fmt::format("refers to the same target as {}: sectionName must be set on every entry "
                                   "when a target is listed more than once",
                                   p.at(i).str()));
      } else {
        if (sectionOf(a.sectionName) != sectionOf(b.sectionName)) continue;
        error(p.at(j), fmt::format("duplicates {}: sectionName must be unique when a target is listed more "
                                   "than once",
                                   p.at(i).str()));
      }
      break;
    }
  }
}

void Checker::sessionPersistence(const FieldPath& p, const SessionPersistence& s) {
  if (s.sessionName) length(p.field("sessionName"), *s.sessionName, 0, 128);
  if (s.absoluteTimeout) duration(p.field("absoluteTimeout"), *s.absoluteTimeout);
  if (s.idleTimeout) {
    duration(p.field("idleTimeout"), *s.idleTimeout);
    out_.warning(p.field("idleTimeout"),
                 "deprecated: sessionPersistence.idleTimeout was removed in Gateway API v1.6; "
                 "the value is still honoured but will not be accepted by v1.6 CRDs");
  }
  oneOf(p.field("type"), s.type, {"Cookie", "Header"});
  if (s.cookieConfig) {
    oneOf(p.field("cookieConfig").field("lifetimeType"), s.cookieConfig->lifetimeType, {"Permanent", "Session"});
    // CEL: Permanent cookies need absoluteTimeout; cookieConfig only with Cookie.
    if (s.cookieConfig->lifetimeType == "Permanent" && !s.absoluteTimeout) {
      error(p.field("absoluteTimeout"), "required when cookieConfig.lifetimeType is Permanent");
    }
    if (s.type != "Cookie") {
      error(p.field("cookieConfig"), fmt::format("may only be set when type is Cookie (type is {})", quote(s.type)));
    }
  }
}

}  // namespace portico::api::validate
