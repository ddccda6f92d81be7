// Shared building blocks of the validators: one call per OpenAPI constraint
// or shared Gateway API type, each reporting "what is wrong, what is
// allowed" at a field path.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/gateway.h"
#include "api/refs.h"
#include "api/routes.h"
#include "api/validate/field_path.h"
#include "api/validate/issues.h"

namespace portico::api::validate {

class Checker {
 public:
  explicit Checker(Issues& out) : out_(out) {}

  void error(const FieldPath& p, std::string msg) { out_.error(p, std::move(msg)); }

  // --- OpenAPI constraints ---------------------------------------------------
  bool length(const FieldPath& p, std::string_view v, size_t min, size_t max);
  void range(const FieldPath& p, int64_t v, int64_t min, int64_t max);
  void minimum(const FieldPath& p, int64_t v, int64_t min);
  void items(const FieldPath& p, size_t n, size_t min, size_t max);
  void properties(const FieldPath& p, size_t n, size_t max);
  void oneOf(const FieldPath& p, std::string_view v, std::initializer_list<std::string_view> allowed);

  // --- Shared string types (apis/v1/shared_types.go) --------------------------
  void hostname(const FieldPath& p, std::string_view v);         // Hostname
  void preciseHostname(const FieldPath& p, std::string_view v);  // PreciseHostname
  void group(const FieldPath& p, std::string_view v);
  void kind(const FieldPath& p, std::string_view v);
  void objectName(const FieldPath& p, std::string_view v);
  void namespaceName(const FieldPath& p, std::string_view v);
  void sectionName(const FieldPath& p, std::string_view v);
  void headerName(const FieldPath& p, std::string_view v);
  std::optional<int64_t> duration(const FieldPath& p, std::string_view v);
  void port(const FieldPath& p, int64_t v) { range(p, v, 1, 65535); }
  void labels(const FieldPath& p, const std::map<std::string, std::string>& m, size_t maxEntries);
  void annotations(const FieldPath& p, const std::map<std::string, std::string>& m, size_t maxEntries);

  // --- Shared reference structs --------------------------------------------------
  void parentRefs(const FieldPath& p, const std::vector<ParentReference>& refs);
  void backendObjectRef(const FieldPath& p, const BackendObjectReference& r);
  void backendRef(const FieldPath& p, const HTTPBackendRef& r);  // ref + weight
  void secretRef(const FieldPath& p, const SecretObjectReference& r);
  void objectRef(const FieldPath& p, const ObjectReference& r);
  void localRef(const FieldPath& p, const LocalObjectReference& r);
  void policyTargetRefs(const FieldPath& p, const std::vector<PolicyTargetReference>& refs,
                        bool withSectionName);
  void sessionPersistence(const FieldPath& p, const SessionPersistence& s);

 private:
  Issues& out_;
};

// Quoted value for messages, shortened when very long.
std::string quote(std::string_view v);

}  // namespace portico::api::validate
