// explain(): the steps after the router chose a rule (explain_outcome.cc).
#pragma once

#include "dataplane/forward.h"
#include "diagnose/explain.h"
#include "http1/codec.h"
#include "router/router.h"

namespace portico::diagnose::detail {

// Fills filters, backends (with the upstream request each receives),
// status, outcome and response for the chosen rule `r`.
void traceOutcome(const ir::Config& cfg, const ir::Bind& bind, const ir::Route& r,
                  const router::RequestView& view, const http1::RequestHead& head, const ExplainRequest& req,
                  Explanation& e);

}  // namespace portico::diagnose::detail
