// Errors of the test API server as metav1.Status (see
// fake_apiserver_errors.h).
#include "kube/fake_apiserver_errors.h"

#include <utility>

namespace portico::testing::fakeapi {

json statusBody(const ApiError& e) {
  json s{{"kind", "Status"},    {"apiVersion", "v1"},   {"metadata", json::object()},
         {"status", "Failure"}, {"message", e.message}, {"reason", e.reason},
         {"code", e.code}};
  if (!e.details.is_null()) s["details"] = e.details;
  return s;
}

json details(const ResourceInfo& r, const std::string& name) {
  json d{{"name", name}, {"kind", r.resource}};
  if (!r.group.empty()) d["group"] = r.group;
  return d;
}

ApiError notFound(const ResourceInfo& r, const std::string& name) {
  return {404, "NotFound", qualified(r) + " \"" + name + "\" not found", details(r, name)};
}

ApiError conflict(const ResourceInfo& r, const std::string& name) {
  return {
      409, "Conflict",
      "Operation cannot be fulfilled on " + qualified(r) + " \"" + name +
          "\": the object has been modified; please apply your changes to the latest version and try again",
      details(r, name)};
}

ApiError badRequest(std::string message) { return {400, "BadRequest", std::move(message)}; }

ApiError invalid(const ResourceInfo& r, const std::string& name, const std::vector<FieldError>& errors) {
  std::string kindName = r.group.empty() ? r.kind : r.kind + "." + r.group;
  std::string msg;
  json causes = json::array();
  for (const auto& e : errors) {
    msg += (msg.empty() ? "" : ", ") + e.field + ": " + e.detail;
    causes.push_back({{"reason", "FieldValueInvalid"}, {"message", e.detail}, {"field", e.field}});
  }
  if (errors.size() > 1) msg = "[" + msg + "]";
  json d = details(r, name);
  d["kind"] = r.kind;
  d["causes"] = causes;
  return {422, "Invalid", kindName + " \"" + name + "\" is invalid: " + msg, d};
}

}  // namespace portico::testing::fakeapi
