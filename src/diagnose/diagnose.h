// `portico diagnose`: walks every chain GatewayClass -> Gateway -> listener
// -> Route -> backendRef -> Service -> endpoints and reports findings
// (diagnose/findings.h). The spec's rules are never re-implemented here:
// findings start from the conditions the translator wrote and the IR it
// built, and use the translator's own helpers (hostname intersection,
// allowedRoutes, ReferenceGrant checks, backend resolution) to attribute a
// condition to the exact listener, reference or grant and to check a fix.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "diagnose/findings.h"
#include "diagnose/live.h"
#include "source/loader.h"
#include "translate/translator.h"

namespace portico::diagnose {

struct Options {
  translate::Options translate;
  // Reference time for certificate validity; 0 = now. Tests pin it.
  std::time_t now = 0;
  // Certificates expiring sooner than this are a warning.
  int expiryWarningDays = 14;
  // Only findings on objects of this namespace (or involving it); "" = all.
  std::string namespace_;
  // A running Portico's runtime facts (diagnose --admin): adds the PD-LIVE-*
  // checks and the report's `live` header. Not owned.
  const LiveFacts* live = nullptr;
};

// Diagnoses loaded input: the loader's diagnostics become findings too (an
// object the API server would refuse never reaches the snapshot).
Report diagnose(const source::LoadResult& input, const Options& options);

// Before/after (`--with`): findings the change introduces, fixes, leaves.
struct Comparison {
  std::vector<Finding> introduced;
  std::vector<Finding> fixed;
  std::vector<Finding> unchanged;  // as found after the change
  Summary before;
  Summary after;
};
Comparison compare(const Report& before, const Report& after);

// `base` with every object of `change` added, replacing the object of the
// same kind, namespace and name (the way `kubectl apply` would). Loader
// diagnostics of replaced objects are dropped, `change`'s are added. A
// replaced object keeps its load position (precedence ties on load order
// stay as they were); new objects come after every base object.
source::LoadResult overlay(const source::LoadResult& base, const source::LoadResult& change);

}  // namespace portico::diagnose
