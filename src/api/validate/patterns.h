// Predicates equal to the string patterns of the Gateway API v1.6.1 CRDs
// (apis/v1/shared_types.go). The frequent ones are hand-written scanners
// (they run for every hostname and reference of every route); the rare
// ones use RE2 patterns compiled once.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace portico::api::validate {

// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$  (Namespace, RFC 1123 label; no length cap)
bool isDnsLabel(std::string_view s);
// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
// (PreciseHostname, SectionName, non-empty Group)
bool isDnsSubdomain(std::string_view s);
// Hostname: optional leading "*." then a DNS subdomain.
bool isWildcardHostname(std::string_view s);
// Kind: ^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$
bool isKindName(std::string_view s);
// HeaderName: ^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$
bool isHeaderName(std::string_view s);
// Header value ([EXP] bundle): ^[!-~]+([\t ]?[!-~]+)*$
bool isHeaderValue(std::string_view s);
// HTTP path characters: ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$
bool isHttpPathChars(std::string_view s);
// GEP-2257 Duration ^([0-9]{1,5}(h|m|s|ms)){1,4}$ -> milliseconds.
std::optional<int64_t> parseDuration(std::string_view s);

// Label/annotation key: optional DNS-subdomain prefix (< 253) + "/" + name
// ^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$.
bool isLabelKey(std::string_view s);
// LabelValue: ^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$ (length checked apart)
bool isLabelValue(std::string_view s);

bool isControllerName(std::string_view s);  // GatewayController
bool isProtocolType(std::string_view s);    // ProtocolType
bool isAddressType(std::string_view s);     // AddressType
bool isCorsOrigin(std::string_view s);      // CORSOrigin
bool isGrpcService(std::string_view s);     // GRPCMethodMatch.service (Exact)
bool isGrpcMethod(std::string_view s);      // GRPCMethodMatch.method (Exact)
bool isWellKnownCA(std::string_view s);     // WellKnownCACertificatesType
bool isAbsoluteUri(std::string_view s);     // SubjectAltName.uri
bool isIPAddress(std::string_view s);       // CEL isIP() / format ipv4|ipv6

}  // namespace portico::api::validate
