// `portico config-dump`: the compiled IR as JSON, for humans and golden
// tests. Secrets never leave the process: private keys are redacted and
// certificates shown as fingerprints.
#pragma once

#include <string>

#include "ir/ir.h"

namespace portico::ir {

// Deterministic (fields in declaration order, clusters by name). Enums as
// their Gateway API spelling ("PathPrefix", "ReplaceFullPath", ...).
std::string toJson(const Config& config, bool pretty);

}  // namespace portico::ir
