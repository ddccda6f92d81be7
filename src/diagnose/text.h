// Small wording and formatting helpers shared by the checks: how a symptom
// is phrased, how a condition is quoted as evidence, JSON Patch values,
// "did you mean" suggestions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/meta.h"
#include "diagnose/analysis.h"
#include "ir/ir.h"

namespace portico::diagnose::detail {

// "shop.example.com, api.example.com" or "any hostname".
std::string hostList(const std::vector<std::string>& hosts);

// What a client sends to reach a route (or one of its rules), for symptom
// lines: "requests for shop.example.com/api", "gRPC calls to
// shop.example.com /shop.Cart/Add", "TCP connections".
std::string requestsFor(const RouteView& r, std::optional<size_t> rule = std::nullopt);

// "PathPrefix /api method GET header x-env=canary" (an IR match).
std::string describeMatch(const ir::Match& m);

// `Accepted=False NotAllowedByListeners: <message>` on `where`.
Evidence conditionEvidence(std::string_view where, const api::Condition& c);
std::string conditionText(const api::Condition& c);

// The candidate closest to `want` by edit distance, when close enough to be
// a likely typo (distance <= max(2, len/3)); "" otherwise.
std::string closest(std::string_view want, const std::vector<std::string>& candidates);

// JSON encodings for PatchOp::valueJson.
std::string jsonString(std::string_view s);
std::string jsonInt(long long v);

PatchOp patchOp(std::string op, std::string path, std::string valueJson = {});

// "httproute", "gateway": the resource name kubectl takes.
std::string kubectlResource(std::string_view kind);

// The route parent status entry written for `ref` (namespace defaulted to
// the route's), or null.
const status::RouteParentStatus* parentStatus(const RouteView& r, const api::ParentReference& ref);

// "Gateway infra/gw" for a parentRef of `r`.
std::string parentDisplay(const RouteView& r, const api::ParentReference& ref);

std::string lower(std::string_view s);

}  // namespace portico::diagnose::detail
