// Attachment helpers shared by attach.cc: which listeners a parentRef
// selects and why each refuses a route, using the translator's own rules
// (translate::namespaceAllowed, intersectHostnames, the listener's status
// supportedKinds), and the fixes for each refusal.
#pragma once

#include <string>
#include <vector>

#include "diagnose/analysis.h"

namespace portico::diagnose::detail {

enum class Refusal { None, Kind, Namespace, Hostname };

// The listeners `ref` selects (spec §12.4: a Gateway parentRef never
// reaches ListenerSet listeners; sectionName and port narrow the set).
std::vector<ListenerView> selectedListeners(const Analysis& a, const RouteView& r,
                                            const api::ParentReference& ref);
// Every listener of the parent, before sectionName/port narrowing.
std::vector<ListenerView> parentListeners(const Analysis& a, const RouteView& r,
                                          const api::ParentReference& ref);

Refusal refusal(const Analysis& a, const ListenerView& l, const RouteView& r);

// Evidence line for an allowedRoutes refusal, naming `from` and selector.
std::string namespaceRefusal(const Analysis& a, const ListenerView& l, const RouteView& r);
// Fix letting `l` admit the route's namespace (a Namespace label when the
// listener selects by label, else a patch of the listener).
Fix namespaceFix(const Analysis& a, const ListenerView& l, const RouteView& r);

// A route hostname that `listenerHost` covers, derived from the route's
// own names (same first label), or the listener hostname when exact.
std::string hostnameFor(const std::string& listenerHost, const std::vector<std::string>& routeHosts,
                        size_t& replaceIndex);

// Findings for a parentRef that is not Accepted (attach_causes.cc).
std::string parentField(size_t i);  // spec.parentRefs[i]
void missingParent(Analysis& a, const RouteView& r, const api::ParentReference& pr, size_t i);
void noMatchingParent(Analysis& a, const RouteView& r, const api::ParentReference& pr, size_t i,
                      const api::Condition& c);
void notAllowed(Analysis& a, const RouteView& r, const api::ParentReference& pr, size_t i,
                const api::Condition& c);
void hostnameMismatch(Analysis& a, const RouteView& r, const api::ParentReference& pr,
                      const api::Condition& c);

}  // namespace portico::diagnose::detail
