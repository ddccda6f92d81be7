// Decoders from a parsed manifest to the typed object model, applying the
// CRD defaults. Each `decode` reads the whole object (apiVersion, kind and
// status are skipped; metadata is decoded separately by decodeMeta so the
// loader can name the object in every diagnostic). Schema checks beyond YAML
// types, required fields and unknown fields live in api/validate.
#pragma once

#include "api/core.h"
#include "api/gateway.h"
#include "api/kinds.h"
#include "api/policy.h"
#include "api/routes.h"
#include "source/decode/node.h"

namespace portico::source::decode {

// Top-level keys every kind shares.
bool isEnvelopeKey(std::string_view key);

void decodeMeta(Ctx& c, const Node& n, const FieldPath& p, api::ObjectMeta& out);

void decode(Ctx& c, const Node& root, api::GatewayClass& out);
void decode(Ctx& c, const Node& root, api::Gateway& out);
void decode(Ctx& c, const Node& root, api::ListenerSet& out);
void decode(Ctx& c, const Node& root, api::HTTPRoute& out);
void decode(Ctx& c, const Node& root, api::GRPCRoute& out);
// TLSRoute, TCPRoute, UDPRoute; `hostnames` is accepted for TLSRoute only.
void decodeL4(Ctx& c, const Node& root, api::L4Route& out, bool tls);
void decode(Ctx& c, const Node& root, api::ReferenceGrant& out);
void decode(Ctx& c, const Node& root, api::BackendTLSPolicy& out);
void decode(Ctx& c, const Node& root, api::XBackendTrafficPolicy& out);
void decode(Ctx& c, const Node& root, api::Service& out);
void decode(Ctx& c, const Node& root, api::EndpointSlice& out);
void decode(Ctx& c, const Node& root, api::Secret& out);
void decode(Ctx& c, const Node& root, api::ConfigMap& out);
void decode(Ctx& c, const Node& root, api::Namespace& out);
void decode(Ctx& c, const Node& root, api::CustomResourceDefinition& out);

}  // namespace portico::source::decode
