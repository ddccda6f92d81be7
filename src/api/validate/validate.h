// Validation of decoded objects against the Gateway API v1.6.1 CRD schemas
// (experimental bundle, the superset of standard): OpenAPI constraints
// (enums, lengths, patterns, ranges, list sizes) and the CEL rules.
// Regular-expression values are NOT compiled here: the CRDs do not, and the
// translator reports them as UnsupportedValue.
//
// Field paths are relative to the object root (e.g. spec.rules[0].name).
#pragma once

#include "api/core.h"
#include "api/gateway.h"
#include "api/kinds.h"
#include "api/policy.h"
#include "api/routes.h"
#include "api/validate/issues.h"

namespace portico::api::validate {

// name / namespace / labels / annotations, as the API server checks them.
void validateMeta(const ObjectMeta& meta, Kind kind, Issues& out);

void validate(const GatewayClass& obj, Issues& out);
void validate(const Gateway& obj, Issues& out);
void validate(const ListenerSet& obj, Issues& out);
void validate(const HTTPRoute& obj, Issues& out);
void validate(const GRPCRoute& obj, Issues& out);
// `legacy` selects the v1alpha2/v1alpha3 schema (still served, deprecated,
// by the experimental bundle): up to 16 rules, TLSRoute hostnames optional.
void validate(const TLSRoute& obj, Issues& out, bool legacy = false);
void validate(const TCPRoute& obj, Issues& out, bool legacy = false);
void validate(const UDPRoute& obj, Issues& out, bool legacy = false);
void validate(const ReferenceGrant& obj, Issues& out);
void validate(const BackendTLSPolicy& obj, Issues& out);
void validate(const XBackendTrafficPolicy& obj, Issues& out);
void validate(const Service& obj, Issues& out);
void validate(const EndpointSlice& obj, Issues& out);
void validate(const Secret& obj, Issues& out);
void validate(const ConfigMap& obj, Issues& out);
void validate(const Namespace& obj, Issues& out);
inline void validate(const CustomResourceDefinition&, Issues&) {}

}  // namespace portico::api::validate
