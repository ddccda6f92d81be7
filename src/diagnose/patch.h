// Applies a finding's fix to manifest text, the way `kubectl apply` (for
// Fix::yaml) and `kubectl patch --type=json` (for Fix::patch) would: used
// to check that a suggested fix really makes its finding go away.
#pragma once

#include <string>
#include <string_view>

#include "diagnose/findings.h"

namespace portico::diagnose {

// `manifests`: YAML documents. Objects in fix.yaml replace the document of
// the same kind, namespace and name, or are appended; fix.patch applies to
// the document of fix.target. Returns the new manifests; on failure (no
// such target, a path that does not exist) returns "" and sets `error`.
std::string applyFix(std::string_view manifests, const Fix& fix, std::string& error);

}  // namespace portico::diagnose
