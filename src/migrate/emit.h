// Writes the objects `portico migrate` generates as YAML: keys in the order
// kubectl shows them (apiVersion, kind, metadata, spec; inside spec the
// order of the Go types), defaults left out, each document preceded by
// its comment lines.
#pragma once

#include <string>
#include <vector>

#include "api/gateway.h"
#include "api/policy.h"
#include "api/routes.h"

namespace portico::migrate {

std::string emitGateway(const api::Gateway& g, const std::vector<std::string>& comments);
std::string emitHTTPRoute(const api::HTTPRoute& r, const std::vector<std::string>& comments);
std::string emitReferenceGrant(const api::ReferenceGrant& g, const std::vector<std::string>& comments);

// A YAML scalar for `s`: plain when no YAML 1.1/1.2 reader could take it
// for anything but this string, double-quoted otherwise.
std::string yamlScalar(const std::string& s);

}  // namespace portico::migrate
