// Metadata and small shared value types of the Gateway API object model.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace portico::api {

// Where an object came from, so every error can name file and document.
struct SourceLocation {
  std::string file;  // "-" for stdin
  int document = 0;  // 1-based index of the YAML/JSON document in the file
  int line = 0;      // 1-based line of the document start (0 = unknown)
};

// Subset of Kubernetes ObjectMeta that the translator reads.
struct ObjectMeta {
  std::string name;
  std::string namespace_;  // empty for cluster-scoped kinds
  int64_t generation = 1;  // defaults to 1 (a freshly created object)
  // RFC 3339 timestamp as written; empty when absent. Precedence ties are
  // broken on it (GEP-1364 / HTTPRoute docs: "oldest Route based on
  // creation timestamp"); absent values sort by file order instead.
  std::string creationTimestamp;
  std::string uid;
  std::string resourceVersion;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  // Load order across all inputs; used where creationTimestamp is absent.
  int64_t order = 0;
  SourceLocation source;
};

// metav1.Condition. lastTransitionTime is set by the status sink, never by
// the translator (which has no clock).
struct Condition {
  std::string type;
  std::string status;  // "True" | "False" | "Unknown"
  std::string reason;
  std::string message;
  int64_t observedGeneration = 0;
  std::string lastTransitionTime;
  bool operator==(const Condition&) const = default;
};

}  // namespace portico::api
