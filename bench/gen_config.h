// Generates the control-plane benchmark's input: a realistic multi-tenant
// configuration as one multi-document YAML stream, the same text a user
// would `kubectl apply`. Deterministic for given parameters.
//
// Layout: namespace bench-G holds Gateway gw-G (HTTP :80 and HTTPS :443,
// both `*.gwG.example.com`), its TLS Secret, its share of the HTTPRoutes
// and Services (each with an EndpointSlice of 3 ready endpoints), and a
// ReferenceGrant letting bench-(G-1)'s HTTPRoutes use its Services.
#pragma once

#include <string>
#include <vector>

#include "self_signed_cert.h"

namespace portico::bench {

struct GenParams {
  int routes = 10000;
  int gateways = 100;  // also the number of namespaces
  int services = 0;    // 0 = routes / 10 (at least one per namespace)
  // Every Nth route sends part of its traffic to the next namespace.
  int crossNamespaceEvery = 10;
};

struct GeneratedConfig {
  std::string yaml;
  int objects = 0;  // documents written
  int routes = 0;
  int services = 0;
  int crossNamespaceRefs = 0;
  int referenceGrants = 0;
};

// `tls` is reused for every Gateway's Secret: parsing cost is what
// matters, not distinct key material.
GeneratedConfig generateConfig(const GenParams& params, const KeyPairPem& tls);

// The DNS names the shared certificate should carry: each Gateway's
// listener wildcard, so the certificate matches every HTTPS listener.
std::vector<std::string> gatewayWildcards(int gateways);

}  // namespace portico::bench
