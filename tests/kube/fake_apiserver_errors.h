// Errors of the test API server (fake_apiserver.cc) as the real server
// answers them: a metav1.Status body with code, reason, message and
// details, for NotFound, Conflict, BadRequest and Invalid (422 with one
// cause per field error).
#pragma once

#include <string>
#include <vector>

#include "kube/fake_apiserver_resources.h"

namespace portico::testing::fakeapi {

struct ApiError {
  int code;
  std::string reason;
  std::string message;
  json details = nullptr;
};

json statusBody(const ApiError& e);
// metav1.StatusDetails naming the object.
json details(const ResourceInfo& r, const std::string& name);

ApiError notFound(const ResourceInfo& r, const std::string& name);
ApiError conflict(const ResourceInfo& r, const std::string& name);
ApiError badRequest(std::string message);

// A field error, as the real server's 422 names it: `Kind.group "name" is invalid: path: detail`.
struct FieldError {
  std::string field;
  std::string detail;
};

ApiError invalid(const ResourceInfo& r, const std::string& name, const std::vector<FieldError>& errors);

}  // namespace portico::testing::fakeapi
