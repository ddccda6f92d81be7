// Hostname rules of the spec (§12.1 of the digest; HTTPRoute.spec.hostnames
// and Listener.hostname docs): wildcard "*.x" matches one or more labels to
// the left and never the apex; a missing hostname means "any".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace portico::translate {

inline bool isWildcard(std::string_view h) { return h.size() >= 2 && h[0] == '*' && h[1] == '.'; }

// True when `name` (precise or wildcard) is covered by `pattern`.
// "*.example.com" covers "a.example.com", "a.b.example.com" and
// "*.a.example.com", but not "example.com".
bool hostnameCovers(std::string_view pattern, std::string_view name);

// Intersection of a listener hostname (empty = any) and a route hostname:
// the narrower of the two when one covers the other, nullopt otherwise.
std::optional<std::string> intersectHostnames(std::string_view listener, std::string_view route);

// Two hostnames (empty = any) overlap when some name matches both.
bool hostnamesOverlap(std::string_view a, std::string_view b);

// Orders hostnames from most to least specific: exact names first, then
// wildcards with more labels, then shorter wildcards, then "any" (empty or
// "*"). Returns true when `a` should be tried before `b`.
bool moreSpecificHostname(std::string_view a, std::string_view b);

// Matches a TLS certificate SAN (RFC 6125: a leading "*." covers exactly
// one label) against a listener hostname.
bool certificateNameCovers(std::string_view san, std::string_view host);

}  // namespace portico::translate
