// Renders a StatusSet as the Kubernetes List the API server would return
// after Portico's status writes (`kubectl get ... -o json|yaml` shape), so
// users can diff it against a cluster or feed it to tooling.
#pragma once

#include <string>
#include <string_view>

#include "status/types.h"

namespace portico::status {

enum class DocumentFormat { Json, Yaml };

struct DocumentOptions {
  DocumentFormat format = DocumentFormat::Json;
  // Written into every condition whose lastTransitionTime is empty. The
  // translator has no clock, so the caller supplies "now" (RFC 3339, UTC);
  // tests pass a fixed string so the output is byte-for-byte reproducible.
  std::string lastTransitionTime;
  bool pretty = true;  // JSON only: indent 2, one field per line
};

// `{apiVersion: v1, kind: List, items: [...]}`; items ordered by kind, then
// namespace, then name. Same input, same bytes.
std::string renderKubeList(const StatusSet& set, const DocumentOptions& options);

// One object's `.status` stanza as a compact JSON object, exactly as it
// appears inside renderKubeList's item (same fields, same
// lastTransitionTime filling; `format` and `pretty` are ignored). "" for an
// object without status (ReferenceGrant). The Kubernetes status writer
// starts from it and merges the live object's status in (kube/status_merge).
std::string renderStatusStanza(const ObjectStatus& object, const DocumentOptions& options);

}  // namespace portico::status
