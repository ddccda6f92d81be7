// Decoders for the structs shared by several kinds (apis/v1/shared_types.go,
// object_reference_types.go).
#pragma once

#include "api/gateway.h"
#include "api/refs.h"
#include "api/routes.h"
#include "source/decode/decode.h"
#include "source/decode/node.h"

namespace portico::source::decode {

void decodeParentRef(Ctx& c, const Node& n, const FieldPath& p, api::ParentReference& out);
// CommonRouteSpec keys (parentRefs, useDefaultGateways); false if `key` is
// not one of them.
bool decodeCommonRouteField(Ctx& c, std::string_view key, const Node& v, const FieldPath& p,
                            api::CommonRouteSpec& out);
void decodeBackendObjectRef(Ctx& c, const Node& n, const FieldPath& p, api::BackendObjectReference& out);
// BackendRef keys (BackendObjectReference + weight); false if `key` is not
// one of them (route decoders add `filters`).
bool decodeBackendRefField(Ctx& c, std::string_view key, const Node& v, const FieldPath& p,
                           api::HTTPBackendRef& out);
void decodeSecretRef(Ctx& c, const Node& n, const FieldPath& p, api::SecretObjectReference& out);
void decodeObjectRef(Ctx& c, const Node& n, const FieldPath& p, api::ObjectReference& out);
void decodeLocalRef(Ctx& c, const Node& n, const FieldPath& p, api::LocalObjectReference& out);
void decodePolicyTargetRef(Ctx& c, const Node& n, const FieldPath& p, api::PolicyTargetReference& out,
                           bool withSectionName);
void decodeLabelSelector(Ctx& c, const Node& n, const FieldPath& p, api::LabelSelector& out);
void decodeSessionPersistence(Ctx& c, const Node& n, const FieldPath& p, api::SessionPersistence& out);
// HTTPRouteFilter (grpc=false) or GRPCRouteFilter (grpc=true: only the
// members the GRPCRoute schema has are known fields).
void decodeFilter(Ctx& c, const Node& n, const FieldPath& p, api::HTTPRouteFilter& out, bool grpc);
void decodeHeaderMatch(Ctx& c, const Node& n, const FieldPath& p, api::HTTPHeaderMatch& out);

// Top level: envelope keys plus a required `spec` decoded by `spec`.
template <class F>
void withSpec(Ctx& c, const Node& root, F&& spec) {
  fields(c, root, FieldPath(), {"spec"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (isEnvelopeKey(k)) return true;
    if (k == "spec") return spec(v, fp), true;
    return false;
  });
}

}  // namespace portico::source::decode
