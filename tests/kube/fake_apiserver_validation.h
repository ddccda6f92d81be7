// Validation of the test API server's request bodies (fake_apiserver.cc)
// against the real field names: unknown fields, metadata, status
// conditions as the Gateway API CRDs declare them, Lease specs and Events,
// reported as the real server's 422 field errors.
#pragma once

#include <string>
#include <vector>

#include "kube/fake_apiserver_errors.h"
#include "kube/fake_apiserver_resources.h"

namespace portico::testing::fakeapi {

// The whole body of a write: apiVersion/kind, metadata, the kind's fields.
std::vector<FieldError> validateObject(const ResourceInfo& r, const json& obj, const std::string& ns);

}  // namespace portico::testing::fakeapi
