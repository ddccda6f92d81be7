// Label and field selectors of the test API server's list and watch
// requests (fake_apiserver.cc): parsed with the grammar and the field
// labels the real server accepts, then matched against stored objects.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kube/fake_apiserver_resources.h"

namespace portico::testing::fakeapi {

struct LabelReq {
  std::string key;
  enum Op { Eq, NotEq, In, NotIn, Exists, NotExists } op;
  std::vector<std::string> values;
};

// The selector grammar of k8s.io/apimachinery/pkg/labels: `k=v`, `k==v`,
// `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, joined by commas.
std::optional<std::vector<LabelReq>> parseLabelSelector(const std::string& s);
bool labelsMatch(const std::vector<LabelReq>& sel, const json& obj);

struct FieldReq {
  std::vector<std::string> path;
  bool equal;
  std::string value;
};

// Custom resources support only metadata.name and metadata.namespace; Events
// also their involvedObject.*, reason, source, type and reportingComponent.
std::optional<std::vector<FieldReq>> parseFieldSelector(const ResourceInfo& r, const std::string& s,
                                                        std::string& error);
bool fieldsMatch(const std::vector<FieldReq>& sel, const json& obj);

}  // namespace portico::testing::fakeapi
